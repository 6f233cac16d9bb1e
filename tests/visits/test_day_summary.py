from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from tests.factories import CustomerFactory
from tests.visits.factories import OrderLineFactory, VisitFactory, VisitSheetFactory
from visits.selectors import DaySummary, day_summaries_for_reps, day_summary_for_reps

pytestmark = pytest.mark.django_db

DAY = dt.date(2026, 3, 10)


def at(hour: int, minute: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(DAY, dt.time(hour, minute)))


def test_it_counts_plan_done_visits_orders_and_new_customers_per_rep(company, django_assert_max_num_queries) -> None:
    sheet = VisitSheetFactory(
        rep=company.rep_a, team=company.team_a, date=DAY, status="submitted", submitted_at=at(20), is_late=False
    )
    customers = [CustomerFactory(name=f"Shop {n}", team=company.team_a, owner=company.rep_a) for n in range(7)]
    done_1 = VisitFactory(
        sheet=sheet, customer=customers[0], planned_time=dt.time(9), check_in_at=at(9), check_out_at=at(10)
    )
    done_2 = VisitFactory(
        sheet=sheet, customer=customers[1], planned_time=dt.time(11), check_in_at=at(11), check_out_at=at(12)
    )
    VisitFactory(sheet=sheet, customer=customers[2], planned_time=dt.time(13), check_in_at=at(13))
    for n in range(3, 6):
        VisitFactory(sheet=sheet, customer=customers[n], planned_time=dt.time(14 + n))
    VisitFactory(
        sheet=sheet, customer=customers[6], planned=False, check_in_at=at(16), check_out_at=at(17), is_new_customer=True
    )
    OrderLineFactory(visit=done_1, amount=Decimal("100.50"))
    OrderLineFactory(visit=done_1, amount=Decimal("20.00"))
    OrderLineFactory(visit=done_2, amount=Decimal("5.25"))

    with django_assert_max_num_queries(2):
        summaries = day_summary_for_reps(rep_ids=[company.rep_a.pk, company.rep_b.pk], day=DAY)

    mine = summaries[company.rep_a.pk]
    assert mine.sheet_status == "submitted"
    assert mine.submitted_at == at(20)
    assert (mine.planned, mine.done, mine.visits, mine.unplanned) == (6, 2, 4, 1)
    assert mine.order_amount == Decimal("125.75")
    assert mine.new_customers == 1
    assert mine.key_customers == ["Shop 0", "Shop 1", "Shop 2", "Shop 3", "Shop 4"]
    assert mine.plan_completion == Decimal(2) / Decimal(6)


def test_a_rep_without_a_sheet_gets_zeros(company) -> None:
    VisitSheetFactory(rep=company.rep_a, team=company.team_a, date=DAY - dt.timedelta(days=1))
    summary = day_summary_for_reps(rep_ids=[company.rep_a.pk], day=DAY)[company.rep_a.pk]
    assert summary == DaySummary(rep_id=company.rep_a.pk, sheet_status=None)
    assert summary.order_amount == Decimal("0") and summary.key_customers == []


def test_the_query_count_does_not_grow_with_the_number_of_reps(company, django_assert_max_num_queries) -> None:
    for rep, team in [
        (company.rep_a, company.team_a),
        (company.rep_a2, company.team_a),
        (company.rep_b, company.team_b),
    ]:
        sheet = VisitSheetFactory(rep=rep, team=team, date=DAY)
        VisitFactory(sheet=sheet, customer=CustomerFactory(team=team, owner=rep))
    with django_assert_max_num_queries(2):
        summaries = day_summary_for_reps(
            rep_ids=[company.rep_a.pk, company.rep_a2.pk, company.rep_b.pk, company.manager_a.pk], day=DAY
        )
    assert [summaries[r.pk].planned for r in (company.rep_a, company.rep_a2, company.rep_b)] == [1, 1, 1]
    assert summaries[company.manager_a.pk].sheet_status is None


def test_late_flag_is_reported(company) -> None:
    VisitSheetFactory(
        rep=company.rep_b, team=company.team_b, date=DAY, status="submitted", submitted_at=at(22), is_late=True
    )
    assert day_summary_for_reps(rep_ids=[company.rep_b.pk], day=DAY)[company.rep_b.pk].is_late


def test_several_days_come_from_one_aggregate_with_the_same_figures(company, django_assert_num_queries) -> None:
    before = DAY - dt.timedelta(days=1)
    for day, status in ((DAY, "draft"), (before, "submitted")):
        sheet = VisitSheetFactory(
            rep=company.rep_a, team=company.team_a, date=day, status=status, submitted_at=at(20) if day < DAY else None
        )
        visit = VisitFactory(
            sheet=sheet, customer=CustomerFactory(name=f"Shop {day}", team=company.team_a), check_in_at=at(9)
        )
        OrderLineFactory(visit=visit, amount=Decimal("12.50"))
    rep_ids = [company.rep_a.pk, company.rep_b.pk]
    with django_assert_num_queries(2):
        both = day_summaries_for_reps(rep_ids=rep_ids, days=[DAY, before])
    for day in (DAY, before):
        assert both[day] == day_summary_for_reps(rep_ids=rep_ids, day=day)
    assert both[before][company.rep_a.pk].sheet_status == "submitted"
    assert both[DAY][company.rep_b.pk] == DaySummary(rep_id=company.rep_b.pk, sheet_status=None)
    # Without the key customers' names (the dashboard shows the check-ins' instead): one query.
    with django_assert_num_queries(1):
        figures = day_summaries_for_reps(rep_ids=rep_ids, days=[DAY, before], key_customers=False)
    assert figures[DAY][company.rep_a.pk].key_customers == []
    assert figures[DAY][company.rep_a.pk].order_amount == Decimal("12.50")
