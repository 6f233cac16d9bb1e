"""A director's home: down region → team → rep and back by the breadcrumbs; the daily report a month back."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import login, screenshot
from tests.factories import PASSWORD
from tests.reports import fixtures
from tests.reports import test_cockpit as cockpit_data

sales_metric = fixtures.sales_metric
two_regions = cockpit_data.two_regions

pytestmark = pytest.mark.django_db(transaction=True)

TEXT = {
    "zh-CN": {"home": "首页", "month": "11月 · 截至 11-20", "october": "10月 · 截至 10-20", "ytd": "本年累计"},
    "en": {"home": "Home", "month": "Nov · to 11-20", "october": "Oct · to 10-20", "ytd": "Year to date"},
}


@pytest.mark.parametrize("locale", ["zh-CN", "en"])
def test_a_director_goes_down_to_a_rep_and_back_up(company, two_regions, new_page, locale) -> None:
    text = TEXT[locale]
    page = new_page(locale=locale)
    login(page, company.director.username, PASSWORD)
    page.goto("/")
    assert "Company" in page.locator("[data-testid=cockpit-title]").inner_text()
    assert page.locator("[data-testid=tile]").count() >= 2
    assert text["month"] in page.locator("[data-testid=tiles-month]").inner_text()
    assert text["ytd"] in page.content()
    assert page.locator("[data-testid=cockpit-burn-up]").is_visible()
    page.wait_for_function("document.getElementById('cockpit-burn-up').width > 0")
    screenshot(page, f"cockpit-company-{locale}")

    page.locator("[data-testid=unit-link]", has_text="East").click()
    assert "East" in page.locator("[data-testid=cockpit-title]").inner_text()
    page.locator("[data-testid=unit-link]", has_text="Team A").click()
    assert "Team A" in page.locator("[data-testid=cockpit-title]").inner_text()
    assert page.locator("[data-testid=crumb]").all_inner_texts() == ["Company", "East"]
    screenshot(page, f"cockpit-team-{locale}")
    page.locator("[data-testid=rep-link]").first.click()
    page.wait_for_selector("[data-testid=rep-title]")
    assert page.locator("[data-testid=crumb]").all_inner_texts() == ["Company", "East", "Team A"]
    screenshot(page, f"cockpit-rep-{locale}")

    page.locator("[data-testid=crumb]", has_text="East").click()
    assert "East" in page.locator("[data-testid=cockpit-title]").inner_text()
    page.locator("[data-testid=crumb-home]").click()
    assert "Company" in page.locator("[data-testid=cockpit-title]").inner_text()
    assert text["home"] in page.locator("[data-testid=breadcrumbs]").inner_text()


@pytest.mark.parametrize("locale", ["zh-CN", "en"])
def test_the_daily_report_goes_back_one_month_with_the_picker(company, two_regions, new_page, locale) -> None:
    text = TEXT[locale]
    page = new_page(locale=locale)
    login(page, company.manager_a.username, PASSWORD)
    page.goto(f"/reports/?team={company.team_a.pk}")
    assert text["month"] in page.locator("[data-testid=period-label]").inner_text()
    page.locator("[data-testid=period-previous]").click()
    page.wait_for_url("**as_of=2026-10-31**")
    assert text["october"] in page.locator("[data-testid=period-label]").inner_text()
    assert page.locator("[data-testid=period-as-of]").input_value() == "2026-10-31"
    rows = page.locator("[data-testid=report-row]")
    assert rows.count() == 2
    screenshot(page, f"cockpit-daily-october-{locale}")
    page.locator("[data-testid=period-next]").click()
    assert text["month"] in page.locator("[data-testid=period-label]").inner_text()
    # A day typed in the picker, shown by the week.
    page.fill("[data-testid=period-as-of]", "2026-10-20")
    page.select_option("[data-testid=period-kind]", "week")
    page.locator("[data-testid=period-picker] button[type=submit]").click()
    assert "10-19 – 10-25" in page.locator("[data-testid=period-label]").inner_text()


def test_a_rep_reads_grouped_alerts_and_the_picker_on_a_phone(company, two_regions, new_page) -> None:
    page = new_page(locale="zh-CN")
    login(page, company.rep_a.username, PASSWORD)
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto("/reports/alerts/")
    groups = page.locator("[data-testid=alert-group]")
    assert groups.count() >= 1
    groups.first.locator("summary").click()
    assert groups.first.locator("[data-testid=alert-group-items] li").first.is_visible()
    assert page.evaluate("document.scrollingElement.scrollWidth") <= 390
    box = groups.first.locator("summary").bounding_box()
    assert box["height"] >= 44
    screenshot(page, "cockpit-alerts-rep-390")
    page.goto(f"/reports/reps/{company.rep_a.pk}/")
    page.locator("[data-testid=period-previous]").click()
    page.wait_for_url("**as_of=2026-10-31**")
    assert page.locator("[data-testid=breadcrumbs]").count() == 0  # a rep has no units to climb
    assert page.evaluate("document.scrollingElement.scrollWidth") <= 390
    screenshot(page, "cockpit-rep-detail-390")
