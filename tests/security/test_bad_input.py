"""Bad input on every write endpoint of the API (listed from the OpenAPI schema) and on every form of the pages
(found in the pages themselves): never a 5xx, a refusal changes no row, nothing absurd is stored, and text with
markup is kept as text and shown escaped."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser

import pytest
from django.apps import apps
from django.db import connection, models
from django.db.models import Q
from django.db.models.functions import Length
from django.test import Client
from rest_framework.test import APIClient

from org.models import Customer

pytestmark = pytest.mark.django_db

HUGE_TEXT = "x" * 100_000
SCRIPT = '<script>alert("x")</script><b onmouseover="alert(1)">bold</b>'
CJK = re.compile(r"[\u4e00-\u9fff]")
ROLES = ("manager_a", "rep_a", "director")


def bad_values(prop: dict) -> list:
    """Wrong types and out-of-range values for one property of a request body."""
    kind, fmt = prop.get("type"), prop.get("format", "")
    if fmt == "date":
        return ["0001-01-01", "9999-12-31", "31/02/2026", 20260101]
    if fmt == "date-time":
        return ["0001-01-01T00:00:00Z", "9999-12-31T23:59:59Z", "yesterday"]
    if fmt == "decimal" or kind in ("number", "integer"):
        return ["1e20", 1e20, -1, -(10**20), "abc", [1]]
    if kind == "boolean":
        return ["maybe", [True]]
    if kind == "array":
        return ["not a list", [HUGE_TEXT], [{"x": 1}] * 3]
    if kind == "object":
        return ["not an object", [1]]
    return [HUGE_TEXT, SCRIPT, {"nested": "object"}, ["a", "list"]]


def resolve(schema: dict, node: dict) -> dict:
    while "$ref" in node:
        node = schema["components"]["schemas"][node["$ref"].split("/")[-1]]
    if "allOf" in node:
        merged: dict = {"properties": {}, "required": []}
        for part in node["allOf"]:
            part = resolve(schema, part)
            merged["properties"].update(part.get("properties", {}))
            merged["required"] += part.get("required", [])
        return merged
    return node


def write_operations(schema: dict) -> list[tuple[str, str, dict]]:
    """(method, path, request body schema) of every write operation the API documents; an upload's body is marked
    ``"x-multipart": True``."""
    found = []
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            if method not in ("post", "put", "patch") or path == "/api/v1/auth/token/":
                continue
            content = operation.get("requestBody", {}).get("content", {})
            body = content.get("application/json") or content.get("multipart/form-data") or {}
            resolved = resolve(schema, body.get("schema", {}))
            if "application/json" not in content and "multipart/form-data" in content:
                resolved = {**resolved, "x-multipart": True}
            found.append((method, path, resolved))
    return found


def count_rows() -> dict[str, int]:
    """The number of rows of every table of the project, in one query."""
    tables = sorted(
        {m._meta.db_table for m in apps.get_models() if m._meta.managed and not m._meta.proxy}
        & set(connection.introspection.table_names())
    )
    sql = "SELECT " + ", ".join(f'(SELECT count(*) FROM "{t}")' for t in tables)
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return dict(zip(tables, cursor.fetchone(), strict=True))


# A refused request may still leave a trace: its audit event, the session, the login throttle's records.
LOG_TABLES = {"org_auditevent", "django_session", "axes_accessattempt", "axes_accesslog", "visits_idempotencykey"}


def changed_tables(before: dict, after: dict) -> set[str]:
    return {t for t in before if before[t] != after[t]} - LOG_TABLES


def absurd_rows() -> list[str]:
    """Rows that hold a value no form or endpoint should have let in: 10,000+ characters, 1e15+, or a date
    before 1900 or after 2100."""
    found = []
    for model in apps.get_models():
        if not model._meta.managed or model._meta.proxy:
            continue
        for field in model._meta.concrete_fields:
            rows = model._base_manager.all()
            if isinstance(field, (models.CharField, models.TextField)) and not field.choices:
                rows = rows.annotate(_length=Length(field.attname)).filter(_length__gte=10_000)
            elif isinstance(field, (models.DecimalField, models.FloatField, models.BigIntegerField)):
                rows = rows.filter(**{f"{field.attname}__gte": 10**15})
            elif isinstance(field, models.DateField):  # and DateTimeField
                name = field.attname
                rows = rows.filter(Q(**{f"{name}__year__lt": 1900}) | Q(**{f"{name}__year__gt": 2100}))
            else:
                continue
            if rows.exists():
                found.append(f"{model._meta.label}.{field.name}")
    return found


def api_for(user) -> APIClient:
    client = APIClient(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_authenticate(user)
    return client


def concrete_path(client: APIClient, path: str, world) -> str | None:
    if "{date}" in path:
        return path.replace("{date}", world.shared["date"].isoformat())
    if "{id}" not in path:
        return path
    listing = client.get(path.split("{")[0])
    if listing.status_code != 200:
        return None
    body = listing.json()
    rows = body.get("results", body) if isinstance(body, dict) else body
    return path.replace("{id}", str(rows[0]["id"])) if rows else None


def first_role_let_in(world, method: str, path: str) -> tuple[APIClient, str] | None:
    """The first of manager, rep and director whom the endpoint does not turn away outright."""
    for role in ROLES:
        client = api_for(getattr(world.company, role))
        url = concrete_path(client, path, world)
        if url is None:
            continue
        probe = client.generic(method.upper(), url, json.dumps({}), content_type="application/json")
        if probe.status_code not in (403, 404, 405):
            return client, url
    return None


def test_every_write_endpoint_of_the_api_survives_bad_input(world) -> None:
    schema = api_for(world.company.director).get("/api/schema/?format=json").json()
    operations = write_operations(schema)
    assert len(operations) >= 30  # the list is the schema's, not a copy that could fall behind
    problems: list[str] = []
    translated: set[str] = set()
    for method, path, body in operations:
        chosen = first_role_let_in(world, method, path)
        if chosen is None:
            continue
        client, url = chosen
        properties = {k: v for k, v in body.get("properties", {}).items() if not v.get("readOnly")}
        cases: list[tuple[str, object, str]] = [
            ("malformed JSON", '{"broken": ', "application/json"),
            ("unknown field", json.dumps({"zz_unknown_field": "?"}), "application/json"),
            ("a list instead of an object", json.dumps([1, 2, 3]), "application/json"),
            ("JSON nested 1,000 deep", "[" * 1000 + "]" * 1000, "application/json"),
        ]
        for name, prop in properties.items():
            for value in bad_values(prop):
                cases.append((f"{name}={str(value)[:30]!r}", json.dumps({name: value}), "application/json"))
        for label, payload, content_type in cases:
            before = count_rows()
            response = client.generic(method.upper(), url, payload, content_type=content_type)
            where = f"{method.upper()} {path} with {label}: {response.status_code}"
            if response.status_code >= 500:
                problems.append(where)
            elif response.status_code >= 400 and changed_tables(before, count_rows()):
                problems.append(f"{where} but changed {changed_tables(before, count_rows())}")
            elif response.status_code < 300 and (stored := absurd_rows()):
                problems.append(f"{where} and stored {stored}")
        if body.get("required"):
            if body.get("x-multipart"):  # an upload is multipart only: asked in its own content type
                refused = getattr(client, method)(url, {}, format="multipart")
            else:
                refused = client.generic(method.upper(), url, "{}", content_type="application/json")
            if refused.status_code != 400:
                problems.append(f"{method.upper()} {path} without its required fields: {refused.status_code}")
            elif CJK.search(refused.content.decode("unicode_escape", "ignore") + refused.content.decode()):
                translated.add(path.split("/")[3])
    assert not problems, "\n".join(problems)
    assert not absurd_rows(), absurd_rows()
    # Missing fields are named in Chinese for the default language, in every app that has required fields.
    assert {"customers", "targets", "visits", "problems"} <= translated, translated


def test_markup_in_a_text_field_is_stored_as_text_and_shown_escaped(world) -> None:
    client = api_for(world.company.manager_a)
    response = client.patch(f"/api/v1/customers/{world.a.objects['customer'].pk}/", {"name": SCRIPT}, format="json")
    assert response.status_code == 200
    assert Customer.objects.get(pk=world.a.objects["customer"].pk).name == SCRIPT
    page = world_client(world.company.manager_a).get(f"/visits/sheets/{world.a.objects['sheet'].pk}/")
    html = page.content.decode()
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html
    assert SCRIPT not in html and "<b onmouseover" not in html


def world_client(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


# --- the pages' forms ------------------------------------------------------------------------------------------


class FormFinder(HTMLParser):
    """Every POST form of a page: its action and its fields with their current values."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[dict] = []
        self._form: dict | None = None
        self._textarea: str | None = None
        self._select: str | None = None

    def handle_starttag(self, tag: str, attrs: list) -> None:
        attr = dict(attrs)
        if tag == "form" and (attr.get("method") or "").lower() == "post":
            self._form = {"action": attr.get("action") or "", "fields": {}, "types": {}}
            self.forms.append(self._form)
        elif self._form is None:
            return
        elif tag == "input" and attr.get("name") and attr.get("type") not in ("submit", "button", "file"):
            if attr.get("type") in ("checkbox", "radio") and "checked" not in attr:
                self._form["types"].setdefault(attr["name"], attr.get("type"))
                continue_ = True
            else:
                continue_ = False
            if not continue_:
                self._form["fields"][attr["name"]] = attr.get("value") or ""
                self._form["types"][attr["name"]] = attr.get("type") or "text"
        elif tag == "textarea" and attr.get("name"):
            self._textarea = attr["name"]
            self._form["fields"][attr["name"]] = ""
            self._form["types"][attr["name"]] = "textarea"
        elif tag == "select" and attr.get("name"):
            self._select = attr["name"]
            self._form["types"][attr["name"]] = "select"
        elif tag == "option" and self._select and (self._select not in self._form["fields"] or "selected" in attr):
            self._form["fields"][self._select] = attr.get("value") or ""

    def handle_data(self, data: str) -> None:
        if self._form is not None and self._textarea:
            self._form["fields"][self._textarea] += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = None
        elif tag == "textarea":
            self._textarea = None
        elif tag == "select":
            self._select = None


def page_urls(world) -> list[str]:
    """The pages that hold forms: every page without an argument, and the detail pages of this team's objects."""
    from django.urls import get_resolver

    urls = []
    for namespace in ("org", "targets", "visits", "meetings", "reports"):
        resolver = get_resolver().namespace_dict[namespace][1]
        for pattern in resolver.url_patterns:
            route = str(pattern.pattern)
            if "<" not in route and not route.endswith((".csv", ".xlsx")):
                urls.append("/" + route)
    mine = world.a.objects
    urls += [
        f"/customers/{mine['customer'].pk}/",
        f"/targets/{mine['target'].pk}/",
        f"/visits/sheets/{mine['sheet'].pk}/",
        f"/meetings/problems/{mine['problem'].pk}/",
        f"/meetings/{mine['meeting'].pk}/check-in/",
        f"/meetings/{mine['meeting'].pk}/dashboard/",
    ]
    return urls


def bad_form_values(kind: str) -> list[str]:
    if kind == "number":
        return ["1e20", "-1", "abc", "99999999999999999999"]
    if kind == "date":
        return ["0001-01-01", "9999-12-31", "2026-02-31"]
    if kind in ("hidden", "select", "checkbox", "radio"):
        return ["999999999", "<script>", "-1"]
    return [HUGE_TEXT, SCRIPT]


def test_every_form_of_the_pages_survives_bad_input(world) -> None:
    problems: list[str] = []
    seen: set[str] = set()
    for role in ("manager_a", "rep_a", "director"):
        client = world_client(getattr(world.company, role))
        for url in page_urls(world):
            page = client.get(url)
            if page.status_code != 200 or "text/html" not in page.get("Content-Type", ""):
                continue
            finder = FormFinder()
            finder.feed(page.content.decode())
            for form in finder.forms:
                action = form["action"] or url
                if action in seen or "logout" in action or "/i18n/" in action:
                    continue
                seen.add(action)
                for name, kind in form["types"].items():
                    if name == "csrfmiddlewaretoken":
                        continue
                    for value in bad_form_values(kind):
                        data = dict(form["fields"], **{name: value})
                        response = client.post(action, data, HTTP_HX_REQUEST="true")
                        if response.status_code >= 500:
                            problems.append(f"{role} POST {action} {name}={value[:20]!r}: {response.status_code}")
    assert len(seen) >= 10, seen  # the forms were found
    assert not problems, "\n".join(problems)
    assert not absurd_rows(), absurd_rows()


def test_a_refused_form_changes_no_row_and_names_the_field_in_chinese(world) -> None:
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(world.company.manager_a)
    before = count_rows()
    response = client.post("/customers/new/", {"name": "", "code": HUGE_TEXT, "team": world.a.team.pk})
    assert response.status_code in (200, 400)
    errors = re.findall(r'class="invalid-feedback[^"]*"[^>]*>\s*([^<]+)', response.content.decode())
    assert errors and all(CJK.search(text) for text in errors), errors
    assert not changed_tables(before, count_rows())
