"""The snapshot statement computes what ``salesops.formulas`` computes, to the last digit: on hand-worked cases,
on seeded random ones (zero targets, negative actuals, halves to round), and a whole night against the
row-by-row reference path."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal as D

import pytest
from django.db import DatabaseError, connection

from reports.models import ProgressSnapshot
from reports.night import snapshot_sql, snapshots
from reports.night.context import NightContext
from reports.night.run import night_compute
from reports.night.shards import inner_team_ids, leaf_team_shards
from reports.night.snapshot_sql import progress_numbers_sql
from reports.night.snapshots import SNAPSHOT_COLUMNS, progress_snapshot_rows
from salesops import formulas
from targets.models import Metric
from tests.reports.factories import make_target

pytestmark = pytest.mark.django_db

MONEY, WHOLE = D("0.01"), D("1")
THRESHOLDS = formulas.Thresholds()
OUTPUTS = [
    "target",
    "actual",
    "achievement",
    "time_progress",
    "plan_progress",
    "gap_pp",
    "status",
    "forecast",
    "forecast_seasonal",
    "forecast_last_year",
    "required_daily_rate",
    "achievement_capped",
    "plan_capped",
]


class Case:
    """One owner, metric and period: the inputs of the statement and of ``formulas``. ``done`` is planned for
    the months already over, ``current`` the value of the month of the night, of which ``month_units`` are
    gone (a day-based period: ``current`` is None and ``done`` is all that is planned)."""

    def __init__(self, *, target, actual, elapsed, total, precision=MONEY, done="0", current=None, month=(0, 0),
                 year_actual="0", last_year_period="0", last_year_to_date="0") -> None:  # fmt: skip
        self.target, self.actual = D(target), D(actual)
        self.units = formulas.Units(elapsed=elapsed, total=total)
        self.precision = precision
        self.done, self.current = D(done), None if current is None else D(current)
        self.month_units = formulas.Units(elapsed=month[0], total=month[1])
        self.year_actual, self.last_year_period = D(year_actual), D(last_year_period)
        self.last_year_to_date = D(last_year_to_date)

    def planned(self) -> D:
        """Planned to date as the night computes it: ``formulas.planned_to_date`` of the two months."""
        if self.current is None:
            return self.done
        months = {(2026, 1): self.done, (2026, 2): self.current}
        return formulas.planned_to_date(
            months, dt.date(2026, 1, 1), dt.date(2026, 12, 31), dt.date(2026, 2, 10),
            units_of=lambda _start, _end: self.month_units,
        )  # fmt: skip

    def expected(self) -> dict[str, object]:
        numbers = formulas.progress(
            target=self.target,
            actual=self.actual,
            planned=self.planned(),
            units=self.units,
            thresholds=THRESHOLDS,
            precision=self.precision,
        )
        growth = formulas.growth(self.year_actual, self.last_year_to_date)
        return {
            "target": numbers.target,
            "actual": numbers.actual,
            "achievement": numbers.achievement,
            "time_progress": numbers.time_progress,
            "plan_progress": numbers.plan_progress,
            "gap_pp": numbers.gap_pp,
            "status": numbers.status,
            "forecast": numbers.forecast,
            "forecast_seasonal": numbers.forecast_seasonal,
            "forecast_last_year": formulas.last_year_forecast(self.last_year_period, growth, self.precision),
            "required_daily_rate": numbers.required_daily_rate,
            "achievement_capped": "achievement" in numbers.flags,
            "plan_capped": "plan_progress" in numbers.flags,
        }

    def inputs(self) -> tuple[object, ...]:
        """The row of the statement's source: planned as (done × month total + current × gone) / month total."""
        prorated = self.current is not None and self.month_units.total != 0
        numerator = self.done * self.month_units.total + self.current * self.month_units.elapsed if prorated else None
        return (
            self.target,
            self.actual,
            2 if self.precision == MONEY else 0,
            self.units.elapsed,
            self.units.total,
            numerator if prorated else self.done,
            self.month_units.total if prorated else 1,
            self.year_actual,
            self.last_year_period,
            self.last_year_to_date,
        )


def computed(cases: list[Case]) -> list[dict[str, object]]:
    """The statement's numbers of ``cases``, in their order."""
    params: dict[str, object] = {"ahead": THRESHOLDS.ahead, "watch": THRESHOLDS.watch, "behind": THRESHOLDS.behind}
    types = ["numeric", "numeric", "int", "int", "int", "numeric", "numeric", "numeric", "numeric", "numeric"]
    rows = []
    for index, case in enumerate(cases):
        cells = []
        for column, (value, sql_type) in enumerate(zip(case.inputs(), types, strict=True)):
            params[f"c{index}_{column}"] = value
            cells.append(f"%(c{index}_{column})s::{sql_type}")
        rows.append(f"({index}, {', '.join(cells)})")
    sql = f"""
        WITH cases (n, target, actual, places, elapsed, total, planned_numerator, planned_denominator,
                    year_actual, last_year_period, last_year_to_date) AS (VALUES {", ".join(rows)}),
        {progress_numbers_sql("cases")}
        SELECT {", ".join(f"f.{name}" for name in OUTPUTS)} FROM f ORDER BY f.n
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [dict(zip(OUTPUTS, row, strict=True)) for row in cursor.fetchall()]


def assert_same(cases: list[Case]) -> None:
    for case, got in zip(cases, computed(cases), strict=True):
        want = case.expected()
        # Decimal equality is numeric: 38 == 38.00, but 38 != 39 and 0.409091 != 0.409090.
        assert got == want, (vars(case), got, want)


def test_hand_worked_cases() -> None:
    march = Case(  # rep A's March: 90,000 of 220,000 with 11 of 22 working days gone
        target="220000", actual="90000", elapsed=11, total=22, done="0", current="220000", month=(11, 22)
    )
    assert computed([march])[0] == {
        "target": D("220000"),
        "actual": D("90000"),
        "achievement": D("0.409091"),
        "time_progress": D("0.500000"),
        "plan_progress": D("0.500000"),
        "gap_pp": D("-9.09"),
        "status": "behind",  # 9.09 pp behind time: beyond the 5 of "watch"
        "forecast": D("180000.00"),
        "forecast_seasonal": D("180000.00"),
        "forecast_last_year": None,
        "required_daily_rate": D("11818.18"),
        "achievement_capped": False,
        "plan_capped": False,
    }
    # 11 visits in 6 of 21 days: exactly 38.5, which Decimal's A / 6 × 21 makes 38.499…: 38, as formulas says.
    visits = Case(target="40", actual="11", elapsed=6, total=21, precision=WHOLE, done="12")
    assert computed([visits])[0]["forecast"] == D("38") == visits.expected()["forecast"]
    cases = [
        march,
        visits,
        Case(target="0", actual="500", elapsed=3, total=20),  # no target: no ratio, no gap
        Case(target="0.01", actual="90000", elapsed=3, total=20, done="0.01"),  # capped at 1000, flagged
        Case(target="200000", actual="0.10", elapsed=0, total=20),  # 0.0000005: half up to 0.000001
        Case(target="200000", actual="-0.10", elapsed=20, total=20),  # −0.0000005: away from zero
        Case(target="100", actual="100", elapsed=0, total=0),  # a period without units
        Case(target="300", actual="100", elapsed=5, total=5),  # nothing left, work left: no daily rate
        Case(
            target="1000",
            actual="600",
            elapsed=4,
            total=10,
            year_actual="1200",
            last_year_period="700",
            last_year_to_date="900",
        ),  # fmt: skip
    ]
    assert_same(cases)


def random_amount(rng: random.Random, precision: D) -> D:
    shape = rng.random()
    if shape < 0.1:
        return D(0)
    if shape < 0.2:
        return precision * rng.randint(1, 9)  # a few fen or units
    digits = rng.choice([2, 4, 6, 8, 10])
    return (precision * rng.randint(1, 10**digits)).quantize(precision)


def random_case(rng: random.Random) -> Case:
    precision = rng.choice([MONEY, WHOLE])
    total = rng.choice([0, 1, 5, 7, 21, 22, 31, 59, 92, 248, 365, rng.randint(1, 366)])
    elapsed = rng.randint(0, total)
    actual = random_amount(rng, precision) * rng.choice([1, 1, 1, -1])  # a correction can make it negative
    month_total = rng.choice([0, 20, 21, 22, 23, 30, 31])
    daily = rng.random() < 0.3
    return Case(
        target=random_amount(rng, precision),
        actual=actual,
        elapsed=elapsed,
        total=total,
        precision=precision,
        done=random_amount(rng, precision),
        current=None if daily else random_amount(rng, precision),
        month=(rng.randint(0, month_total), month_total),
        year_actual=random_amount(rng, precision),
        last_year_period=random_amount(rng, precision),
        last_year_to_date=random_amount(rng, precision),
    )


def test_random_cases_to_the_last_digit() -> None:
    rng = random.Random(20261203)
    cases = [random_case(rng) for _ in range(3000)]
    # Halves for every rounding: run-rate forecasts of exactly x.5 (Decimal rounds some of them down), ratios
    # of exactly half a millionth, gaps of half a hundredth.
    for elapsed in range(1, 40):
        for total in range(elapsed, 60, 3):
            for actual in range(1, 30, 2):
                if D(actual * total * 2) % elapsed == 0 and (actual * total * 2 // elapsed) % 2 == 1:
                    cases.append(Case(target="1000", actual=actual, elapsed=elapsed, total=total, precision=WHOLE))
    for last_year_to_date in range(1, 40):  # last-year forecasts of exactly x.5: period × (to date ÷ to date)
        for year_actual in range(1, 30, 2):
            for period in range(1, 30, 3):
                twice, rest = divmod(2 * period * year_actual, last_year_to_date)
                if rest == 0 and twice % 2 == 1:
                    cases.append(
                        Case(target="9", actual="3", elapsed=1, total=3, precision=WHOLE, year_actual=year_actual,
                             last_year_period=period, last_year_to_date=last_year_to_date)
                    )  # fmt: skip
    cases += [Case(target=str(t), actual=str(t / 2 / 1_000_000), elapsed=1, total=8) for t in (D(2), D("200.00"))]
    # A ratio a hair below a half: 0.99995049999999999505 is 0.999950, not 0.999951.
    cases += [Case(target="99999999999.99", actual="99995049999.99", elapsed=1, total=8)]
    cases += [Case(target="100", actual="100.005", elapsed=1, total=8)]  # gap of exactly 1.9999… / 2
    assert len(cases) > 3100
    assert_same(cases)


def _stored_rows(as_of: dt.date) -> list[tuple[object, ...]]:
    columns = [c for c in SNAPSHOT_COLUMNS if c != "computed_at"] + ["rank"]
    return sorted(
        ProgressSnapshot.objects.filter(as_of=as_of).values_list(*columns),
        key=lambda row: (row[1], row[2], row[3], row[4]),
    )


def test_a_night_by_the_statement_is_the_night_row_by_row(company, night, monkeypatch) -> None:
    """Reps, teams and the region; money and a count metric; month, quarter, year, week and day."""
    visits, _created = Metric.objects.get_or_create(
        code="visits", defaults={"name": "Visits", "unit": Metric.Unit.COUNT, "actual_kind": Metric.ActualKind.VISITS}
    )
    make_target(company.team_a, company.rep_a, visits, {3: "17", 4: "20"})
    make_target(company.team_a, None, visits, {3: "41"})
    as_of = night["as_of"]
    night_compute(as_of=as_of)
    by_statement = _stored_rows(as_of)
    ctx = NightContext(as_of)
    reference = []
    for team_ids in [*leaf_team_shards(), inner_team_ids()]:
        reference += progress_snapshot_rows(ctx, team_ids)
    compared = [c for c in SNAPSHOT_COLUMNS if c != "computed_at"]
    expected = sorted(
        (tuple(row[SNAPSHOT_COLUMNS.index(c)] for c in compared) for row in reference),
        key=lambda row: (row[1], row[2], row[3], row[4]),
    )
    assert [row[:-1] for row in by_statement] == expected
    assert len(expected) == 30 and {row[3] for row in expected} == {"month", "quarter", "year", "week", "day"}

    def refuse(*_args, **_kwargs):
        raise DatabaseError("refused")

    monkeypatch.setattr(snapshots, "snapshots_upsert", refuse)  # the row-by-row path writes the same rows
    ProgressSnapshot.objects.filter(as_of=as_of).delete()
    night_compute(as_of=as_of)
    assert _stored_rows(as_of) == by_statement
    assert snapshot_sql.snapshots_upsert is not refuse
