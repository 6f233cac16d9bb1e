"""A rep's "my day", a manager's "my team" and scorecard, and the alerts page, in both languages."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine

from reports.night.run import night_compute
from tests.e2e.conftest import login, screenshot
from tests.factories import PASSWORD
from tests.reports import fixtures

# The small company of the reports tests, as fixtures of this module.
night = fixtures.night
sales_metric = fixtures.sales_metric


@pytest.mark.parametrize("locale", ["en", "zh-CN"])
def test_home_pages_show_progress_and_alerts(transactional_db, company, night, new_page, locale) -> None:
    night_compute(as_of=night["as_of"])
    page = new_page(locale=locale)
    login(page, company.rep_a.username, PASSWORD)
    # The morning after the night: "this month" is the night's month.
    with time_machine.travel(dt.datetime(2026, 3, 17, 9, tzinfo=ZoneInfo("Asia/Shanghai")), tick=False):
        page.goto("/reports/my-day/")
    assert page.locator("[data-testid=my-progress] tbody tr").count() == 1
    assert "90" in page.locator("[data-testid=my-progress] tbody tr").inner_text()
    screenshot(page, f"reports-my-day-{locale}")
    page.goto("/reports/alerts/")
    assert page.locator("[data-testid=alert-group]").count() == 2
    screenshot(page, f"reports-alerts-{locale}")

    manager = new_page(locale=locale)
    login(manager, company.manager_a.username, PASSWORD)
    manager.goto("/reports/my-team/")
    manager.wait_for_selector("[data-testid=my-team-title]")
    screenshot(manager, f"reports-my-team-{locale}")
    manager.goto("/reports/scorecard/")
    assert manager.locator("[data-testid=score-row]").count() == 2
    screenshot(manager, f"reports-scorecard-{locale}")
