"""On 1 December a director raises the company's 2026 target and November stays as it was; a regional
manager's change of the region's approved target waits for the director, who approves it."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine

from targets import services
from targets.models import Metric, PendingChange, Target
from tests.e2e.conftest import login, screenshot
from tests.factories import PASSWORD
from tests.targets.conftest import ensure_shipped_data, make_sales_team

pytestmark = pytest.mark.django_db(transaction=True)
FIRST_OF_DECEMBER = dt.datetime(2026, 12, 1, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.fixture
def approved_targets(transactional_db, settings):
    # The server's clock is on 1 December; the browser's cookies must outlive the real clock's distance to it.
    settings.SESSION_COOKIE_AGE = 30 * 24 * 3600
    ensure_shipped_data()
    people = make_sales_team()
    sales = Metric.objects.get(code="sales")
    with time_machine.travel(dt.datetime(2026, 1, 5, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))):
        company = services.target_create(
            by=people.director, metric=sales, fiscal_year=2026, annual_value="2000000", team=people.company
        )
        region = services.target_create(
            by=people.director, metric=sales, fiscal_year=2026, annual_value="1200000", team=people.region
        )
        for target in (company, region):
            services.target_approve(by=people.director, target=target)
    return people, company, region


def test_closed_months_stay_and_a_managers_change_waits_for_the_director(new_page, approved_targets) -> None:
    people, company, region = approved_targets
    with time_machine.travel(FIRST_OF_DECEMBER, tick=True):
        # The director, in English, raises the company's year on 1 December.
        page = new_page(locale="en")
        login(page, people.director.username, PASSWORD)
        page.goto(f"/targets/?team={people.company.pk}&year=2026&metric=sales")
        row = f"team:{people.company.pk}"
        november = page.inner_text(f"[data-testid='month-{row}-11']").split()
        assert november == ["Closed", "166,666.66"]
        assert page.locator(f"[data-testid='cell-{row}-11']").count() == 0  # closed: not an input
        asked = []
        page.on("dialog", lambda dialog: (asked.append(dialog.message), dialog.accept()))
        page.fill("#change-reason", "New distributor contract")
        page.fill(f"[data-testid='year-{row}']", "2100000")
        page.press(f"[data-testid='year-{row}']", "Tab")
        page.wait_for_selector("[data-testid=grid-notice]")
        assert "Jan–Nov closed" in asked[0] and "Dec only" in asked[0]
        assert page.inner_text(f"[data-testid='month-{row}-11']").split() == november
        assert page.input_value(f"[data-testid='cell-{row}-12']") == "266,666.66"
        screenshot(page, "targets-closed-months-en")

        # The regional manager, in Chinese, cuts the region's approved year: it waits for the director.
        manager = new_page(locale="zh-CN")
        login(manager, people.regional_manager.username, PASSWORD)
        manager.goto(f"/targets/?team={people.region.pk}&year=2026&metric=sales")
        manager.on("dialog", lambda dialog: dialog.accept())
        row = f"team:{people.region.pk}"
        manager.fill("#change-reason", "华东两家经销商停业")
        manager.fill(f"[data-testid='year-{row}']", "1188000")
        manager.press(f"[data-testid='year-{row}']", "Tab")
        manager.wait_for_selector(f"[data-testid='pending-{row}']")
        assert "等待审批" in manager.inner_text("[data-testid=grid-notice]")
        assert manager.input_value(f"[data-testid='year-{row}']") == "1,200,000.00"  # the approved value stays
        screenshot(manager, "targets-pending-change-zh")
        assert Target.objects.get(pk=region.pk).annual_value == Decimal("1200000")

        # The director sees the badge, opens the list (in Chinese too) and approves.
        director = new_page(locale="zh-CN")
        login(director, people.director.username, PASSWORD)
        director.goto(f"/targets/?team={people.company.pk}&year=2026&metric=sales")
        assert director.inner_text("[data-testid=pending-count]") == "1"
        director.click("[data-testid=pending-link]")
        director.wait_for_selector("[data-testid=pending-item]")
        assert "华东两家经销商停业" in director.inner_text("[data-testid=pending-item]")
        screenshot(director, "targets-pending-list-zh")
        director.click("[data-testid=pending-approve]")
        director.wait_for_selector("text=变更已批准并生效。")
        page.goto(f"/targets/{region.pk}/")
        page.wait_for_selector("[data-testid=history]")
        assert "Change by" in page.inner_text("[data-testid=history]")
        screenshot(page, "targets-change-approved-en")
    assert Target.objects.get(pk=region.pk).annual_value == Decimal("1188000")
    assert PendingChange.objects.get().status == PendingChange.Status.APPROVED
