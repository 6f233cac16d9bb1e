"""Week and day periods: daily targets summed over working days, hand-worked numbers, KPIs per week and day."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal as D

import pytest

from reports.models import ExecutionKpiSnapshot, ProgressSnapshot
from reports.night.periods import night_periods
from reports.night.run import night_compute
from targets.breakdown import MONEY, WHOLE, equal_split, split
from tests.factories import CustomerFactory, ProductFactory
from tests.reports.factories import make_sale, make_target
from tests.reports.fixtures import AS_OF


def test_equal_split_gives_the_parts_of_split_with_equal_weights() -> None:
    rng = random.Random(8)
    for _ in range(300):
        total = D(rng.randint(0, 10**9)) / 100
        count = rng.randint(1, 31)
        for precision in (MONEY, WHOLE):
            assert equal_split(total, count, precision) == split(total, [1] * count, precision)


@pytest.mark.django_db
def test_the_week_runs_monday_to_sunday_and_the_day_only_on_working_days() -> None:
    working = {dt.date(2026, 3, 16), dt.date(2026, 10, 10), dt.date(2026, 1, 2)}
    periods = dict((kind, (start, end)) for kind, start, end in night_periods(AS_OF, working_days=working))
    assert periods["week"] == (dt.date(2026, 3, 16), dt.date(2026, 3, 22))
    assert periods["day"] == (AS_OF, AS_OF)
    assert periods["month"] == (dt.date(2026, 3, 1), dt.date(2026, 3, 31))
    # The make-up Saturday of the October holiday is a working day, so it has a day period.
    october = dict((k, (s, e)) for k, s, e in night_periods(dt.date(2026, 10, 10), working_days=working))
    assert october["day"] == (dt.date(2026, 10, 10),) * 2
    assert october["week"] == (dt.date(2026, 10, 5), dt.date(2026, 10, 11))
    # An ordinary Sunday has no daily target: no day period.
    sunday = {k for k, _s, _e in night_periods(dt.date(2026, 3, 22), working_days=working)}
    assert sunday == {"month", "quarter", "year", "week"}
    # The first week of the year is cut at 1 January (targets are annual).
    january = dict((k, (s, e)) for k, s, e in night_periods(dt.date(2026, 1, 2), working_days=working))
    assert january["week"] == (dt.date(2026, 1, 1), dt.date(2026, 1, 4))


def snapshot(owner_key: str, kind: str, as_of: dt.date = AS_OF) -> ProgressSnapshot:
    return ProgressSnapshot.objects.get(as_of=as_of, owner_key=owner_key, period_kind=kind)


@pytest.mark.django_db
def test_the_week_and_the_day_of_the_hand_worked_month(company, night) -> None:
    """March 2026 has 22 working days: 220,000 is 10,000 a working day; the 16th is a Monday."""
    night_compute(as_of=AS_OF)
    week = snapshot(f"rep:{company.rep_a.pk}", "week")
    assert (week.period_start, week.period_end) == (dt.date(2026, 3, 16), dt.date(2026, 3, 22))
    assert (week.target, week.actual) == (D("50000.00"), D("40000.00"))  # Mon–Fri × 10,000; the 16th's sale
    assert week.time_progress == D("0.2")  # 1 of 5 working days
    assert week.plan_progress == D("0.2")
    assert week.achievement == D("0.8")
    assert week.gap_pp == D("60.00")
    assert week.status == "ahead"
    assert week.forecast == D("200000.00")  # 40,000 a day × 5
    assert week.required_daily_rate == D("2500.00")  # 10,000 left over 4 days
    day = snapshot(f"rep:{company.rep_a.pk}", "day")
    assert (day.target, day.actual, day.achievement) == (D("10000.00"), D("40000.00"), D("4"))
    assert (day.time_progress, day.gap_pp, day.required_daily_rate) == (D("1"), D("300.00"), D("0.00"))
    # rep_a2 has 110,000 in March (5,000 a day) and no sale this week: nothing done, no day left today.
    day_a2 = snapshot(f"rep:{company.rep_a2.pk}", "day")
    assert (day_a2.target, day_a2.actual, day_a2.status) == (D("5000.00"), D("0.00"), "critical")
    assert day_a2.required_daily_rate is None
    # The team's week is its subtree's: 330,000 / 22 × 5 = 75,000; the 16th's 40,000.
    team_week = snapshot(f"team:{company.team_a.pk}", "week")
    assert (team_week.target, team_week.actual) == (D("75000.00"), D("40000.00"))


@pytest.mark.django_db
def test_a_week_across_two_months_sums_each_months_daily_targets(company, sales_metric) -> None:
    """Week of Wednesday 1 April 2026: Mon 30 and Tue 31 March at 10,000 (220,000 / 22), Wed–Fri 1–3 April
    at 9,523.81 (200,000 / 21 working days: the first 20 days 9,523.81, the last 9,523.80); the Qingming
    weekend is off. Plan to date (3 days) 29,523.81 of 48,571.43 is 60.78 %, time 3 of 5 days is 60 %."""
    make_target(company.team_a, company.rep_a, sales_metric, {3: "220000", 4: "200000"})
    product, customer = ProductFactory(), CustomerFactory(team=company.team_a, owner=company.rep_a)
    for day, amount in [((3, 27), "7000"), ((3, 30), "12000"), ((4, 1), "15000"), ((4, 2), "99999")]:
        make_sale(dt.date(2026, *day), company.rep_a, customer, product, D(amount))
    as_of = dt.date(2026, 4, 1)
    night_compute(as_of=as_of)
    key = f"rep:{company.rep_a.pk}"
    week = snapshot(key, "week", as_of)
    assert (week.period_start, week.period_end) == (dt.date(2026, 3, 30), dt.date(2026, 4, 5))
    assert (week.target, week.actual) == (D("48571.43"), D("27000.00"))  # 12,000 + 15,000; not the 27th's
    assert week.time_progress == D("0.6")
    assert week.plan_progress == D("0.607843")
    assert week.achievement == D("0.555882")
    assert (week.gap_pp, week.status) == (D("-4.41"), "watch")
    assert week.forecast == D("45000.00")
    assert week.required_daily_rate == D("10785.72")  # 21,571.43 over 2 days
    assert snapshot(key, "day", as_of).target == D("9523.81")
    # The month and the year are unchanged by the day-based roll-up window.
    assert snapshot(key, "month", as_of).actual == D("15000.00")
    assert snapshot(key, "year", as_of).actual == D("34000.00")


@pytest.mark.django_db
def test_a_sunday_night_has_week_rows_but_no_day_rows(company, night) -> None:
    sunday = dt.date(2026, 3, 22)
    night_compute(as_of=sunday)
    kinds = set(ProgressSnapshot.objects.filter(as_of=sunday).values_list("period_kind", flat=True))
    assert kinds == {"month", "quarter", "year", "week"}
    week = snapshot(f"rep:{company.rep_a.pk}", "week", sunday)
    assert (week.target, week.time_progress) == (D("50000.00"), D("1"))


@pytest.mark.django_db
def test_kpis_are_kept_per_week_and_day(company, night) -> None:
    night_compute(as_of=AS_OF)
    kinds = set(
        ExecutionKpiSnapshot.objects.filter(as_of=AS_OF, owner_key=f"rep:{company.rep_a.pk}").values_list(
            "period_kind", flat=True
        )
    )
    assert kinds == {"month", "quarter", "year", "week", "day"}
    day = ExecutionKpiSnapshot.objects.get(as_of=AS_OF, owner_key=f"rep:{company.rep_a.pk}", period_kind="day")
    assert day.on_time_filing_rate == D("0")  # one working day, no sheet filed
