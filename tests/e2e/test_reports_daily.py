"""A manager's daily report journey: sort by gap, export .xlsx, switch to the week, open a rep's burn-up chart."""

from __future__ import annotations

import re

import pytest
from openpyxl import load_workbook

from reports.night.run import night_compute
from tests.e2e.conftest import login, screenshot
from tests.factories import PASSWORD
from tests.reports import fixtures

# The small company of the reports tests, as fixtures of this module.
night = fixtures.night
sales_metric = fixtures.sales_metric


@pytest.mark.parametrize("locale", ["en", "zh-CN"])
def test_a_manager_sorts_the_daily_report_opens_a_rep_and_exports(
    transactional_db, company, night, new_page, locale, tmp_path
) -> None:
    night_compute(as_of=night["as_of"])
    page = new_page(locale=locale)
    login(page, company.manager_a.username, PASSWORD)
    page.goto("/reports/")
    page.wait_for_selector("[data-testid=daily-table]")
    rows = page.locator("[data-testid=report-row]")
    page.click("[data-testid=sort-gap]")
    page.wait_for_url(re.compile(r"sort=-gap"))
    owners = rows.evaluate_all("rows => rows.map(r => r.dataset.owner)")
    assert owners == [f"rep:{company.rep_a2.pk}", f"rep:{company.rep_a.pk}"]  # best gap first
    page.click("[data-testid=sort-gap]")
    page.wait_for_url(re.compile(r"sort=gap"))
    owners = rows.evaluate_all("rows => rows.map(r => r.dataset.owner)")
    assert owners == [f"rep:{company.rep_a.pk}", f"rep:{company.rep_a2.pk}"]  # worst gap first
    assert page.locator("[data-testid=report-row] [data-testid=gap]").first.inner_text() == "-9.1"
    screenshot(page, f"reports-daily-{locale}")

    with page.expect_download() as download_info:
        page.click("[data-testid=export-xlsx]")
    path = tmp_path / "daily.xlsx"
    download_info.value.save_as(path)
    sheet = load_workbook(path).active
    assert [sheet.cell(row=3, column=c).value for c in (2, 3)] == [220000, 90000]
    assert sheet.cell(row=3, column=7).value == pytest.approx(-9.09)
    assert sheet.cell(row=4, column=3).value == 66000

    # The week: its daily targets (10,000 a working day in March, Monday to Friday) and its own label.
    page.select_option("select[name=period]", "week")
    page.locator("form:has(select[name=period]) button[type=submit]").click()
    page.wait_for_url(re.compile(r"period=week"))
    assert page.locator("select[name=period] option:checked").inner_text() == {"en": "Week", "zh-CN": "周"}[locale]
    target = page.locator(f"[data-testid=report-row][data-owner='rep:{company.rep_a.pk}'] td").nth(1)
    assert target.inner_text() == "¥50,000.00"  # money with ¥ and grouped digits in both languages
    screenshot(page, f"reports-daily-week-{locale}")

    page.locator("[data-testid=rep-link]").first.click()
    page.wait_for_selector("[data-testid=rep-title]")
    page.wait_for_function(
        "() => { const c = document.getElementById('burn-up-chart'); return c && window.Chart && Chart.getChart(c); }"
    )
    drawn = page.evaluate("() => Chart.getChart(document.getElementById('burn-up-chart')).data.datasets.length")
    assert drawn == 3
    assert page.evaluate("() => Chart.getChart(document.getElementById('ranking-chart')).data.labels.length") == 2
    screenshot(page, f"reports-rep-{locale}")
