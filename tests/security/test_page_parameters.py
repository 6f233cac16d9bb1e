"""The query parameters of the HTML pages (schemathesis covers the API's): a value a page cannot use answers
400 with a translated message naming the parameter, and a fuzz pass over every page's GET parameters finds no
5xx."""

from __future__ import annotations

import inspect
import re
import sys
import time
from html.parser import HTMLParser
from urllib.parse import parse_qsl, urlsplit

import pytest
from django.test import Client
from django.urls import resolve

from tests.security.test_permission_matrix import MATRIX, url_of

pytestmark = pytest.mark.django_db

CJK = re.compile(r"[\u4e00-\u9fff]")


def chinese_client(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(user)
    return client


@pytest.mark.parametrize(
    ("path", "parameter", "value"),
    [
        ("/reports/", "team", "abc"),
        ("/reports/", "metric", "abc"),
        ("/reports/", "team", "99999999999999999999999"),
        ("/reports/daily.csv", "team", "abc"),
        ("/reports/daily.csv", "metric", "1.5"),
        ("/reports/daily.xlsx", "metric", "zz"),
        ("/reports/scorecard/", "team", "abc"),
        ("/reports/my-team/", "team", "-3"),
        ("/reports/home/", "team", "abc"),
        ("/reports/home/", "as_of", "2026-13-01"),
        ("/reports/", "as_of", "3000-01-01"),
        ("/reports/scorecard/", "as_of", "yesterday"),
        ("/reports/reps/{rep}/", "metric", "zz"),
        ("/meetings/", "day", "9999-12-31"),
        ("/meetings/", "day", "3000-01-06"),
        ("/meetings/", "day", "2026-02-30"),
        ("/visits/team/", "date", "0001-01-01"),
        ("/visits/team/", "team", "abc"),
    ],
)
def test_a_bad_query_parameter_of_a_page_answers_400_naming_it_in_chinese(world, path, parameter, value) -> None:
    client = chinese_client(world.company.manager_a)
    response = client.get(path.format(rep=world.company.rep_a.pk), {parameter: value})
    assert response.status_code == 400
    html = response.content.decode()
    message = re.search(r'data-testid="(?:bad-request|team-day-errors)"[^>]*>(.*?)</(?:p|div)>', html, re.S)
    assert message, html[:400]
    assert CJK.search(message.group(1)), message.group(1)
    if path != "/visits/team/":  # the team day's filter names its fields by their labels
        assert parameter in message.group(1)


# --- the fuzz pass ----------------------------------------------------------------------------------------------

BAD_VALUES = ["abc", "-1", "99999999999999999999", "0001-01-01", "9999-12-31", "<script>", "x" * 3000]
READS = re.compile(
    r"""(?:GET|query_params)(?:\.get|\.getlist)?\(\s*["'](\w+)["']"""  # request.GET.get("team")
    r"""|_param\(\s*request\.GET,\s*["'](\w+)"""  # date_param(request.GET, "day", …)
)


class QueryFinder(HTMLParser):
    """The GET parameters a page offers: its GET forms' fields and its links' query strings."""

    def __init__(self, path: str) -> None:
        super().__init__()
        self.path, self.names, self._in_get_form = path, set(), False

    def handle_starttag(self, tag: str, attrs: list) -> None:
        attr = dict(attrs)
        if tag == "form":
            self._in_get_form = (attr.get("method") or "get").lower() == "get"
        elif tag in ("input", "select") and self._in_get_form and attr.get("name"):
            self.names.add(attr["name"])
        elif tag == "a" and attr.get("href"):
            link = urlsplit(attr["href"])
            if link.path in ("", self.path):
                self.names |= {name for name, _value in parse_qsl(link.query)}

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._in_get_form = False


def names_read_by(path: str) -> set[str]:
    """The GET parameters the page's view reads, itself or through a helper of its module."""
    view = resolve(path).func
    while hasattr(view, "__wrapped__"):
        view = view.__wrapped__
    source = inspect.getsource(view)
    module = sys.modules[view.__module__]
    for name, helper in vars(module).items():
        if name.startswith("_") and inspect.isfunction(helper) and f"{name}(" in source:
            source += inspect.getsource(helper)
    return {a or b for a, b in READS.findall(source)}


def page_parameters(world, client: Client) -> dict[str, set[str]]:
    """Every GET page of the URL configuration this client may open, with the parameters it reads or offers."""
    found = {}
    for (name, method), row in MATRIX.items():
        if method != "GET" or row.is_api or name in ("schema", "api-docs", "api-redoc", "login", "healthz"):
            continue
        url = url_of(row, world, world.a)
        response = client.get(url)
        if response.status_code != 200:
            continue
        path = urlsplit(url).path
        names = names_read_by(path)
        if "text/html" in response.get("Content-Type", ""):
            finder = QueryFinder(path)
            finder.feed(response.content.decode())
            names |= finder.names
        found[url] = names - {"csrfmiddlewaretoken"}
    return found


def test_no_page_answers_5xx_to_any_value_of_its_query_parameters(world) -> None:
    started, problems, tried = time.monotonic(), [], 0
    for role in ("manager_a", "rep_a"):
        client = Client(raise_request_exception=False)
        client.force_login(getattr(world.company, role))
        for url, names in page_parameters(world, client).items():
            joiner = "&" if "?" in url else "?"
            for name in sorted(names):
                for value in BAD_VALUES:
                    tried += 1
                    response = client.get(f"{url}{joiner}{name}={value}")
                    if response.status_code >= 500:
                        problems.append(f"{role} GET {url} {name}={value[:20]!r}: {response.status_code}")
                response = client.get(url, {name: ["1", "2"]})  # the parameter twice
                if response.status_code >= 500:
                    problems.append(f"{role} GET {url} {name} twice: {response.status_code}")
    assert tried > 300, tried  # the parameters were found
    assert not problems, "\n".join(problems)
    assert time.monotonic() - started < 120
