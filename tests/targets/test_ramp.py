"""Ramp progress of many plans at once: the same figures as one plan at a time, in a fixed number of queries."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from django.db import connection
from django.db.models import Count, Sum
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from org.models import Customer
from targets import selectors, services
from targets.models import RampCheckpoint, RampPlan
from targets.selectors import CheckpointProgress
from tests.factories import CustomerFactory, ProductFactory
from tests.visits.factories import VisitFactory, VisitSheetFactory
from visits.models import SaleRecord, Visit

DAY = dt.date(2026, 10, 15)
CHECKPOINTS = {
    30: {"visits": 60, "new_customers": 2, "amount": "5000"},
    60: {"visits": 130, "new_customers": 5, "amount": "15000"},
    90: {"visits": 200, "new_customers": 8, "amount": "30000"},
}


def _one_by_one(plan: RampPlan, day: dt.date) -> list[CheckpointProgress]:
    """The figures with one aggregate per checkpoint and measure, the plain way."""
    result = []
    for checkpoint in plan.checkpoints.all():
        due = plan.start_date + dt.timedelta(days=checkpoint.day - 1)
        window = (plan.start_date, min(due, day))
        visits = Visit.objects.filter(
            sheet__rep_id=plan.rep_id, sheet__date__range=window, check_in_at__isnull=False
        ).aggregate(n=Count("id"))["n"]
        customers = Customer.objects.filter(owner_id=plan.rep_id, first_order_date__range=window).count()
        amount = SaleRecord.objects.filter(rep_id=plan.rep_id, date__range=window).aggregate(s=Sum("amount"))["s"]
        result.append(
            CheckpointProgress(
                day=checkpoint.day,
                due=due,
                visits=(checkpoint.visits, visits),
                new_customers=(checkpoint.new_customers, customers),
                amount=(checkpoint.amount, amount or Decimal(0)),
                is_due=due <= day,
            )
        )
    return result


def _activity(sales_team) -> None:
    """Visits (checked in or not), new customers and sales every few days from February to December 2026."""
    rng = random.Random(8)
    product = ProductFactory()
    for rep in sales_team.reps:
        for offset in range(0, 330, 3):
            day = dt.date(2026, 2, 1) + dt.timedelta(days=offset + rng.randrange(3))
            sheet = VisitSheetFactory(rep=rep, team=sales_team.team, date=day)
            customer = CustomerFactory(team=sales_team.team, owner=rep)
            for _ in range(rng.randrange(1, 4)):
                checked = rng.random() < 0.8
                at = timezone.make_aware(dt.datetime.combine(day, dt.time(10))) if checked else None
                VisitFactory(sheet=sheet, customer=customer, check_in_at=at)
            if rng.random() < 0.3:
                Customer.objects.filter(pk=customer.pk).update(first_order_date=day)
            for _ in range(rng.randrange(3)):
                SaleRecord.objects.create(
                    date=day,
                    rep=rep,
                    team=sales_team.team,
                    customer=customer,
                    product=product,
                    quantity=Decimal(1),
                    amount=Decimal(rng.randrange(1, 100_000)) / 100,
                )


def _plans(sales_team) -> list[RampPlan]:
    """Plans long over, half way, not started; two plans of one rep; one with two checkpoints, one with none."""
    rep0, rep1, rep2, rep3 = sales_team.reps
    for rep, start in (
        (rep0, dt.date(2026, 7, 1)),
        (rep1, dt.date(2026, 9, 1)),
        (rep2, dt.date(2026, 10, 20)),
        (rep3, dt.date(2026, 3, 1)),
        (rep3, dt.date(2026, 8, 15)),
    ):
        services.ramp_plan_create(by=sales_team.manager, rep=rep, checkpoints=CHECKPOINTS, start_date=start)
    short = RampPlan.objects.create(rep=rep1, team=sales_team.team, start_date=dt.date(2026, 5, 10))
    RampCheckpoint.objects.create(plan=short, day=30, visits=10, new_customers=1, amount=Decimal("100.50"))
    RampCheckpoint.objects.create(plan=short, day=60, visits=20, new_customers=2, amount=Decimal("200.75"))
    RampPlan.objects.create(rep=rep2, team=sales_team.team, start_date=dt.date(2026, 6, 1))
    return list(selectors.ramp_plans_for(user=sales_team.manager, team=sales_team.team))


def test_many_plans_at_once_give_each_plans_own_figures(sales_team) -> None:
    _activity(sales_team)
    plans = _plans(sales_team)
    assert len(plans) == 7

    with CaptureQueriesContext(connection) as queries:
        together = selectors.ramp_progress_many(plans=plans, day=DAY)
    assert len(queries) == 3  # visits, new customers, amount

    assert set(together) == {plan.pk for plan in plans}
    for plan in plans:
        expected = _one_by_one(plan, DAY)
        assert together[plan.pk] == expected, plan
        assert selectors.ramp_progress(plan=plan, day=DAY) == expected, plan
    # The comparison means something: plans with actuals, due and not due, and one not started.
    figures = [checkpoint for progress in together.values() for checkpoint in progress]
    assert len(figures) == 5 * 3 + 2
    assert sum(c.visits[1] for c in figures) > 0 and sum(c.new_customers[1] for c in figures) > 0
    assert sum(c.amount[1] for c in figures) > 0
    assert {c.is_due for c in figures} == {True, False}
    not_started = next(plan for plan in plans if plan.start_date == dt.date(2026, 10, 20))
    assert all(c.visits[1] == c.new_customers[1] == 0 and c.amount[1] == 0 for c in together[not_started.pk])
    assert together[next(plan for plan in plans if plan.start_date == dt.date(2026, 6, 1)).pk] == []


def test_a_subset_of_plans_and_other_days_give_the_same_figures(sales_team) -> None:
    _activity(sales_team)
    plans = _plans(sales_team)
    for day in (dt.date(2026, 3, 15), dt.date(2026, 9, 30), dt.date(2026, 12, 31)):
        together = selectors.ramp_progress_many(plans=plans[1:4], day=day)
        assert together == {plan.pk: _one_by_one(plan, day) for plan in plans[1:4]}


def test_no_plans_no_queries(sales_team) -> None:
    with CaptureQueriesContext(connection) as queries:
        assert selectors.ramp_progress_many(plans=[], day=DAY) == {}
    assert len(queries) == 0
