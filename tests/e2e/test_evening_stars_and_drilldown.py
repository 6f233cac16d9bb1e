"""The evening dashboard as a manager sees it (recorded orders, the reported amount flagged, the day's stars),
and a rep's drill-down with the days behind the time progress and a capped achievement."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

import pytest
from django.utils import timezone

from meetings.models import Attendance, CheckIn, Slot
from reports.night.run import night_compute
from targets.models import TargetPeriod
from tests.e2e.conftest import login, screenshot
from tests.factories import PASSWORD, CustomerFactory, ProductFactory
from tests.meetings.factories import MeetingFactory
from tests.reports import fixtures
from tests.reports.fixtures import AS_OF
from visits.models import SaleRecord, Visit, VisitSheet

pytestmark = pytest.mark.django_db(transaction=True)

night = fixtures.night
sales_metric = fixtures.sales_metric


@pytest.mark.parametrize("viewport", [(1366, 900), (390, 844)])
def test_a_manager_sees_recorded_orders_the_reported_gap_and_the_stars(company, new_page, viewport) -> None:
    now, today = timezone.now(), timezone.localdate()
    # A long name in a star must wrap on a phone, not widen the page.
    company.rep_a.first_name, company.rep_a.last_name = "Maximilian-Alexander", "Montgomery-Worthington"
    company.rep_a.save(update_fields=["first_name", "last_name"])
    meeting = MeetingFactory(
        team=company.team_a, date=today, slot=Slot.EVENING, scheduled_at=now - dt.timedelta(minutes=10)
    )
    shop, product = CustomerFactory(team=company.team_a, owner=company.rep_a), ProductFactory()
    SaleRecord.objects.create(
        date=today, rep=company.rep_a, team=company.team_a, customer=shop, product=product, quantity=1, amount="76.95"
    )
    sheet = VisitSheet.objects.create(rep=company.rep_a, team=company.team_a, date=today, deadline=now)
    Visit.objects.create(sheet=sheet, customer=shop, check_in_at=now, is_new_customer=True)
    CheckIn.objects.create(
        meeting=meeting, rep=company.rep_a, checked_in_at=now, attendance=Attendance.PRESENT, results_amount=D(4300)
    )
    page = new_page()
    login(page, company.manager_a.username, PASSWORD)
    page.set_viewport_size({"width": viewport[0], "height": viewport[1]})  # a manager's phone, or a desk
    page.goto(f"/meetings/{meeting.pk}/dashboard/")
    row = page.locator("[data-testid=row-rep_a]")
    assert "¥76.95" in row.locator("[data-testid=recorded]").inner_text()
    reported = row.locator("[data-testid=reported]")
    assert "¥4,300.00" in reported.inner_text() and reported.locator(".badge").is_visible()
    assert page.locator("[data-testid=star-biggest_order]").is_visible()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= viewport[0]
    screenshot(page, f"evening-dashboard-{viewport[0]}")


def test_the_drill_down_shows_the_days_and_a_capped_achievement(company, night, new_page) -> None:
    TargetPeriod.objects.filter(target__rep=company.rep_a2, month=3).update(value="0.05")
    night_compute(as_of=AS_OF)
    page = new_page(locale="en")
    login(page, company.manager_a.username, PASSWORD)
    page.goto(f"/reports/reps/{company.rep_a.pk}/")
    assert "11/22" in page.locator("[data-testid=time-month]").inner_text()
    screenshot(page, "drill-down-days")
    page.goto(f"/reports/reps/{company.rep_a2.pk}/")
    assert page.locator("[data-testid=achievement-month] .badge").inner_text() == "capped"
    screenshot(page, "drill-down-capped")
