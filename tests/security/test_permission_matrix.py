"""Every page and API operation × every role × own / other team's object → the expected status.

The rows are checked against the URL configuration and the OpenAPI schema: a new route without a row fails
``test_every_page_and_api_operation_has_a_row_in_the_matrix``. Objects out of a user's scope answer 404 (not 403,
which would confirm they exist); lists, pages and exports never show another team's records; a refused request
writes nothing.
"""

from __future__ import annotations

import inspect
import io
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import openpyxl
import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, resolve, reverse
from django_filters import ModelChoiceFilter, ModelMultipleChoiceFilter
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.generators import SchemaGenerator

from tests.security.conftest import ROLES, World, group_robot, send

OK = "ok"  # permission passed: any answer but 401/403/404 and 5xx (400 for a minimal payload is fine)
REFUSALS = {401, 403, 404, 405}
ANON_API = (401, 403)
ANON_PAGE = 302  # to the login page
LOGIN_URL = "/accounts/login/"
SKIPPED_PREFIXES = ("admin/", "static/", "media/", "i18n/")
SKIPPED_NAMES = {"api-root"}


@dataclass(frozen=True)
class Row:
    """``name`` is the URL name ("api:<name>" for the API); role expectations: a status, OK, or (own, other).

    For a route about an object (``obj``), a plain expectation applies to the role's own team's object and
    the other team's object must answer 404 (403 or 404 when the role is refused outright); a director gets the
    plain expectation for both. ``lists`` names the kind of object an API list shows: the other team's must not
    be in it, the caller's own must.
    """

    name: str
    method: str
    obj: str | None = None
    lists: str | None = None
    rep: Any = None
    manager: Any = None
    director: Any = None
    anonymous: Any = None
    data: Callable[[World, Any, Any], dict] | dict | None = None  # (world, object's side, caller's side)
    query: str | None = None  # the object goes in this query parameter instead of the path
    one_role_enough: bool = False  # the same answer for every signed-in role: ask as one of them
    shows_own: bool = False  # a manager sees their own team's records here (so the leak check sees something)
    kwargs: Callable[[World, Any], dict] | None = None  # URL kwargs from (world, object's side)

    @property
    def is_api(self) -> bool:
        return self.name.startswith("api:")

    @property
    def key(self) -> tuple[str, str]:
        return (self.name, self.method)

    def expected(self, role: str, own: bool) -> Any:
        if role == "anonymous":
            if self.anonymous is not None:
                return self.anonymous
            return ANON_API if self.is_api else ANON_PAGE
        family = role.split("_")[0]
        value = getattr(self, family)
        if isinstance(value, tuple) and len(value) == 2 and (self.obj or self.query):
            return value[0] if own else value[1]
        if own or family == "director" or not (self.obj or self.query):
            return value
        # A role refused outright may be told so before or after the lookup: both hide the object.
        return (403, 404) if value == 403 else 404


def R(name: str, method: str = "GET", **kwargs) -> Row:
    return Row(name, method, **kwargs)


def every(status: Any) -> dict:
    return {"rep": status, "manager": status, "director": status}


# ------------------------------------------------------------------------------------------------------------
MATRIX_ROWS: list[Row] = [
    # --- site ---
    R("home", rep=200, manager=302, director=302),  # a rep's day in place; the others to their landing page
    R("healthz", anonymous=200, **every(200)),
    R("service-worker", anonymous=200, **every(200)),  # the offline pages' worker: static, no one's data
    R("manifest", anonymous=200, **every(200)),  # the web app manifest, fetched before any login
    R("offline", anonymous=200, **every(200)),  # the offline start page
    R("javascript-catalog", anonymous=200, **every(200)),  # the page scripts' translations, login page included
    R("login", anonymous=200, **every(302)),
    R("password_change", **every(200)),
    R("password_change_done", **every(200)),
    # The API description is public (drf-spectacular's SERVE_PERMISSIONS); the operations are not.
    R("schema", anonymous=200, one_role_enough=True, **every(200)),
    R("api-docs", anonymous=200, one_role_enough=True, **every(200)),
    R("api-redoc", anonymous=200, one_role_enough=True, **every(200)),
    R("api:api-token", "POST", anonymous=400, **every(400)),
]


def roles(rep: Any, manager: Any, director: Any) -> dict:
    return {"rep": rep, "manager": manager, "director": director}


def fresh_robot(side) -> int:
    return group_robot(side.team, side.manager).pk


def _photo_kwargs(side) -> dict:
    return {"pk": side.objects["visit"].pk, "photo_pk": side.objects["photo"].pk}


def rep_of_caller(world: World, obj_side, my_side) -> dict:
    return {"rep": (my_side or obj_side).rep.pk}


REPORT_PAGES = ("cockpit", "daily", "daily_xlsx", "daily_csv", "scorecard", "my_team")
REP_ONLY = roles(rep=OK, manager=403, director=403)
LEADERS = roles(rep=403, manager=OK, director=OK)
ANYONE = every(OK)

MATRIX_ROWS += [
    # --- org API ---
    R("api:team-list", lists="team", **every(200)),
    R("api:team-detail", obj="team", **every(200)),
    R("api:member-list", lists="member", **every(200)),
    R("api:member-detail", obj="member", **every(200)),
    R("api:customer-list", lists="customer", **every(200)),
    R("api:customer-list", "POST", **ANYONE),
    R("api:customer-detail", obj="customer", **every(200)),
    R("api:customer-detail", "PUT", obj="customer", **ANYONE),
    R("api:customer-detail", "PATCH", obj="customer", data={"tier": "A"}, **every(200)),
    R("api:product-list", **every(200)),
    R("api:product-list", "POST", **roles(rep=403, manager=403, director=OK)),
    R("api:product-detail", kwargs=lambda w, s: {"pk": w.shared["product"].pk}, **every(200)),
    *[
        R("api:product-detail", m, kwargs=lambda w, s: {"pk": w.shared["product"].pk}, **roles(403, 403, OK))
        for m in ("PUT", "PATCH")
    ],
    # API tokens are personal: the owner and a director see and revoke them.
    R("api:api-token-device-list", **every(200)),
    R("api:api-token-device-detail", "DELETE", obj="token", **roles(rep=(204, 404), manager=(404, 404), director=204)),
    R("api:calendar-list", **every(200)),
    R("api:calendar-detail", kwargs=lambda w, s: {"date": w.shared["date"].isoformat()}, **every(200)),
    R("api:calendar-detail", "PUT", kwargs=lambda w, s: {"date": w.shared["date"].isoformat()}, **roles(403, 403, OK)),
    # --- org pages ---
    R("org:teams", **roles(403, 200, 200)),
    R("org:customers", shows_own=True, **every(200)),
    R("org:customer_create", **every(200)),
    R("org:customer_create", "POST", **ANYONE),
    R("org:customer_edit", obj="customer", **every(200)),
    R("org:customer_edit", "POST", obj="customer", **ANYONE),
    R("org:products", **every(200)),
    R("org:calendar", **every(200)),
    R("org:calendar_day", "POST", **roles(403, 403, OK)),
    R("org:calendar_import", "POST", **roles(403, 403, OK)),
    R("org:audit", **roles(403, 403, 200)),
    # --- targets API ---
    R("api:metric-list", **every(200)),
    R("api:metric-list", "POST", **roles(403, 403, OK)),
    R("api:metric-detail", kwargs=lambda w, s: {"pk": w.shared["metric"].pk}, **every(200)),
    R("api:distribution-profile-list", **every(200)),
    R("api:distribution-profile-list", "POST", **LEADERS),
    R("api:distribution-profile-detail", kwargs=lambda w, s: {"pk": w.shared["profile"].pk}, **every(200)),
    R("api:target-list", lists="target", **every(200)),
    R("api:target-list", "POST", **ANYONE),
    R("api:target-detail", obj="target", **every(200)),
    R("api:target-detail", "PATCH", obj="target", data={"annual_value": "70000"}, **roles(403, 200, 200)),
    R("api:target-acknowledge", "POST", obj="target", **roles(rep=OK, manager=403, director=403)),
    R("api:target-approve", "POST", obj="target", **LEADERS),
    R("api:target-history", obj="target", **every(200)),
    R("api:target-months", "POST", obj="target", data={"month": 12, "value": "9000"}, **roles(403, OK, OK)),
    # A rep sees only their own targets, never the team's.
    R("api:target-allocation", obj="team_target", **roles(rep=(404, 404), manager=200, director=200)),
    R("api:target-allocation", "POST", obj="team_target", **roles(rep=(404, 404), manager=OK, director=OK)),
    R("api:target-reopen", "POST", obj="target", **roles(403, 403, OK)),  # a director's reopening of a closed month
    R("api:pending-change-list", **every(200)),
    *[
        R(name, method, kwargs=lambda w, s: {"pk": 0}, **every(404))
        for name, method in (
            ("api:pending-change-detail", "GET"),
            ("api:pending-change-approve", "POST"),
            ("api:pending-change-reject", "POST"),
        )
    ],
    R("api:closed-month-list", **every(200)),
    R("api:closed-month-list", "POST", **roles(403, 403, OK)),
    R("api:closed-month-detail", kwargs=lambda w, s: {"pk": 0}, **every(404)),
    R("api:closed-month-reopen", "POST", kwargs=lambda w, s: {"pk": 0}, **roles(403, 403, 404)),
    R("api:ramp-plan-list", lists="ramp", **every(200)),
    R("api:ramp-plan-list", "POST", **LEADERS),
    R("api:ramp-plan-detail", obj="ramp", **every(200)),
    # --- targets pages ---
    R("targets:grid", **LEADERS),
    R("targets:grid", query="team", obj="team", **LEADERS),
    R("targets:cell", "POST", **roles(403, 404, 404)),  # no target named: nothing to change
    R("targets:mine", **every(200)),
    R("targets:export", shows_own=True, **LEADERS),
    R("targets:export", query="team", obj="team", **LEADERS),
    R("targets:import", **LEADERS),
    R("targets:import", "POST", **LEADERS),
    R("targets:import_apply", "POST", **LEADERS),
    R("targets:detail", obj="target", **every(200)),
    *[R(f"targets:{n}", "POST", obj="target", **LEADERS) for n in ("profile", "approve", "lock")],
    R("targets:acknowledge", "POST", obj="target", **roles(rep=OK, manager=403, director=403)),
    R("targets:reopen", "POST", obj="target", **roles(403, 403, OK)),
    R("targets:pending", **LEADERS),
    *[
        R(f"targets:{n}", "POST", kwargs=lambda w, s: {"pk": 0}, **roles(403, 404, 404))
        for n in ("pending_approve", "pending_reject")
    ],
    *[R(f"reports:{n}", "POST", **roles(403, 403, OK)) for n in ("month_close", "month_reopen")],
    *[R(f"targets:{n}", "POST", obj="team_target", **LEADERS) for n in ("allocate", "approve_children")],
    # --- visits API ---
    R("api:visit-sheet-list", lists="sheet", **every(200)),
    R("api:visit-sheet-list", "POST", **REP_ONLY),
    R("api:visit-sheet-detail", obj="sheet", **every(200)),
    R("api:visit-sheet-comment", "POST", obj="sheet", data={"comment": "well done"}, **roles(403, 200, 200)),
    R("api:visit-sheet-copy-unfinished", "POST", obj="sheet", **REP_ONLY),
    R("api:visit-sheet-reopen", "POST", obj="sheet", **LEADERS),
    R("api:visit-sheet-submit", "POST", obj="sheet", **REP_ONLY),
    R("api:visit-list", lists="visit", **every(200)),
    R("api:visit-list", "POST", **ANYONE),
    R("api:visit-detail", obj="visit", **every(200)),
    R("api:visit-detail", "PUT", obj="visit", **every((405, 405))),  # not offered: PATCH only
    R("api:visit-detail", "PATCH", obj="visit", data={"outcome": "ok"}, **REP_ONLY),
    R("api:visit-detail", "DELETE", obj="visit", **REP_ONLY),
    R("api:visit-check-in", "POST", obj="visit", **REP_ONLY),
    R("api:visit-check-out", "POST", obj="visit", **REP_ONLY),
    R("api:visit-photos", obj="visit", **every(200)),
    R("api:visit-photos", "POST", obj="visit", **REP_ONLY),
    R(
        "api:visit-photo-remove",
        "DELETE",
        obj="photo",
        kwargs=lambda w, s: {"pk": s.objects["visit"].pk, "photo_id": s.objects["photo"].pk},
        **REP_ONLY,
    ),
    R("api:order-line-list", lists="order_line", **every(200)),
    R("api:order-line-list", "POST", **ANYONE),
    R("api:order-line-detail", obj="order_line", **every(200)),
    R("api:order-line-detail", "DELETE", obj="order_line", **REP_ONLY),
    R("api:visit-review-list", lists="review", **every(200)),
    R("api:visit-review-list", "POST", **ANYONE),
    R("api:visit-review-detail", obj="review", **every(200)),
    R("api:visit-review-resolve", "POST", obj="review", **LEADERS),
    R("api:sale-record-list", lists="sale", **every(200)),
    R("api:sale-record-detail", obj="sale", **every(200)),
    R("api:sale-record-import-lines", "POST", **LEADERS),
    # --- visits pages ---
    R("visits:today", **roles(200, 403, 403)),
    R("visits:team_day", shows_own=True, **LEADERS),
    # Another team in the filter is an invalid choice, as an unknown one: 400, the page shows the caller's teams.
    R("visits:team_day", query="team", obj="team", **roles(rep=403, manager=(200, 400), director=200)),
    R("visits:sheets", shows_own=True, **every(200)),
    R("visits:sheet", obj="sheet", **every(200)),
    *[R(f"visits:{n}", "POST", obj="sheet", **ANYONE) for n in ("plan", "unplanned")],
    *[R(f"visits:{n}", "POST", obj="sheet", **REP_ONLY) for n in ("copy", "submit")],
    R("visits:comment", "POST", obj="sheet", **LEADERS),
    R("visits:route", "POST", obj="sheet", **REP_ONLY),
    R("visits:map", obj="sheet", **every(200)),
    *[R(f"visits:{n}", "POST", obj="visit", **REP_ONLY) for n in ("remove", "check_in", "check_out", "record")],
    R("visits:order", "POST", obj="visit", **ANYONE),
    R("visits:review", "POST", obj="visit", **LEADERS),
    R("visits:photo", obj="photo", kwargs=lambda w, s: _photo_kwargs(s), **every(200)),
    R("visits:order_remove", "POST", obj="order_line", **REP_ONLY),
    R("visits:to_verify", **LEADERS),
    R("visits:position", "POST", obj="customer", **LEADERS),
    R("visits:discrepancies", **LEADERS),
    R("visits:resolve", "POST", obj="review", **LEADERS),
    R("visits:customers", **every(200)),
    # Another team's rep in the filter shows nothing of theirs (the markers check), whatever the status.
    R("visits:customers", query="rep", obj="rep", **roles(rep=(200, 200), manager=(200, 200), director=200)),
    R("visits:import", **LEADERS),
    R("visits:import", "POST", **LEADERS),
    R("visits:import_template", **LEADERS),
    # --- meetings API ---
    R("api:meeting-list", lists="meeting", **every(200)),
    R("api:meeting-detail", obj="meeting", **every(200)),
    R("api:meeting-allow-late", "POST", obj="meeting", data=rep_of_caller, **LEADERS),
    R(
        "api:meeting-excuse",
        "POST",
        obj="meeting",
        data=lambda w, o, m: {**rep_of_caller(w, o, m), "reason": "ill"},
        **LEADERS,
    ),
    R("api:checkin-list", lists="checkin", **every(200)),
    R("api:checkin-list", "POST", **ANYONE),
    R("api:checkin-detail", obj="checkin", **every(200)),
    R("api:problem-list", lists="problem", **every(200)),
    R("api:problem-list", "POST", **ANYONE),
    R("api:problem-detail", obj="problem", **every(200)),
    R("api:problem-resolve", "POST", obj="problem", data={"resolution": "fixed"}, **every(200)),
    R("api:corrective-action-list", lists="action", **every(200)),
    R("api:corrective-action-list", "POST", **ANYONE),
    R("api:corrective-action-detail", obj="action", **every(200)),
    R("api:corrective-action-done", "POST", obj="action", **every(200)),
    R("api:corrective-action-start", "POST", obj="action", **every(200)),
    R("api:coaching-note-list", lists="note", **every(200)),
    R("api:coaching-note-list", "POST", **ANYONE),
    R("api:coaching-note-detail", obj="note", **every(200)),
    # --- meetings pages ---
    R("meetings:index", **every(200)),
    R("meetings:create_day", "POST", **LEADERS),
    R("meetings:checkin", obj="meeting", **roles(200, 403, 403)),
    R("meetings:checkin", "POST", obj="meeting", **REP_ONLY),
    R("meetings:dashboard", obj="meeting", **LEADERS),
    R("meetings:dashboard_live", obj="meeting", **LEADERS),
    R("meetings:excuse", "POST", obj="meeting", **LEADERS),
    R("meetings:allow_late", "POST", obj="meeting", **LEADERS),
    R("meetings:problems", shows_own=True, **every(200)),
    R("meetings:problem_create", "POST", **every(404)),  # no meeting named
    R("meetings:problem", obj="problem", **every(200)),
    R("meetings:problem_resolve", "POST", obj="problem", **ANYONE),
    R("meetings:action_create", "POST", obj="problem", **ANYONE),
    R(
        "meetings:action_step",
        "POST",
        obj="action",
        kwargs=lambda w, s: {"pk": s.objects["action"].pk, "step": "start"},
        **ANYONE,
    ),
    R("meetings:coaching", **every(200)),
    R("meetings:coaching", "POST", **roles(404, OK, OK)),
    R("meetings:schedule", **LEADERS),
    R("meetings:schedule", "POST", **LEADERS),
    # --- reports API ---
    R("api:progress-snapshot-list", lists="snapshot", **every(200)),
    R("api:progress-snapshot-detail", obj="snapshot", **every(200)),
    R("api:execution-kpi-list", lists="kpi", **every(200)),
    R("api:execution-kpi-detail", obj="kpi", **every(200)),
    R("api:alert-list", lists="alert", **every(200)),
    # Alerts are personal: the world's alerts are the reps'.
    R("api:alert-detail", obj="alert", **roles(rep=200, manager=(404, 404), director=404)),
    R("api:alert-mark-read", "POST", **every(200)),
    # --- reports pages and exports ---
    *[R(f"reports:{n}", shows_own=True, **LEADERS) for n in REPORT_PAGES],
    *[R(f"reports:{n}", query="team", obj="team", **LEADERS) for n in REPORT_PAGES],
    R("reports:rep", obj="rep", kwargs=lambda w, s: {"rep_id": s.rep.pk}, **every(200)),
    R("reports:my_day", **every(200)),
    R("reports:weekly", shows_own=True, **LEADERS),
    R("reports:weekly", "POST", **LEADERS),  # an empty form: 400 with its errors
    R("reports:alerts", **every(200)),
    R("reports:alerts_read", "POST", **every(302)),
    R("reports:robots", shows_own=True, **LEADERS),
    R("reports:robots", "POST", **LEADERS),  # an empty form: 400 with its errors
    R("reports:robot_test", "POST", obj="robot", **LEADERS),
    # Each call removes a robot made for it, so that every role has one to remove.
    R(
        "reports:robot_delete",
        "POST",
        obj="robot",
        kwargs=lambda w, s: {"pk": group_robot(s.team, s.manager).pk},
        **LEADERS,
    ),
    # --- last: it ends the sessions ---
    R("logout", "POST", anonymous=302, **every(302)),
]

MATRIX: dict[tuple[str, str], Row] = {}
for _row in MATRIX_ROWS:
    MATRIX.setdefault(_row.key, _row)


# ------------------------------------------------------------------------------------------------------------
# Running the matrix


def body_text(response) -> str:
    content_type = response.get("Content-Type", "")
    if "spreadsheetml" in content_type:
        book = openpyxl.load_workbook(io.BytesIO(response.content), read_only=True)
        return "\n".join(
            str(cell) for sheet in book.worksheets for row in sheet.iter_rows(values_only=True) for cell in row if cell
        )
    if hasattr(response, "streaming_content"):
        return b"".join(response.streaming_content).decode(errors="replace")
    return response.content.decode(errors="replace")


def listed_ids(response) -> set[int]:
    data = response.json()
    items = data["results"] if isinstance(data, dict) and "results" in data else data
    return {item.get("id") for item in items if isinstance(item, dict)}


def url_of(row: Row, world: World, side) -> str:
    name = row.name.removeprefix("api:")
    if row.kwargs:
        return reverse(name, kwargs=row.kwargs(world, side))
    if row.obj and not row.query:
        return reverse(name, kwargs={"pk": side.objects[row.obj].pk})
    url = reverse(name)
    if row.query:
        url += f"?{row.query}={side.objects[row.obj].pk}"
    return url


def matches(status: int, expected: Any) -> bool:
    if expected == OK:
        return status not in {401, 403, 404} and status < 500
    if isinstance(expected, tuple):
        return status in expected
    return status == expected


def _sides(row: Row, role: str, world: World) -> list[tuple[bool, Any]]:
    """(own?, side) pairs a role is asked about. Team A's object is rep_a's and manager_a's own and another
    team's for rep_b and manager_b; the director is asked about team A's and team B's."""
    if not (row.obj or row.kwargs) or role == "anonymous":
        return [(world.side_of(role) is not world.b, world.a)]
    if role == "director":
        return [(True, world.a), (False, world.b)]
    return [(world.side_of(role) is world.a, world.a)]


def _problems(row: Row, role: str, own: bool, world: World, response, written: list[str]) -> list[str]:
    """What is wrong with one answer besides its status: writes on refusal, redirects, the other team's data."""
    status, problems = response.status_code, []
    if (status in REFUSALS or (role == "anonymous" and status == 302)) and written:
        problems.append(f"refused with {status} but wrote {written}")
    to_login = role == "anonymous" and status == 302 and row.expected(role, own) == ANON_PAGE
    if to_login and not response["Location"].startswith(LOGIN_URL):
        problems.append(f"redirected to {response['Location']}, not to the login page")
    if status != 200 or row.method != "GET" or not role.startswith(("rep_", "manager_")):
        return problems
    mine = world.side_of(role)
    other = world.b if mine is world.a else world.a
    text = body_text(response)
    problems += [f"shows the other team's {marker!r}" for marker in other.markers if marker in text]
    if row.shows_own and role.startswith("manager") and not any(marker in text for marker in mine.markers):
        problems.append("shows nothing of the caller's own team")
    if row.lists and row.is_api:
        ids = listed_ids(response)
        if other.objects[row.lists].pk in ids:
            problems.append(f"lists the other team's {row.lists}")
        personal = row.lists == "alert" and role.startswith("manager")  # the world's alerts are the reps'
        if not personal and mine.objects[row.lists].pk not in ids:
            problems.append(f"does not list the caller's own {row.lists}")
    return problems


def run_rows(rows: list[Row], world: World, clients: dict) -> list[str]:
    """Every row as every role, on the role's own team's object and the other team's; the failures."""
    failures = []
    for row in rows:
        for role in ("anonymous", "rep_a") if row.one_role_enough else ROLES:
            for own, side in _sides(row, role, world):
                url = url_of(row, world, side)
                data = row.data(world, side, world.side_of(role)) if callable(row.data) else row.data
                if data is None and row.method in ("POST", "PUT", "PATCH"):
                    data = {}
                watch = row.method != "GET"
                response, written = send(clients[role], row.method, url, data, api=row.is_api, watch=watch)
                whose = f" ({'own' if own else 'other team'}'s)" if row.obj or row.kwargs else ""
                where = f"{row.method} {url} as {role}{whose}"
                expected = row.expected(role, own)
                if not matches(response.status_code, expected):
                    failures.append(f"{where}: {response.status_code}, expected {expected}")
                failures += [f"{where}: {problem}" for problem in _problems(row, role, own, world, response, written)]
    return failures


@pytest.mark.parametrize("group", ["site", "org", "targets", "visits", "meetings", "reports"])
def test_each_role_gets_the_expected_answer_and_nothing_of_other_teams(group, world, clients):
    prefixes = {
        "site": (
            "home",
            "healthz",
            "service-worker",
            "manifest",
            "offline",
            "javascript-catalog",
            "login",
            "logout",
            "password",
            "schema",
            "api-",
            "api:api-token",
        ),
        "org": ("org:", "api:team", "api:member", "api:customer", "api:product", "api:calendar"),
        "targets": (
            "targets:",
            "api:metric",
            "api:distribution",
            "api:target",
            "api:ramp",
            "api:pending",
            "api:closed",
        ),
        "visits": ("visits:", "api:visit", "api:order", "api:sale"),
        "meetings": ("meetings:", "api:meeting", "api:checkin", "api:problem", "api:corrective", "api:coaching"),
        "reports": ("reports:", "api:progress", "api:execution", "api:alert"),
    }[group]
    rows = [row for row in MATRIX_ROWS if row.name.startswith(prefixes)]
    failures = run_rows(rows, world, clients)
    assert not failures, f"{len(failures)} failures:\n" + "\n".join(failures)


# ------------------------------------------------------------------------------------------------------------
# Route discovery


def _methods_of(callback) -> set[str]:
    """The methods a page view must be tested with: its require_http_methods list, else GET (POST for a view
    class that has no get handler)."""
    view_class = getattr(callback, "view_class", None)
    if view_class is not None:
        return {"GET"} if "get" in view_class.http_method_names else {"POST"}
    layer = callback
    while layer is not None:
        try:
            allowed = inspect.getclosurevars(layer).nonlocals.get("request_method_list")
        except (TypeError, ValueError):
            allowed = None
        if allowed:
            return {m.upper() for m in allowed}
        layer = getattr(layer, "__wrapped__", None)
    return {"GET"}


def _walk(resolver: URLResolver, prefix: str = "", namespace: str | None = None):
    for pattern in resolver.url_patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            inner = namespace
            if pattern.namespace:
                inner = f"{namespace}:{pattern.namespace}" if namespace else pattern.namespace
            yield from _walk(pattern, route, inner)
        elif isinstance(pattern, URLPattern):
            yield route, namespace, pattern


def routes_in_urlconf() -> set[tuple[str, str]]:
    """(URL name, method) of every page and API operation, without format-suffix duplicates and the API root."""
    found = set()
    for route, namespace, pattern in _walk(get_resolver()):
        if route.startswith(SKIPPED_PREFIXES) or "format" in route or pattern.name in SKIPPED_NAMES:
            continue
        actions = getattr(pattern.callback, "actions", None)
        if route.startswith("api/v1/"):
            methods = {m.upper() for m in actions} - {"HEAD", "OPTIONS"} if actions else {"POST"}
            found |= {(f"api:{pattern.name}", m) for m in methods}
        else:
            name = f"{namespace}:{pattern.name}" if namespace else pattern.name
            found |= {(name, m) for m in _methods_of(pattern.callback)}
    return found


def operations_in_schema() -> set[tuple[str, str]]:
    schema = SchemaGenerator().get_schema(request=None, public=True)
    found = set()
    for path, operations in schema["paths"].items():
        concrete = re.sub(r"\{date\}", "2026-01-05", re.sub(r"\{(pk|id|\w+_id)\}", "1", path))
        match = resolve(concrete)
        for method in operations:
            if method.upper() in {"GET", "POST", "PUT", "PATCH", "DELETE"}:
                found.add((f"api:{match.url_name}", method.upper()))
    return found


def test_every_page_and_api_operation_has_a_row_in_the_matrix():
    needed = routes_in_urlconf()
    api_in_schema = operations_in_schema()
    api_in_urls = {key for key in needed if key[0].startswith("api:") and key != ("api:api-token", "POST")}
    assert api_in_schema - api_in_urls - {("api:api-token", "POST")} == set(), "schema operations no route serves"
    missing = sorted((needed | api_in_schema) - set(MATRIX))
    assert not missing, "routes without a row in the permission matrix:\n" + "\n".join(
        f"  {name} {method}" for name, method in missing
    )
    known_names = {name for name, _method in needed | api_in_schema}
    stale = sorted(key for key in MATRIX if key[0] not in known_names)
    assert not stale, f"matrix rows for routes that no longer exist: {stale}"


# A rep's records are theirs alone: a teammate in the same team gets 404 and does not find them in lists.
PERSONAL = {
    "customer": "customer",
    "target": "target",
    "ramp": "ramp-plan",
    "sheet": "visit-sheet",
    "visit": "visit",
    "order_line": "order-line",
    "review": "visit-review",
    "sale": "sale-record",
    "checkin": "checkin",
    "problem": "problem",
    "action": "corrective-action",
    "note": "coaching-note",
    "snapshot": "progress-snapshot",
    "kpi": "execution-kpi",
    "alert": "alert",
}


def test_a_rep_gets_nothing_of_a_teammates_records(world: World) -> None:
    client = Client()
    client.force_login(world.company.rep_a2)
    failures = []
    for kind, basename in PERSONAL.items():
        own_id = world.a.objects[kind].pk
        detail = client.get(reverse(f"{basename}-detail", args=[own_id]))
        if detail.status_code != 404:
            failures.append(f"{basename} {own_id}: {detail.status_code}")
        listed = client.get(reverse(f"{basename}-list"))
        if own_id in listed_ids(listed):
            failures.append(f"{basename}-list shows rep_a's {kind}")
    for name, kwargs in [
        ("targets:detail", {"pk": world.a.objects["target"].pk}),
        ("visits:sheet", {"pk": world.a.objects["sheet"].pk}),
        ("visits:photo", _photo_kwargs(world.a)),
        ("meetings:problem", {"pk": world.a.objects["problem"].pk}),
        ("org:customer_edit", {"pk": world.a.objects["customer"].pk}),
        ("reports:rep", {"rep_id": world.company.rep_a.pk}),
    ]:
        response = client.get(reverse(name, kwargs=kwargs))
        if response.status_code != 404:
            failures.append(f"{name}: {response.status_code}")
    for name in (
        "org:customers",
        "visits:sheets",
        "visits:customers",
        "targets:mine",
        "reports:my_day",
        "meetings:problems",
    ):
        text = body_text(client.get(reverse(name)))
        failures += [f"{name} shows {m!r}" for m in world.a.markers[:3] if m in text]
    assert not failures, "\n".join(failures)


def _relation_filters(view_class) -> list[tuple[str, type]]:
    """(parameter, related model) of every filter on a related object of an API list."""
    view = view_class()
    view.request, view.action, view.format_kwarg, view.kwargs = None, "list", None, {}
    queryset = view_class.queryset if view_class.queryset is not None else None
    if queryset is None:
        model = getattr(getattr(view_class, "serializer_class", None), "Meta", None)
        queryset = model.model.objects.none() if model else None
    filterset_class = DjangoFilterBackend().get_filterset_class(view, queryset)
    if filterset_class is None:
        return []
    return [
        (name, f.queryset.model if f.queryset is not None else f.field.queryset.model)
        for name, f in filterset_class.base_filters.items()
        if isinstance(f, ModelChoiceFilter | ModelMultipleChoiceFilter) and not callable(f.queryset)
    ]


def test_filtering_a_list_by_another_teams_object_answers_like_filtering_by_no_object(world, clients) -> None:
    """A 400 for an unknown id but 200 for another team's would tell which ids exist."""
    failures, tried = [], 0
    for route, _namespace, pattern in _walk(get_resolver()):
        actions = getattr(pattern.callback, "actions", None) or {}
        if not route.startswith("api/v1/") or "format" in route or actions.get("get") != "list":
            continue
        for param, model in _relation_filters(pattern.callback.cls):
            for role in ("rep_a", "manager_a"):
                mine = world.side_of(role)
                other = world.b if mine is world.a else world.a
                candidates = [o for o in other.objects.values() if isinstance(o, model)]
                if not candidates:
                    continue
                tried += 1
                url = reverse(pattern.name)
                existing = clients[role].get(url, {param: candidates[0].pk})
                unknown = clients[role].get(url, {param: 2_000_000_000})
                if (existing.status_code, existing.content) != (unknown.status_code, unknown.content):
                    failures.append(f"{url}?{param}=: {existing.status_code} for another team's, {unknown.status_code}")
    assert tried > 20
    assert not failures, "\n".join(failures)
