"""The evening dashboard ranks reps by their recorded orders, shows what they reported beside it (a gap over
10 % flagged), and names the day's stars."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from meetings.models import Meeting, Slot
from meetings.selectors import dashboard_for
from meetings.services import checkin_submit, meetings_ensure_for_day
from tests.factories import CustomerFactory, ProductFactory
from tests.meetings.factories import DAY, local
from visits.models import SaleRecord, Visit, VisitSheet

pytestmark = pytest.mark.django_db


@pytest.fixture
def evening(company):
    with time_machine.travel(local(DAY, 18, 0), tick=False):
        meetings_ensure_for_day(day=DAY)
        meeting = Meeting.objects.get(team=company.team_a, date=DAY, slot=Slot.EVENING)
        product = ProductFactory()
        shop_a, new_shop = CustomerFactory(team=company.team_a), CustomerFactory(team=company.team_a)
        shop_a2 = CustomerFactory(team=company.team_a)
        for rep, customer, amount in [
            (company.rep_a, shop_a, "50.00"),
            (company.rep_a, new_shop, "26.95"),
            (company.rep_a2, shop_a2, "1050.00"),
            (company.rep_a2, shop_a2, "0"),
        ]:
            SaleRecord.objects.create(
                date=DAY, rep=rep, team=company.team_a, customer=customer, product=product, quantity=1, amount=amount
            )
        SaleRecord.objects.create(  # the day before: not tonight's
            date=DAY - dt.timedelta(days=1),
            rep=company.rep_a,
            team=company.team_a,
            customer=shop_a,
            product=product,
            quantity=1,
            amount="9000",
        )
        now = timezone.now()
        for rep, visits in [(company.rep_a, [(shop_a, False), (new_shop, True)]), (company.rep_a2, [(shop_a2, False)])]:
            sheet = VisitSheet.objects.create(rep=rep, team=company.team_a, date=DAY, deadline=now)
            for customer, is_new in visits:
                Visit.objects.create(sheet=sheet, customer=customer, check_in_at=now, is_new_customer=is_new)
        checkin_submit(
            meeting=meeting, rep=company.rep_a, by=company.rep_a, results_amount=D("4300"), now=local(DAY, 18, 1)
        )
        checkin_submit(
            meeting=meeting, rep=company.rep_a2, by=company.rep_a2, results_amount=D("1000"), now=local(DAY, 18, 2)
        )
        yield meeting


def test_reps_are_ranked_by_recorded_orders_not_by_what_they_typed(company, evening) -> None:
    with time_machine.travel(local(DAY, 18, 5), tick=False):
        rows = {row.rep.username: row for row in dashboard_for(meeting=evening).rows}
    a, a2 = rows["rep_a"], rows["rep_a2"]
    assert (a.results_amount, a.reported_amount, a.rank) == (D("76.95"), D("4300.00"), 2)
    assert (a2.results_amount, a2.reported_amount, a2.rank) == (D("1050.00"), D("1000.00"), 1)
    assert a.report_differs  # 4,300 against 76.95
    assert not a2.report_differs  # 50 off 1,050: within 10 %


def test_the_day_stars_are_named(company, evening) -> None:
    with time_machine.travel(local(DAY, 18, 5), tick=False):
        stars = {star.kind: star for star in dashboard_for(meeting=evening).stars}
    assert (stars["visits"].reps, stars["visits"].value) == ([company.rep_a], 2)
    assert (stars["new_customers"].reps, stars["new_customers"].value) == ([company.rep_a], 1)
    assert (stars["biggest_order"].reps, stars["biggest_order"].value) == ([company.rep_a2], D("1050.00"))


def test_the_page_shows_recorded_and_reported_with_the_flag_and_the_stars(company, evening) -> None:
    with time_machine.travel(local(DAY, 18, 5), tick=False):
        html = company.client_for(company.manager_a).get(reverse("meetings:dashboard", args=[evening.pk]))
    html = html.content.decode()
    row_a = html[html.index('data-testid="row-rep_a"') :]
    row_a = row_a[: row_a.index("</tr>")]
    assert "¥76.95" in row_a and "¥4,300.00" in row_a and "text-bg-warning" in row_a
    row_a2 = html[html.index('data-testid="row-rep_a2"') :]
    assert "text-bg-warning" not in row_a2[: row_a2.index("</tr>")]
    assert 'data-testid="star-biggest_order"' in html and "¥1,050.00" in html


def test_a_manager_of_another_team_cannot_open_it(company, evening) -> None:
    with time_machine.travel(local(DAY, 18, 5), tick=False):
        response = company.client_for(company.manager_b).get(reverse("meetings:dashboard", args=[evening.pk]))
    assert response.status_code in (403, 404)
