"""Every page reachable from the navigation, for a director, a manager and a rep: in Chinese no English word
shows (beyond a short list of names such as SalesOps, and the data: people, teams, customers, products), and in
English no Chinese shows outside the data. On the same walk, no page breaks the Content-Security-Policy or
raises a script error."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from django.contrib.auth import get_user_model

from meetings import services as meeting_services
from org.models import AuditEvent, Customer, Product, Team
from reports.night.run import night_compute
from salesops.formatting import display_name
from targets.models import Metric
from tests.e2e.conftest import login, screenshot
from tests.factories import PASSWORD
from tests.reports import fixtures
from visits.services import rep_day

night = fixtures.night
sales_metric = fixtures.sales_metric

# Words allowed in Chinese pages: the product's name, file formats, the language switcher's "English", units.
ALLOWED_LATIN = {
    # the coordinate systems a customer position is typed in (WGS-84 from GPS, GCJ-02, BD-09)
    "gps",
    "webhook",  # the group chat platforms call the robot address so in Chinese too
    "wgs-",
    "gcj-",
    "bd-",
    "salesops",
    "api",
    "csv",
    "excel",
    "xlsx",
    "kpi",
    "erp",
    "utc",
    "english",
    "min",
    "km",
    "ok",
}
ALLOWED_LATIN |= {"ics", "txt"}  # the formats of the calendar import's files
# Allowed in English pages: the switcher's own name for Chinese ("中文") and the 万 of amounts in units of ten thousand.
ALLOWED_CHINESE = ("简体中文", "中文", "万元", "万")
# Links that are not pages of the product (downloads, the admin site, the API docs, logout, language).
SKIPPED = re.compile(r"^/(admin|api|accounts/logout|i18n|jsi18n|static|media)/|export|\.xlsx|\.csv|/photo")
MAX_PAGES = 45
# The pages looked at by eye in both languages.
SCREENSHOTS = {
    "/visits/today/": "visit-sheet",
    "/visits/team/": "team-day",
    "/reports/": "daily-report",
    "/calendar/": "calendar",
}


def data_strings() -> list[str]:
    """Everything shown that people typed or the fixtures made: longest first, so a name inside a longer one goes."""
    users = get_user_model().objects.all()
    strings = {
        *(s for u in users for s in (u.username, u.first_name, u.last_name, display_name(u))),
        *(s for t in Team.objects.all() for s in (t.name, t.code)),
        *(s for c in Customer.objects.all() for s in (c.name, c.code, c.address)),
        *(s for p in Product.objects.all() for s in (p.name, p.code, p.group)),
        *(m.code for m in Metric.objects.all()),
        *(s for e in AuditEvent.objects.all() for s in (e.summary, e.object_type, e.path, e.user_agent)),
    }
    return sorted((s for s in strings if s), key=len, reverse=True)


def without_data(text: str, data: list[str]) -> str:
    for value in data:
        text = text.replace(value, " ")
    return text


def foreign_words(text: str, language: str) -> set[str]:
    if language == "zh-CN":
        words = re.findall(r"[A-Za-z][A-Za-z’'-]+", text)
        return {w for w in words if w.lower() not in ALLOWED_LATIN}
    for allowed in ALLOWED_CHINESE:
        text = text.replace(allowed, " ")
    text = re.sub(r"\d{4}年\d{1,2}月\d{1,2}日", " ", text)  # an example of a date as Excel writes it in China
    return set(re.findall(r"[\u3400-\u9fff]+", text))


def walk(page) -> dict[str, str]:
    """The visible text of every page reachable from the navigation (and one click further), by path."""
    page.goto("/")
    queue = [
        a
        for a in page.eval_on_selector_all(
            "[data-testid=navbar] a[href^='/']", "els => els.map(e => e.getAttribute('href'))"
        )
    ]
    queue.insert(0, "/")
    seen: dict[str, str] = {}
    depth = {path: 0 for path in queue}
    while queue and len(seen) < MAX_PAGES:
        path = queue.pop(0)
        key = urlsplit(path).path + ("?" + urlsplit(path).query if urlsplit(path).query else "")
        if key in seen or SKIPPED.search(path):
            continue
        # The load event is enough: no page fetches its text after it (the dashboards only poll every 30 s).
        response = page.goto(path)
        assert response is not None and response.status < 500, path
        seen[key] = page.inner_text("body")
        if urlsplit(path).path in SCREENSHOTS:
            screenshot(
                page, f"walk-{SCREENSHOTS[urlsplit(path).path]}-{page.evaluate('document.documentElement.lang')}"
            )
        if depth[path] >= 1:
            continue
        for href in page.eval_on_selector_all(
            "main a[href^='/'], .container a[href^='/']", "els => els.map(e => e.getAttribute('href'))"
        ):
            if href not in depth and not SKIPPED.search(href) and not href.startswith("/#"):
                depth[href] = depth[path] + 1
                queue.append(href)
    return seen


@pytest.mark.parametrize("language", ["zh-CN", "en"])
def test_every_page_speaks_one_language(transactional_db, company, night, customers, new_page, language) -> None:
    night_compute(as_of=night["as_of"])
    sheet = rep_day.sheet_open(rep=company.rep_a)
    rep_day.visit_plan(by=company.rep_a, sheet=sheet, customer=customers["a"])
    meeting_services.meetings_ensure_for_day(day=sheet.date)
    texts: dict[str, str] = {}
    violations: list[str] = []
    errors: list[str] = []
    for user in (company.director, company.manager_a, company.rep_a):
        page = new_page(locale=language)
        page.set_default_timeout(60_000)  # a page per second at best on a busy machine
        page.on("console", lambda msg: violations.append(msg.text) if "Content Security Policy" in msg.text else None)
        page.on("pageerror", lambda error: errors.append(str(error)))
        login(page, user.username, PASSWORD)
        pages = walk(page)
        assert len(pages) >= 5, pages.keys()
        texts.update({f"{user.username} {path}": text for path, text in pages.items()})
        page.context.close()
    data = data_strings()  # after the walk: the audit log shows its logins
    problems = {
        where: words for where, text in texts.items() if (words := foreign_words(without_data(text, data), language))
    }
    assert problems == {}
    assert violations == []
    assert errors == []
