"""A manager previews a target import, another manager changes a row meanwhile, and the apply names that row and
changes nothing."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from openpyxl import Workbook

from salesops.formatting import display_name
from targets import services
from targets.models import Metric
from tests.e2e.conftest import login, screenshot
from tests.factories import PASSWORD
from tests.targets.conftest import ensure_shipped_data, make_sales_team

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def team(transactional_db, settings):
    ensure_shipped_data()
    settings.SESSION_COOKIE_AGE = 400 * 24 * 3600
    with time_machine.travel(dt.datetime(2026, 1, 5, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai")), tick=True):
        yield make_sales_team()


def test_a_row_changed_since_the_preview_is_named_and_nothing_is_applied(new_page, team, tmp_path) -> None:
    sales = Metric.objects.get(code="sales")
    parent = services.target_create(
        by=team.manager, metric=sales, fiscal_year=2026, annual_value="120000", team=team.team
    )
    first, second = services.target_allocate(by=team.manager, parent=parent, children=team.reps[:2], method="equal")
    book = Workbook()
    book.active.append(["Code", "Owner", *range(1, 13)])
    for rep, value in zip(team.reps[:2], (1000, 2000), strict=True):
        book.active.append([rep.username, "", *([value] * 12)])
    path = tmp_path / "targets.xlsx"
    book.save(path)

    page = new_page()
    login(page, team.manager.username, PASSWORD)
    page.goto(f"/targets/import/?team={team.team.pk}&year=2026&metric=sales")
    page.set_input_files("input[type=file]", str(path))
    page.click("[data-testid=preview]")
    page.wait_for_selector("[data-testid=import-preview]")
    services.target_set_months(by=team.regional_manager, target=first, values=["5500"] * 12)
    page.click("[data-testid=apply-import]")
    refusal = page.locator(".alert", has_text="其他人修改了这些行")
    refusal.wait_for()
    assert display_name(team.reps[0]) in refusal.inner_text()
    assert display_name(team.reps[1]) not in refusal.inner_text()
    screenshot(page, "targets-import-stale-row")
    second.refresh_from_db()
    assert second.annual_value == Decimal("60000.00")
