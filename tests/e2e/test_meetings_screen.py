"""The meeting-room screen: one click turns a manager's dashboard into the table alone, readable across a room."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from meetings.models import Attendance, CheckIn, Slot
from tests.e2e.conftest import login, screenshot
from tests.factories import PASSWORD
from tests.meetings.factories import MeetingFactory

pytestmark = pytest.mark.django_db(transaction=True)

TV = (1920, 1080)


def _morning_meeting(company):
    now = timezone.now()
    meeting = MeetingFactory(
        team=company.team_a, date=timezone.localdate(), slot=Slot.MORNING, scheduled_at=now - dt.timedelta(minutes=10)
    )
    CheckIn.objects.create(meeting=meeting, rep=company.rep_a, checked_in_at=now, attendance=Attendance.PRESENT)
    return meeting


def _looks_like_a_screen(page) -> None:
    assert page.locator("[data-testid=navbar]").is_hidden()
    assert page.locator("[data-testid=dashboard-table]").is_visible()
    assert page.locator("[data-testid=team-totals]").is_visible()
    visible_forms = page.locator("form:visible")
    assert visible_forms.count() == 0
    sizes = page.locator("[data-testid=dashboard-table] td").evaluate_all(
        "cells => cells.map(c => parseFloat(getComputedStyle(c).fontSize))"
    )
    assert sizes and min(sizes) >= 28
    assert page.locator("[data-testid=row-rep_a]").get_attribute("data-status") == "present"
    colour = page.locator("[data-testid=row-rep_a] td").first.evaluate("c => getComputedStyle(c).backgroundColor")
    assert colour not in ("rgba(0, 0, 0, 0)", "rgb(255, 255, 255)")


@pytest.mark.parametrize("locale", ["zh-CN", "en"])
def test_a_manager_opens_the_morning_dashboard_in_screen_mode(company, new_page, locale) -> None:
    meeting = _morning_meeting(company)
    page = new_page(locale=locale, viewport=TV)
    login(page, company.manager_a.username, PASSWORD)
    page.goto(f"/meetings/{meeting.pk}/dashboard/")
    assert page.locator("[data-testid=excuse-form]").is_visible()
    page.click("[data-testid=screen-mode]")
    _looks_like_a_screen(page)
    assert page.url.endswith("?screen=1")
    screenshot(page, f"meetings-screen-{locale}")

    # A TV opened on the screen's address gets no forms at all, and its table keeps refreshing itself.
    page.goto(f"/meetings/{meeting.pk}/dashboard/?screen=1")
    _looks_like_a_screen(page)
    assert page.locator("form[data-testid=excuse-form]").count() == 0
    assert page.locator("[data-testid=dashboard-live]").get_attribute("hx-trigger") == "every 30s"
