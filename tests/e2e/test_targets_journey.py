"""A manager sets a team's annual target, allocates it to four reps, overrides a month, and a rep acknowledges."""

from __future__ import annotations

import datetime as dt
from datetime import timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import timezone

from targets.models import Target
from tests.e2e.conftest import login, screenshot
from tests.factories import PASSWORD
from tests.targets.conftest import ensure_shipped_data, make_sales_team

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def four_reps(transactional_db):
    ensure_shipped_data()
    return make_sales_team()


@pytest.fixture
def early_in_the_year(settings):
    """The server's clock on 5 January 2026, when no month of the year has closed yet; the browser's cookies
    must outlive the real clock's distance to it."""
    settings.SESSION_COOKIE_AGE = 400 * 24 * 3600
    with time_machine.travel(dt.datetime(2026, 1, 5, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai")), tick=True):
        yield


def test_a_manager_cascades_a_target_and_a_rep_acknowledges_it(new_page, four_reps, early_in_the_year) -> None:
    team = four_reps.team
    page = new_page(locale="en")
    login(page, four_reps.manager.username, PASSWORD)
    page.get_by_test_id("main-nav").get_by_role("link", name="Targets").click()
    page.wait_for_selector("[data-testid=grid]")
    assert page.input_value("[data-testid=grid-year]") == str(timezone.localdate().year)
    assert page.locator("[data-testid=metric-tabs] .active").inner_text() == "Sales amount"

    # The team's annual target, typed into the grid.
    page.fill(f"[data-testid='year-team:{team.pk}']", "2000000")
    page.press(f"[data-testid='year-team:{team.pk}']", "Tab")
    page.wait_for_selector(f"[data-testid='cell-team:{team.pk}-1']")
    assert page.input_value(f"[data-testid='cell-team:{team.pk}-1']") == "166,666.67"
    assert page.input_value(f"[data-testid='cell-team:{team.pk}-12']") == "166,666.66"
    assert page.inner_text("[data-testid=remainder-year]") == "2,000,000.00"

    # Allocated equally to the four reps: nothing left over.
    page.select_option("#allocate-method", "equal")
    page.click("[data-testid=allocate]")
    page.wait_for_selector("text=The target is allocated.")
    rep = four_reps.reps[0]
    for each in four_reps.reps:
        assert page.input_value(f"[data-testid='year-rep:{each.pk}']") == "500,000.00"
    assert page.inner_text("[data-testid=remainder-year]") == "0.00"
    # On a laptop screen the whole year fits without scrolling sideways.
    screenshot(page, "targets-grid-allocated-en")
    box = page.locator(f"[data-testid='year-rep:{rep.pk}']").bounding_box()
    assert box["x"] + box["width"] <= 1366

    # January of the first rep set by hand, changing their annual value: the remainder turns negative.
    january = Target.objects.get(rep=rep).periods.get(month=1).value
    page.check("#mode-annual")
    cell = f"[data-testid='cell-rep:{rep.pk}-1']"
    page.fill(cell, "50000")
    page.press(cell, "Tab")
    expected = -(Decimal("50000") - january)
    page.wait_for_selector("[data-testid=over-allocated]")
    assert page.inner_text("[data-testid=remainder-year]") == f"{expected:,.2f}"
    assert page.inner_text("[data-testid=remainder-1]") == f"{expected:,.2f}"
    assert page.input_value(f"[data-testid='year-rep:{rep.pk}']") == f"{Decimal('500000') - expected:,.2f}"
    screenshot(page, "targets-grid-override-en")

    # The manager approves the rep's target on its page.
    page.click(f"[data-testid='row-rep:{rep.pk}'] th a")
    page.click("[data-testid=approve]")
    page.wait_for_selector("text=The target is approved.")
    screenshot(page, "targets-detail-en")

    # The rep, in Chinese, sees their own targets and acknowledges.
    rep_page = new_page(locale="zh-CN")
    login(rep_page, rep.username, PASSWORD)
    rep_page.get_by_test_id("main-nav").get_by_role("link", name="我的目标").click()
    rep_page.wait_for_selector("[data-testid=my-targets]")
    assert "销售额" in rep_page.inner_text("[data-testid=my-target-sales]")
    rep_page.click("[data-testid=acknowledge-sales]")
    rep_page.wait_for_selector("text=已确认")
    screenshot(rep_page, "targets-mine-zh")
    assert Target.objects.get(rep=rep).acknowledged_at is not None
    assert Target.objects.filter(rep__in=four_reps.reps[1:], acknowledged_at__isnull=False).count() == 0


def test_the_grid_reads_in_chinese(new_page, four_reps) -> None:
    from targets.services import ramp_plan_create

    newcomer = four_reps.reps[3]
    ramp_plan_create(
        by=four_reps.manager,
        rep=newcomer,
        start_date=timezone.localdate() - timedelta(days=40),
        checkpoints={30: {"visits": 60}, 60: {"visits": 130}, 90: {"visits": 200}},
    )
    page = new_page(locale="zh-CN", viewport=(1600, 900))
    login(page, four_reps.manager.username, PASSWORD)
    page.goto("/targets/")
    assert "目标" in page.inner_text("h1")
    assert page.locator("[data-testid=metric-tabs] .active").inner_text() == "销售额"
    page.fill(f"[data-testid='year-team:{four_reps.team.pk}']", "-5")
    page.press(f"[data-testid='year-team:{four_reps.team.pk}']", "Tab")
    page.wait_for_selector("[data-testid=grid-error]")
    assert "不能为负" in page.inner_text("[data-testid=grid-error]")
    page.fill(f"[data-testid='year-team:{four_reps.team.pk}']", "1200")
    page.press(f"[data-testid='year-team:{four_reps.team.pk}']", "Tab")
    page.wait_for_selector(f"[data-testid='q1-team:{four_reps.team.pk}']")
    # A wide screen shows the quarters too.
    assert page.inner_text(f"[data-testid='q1-team:{four_reps.team.pk}']") == "300.00"
    # The manager sees the newcomer's 30/60/90-day checkpoints: day 30 is past and missed.
    ramp = page.inner_text(f"[data-testid=ramp-{newcomer.username}]")
    assert "未达成" in ramp and "进行中" in ramp
    screenshot(page, "targets-grid-zh")


def _workbook(rows: list[list]) -> bytes:
    import io

    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["Code", "Owner", *range(1, 13)])
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_an_import_is_previewed_and_applied_only_when_the_whole_file_is_valid(new_page, four_reps) -> None:
    mime = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    rep1, rep2 = four_reps.reps[:2]
    page = new_page(locale="zh-CN")
    login(page, four_reps.manager.username, PASSWORD)
    page.goto("/targets/")
    page.click("[data-testid=import]")
    bad = _workbook([[rep1.username, "", *([1000] * 12)], [rep2.username, "", "很多", *([1000] * 11)]])
    page.set_input_files("#id_file", files=[{"name": "bad.xlsx", "mimeType": mime, "buffer": bad}])
    page.click("[data-testid=preview]")
    errors = page.inner_text("[data-testid=import-errors]")
    assert "未导入任何数据" in errors and "不是数字" in errors
    assert "3\tC" in errors
    screenshot(page, "targets-import-errors-zh")
    assert not Target.objects.exists()

    good = _workbook([[rep1.username, "", *([1000] * 12)], [rep2.username, "", *([2000] * 12)]])
    page.set_input_files("#id_file", files=[{"name": "good.xlsx", "mimeType": mime, "buffer": good}])
    page.click("[data-testid=preview]")
    page.wait_for_selector("[data-testid=import-preview]")
    page.click("[data-testid=apply-import]")
    page.wait_for_selector("text=已导入 2 个目标。")
    assert page.input_value(f"[data-testid='year-rep:{rep2.pk}']") == "24,000.00"
