"""Reports print on A4 landscape: the table alone, without the navigation or the page's controls."""

from __future__ import annotations

import re

import pytest

from reports.night.run import night_compute
from tests.e2e.conftest import SCREENSHOTS, login
from tests.factories import PASSWORD
from tests.reports import fixtures

night = fixtures.night
sales_metric = fixtures.sales_metric

A4_LANDSCAPE = re.compile(rb"/MediaBox \[0 0 841\.9\d* 59[45]\.9\d*\]")  # 297 x 210 mm in points


@pytest.mark.parametrize("path", ["/reports/", "/reports/scorecard/"])
def test_a_report_prints_on_a4_landscape_without_the_navigation(transactional_db, company, night, new_page, path):
    night_compute(as_of=night["as_of"])
    page = new_page(locale="zh-CN")
    login(page, company.manager_a.username, PASSWORD)
    page.goto(path)
    page.emulate_media(media="print")
    assert page.locator("[data-testid=navbar]").is_hidden()
    assert page.locator("main form").count() == 0 or page.locator("main form").first.is_hidden()
    assert page.locator("main table").first.is_visible()
    assert page.locator("main table thead").first.evaluate("e => getComputedStyle(e).display") == "table-header-group"
    pdf = page.pdf(prefer_css_page_size=True)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    (SCREENSHOTS / f"print{path.replace('/', '-').rstrip('-')}.pdf").write_bytes(pdf)
    assert A4_LANDSCAPE.search(pdf), "not an A4 landscape page"
