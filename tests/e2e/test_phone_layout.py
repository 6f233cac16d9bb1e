"""Every page a rep opens fits a 390 px phone: no sideways scroll, no tap target under 44×44 px."""

from __future__ import annotations

import datetime as dt
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command
from django.urls import reverse

from org.demo_accounts import DEMO_PASSWORD
from tests.e2e.conftest import screenshot
from tests.factories import PASSWORD
from tests.reports.fixtures import november, sales_metric

pytestmark = pytest.mark.django_db(transaction=True)

PHONE = {"width": 390, "height": 844}
MIN_TAP = 44
REP = "rep01"

__all__ = ["november", "sales_metric"]  # fixtures of the first-of-the-month home

# Measures the page as it is drawn: the document's width, the elements sticking out on the right and every
# visible link, button and field in the navigation bar and the main content smaller than MIN_TAP either way.
PROBE = """(minTap) => {
  const viewport = document.documentElement.clientWidth;
  const describe = (el) => {
    const r = el.getBoundingClientRect();
    const text = (el.innerText || el.value || el.getAttribute('aria-label') || el.name || '').trim().slice(0, 30);
    const id = el.id ? '#' + el.id : '';
    const cls = el.classList.length ? '.' + [...el.classList].slice(0, 3).join('.') : '';
    return `${el.tagName.toLowerCase()}${id}${cls} "${text}" ${Math.round(r.width)}×${Math.round(r.height)}`
      + ` at ${Math.round(r.left)},${Math.round(r.top + window.scrollY)}`;
  };
  const shown = (el) => {
    const r = el.getBoundingClientRect();
    if (r.width <= 1 || r.height <= 1) return false;  // hidden, or visually-hidden for screen readers
    const style = getComputedStyle(el);
    return style.visibility !== 'hidden' && style.display !== 'none';
  };
  const targets = document.querySelectorAll(
    '[data-testid=navbar] :is(a, button, input, select, textarea), '
    + 'main :is(a[href], button, input:not([type=hidden]), select, textarea, summary)');
  // A check box or radio button is tapped together with its label: the target is the two boxes' union.
  const box = (el) => {
    const r = el.getBoundingClientRect();
    if (!['checkbox', 'radio'].includes(el.type) || !el.labels || !el.labels.length) return r;
    const all = [r, ...[...el.labels].map((label) => label.getBoundingClientRect())];
    const left = Math.min(...all.map((b) => b.left)), right = Math.max(...all.map((b) => b.right));
    const top = Math.min(...all.map((b) => b.top)), bottom = Math.max(...all.map((b) => b.bottom));
    return {width: right - left, height: bottom - top};
  };
  const small = [...targets].filter(shown).filter((el) => {
    const r = box(el);
    return r.width < minTap - 0.5 || r.height < minTap - 0.5;
  }).map(describe);
  const wide = [...document.querySelectorAll('body *')].filter(shown).filter((el) => {
    return el.getBoundingClientRect().right > viewport + 0.5;
  }).slice(0, 20).map(describe);
  return {width: document.documentElement.scrollWidth, viewport, small, wide};
}"""


def rep_pages() -> list[tuple[str, str]]:
    """Every page a rep opens, as (name, address), in the demo company seeded for today."""
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from meetings.models import Meeting
    from org.models import Membership, Role
    from targets.models import Target
    from visits.models import VisitSheet

    rep = get_user_model().objects.get(username=REP)
    today = timezone.localdate()
    team = Membership.objects.active_on(today).get(user=rep, role=Role.REP).team
    target = Target.objects.filter(rep=rep, fiscal_year=today.year).order_by("metric__position").first()
    meeting = Meeting.objects.filter(team=team, date=today).order_by("scheduled_at").first()
    past_sheet = VisitSheet.objects.filter(rep=rep, date__lt=today, visits__isnull=False).order_by("-date").first()
    return [
        ("home", reverse("home")),
        ("sheet", reverse("visits:today")),
        ("sheet-list", reverse("visits:sheets")),
        ("past-sheet", reverse("visits:sheet", args=[past_sheet.pk])),
        ("customers", reverse("org:customers")),
        ("coverage", reverse("visits:customers")),
        ("meetings", reverse("meetings:index")),
        ("meeting-check-in", reverse("meetings:checkin", args=[meeting.pk])),
        ("my-targets", reverse("targets:mine")),
        ("target-detail", reverse("targets:detail", args=[target.pk])),
        ("alerts", reverse("reports:alerts")),
        ("drill-down", reverse("reports:rep", args=[rep.pk])),
        ("password-change", reverse("password_change")),
    ]


def phone_problems(page) -> list[str]:
    """What does not fit on the page as drawn, then with the navigation menu opened."""
    found = page.evaluate(PROBE, MIN_TAP)
    problems = [f"document {found['width']} px wide: " + "; ".join(found["wide"][:5])] if found["width"] > 390 else []
    page.click("[data-testid=navbar] .navbar-toggler")
    page.wait_for_selector("#mainnav.show", state="visible")
    page.wait_for_timeout(400)  # the menu's opening transition
    opened = page.evaluate(PROBE, MIN_TAP)
    small = dict.fromkeys(found["small"] + opened["small"])
    return problems + [f"tap target under {MIN_TAP} px: {element}" for element in small]


def check_in_on_the_sheet(page) -> None:
    """Check in at the sheet's first visit not started (planning one when there is none), so the check-out
    form with its order rows, check boxes and photo field is on the page."""
    page.goto(reverse("visits:today"))
    if not page.locator("[data-testid=visit-sheet] [data-testid=check-in]").count():
        form = page.locator("[data-testid=plan-form]")
        form.locator("select[name=customer]").select_option(index=1)
        form.locator("button[type=submit]").click()
        page.wait_for_load_state()
    page.locator("[data-testid=visit-sheet] [data-testid=check-in]").first.click()
    page.wait_for_selector("[data-testid=check-out-form]")
    page.wait_for_load_state("networkidle")


def test_every_page_a_rep_opens_fits_a_phone_in_both_languages(phone) -> None:
    call_command("seed_demo", stdout=StringIO())  # once for both languages: seeding is the slow part
    problems = {}
    for locale in ("zh-CN", "en"):
        page = phone(locale)
        page.goto("/accounts/login/")
        page.fill("#id_username", REP)
        page.fill("#id_password", DEMO_PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_selector("[data-testid=navbar] [data-testid=user-menu]", state="attached")

        def measure(name: str, page=page, locale=locale) -> None:
            assert page.evaluate("document.documentElement.lang") == ("en" if locale == "en" else "zh-hans")
            screenshot(page, f"phone-{name}-{locale}")
            if found := phone_problems(page):
                problems[f"{name} in {locale} ({page.url})"] = found

        for name, address in rep_pages():
            page.goto(address)
            page.wait_for_load_state("networkidle")
            measure(name)
        check_in_on_the_sheet(page)
        measure("sheet-checking-out")
    report = "\n".join(f"{name}:\n  " + "\n  ".join(items) for name, items in problems.items())
    assert not problems, f"pages that do not fit a {PHONE['width']} px phone:\n{report}"


FIRST_OF_DECEMBER = dt.datetime(2026, 12, 1, 9, tzinfo=ZoneInfo("Asia/Shanghai"))
HOME_TEXT = {
    "en": {"period": "Dec · today 12-01", "previous": "Nov final"},
    "zh-CN": {"period": "12月 · 今日 12-01", "previous": "11月 最终"},
}


@pytest.mark.parametrize("locale", ["zh-CN", "en"])
def test_the_home_on_the_first_of_a_month_shows_the_new_month_beside_last_months_final_on_a_phone(
    company, november, new_page, locale
) -> None:
    from reports import services

    services.night_compute(as_of=dt.date(2026, 11, 30))
    page = new_page(locale=locale, viewport=(PHONE["width"], PHONE["height"]), is_mobile=True, has_touch=True)
    page.goto("/accounts/login/")
    page.fill("#id_username", company.rep_a.username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector("[data-testid=navbar] [data-testid=user-menu]", state="attached")

    with time_machine.travel(FIRST_OF_DECEMBER, tick=False):
        page.goto(reverse("reports:my_day"))
    month = page.locator("[data-testid=month-progress]")
    assert month.get_attribute("data-month") == "2026-12"
    assert month.locator("[data-testid=month-period]").inner_text() == HOME_TEXT[locale]["period"]
    row = month.locator("[data-testid=month-row]")
    assert row.count() == 1
    assert row.locator("[data-testid=month-target]").inner_text().endswith("¥44,000.00")
    assert row.locator("[data-testid=month-time-progress]").inner_text().endswith("4.3%")
    previous = row.locator("[data-testid=previous-month]")
    assert previous.is_visible()
    assert previous.get_attribute("data-label") == HOME_TEXT[locale]["previous"]  # its label on a phone
    assert "90.0%" in previous.inner_text()
    screenshot(page, f"phone-home-first-of-month-{locale}")
    assert not phone_problems(page)
