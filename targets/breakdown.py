"""The breakdown of a target: an annual value to months and a month to its working days.

Pure arithmetic on Decimals and dates (no queries): the weights read from the calendar and last year's actuals
are ``targets.profiles``'. Every split sums to its total exactly in the metric's precision (largest-remainder
rounding).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

MONEY = Decimal("0.01")
WHOLE = Decimal("1")
MONTHS = range(1, 13)
QUARTERS = {1: (1, 2, 3), 2: (4, 5, 6), 3: (7, 8, 9), 4: (10, 11, 12)}
PERCENT_TOLERANCE = Decimal("0.01")


def split(total: Decimal, weights: Sequence[Decimal | int], precision: Decimal) -> list[Decimal]:
    """Split ``total`` into len(weights) parts proportional to the weights, summing exactly to it.

    Each part is floored to ``precision``; the units left over go one each to the parts with the
    largest remainders (ties: the earlier part first). All-zero weights split evenly.
    """
    if not weights:
        return []
    if any(Decimal(w) < 0 for w in weights):
        raise ValueError("weights must not be negative")
    total = Decimal(total).quantize(precision, rounding=ROUND_HALF_UP)
    units = int(total / precision)
    weight_fractions = [Fraction(Decimal(w)) for w in weights]
    weight_sum = sum(weight_fractions)
    if weight_sum == 0:
        weight_fractions, weight_sum = [Fraction(1)] * len(weights), Fraction(len(weights))
    exact = [units * w / weight_sum for w in weight_fractions]
    floors = [int(share // 1) for share in exact]
    left_over = units - sum(floors)
    by_remainder = sorted(range(len(exact)), key=lambda i: (-(exact[i] - floors[i]), i))
    for i in by_remainder[:left_over]:
        floors[i] += 1
    return [(precision * part).quantize(precision) for part in floors]


def equal_split(total: Decimal, count: int, precision: Decimal) -> list[Decimal]:
    """``split(total, [1] * count, precision)`` without the fractions: the floor share each, one unit more
    for the first parts (equal remainders go to the earlier parts). Used for the daily targets of a whole
    company in one night."""
    if count <= 0:
        return []
    total = Decimal(total).quantize(precision, rounding=ROUND_HALF_UP)
    base, extra = divmod(int(total / precision), count)
    low, high = (precision * base).quantize(precision), (precision * (base + 1)).quantize(precision)
    return [high] * extra + [low] * (count - extra)


def split_columns(
    columns: Sequence[Decimal], weights: Sequence[Decimal | int], precision: Decimal
) -> list[list[Decimal]]:
    """Split every column (e.g. a parent's months) among rows by the weights, exactly in both directions.

    Each column's parts sum to the column; each row's parts sum to that row's share of the grand total
    (largest remainder), because the rows follow the split of the running total (cumulative rounding).
    Returns one list per row. In the rare case the running split would take a unit back (a
    largest-remainder quirk), columns are split one by one instead, which keeps the column sums.
    """
    running = Decimal(0)
    previous = [Decimal(0)] * len(weights)
    rows: list[list[Decimal]] = [[] for _ in weights]
    for column in columns:
        running += column
        current = split(running, weights, precision)
        for i, (now, before) in enumerate(zip(current, previous, strict=True)):
            rows[i].append(now - before)
        previous = current
    if any(value < 0 for row in rows for value in row):
        per_column = [split(column, weights, precision) for column in columns]
        return [[per_column[m][i] for m in range(len(columns))] for i in range(len(weights))]
    return rows


def quarter_values(months: Sequence[Decimal]) -> list[Decimal]:
    """Quarter sums of twelve monthly values."""
    return [sum((months[m - 1] for m in QUARTERS[q]), Decimal(0)) for q in QUARTERS]


def even_weights() -> list[Decimal]:
    return [Decimal(1)] * 12


def seasonal_weights_error(weights: Sequence[Decimal]) -> str | None:
    """Why the weights are not twelve non-negative percentages totalling 100, or None."""
    from django.utils.translation import gettext as _

    if len(weights) != 12:
        return _("Enter exactly 12 monthly percentages.")
    if any(Decimal(w) < 0 for w in weights):
        return _("A monthly percentage cannot be negative.")
    total = sum((Decimal(w) for w in weights), Decimal(0))
    if abs(total - 100) > PERCENT_TOLERANCE:
        return _("The monthly percentages total %(total)s; they must total 100.") % {"total": total}
    return None


def daily_targets(value: Decimal, working_days: Sequence[dt.date], precision: Decimal) -> dict[dt.date, Decimal]:
    """The daily targets of a month: its value split equally over its working days (``working_days``, the
    month's, in order; the first days take the units left over). The targets page, the reports and the night
    all take a day's target from here."""
    return dict(zip(working_days, equal_split(value, len(working_days), precision), strict=True))


class MonthSource:
    LAST_YEAR = "last_year"
    WORKING_DAYS = "working_days"


@dataclass(frozen=True)
class LastYearProfile:
    """The weights of the "last year's actuals" profile, and where each month's weight came from."""

    history_year: int
    weights: list[Decimal]
    sources: list[str]  # per month: MonthSource.LAST_YEAR, or WORKING_DAYS where last year has no complete data

    @property
    def fallback_months(self) -> list[int]:
        return [m for m in MONTHS if self.sources[m - 1] == MonthSource.WORKING_DAYS]

    @property
    def months_and_sources(self) -> list[tuple[int, str]]:
        return list(zip(MONTHS, self.sources, strict=True))
