"""A managed day: three reps check in to the morning meeting (one late), the manager reads the morning
dashboard, a problem raised at noon is resolved by the evening and shows its resolution time."""

from __future__ import annotations

import pytest
import time_machine

from meetings.services import meetings_ensure_for_day
from org.models import Role
from tests.e2e.conftest import login, screenshot
from tests.factories import PASSWORD, MembershipFactory, UserFactory
from tests.meetings.factories import DAY, local

pytestmark = pytest.mark.django_db(transaction=True)

TEXT = {
    "en": {"late": "Late", "present": "Present", "resolved": "Resolved", "duration": "5 h 10 min"},
    "zh-CN": {"late": "迟到", "present": "出席", "resolved": "已解决", "duration": "5 小时 10 分钟"},
}


def _check_in(new_page, username: str, visits: str, amount: str) -> None:
    page = new_page(locale="en")
    login(page, username, PASSWORD)
    page.set_viewport_size({"width": 390, "height": 844})  # a rep on a phone
    page.goto("/meetings/")
    screenshot(page, f"meetings-index-{username}")
    page.click("[data-testid=checkin-morning]")
    page.fill("#id_planned_visits", visits)
    page.fill("#id_planned_amount", amount)
    page.fill("#id_key_customers", "Alpha Mart")
    page.click("[data-testid=checkin-submit]")
    page.wait_for_selector("[data-testid=my-attendance] [data-attendance]")
    screenshot(page, f"meetings-checkin-{username}")
    page.context.close()


@pytest.mark.parametrize("locale", ["en", "zh-CN"])
def test_a_managed_day_from_morning_check_ins_to_an_evening_resolution(company, new_page, settings, locale) -> None:
    # The browser's clock is not travelling, so the session cookie must not carry an expiry date.
    settings.SESSION_EXPIRE_AT_BROWSER_CLOSE = True
    # The day is compressed into jumps of hours; in the meeting room the dashboard's polling keeps the session alive.
    settings.SESSION_IDLE_TIMEOUT = 12 * 3600
    text = TEXT[locale]
    rep_a3 = MembershipFactory(
        user=UserFactory(username="rep_a3", first_name="Carol", last_name="Late"), team=company.team_a, role=Role.REP
    ).user
    meetings_ensure_for_day(day=DAY)  # the schedule job's work at 00:05
    with time_machine.travel(local(DAY, 8, 25), tick=True) as clock:
        _check_in(new_page, "rep_a", "6", "1500")
        _check_in(new_page, "rep_a2", "5", "900")
        clock.move_to(local(DAY, 8, 41))
        _check_in(new_page, rep_a3.username, "3", "400")

        manager = new_page(locale=locale)
        login(manager, "manager_a", PASSWORD)
        manager.goto("/meetings/")
        screenshot(manager, f"meetings-index-manager-{locale}")
        manager.click("[data-testid=dashboard-morning]")
        table = manager.locator("[data-testid=dashboard-table]")
        late_row = table.locator("[data-testid=row-rep_a3]")
        assert late_row.locator("[data-attendance=late]").inner_text() == text["late"]
        assert text["present"] in table.locator("[data-testid=row-rep_a]").inner_text()
        assert "¥1,500.00" in table.locator("[data-testid=row-rep_a]").inner_text()
        totals = manager.locator("[data-testid=team-totals]").inner_text()
        assert "14" in totals and "¥2,800.00" in totals
        screenshot(manager, f"meetings-dashboard-morning-{locale}")

        clock.move_to(local(DAY, 12, 40))
        manager.goto("/meetings/")
        manager.click("[data-testid=dashboard-noon]")
        form = manager.locator("[data-testid=problem-form]")
        form.locator("textarea[name=description]").fill("Alpha Mart is out of stock")
        form.locator("select[name=owner]").select_option(str(company.rep_a.pk))
        form.locator("[data-testid=problem-submit]").click()
        manager.wait_for_selector("[data-testid=dashboard-problems] >> text=Alpha Mart is out of stock")
        screenshot(manager, f"meetings-dashboard-noon-{locale}")

        clock.move_to(local(DAY, 17, 50))
        owner = new_page(locale="en")
        login(owner, "rep_a", PASSWORD)
        owner.goto("/meetings/problems/")
        owner.click("text=Alpha Mart is out of stock")
        owner.fill("#id_resolution", "Delivered 20 cases from the depot")
        owner.click("[data-testid=resolve-submit]")
        assert owner.locator("[data-testid=resolution-time]").inner_text() == "5 h 10 min"

        clock.move_to(local(DAY, 18, 5))
        manager.goto("/meetings/")
        manager.click("[data-testid=dashboard-evening]")
        problems = manager.locator("[data-testid=dashboard-problems]").inner_text()
        assert text["resolved"] in problems and text["duration"] in problems
        screenshot(manager, f"meetings-dashboard-evening-{locale}")
        manager.goto("/meetings/problems/")
        assert text["duration"] in manager.locator("[data-testid=problem-table]").inner_text()
        screenshot(manager, f"meetings-problems-{locale}")
