"""Property: after any mix of late inserts, updates and deletes of sale lines, visits, sheets and first orders,
the incremental roll-ups (the changed days rolled up again) equal a rebuild from the raw rows, row for row."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

import pytest
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from org.models import Customer
from reports.models import ActualChange, DailyActual, MonthlyActual
from reports.night.changes import actual_changes_apply
from reports.night.rollups import daily_actual_refresh
from tests.factories import CustomerFactory, ProductFactory
from visits import actuals
from visits.models import SaleRecord, Visit, VisitSheet

pytestmark = pytest.mark.django_db

YEAR_START = dt.date(2026, 1, 1)
days = st.integers(min_value=0, max_value=330).map(lambda n: YEAR_START + dt.timedelta(days=n))
amounts = st.decimals(min_value=0, max_value=50000, places=2, allow_nan=False, allow_infinity=False)
operations = st.lists(
    st.one_of(
        st.tuples(st.just("insert"), days, st.integers(0, 2), st.integers(0, 1), amounts),
        st.tuples(st.just("update"), st.integers(0, 50), days, st.integers(0, 2), st.integers(0, 1), amounts),
        st.tuples(st.just("delete"), st.integers(0, 50)),
        st.tuples(st.just("visit"), days, st.integers(0, 2), st.booleans(), st.booleans()),
        st.tuples(st.just("unvisit"), st.integers(0, 50)),
        st.tuples(st.just("submit"), st.integers(0, 50), st.booleans()),
        st.tuples(st.just("first_order"), st.integers(0, 2), st.one_of(st.none(), days)),
        st.tuples(st.just("product_line"), st.integers(0, 1)),
    ),
    min_size=1,
    max_size=25,
)


def rollups() -> tuple[set, set]:
    daily = set(DailyActual.objects.values_list("day", "team_id", "rep_id", "family", "product_group", "value"))
    monthly = set(MonthlyActual.objects.values_list("month", "team_id", "rep_id", "family", "product_group", "value"))
    return daily, monthly


def rebuild(team_ids: list[int]) -> None:
    DailyActual.objects.all().delete()
    MonthlyActual.objects.all().delete()
    daily_actual_refresh(team_ids=team_ids, start=YEAR_START, end=dt.date(2026, 12, 31))


def apply(operation: tuple, people: list, products: list) -> None:
    kind, *args = operation
    sales = list(SaleRecord.objects.order_by("id"))
    visits = list(Visit.objects.order_by("id"))
    sheets = list(VisitSheet.objects.order_by("id"))
    if kind == "insert":
        day, who, what, amount = args
        rep, team, customer = people[who]
        SaleRecord.objects.create(
            date=day, rep=rep, team=team, customer=customer, product=products[what], quantity=1, amount=amount
        )
    elif kind == "update" and sales:
        index, day, who, what, amount = args
        rep, team, customer = people[who]
        SaleRecord.objects.filter(pk=sales[index % len(sales)].pk).update(
            date=day, rep=rep, team=team, customer=customer, product=products[what], amount=amount
        )
    elif kind == "delete" and sales:
        sales[args[0] % len(sales)].delete()
    elif kind == "visit":
        day, who, planned, done = args
        rep, team, customer = people[who]
        sheet, _created = VisitSheet.objects.get_or_create(
            rep=rep, date=day, defaults={"team": team, "deadline": timezone.now()}
        )
        at = timezone.now()
        Visit.objects.create(
            sheet=sheet, customer=customer, planned=planned, check_in_at=at, check_out_at=at if done else None
        )
    elif kind == "unvisit" and visits:
        visits[args[0] % len(visits)].delete()
    elif kind == "submit" and sheets:
        index, late = args
        VisitSheet.objects.filter(pk=sheets[index % len(sheets)].pk).update(
            status="submitted", submitted_at=timezone.now(), is_late=late
        )
    elif kind == "first_order":
        who, day = args
        Customer.objects.filter(pk=people[who][2].pk).update(first_order_date=day)
    elif kind == "product_line":
        product = products[args[0]]
        product.is_new_line = not product.is_new_line
        product.save()


@pytest.fixture
def world(company) -> dict:
    products = [ProductFactory(group="Drinks", is_new_line=False), ProductFactory(group="Snacks", is_new_line=True)]
    people = [
        (company.rep_a, company.team_a, CustomerFactory(team=company.team_a, owner=company.rep_a)),
        (company.rep_a2, company.team_a, CustomerFactory(team=company.team_a, owner=company.rep_a2)),
        (company.rep_b, company.team_b, CustomerFactory(team=company.team_b, owner=company.rep_b, kind="outlet")),
    ]
    for index, day in enumerate([dt.date(2026, 2, 3), dt.date(2026, 6, 9), dt.date(2026, 9, 1)]):
        rep, team, customer = people[index]
        SaleRecord.objects.create(
            date=day, rep=rep, team=team, customer=customer, product=products[index % 2], quantity=1, amount=D(100)
        )
    return {"people": people, "products": products, "teams": [company.team_a.pk, company.team_b.pk]}


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=operations)
def test_incremental_rollups_equal_a_rebuild_after_any_mix_of_late_changes(world, ops) -> None:
    with transaction.atomic():
        rebuild(world["teams"])  # last night: everything rolled up
        ActualChange.objects.all().delete()
        for operation in ops:
            apply(operation, world["people"], world["products"])
        actual_changes_apply(as_of=dt.date(2026, 12, 2))  # tonight: only the changed days
        incremental = rollups()
        rebuild(world["teams"])
        assert incremental == rollups()
        transaction.set_rollback(True)


LIVE_FAMILIES = (
    DailyActual.Family.NEW_LINE_AMOUNT,
    DailyActual.Family.ESTABLISHED_AMOUNT,
    DailyActual.Family.NEW_CUSTOMERS,
    DailyActual.Family.NEW_OUTLETS,
    DailyActual.Family.VISITS,
)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=operations)
def test_the_nights_rollup_and_the_live_reader_count_each_family_alike(world, ops) -> None:
    """The night rolls the families up in SQL, the live pages read them with visits.actuals.family_totals: for any
    records, each family's total per rep and month is the same both ways."""
    every_kind = [("first_order", who, dt.date(2026, 3, 2 + who)) for who in range(3)]
    every_kind += [("visit", dt.date(2026, 4, 1), who, True, False) for who in range(3)]
    with transaction.atomic():
        Customer.objects.filter(pk=world["people"][0][2].pk).update(kind=Customer.Kind.DISTRIBUTOR)  # not an outlet
        for operation in every_kind + ops:
            apply(operation, world["people"], world["products"])
        rep, team, customer = world["people"][0]
        sheet = VisitSheet.objects.get(rep=rep, date=dt.date(2026, 4, 1))
        Visit.objects.create(sheet=sheet, customer=customer, planned=True)  # planned, never checked in
        rebuild(world["teams"])
        rep_ids = [rep.pk for rep, _team, _customer in world["people"]]
        for family in LIVE_FAMILIES:
            live = {
                key: value
                for key, value in actuals.family_totals(
                    [family], start=YEAR_START, end=dt.date(2026, 12, 31), rep_ids=rep_ids, per_rep=True, by="month"
                ).items()
                if value
            }
            rolled: dict = {}
            for rep_id, month, value in MonthlyActual.objects.filter(family=family, rep_id__in=rep_ids).values_list(
                "rep_id", "month", "value"
            ):
                rolled[(rep_id, month.month)] = rolled.get((rep_id, month.month), 0) + value
            assert {key: D(value) for key, value in live.items()} == {
                key: D(value) for key, value in rolled.items() if value
            }, family
        transaction.set_rollback(True)
