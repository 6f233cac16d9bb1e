from __future__ import annotations

from decimal import Decimal

import pytest

from meetings.models import Slot
from meetings.selectors import checkin_prefill
from meetings.services import checkin_submit
from org.models import Customer
from tests.factories import CustomerFactory, ProductFactory
from tests.meetings.factories import DAY, local
from visits.models import OrderLine, Visit, VisitSheet

pytestmark = pytest.mark.django_db


@pytest.fixture
def sheet(company) -> VisitSheet:
    """rep_a plans three visits; by noon two are checked in, one with an order of 240.00."""
    sheet = VisitSheet.objects.create(rep=company.rep_a, team=company.team_a, date=DAY, deadline=local(DAY, 20))
    names = ["Alpha Mart", "Bravo Store", "Charlie Shop"]
    customers = [CustomerFactory(name=name, team=company.team_a, owner=company.rep_a) for name in names]
    visits = [Visit.objects.create(sheet=sheet, customer=c, planned=True) for c in customers]
    for visit, hour in zip(visits[:2], (9, 10), strict=True):
        visit.check_in_at, visit.check_out_at = local(DAY, hour), local(DAY, hour, 30)
        visit.save()
    OrderLine.objects.create(visit=visits[0], product=ProductFactory(), quantity=Decimal("24"), amount=Decimal("240"))
    return sheet


def test_the_morning_check_in_is_pre_filled_from_todays_plan(company, meetings, sheet) -> None:
    initial = checkin_prefill(meeting=meetings[Slot.MORNING], rep=company.rep_a, checkin=None)
    assert initial["planned_visits"] == 3
    assert set(initial["key_customers"].split(", ")) == set(Customer.objects.values_list("name", flat=True))


def test_the_noon_and_evening_check_ins_are_pre_filled_from_visits_and_orders(company, meetings, sheet) -> None:
    for slot, visits_field, amount_field in [
        (Slot.NOON, "progress_visits", "progress_amount"),
        (Slot.EVENING, "results_visits", "results_amount"),
    ]:
        initial = checkin_prefill(meeting=meetings[slot], rep=company.rep_a, checkin=None)
        assert (initial[visits_field], initial[amount_field]) == (2, Decimal("240.00"))


def test_a_rep_without_a_sheet_gets_zeros(company, meetings) -> None:
    initial = checkin_prefill(meeting=meetings[Slot.MORNING], rep=company.rep_a2, checkin=None)
    assert initial == {"planned_visits": 0, "key_customers": ""}


def test_once_checked_in_the_form_shows_what_the_rep_entered(company, meetings, sheet) -> None:
    checkin = checkin_submit(
        meeting=meetings[Slot.MORNING], rep=company.rep_a, by=company.rep_a, planned_visits=5, now=local(DAY, 8, 30)
    )
    assert checkin_prefill(meeting=meetings[Slot.MORNING], rep=company.rep_a, checkin=checkin)["planned_visits"] == 5


def test_month_to_date_achievement_is_sales_against_the_approved_monthly_target(company, customers) -> None:
    from django.utils import timezone

    from meetings.selectors import month_to_date_for_reps
    from org.calendar import working_dates
    from targets.models import Metric, Target, TargetPeriod
    from visits.models import SaleRecord

    metric, _ = Metric.objects.get_or_create(
        actual_kind=Metric.ActualKind.SALES_AMOUNT, product_group="", defaults={"code": "sales", "name": "Sales"}
    )
    target = Target.objects.create(
        team=company.team_a,
        rep=company.rep_a,
        metric=metric,
        fiscal_year=DAY.year,
        annual_value=Decimal("120000"),
        status=Target.Status.APPROVED,
        approved_at=timezone.now(),
    )
    TargetPeriod.objects.create(target=target, month=DAY.month, value=Decimal("10000"))
    product = ProductFactory()
    for day, amount in [
        (DAY.replace(day=2), "1500"),
        (DAY, "2500"),
        (DAY.replace(day=20), "999"),
        (DAY.replace(month=10), "7"),
    ]:
        SaleRecord.objects.create(
            date=day,
            rep=company.rep_a,
            team=company.team_a,
            customer=customers["a"],
            product=product,
            quantity=Decimal("1"),
            amount=Decimal(amount),
        )
    month = working_dates(DAY.replace(day=1), DAY.replace(day=30))
    result = month_to_date_for_reps(rep_ids=[company.rep_a.pk, company.rep_a2.pk], day=DAY)
    assert result[company.rep_a.pk].amount == Decimal("4000")
    assert result[company.rep_a.pk].achievement == Decimal("0.4")
    elapsed_share = Decimal(sum(1 for d in month if d <= DAY)) / Decimal(len(month))
    assert result[company.rep_a.pk].time_progress == elapsed_share.quantize(Decimal("0.000001"))  # the formulas' ratio
    assert result[company.rep_a2.pk].achievement is None  # no target: shown as "—"
