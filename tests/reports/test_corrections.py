"""Corrections reach the reports: any change of a sale line, visit, sheet or first order, however old its
date and whichever path made it, is rolled up again the next night, and the past nights holding it are computed
again (or, for a frozen closed month, the correction is held until a director reopens it)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D
from zoneinfo import ZoneInfo

import pytest
import time_machine

from reports.models import ActualChange, Alert, HeldCorrection, ProgressSnapshot
from reports.night.run import night_compute
from reports.services import month_close, month_reopen
from targets.models import NightRecompute
from tests.factories import CustomerFactory, ProductFactory
from tests.reports.factories import make_sale, make_target
from visits.models import SaleRecord
from visits.services import rep_day, sales_import

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")


def changed_days() -> set[tuple[int, dt.date]]:
    return set(ActualChange.objects.values_list("team_id", "day"))


@pytest.fixture
def product(db):
    return ProductFactory(code="SODA")


@pytest.fixture
def shop(company):
    return CustomerFactory(code="A1", team=company.team_a, owner=company.rep_a)


def test_every_change_of_a_sale_line_records_the_days_it_leaves_and_reaches(company, product, shop) -> None:
    shop_b = CustomerFactory(team=company.team_b, owner=company.rep_b)
    ActualChange.objects.all().delete()
    sale = make_sale(dt.date(2026, 8, 10), company.rep_a, shop, product, D("8000"))
    assert changed_days() == {(company.team_a.pk, dt.date(2026, 8, 10))}
    ActualChange.objects.all().delete()
    # Moved to another rep, team and day by a bulk update (no model signal fires): both days are recorded.
    SaleRecord.objects.filter(pk=sale.pk).update(
        rep=company.rep_b, team=company.team_b, customer=shop_b, date=dt.date(2026, 7, 1)
    )
    assert changed_days() == {(company.team_a.pk, dt.date(2026, 8, 10)), (company.team_b.pk, dt.date(2026, 7, 1))}
    ActualChange.objects.all().delete()
    SaleRecord.objects.filter(pk=sale.pk).delete()
    assert changed_days() == {(company.team_b.pk, dt.date(2026, 7, 1))}


def test_a_visit_a_sheet_and_a_first_order_record_their_day(company, shop) -> None:
    with time_machine.travel(dt.datetime(2026, 3, 10, 9, tzinfo=SHANGHAI), tick=False):
        ActualChange.objects.all().delete()
        sheet = rep_day.sheet_open(rep=company.rep_a)
        assert changed_days() == {(company.team_a.pk, dt.date(2026, 3, 10))}
        ActualChange.objects.all().delete()
        visit = rep_day.visit_plan(by=company.rep_a, sheet=sheet, customer=shop)
        assert changed_days() == {(company.team_a.pk, dt.date(2026, 3, 10))}
        ActualChange.objects.all().delete()
        sheet.refresh_from_db()
        sheet.save()  # touched without a change the roll-ups read: nothing to roll up
        assert changed_days() == set()
        rep_day.visit_check_in(by=company.rep_a, visit=visit)
        assert changed_days() == {(company.team_a.pk, dt.date(2026, 3, 10))}
    ActualChange.objects.all().delete()
    shop.first_order_date = dt.date(2026, 2, 3)
    shop.save()
    assert changed_days() == {(company.team_a.pk, dt.date(2026, 2, 3))}


def night(day: dt.date) -> None:
    """The night of ``day``, computed in the early morning after it, as the schedule does."""
    after = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(1), tzinfo=SHANGHAI)
    with time_machine.travel(after, tick=False):
        night_compute(as_of=day)


def snapshot(owner_key: str, as_of: dt.date, kind: str) -> ProgressSnapshot:
    return ProgressSnapshot.objects.get(as_of=as_of, owner_key=owner_key, period_kind=kind)


@pytest.fixture
def autumn(company, sales_metric, product, shop) -> dict:
    """rep_a: ¥10,000 a month; sales of ¥8,000 on 10 Aug (ERP line E-1), ¥6,000 on 5 Sep, ¥12,000 on 3 Nov;
    the month-end nights of August to November and the night of 1 December computed."""
    make_target(company.team_a, company.rep_a, sales_metric, {m: "10000" for m in range(1, 13)})
    with time_machine.travel(dt.datetime(2026, 12, 2, 9, tzinfo=SHANGHAI), tick=False):
        sales_import.sale_records_import(
            by=company.manager_a,
            rows=[
                {
                    "date": "2026-08-10",
                    "rep": "rep_a",
                    "customer": "A1",
                    "product": "SODA",
                    "quantity": "1",
                    "amount": "8000",
                    "external_id": "E-1",
                },
            ],
        )
    make_sale(dt.date(2026, 9, 5), company.rep_a, shop, product, D("6000"))
    make_sale(dt.date(2026, 11, 3), company.rep_a, shop, product, D("12000"))
    for day in (dt.date(2026, 8, 31), dt.date(2026, 9, 30), dt.date(2026, 10, 31), dt.date(2026, 11, 30)):
        night(day)
    night(dt.date(2026, 12, 1))
    return {"rep": f"rep:{company.rep_a.pk}"}


def reimport_e1(company, amount: str) -> None:
    with time_machine.travel(dt.datetime(2026, 12, 2, 9, tzinfo=SHANGHAI), tick=False):
        result = sales_import.sale_records_import(
            by=company.manager_a,
            rows=[
                {
                    "date": "2026-08-10",
                    "rep": "rep_a",
                    "customer": "A1",
                    "product": "SODA",
                    "quantity": "1",
                    "amount": amount,
                    "external_id": "E-1",
                },
            ],
        )
    assert result.updated == 1


def test_a_correction_four_months_back_changes_that_month_quarter_and_year_on_the_next_night(company, autumn):
    rep = autumn["rep"]
    august, q3 = snapshot(rep, dt.date(2026, 8, 31), "month"), snapshot(rep, dt.date(2026, 9, 30), "quarter")
    assert (august.actual, august.achievement) == (D("8000.00"), D("0.8"))
    assert (q3.target, q3.actual) == (D("30000.00"), D("14000.00"))
    assert snapshot(rep, dt.date(2026, 12, 1), "year").actual == D("26000.00")

    reimport_e1(company, "9500")  # the ERP corrects the line of 10 August: the same external id again
    night(dt.date(2026, 12, 2))

    august, q3 = snapshot(rep, dt.date(2026, 8, 31), "month"), snapshot(rep, dt.date(2026, 9, 30), "quarter")
    assert (august.actual, august.achievement) == (D("9500.00"), D("0.95"))
    assert (q3.actual, q3.achievement) == (D("15500.00"), D("0.516667"))  # 15,500 / 30,000
    year = snapshot(rep, dt.date(2026, 12, 2), "year")
    assert (year.target, year.actual) == (D("120000.00"), D("27500.00"))
    # The later month ends count it in their year to date too; each was asked for once and is done.
    assert snapshot(rep, dt.date(2026, 11, 30), "year").actual == D("27500.00")
    asked = NightRecompute.objects.order_by("night")
    assert list(asked.values_list("night", flat=True)) == [
        dt.date(2026, 8, 31),
        dt.date(2026, 9, 30),
        dt.date(2026, 10, 31),
        dt.date(2026, 11, 30),
    ]
    assert not asked.filter(done_at__isnull=True).exists()
    assert not ActualChange.objects.exists()


def test_a_deleted_line_leaves_its_month_and_the_year(company, autumn) -> None:
    SaleRecord.objects.filter(date=dt.date(2026, 9, 5)).delete()
    night(dt.date(2026, 12, 2))
    assert snapshot(autumn["rep"], dt.date(2026, 9, 30), "month").actual == D("0.00")
    assert snapshot(autumn["rep"], dt.date(2026, 9, 30), "quarter").actual == D("8000.00")
    assert snapshot(autumn["rep"], dt.date(2026, 12, 2), "year").actual == D("20000.00")


def test_a_correction_of_a_closed_month_is_held_until_the_director_reopens_it(company, autumn) -> None:
    rep = autumn["rep"]
    with time_machine.travel(dt.datetime(2026, 12, 2, 9, tzinfo=SHANGHAI), tick=False):
        month_close(by=company.director, month=dt.date(2026, 8, 1))
    reimport_e1(company, "9500")
    night(dt.date(2026, 12, 2))

    # August's frozen scores stay as shown; September (open) and the current year count the correction.
    assert snapshot(rep, dt.date(2026, 8, 31), "month").actual == D("8000.00")
    assert snapshot(rep, dt.date(2026, 9, 30), "quarter").actual == D("15500.00")
    assert snapshot(rep, dt.date(2026, 12, 2), "year").actual == D("27500.00")
    held = HeldCorrection.objects.get()
    assert (held.month, held.day, held.team_id, held.released_at) == (
        dt.date(2026, 8, 1),
        dt.date(2026, 8, 10),
        company.team_a.pk,
        None,
    )
    alert = Alert.objects.get(cause="held-correction:2026-08")
    assert alert.user == company.director and "2026-08" in alert.text

    with time_machine.travel(dt.datetime(2026, 12, 3, 9, tzinfo=SHANGHAI), tick=False):
        month_reopen(by=company.director, month=dt.date(2026, 8, 1), reason="ERP credit note of 10 August")
    night(dt.date(2026, 12, 3))
    assert snapshot(rep, dt.date(2026, 8, 31), "month").actual == D("9500.00")
    held.refresh_from_db()
    assert held.released_at is not None


def test_the_closed_months_api_counts_the_held_corrections(company, autumn) -> None:
    with time_machine.travel(dt.datetime(2026, 12, 2, 9, tzinfo=SHANGHAI), tick=False):
        month_close(by=company.director, month=dt.date(2026, 8, 1))
        month_close(by=company.director, month=dt.date(2026, 9, 1))
    reimport_e1(company, "9500")
    night(dt.date(2026, 12, 2))
    rows = company.client_for(company.manager_a).get("/api/v1/closed-months/").json()["results"]
    held = {row["month"]: row["held_corrections"] for row in rows}
    # 10 August counts in August and in September's quarter to date: held by both frozen nights.
    assert held == {"2026-09-01": 1, "2026-08-01": 1}
