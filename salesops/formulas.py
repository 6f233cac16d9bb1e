"""The progress numbers, defined once: pure functions on Decimals and dates. What each number means, with its
formula, is written out in docs/numbers.md.

It imports no app, so every app may use it: the nightly snapshots, the dashboards and the meetings alike.

Ratios are returned as Decimals in [0, 1] (or above 1 for achievement); percentage points as Decimals
(−9.09 means 9.09 pp behind time). ``None`` means "undefined" and is shown as "—".
"""

from __future__ import annotations

import calendar as pycalendar
import datetime as dt
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

ZERO = Decimal(0)
ONE = Decimal(1)
HUNDRED = Decimal(100)
RATIO = Decimal("0.000001")
POINTS = Decimal("0.01")
MONEY = Decimal("0.01")
# 100,000 %: a ratio beyond it says only that the target is (nearly) zero, so it is capped there and flagged.
RATIO_LIMIT = Decimal(1000)


class Status:
    AHEAD = "ahead"
    WATCH = "watch"
    BEHIND = "behind"
    CRITICAL = "critical"
    NO_TARGET = "no_target"

    ORDER = (AHEAD, WATCH, BEHIND, CRITICAL)


@dataclass(frozen=True)
class Thresholds:
    """Lower bounds in percentage points: gap ≥ 0 ahead, ≥ watch on watch, ≥ behind behind, else critical."""

    ahead: Decimal = ZERO
    watch: Decimal = Decimal(-5)
    behind: Decimal = Decimal(-15)


@dataclass(frozen=True)
class Units:
    """Elapsed / total / remaining units (working or calendar days) of a period as of a date."""

    elapsed: int
    total: int

    @property
    def remaining(self) -> int:
        return self.total - self.elapsed


def month_end(day: dt.date) -> dt.date:
    """The last day of ``day``'s month."""
    return day.replace(day=pycalendar.monthrange(day.year, day.month)[1])


def month_bounds(year: int, month: int) -> tuple[dt.date, dt.date]:
    """The first and the last day of a month."""
    start = dt.date(year, month, 1)
    return start, month_end(start)


def _days(start: dt.date, end: dt.date) -> int:
    return max((end - start).days + 1, 0)


def period_units(
    start: dt.date, end: dt.date, as_of: dt.date, *, working_days: Collection[dt.date] | None = None
) -> Units:
    """Units of [start, end] elapsed through ``as_of`` (inclusive): working days when given, else calendar days."""
    last = min(as_of, end)
    if working_days is None:
        return Units(elapsed=_days(start, last) if last >= start else 0, total=_days(start, end))
    in_period = [day for day in working_days if start <= day <= end]
    return Units(elapsed=sum(1 for day in in_period if day <= last), total=len(in_period))


def ratio(numerator: Decimal, denominator: Decimal) -> Decimal | None:
    if not denominator:
        return None
    return (Decimal(numerator) / Decimal(denominator)).quantize(RATIO, rounding=ROUND_HALF_UP)


def capped(value: Decimal | None, limit: Decimal = RATIO_LIMIT) -> tuple[Decimal | None, bool]:
    """``value`` within [−limit, limit], and whether it had to be capped."""
    if value is None or abs(value) <= limit:
        return value, False
    return (limit if value > 0 else -limit), True


def time_progress(units: Units) -> Decimal | None:
    """Elapsed units / total units, clamped to [0, 1]; None for a period without units."""
    if units.total <= 0:
        return None
    value = ratio(Decimal(units.elapsed), Decimal(units.total))
    return None if value is None else min(max(value, ZERO), ONE)


def planned_to_date(
    month_values: Mapping[tuple[int, int], Decimal],
    start: dt.date,
    end: dt.date,
    as_of: dt.date,
    *,
    working_days: Collection[dt.date] | None = None,
    units_of: Callable[[dt.date, dt.date], Units] | None = None,
) -> Decimal:
    """The cumulative planned target of [start, end] through ``as_of``: whole months before as_of's
    month at their values, as_of's month prorated by its elapsed units (working or calendar days).

    ``units_of(month_start, month_end)``, when given, is ``period_units`` of that month as of ``as_of``
    already computed (the nightly job asks for the same month thousands of times)."""
    total = ZERO
    for (year, month), value in month_values.items():
        month_start = dt.date(year, month, 1)
        last = month_end(month_start)
        if last < start or month_start > end or month_start > as_of:
            continue
        if last <= as_of:
            total += value
            continue
        if units_of is not None:
            units = units_of(month_start, last)
        else:
            units = period_units(month_start, last, as_of, working_days=working_days)
        if units.total:
            total += Decimal(value) * units.elapsed / units.total
    return total


def plan_progress(planned: Decimal, target: Decimal) -> Decimal | None:
    """Planned-to-date / target: the fair yardstick under a seasonal plan (None when T = 0)."""
    return ratio(planned, target)


def achievement(actual: Decimal, target: Decimal) -> Decimal | None:
    """A / T; None when T = 0 (never divide by zero)."""
    return ratio(actual, target)


def gap_pp(achieved: Decimal | None, progress: Decimal | None) -> Decimal | None:
    """Achievement − time progress, in percentage points."""
    if achieved is None or progress is None:
        return None
    return ((achieved - progress) * HUNDRED).quantize(POINTS, rounding=ROUND_HALF_UP)


def status(gap: Decimal | None, thresholds: Thresholds = Thresholds()) -> str:
    if gap is None:
        return Status.NO_TARGET
    if gap >= thresholds.ahead:
        return Status.AHEAD
    if gap >= thresholds.watch:
        return Status.WATCH
    if gap >= thresholds.behind:
        return Status.BEHIND
    return Status.CRITICAL


def forecast(actual: Decimal, units: Units, precision: Decimal = MONEY) -> Decimal | None:
    """Run rate: A / elapsed units × total units; None before the period has started."""
    if units.elapsed <= 0:
        return None
    return (Decimal(actual) / units.elapsed * units.total).quantize(precision, rounding=ROUND_HALF_UP)


def seasonal_forecast(actual: Decimal, plan_share: Decimal | None, precision: Decimal = MONEY) -> Decimal | None:
    """Seasonal: A ÷ planned-to-date × T, i.e. A ÷ plan progress: the year's shape taken from the plan (a
    December-heavy plan expects most of the year in December); None while nothing is planned yet."""
    if not plan_share:
        return None
    return (Decimal(actual) / plan_share).quantize(precision, rounding=ROUND_HALF_UP)


def growth(actual_to_date: Decimal, last_year_to_date: Decimal | None) -> Decimal | None:
    """This year's growth so far: year-to-date actual ÷ last year's actual to the same day; None without it."""
    if not last_year_to_date:
        return None
    return Decimal(actual_to_date) / Decimal(last_year_to_date)


def last_year_forecast(
    last_year_period: Decimal | None, growth_so_far: Decimal | None, precision: Decimal = MONEY
) -> Decimal | None:
    """Last year: the same whole period last year × this year's growth so far; None where either is missing."""
    if last_year_period is None or growth_so_far is None:
        return None
    return (Decimal(last_year_period) * growth_so_far).quantize(precision, rounding=ROUND_HALF_UP)


def mape(pairs: Iterable[tuple[Decimal | None, Decimal]]) -> tuple[Decimal | None, int]:
    """Mean absolute percentage error of (forecast, final actual) pairs, in per cent, and how many counted:
    a pair without a forecast, or whose actual is 0 (no percentage of nothing), is left out."""
    errors = [abs(Decimal(f) - Decimal(a)) / abs(Decimal(a)) for f, a in pairs if f is not None and a]
    if not errors:
        return None, 0
    return (sum(errors, ZERO) / len(errors) * HUNDRED).quantize(POINTS, rounding=ROUND_HALF_UP), len(errors)


def required_daily_rate(target: Decimal, actual: Decimal, units: Units, precision: Decimal = MONEY) -> Decimal | None:
    """max(T − A, 0) / remaining units; 0 when nothing is left to do, None when no unit remains but work does."""
    left = max(Decimal(target) - Decimal(actual), ZERO)
    if left == 0:
        return ZERO.quantize(precision)
    if units.remaining <= 0:
        return None
    return (left / units.remaining).quantize(precision, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Progress:
    target: Decimal
    actual: Decimal
    achievement: Decimal | None
    time_progress: Decimal | None
    plan_progress: Decimal | None
    gap_pp: Decimal | None
    status: str
    forecast: Decimal | None
    required_daily_rate: Decimal | None
    forecast_seasonal: Decimal | None = None
    flags: tuple[str, ...] = ()  # the ratios capped at RATIO_LIMIT ("achievement", "plan_progress")


def progress(
    *,
    target: Decimal,
    actual: Decimal,
    planned: Decimal,
    units: Units,
    thresholds: Thresholds = Thresholds(),
    precision: Decimal = MONEY,
) -> Progress:
    """Every number of one owner, metric and period as of a date; achievement and plan progress capped at
    ``RATIO_LIMIT`` (and named in ``flags``), so a target of a few fen cannot make a ratio nobody can store."""
    achieved, achievement_capped = capped(achievement(actual, target))
    planned_share, plan_capped = capped(plan_progress(planned, target))
    elapsed_share = time_progress(units)
    gap = gap_pp(achieved, elapsed_share)
    return Progress(
        target=target,
        actual=actual,
        achievement=achieved,
        time_progress=elapsed_share,
        plan_progress=planned_share,
        gap_pp=gap,
        status=status(gap, thresholds),
        forecast=forecast(actual, units, precision),
        required_daily_rate=required_daily_rate(target, actual, units, precision),
        forecast_seasonal=seasonal_forecast(actual, planned_share, precision),
        flags=tuple(
            name for name, flag in (("achievement", achievement_capped), ("plan_progress", plan_capped)) if flag
        ),
    )


def percent(value: Decimal | None, places: int = 1) -> Decimal | None:
    """A ratio as a percentage rounded for display (0.409091 → 40.9)."""
    if value is None:
        return None
    return (value * HUNDRED).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
