"""The breakdown of a target: an annual value to months and a month to its working days.

``split`` is pure maths on Decimals; the weight functions read the calendar or last year's actuals.
Every split sums to its total exactly in the metric's precision (largest-remainder rounding).
"""

from __future__ import annotations

import calendar as pycalendar
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import TYPE_CHECKING

from django.db.models import Count, Q, Sum
from django.db.models.functions import ExtractMonth

from org.calendar import working_dates

if TYPE_CHECKING:
    from org.models import Team
    from targets.models import Metric

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


def month_bounds(year: int, month: int) -> tuple[dt.date, dt.date]:
    return dt.date(year, month, 1), dt.date(year, month, pycalendar.monthrange(year, month)[1])


def working_day_weights(year: int) -> list[Decimal]:
    """Each month's number of working days by the company WorkCalendar (one query)."""
    days = working_dates(dt.date(year, 1, 1), dt.date(year, 12, 31))
    counts = [0] * 12
    for day in days:
        counts[day.month - 1] += 1
    return [Decimal(count) for count in counts]


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


def daily_split(value: Decimal, year: int, month: int, precision: Decimal) -> dict[dt.date, Decimal]:
    """A month's value over its days: the daily targets on working days, 0 on the others."""
    start, end = month_bounds(year, month)
    working = working_dates(start, end)
    days = [start + dt.timedelta(days=i) for i in range((end - start).days + 1)]
    result = dict.fromkeys(days, Decimal(0).quantize(precision))
    if working:
        result.update(daily_targets(value, working, precision))
    return result


def monthly_actuals(*, metric: Metric, year: int, team: Team | None = None, rep=None) -> list[Decimal]:
    """Twelve monthly actuals of a metric for a rep (or a team and everything below) in a year."""
    from org.models import Customer
    from targets.models import Metric
    from visits.models import SaleRecord

    kind = metric.actual_kind
    if kind in (
        Metric.ActualKind.SALES_AMOUNT,
        Metric.ActualKind.NEW_LINE_AMOUNT,
        Metric.ActualKind.ESTABLISHED_AMOUNT,
    ):
        rows = SaleRecord.objects.filter(date__year=year)
        rows = rows.filter(rep=rep) if rep is not None else rows.filter(team__path__startswith=team.path)
        if kind == Metric.ActualKind.NEW_LINE_AMOUNT:
            rows = rows.filter(product__is_new_line=True)
        elif kind == Metric.ActualKind.ESTABLISHED_AMOUNT:
            rows = rows.filter(product__is_new_line=False)
        if metric.product_group:
            rows = rows.filter(product__group=metric.product_group)
        totals = rows.annotate(month=ExtractMonth("date")).values("month").annotate(value=Sum("amount"))
    elif kind in (Metric.ActualKind.NEW_CUSTOMERS, Metric.ActualKind.NEW_OUTLETS):
        rows = Customer.objects.filter(first_order_date__year=year)
        rows = rows.filter(owner=rep) if rep is not None else rows.filter(team__path__startswith=team.path)
        if kind == Metric.ActualKind.NEW_OUTLETS:
            rows = rows.filter(Q(kind=Customer.Kind.OUTLET))
        totals = rows.annotate(month=ExtractMonth("first_order_date")).values("month").annotate(value=Count("id"))
    else:
        from visits.models import Visit

        rows = Visit.objects.filter(sheet__date__year=year, check_in_at__isnull=False)
        rows = rows.filter(sheet__rep=rep) if rep is not None else rows.filter(sheet__team__path__startswith=team.path)
        totals = rows.annotate(month=ExtractMonth("sheet__date")).values("month").annotate(value=Count("id"))
    values = [Decimal(0)] * 12
    for row in totals:
        values[row["month"] - 1] = Decimal(row["value"] or 0)
    return values


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


def last_year_profile(
    *, metric: Metric, year: int, team: Team | None = None, rep=None, today: dt.date | None = None
) -> LastYearProfile:
    """Last year's monthly actuals of the same owner and metric as weights. A month of last year that has not
    ended yet or has no data follows the working-days profile of ``year`` instead: the fallback months together
    get the share their working days have of the year's, the others share the rest by last year's pattern.
    """
    from django.utils import timezone

    history = year - 1
    today = today or timezone.localdate()
    actuals = monthly_actuals(metric=metric, year=history, team=team, rep=rep)
    complete = [month_bounds(history, m)[1] < today and actuals[m - 1] > 0 for m in MONTHS]
    working = working_day_weights(year)
    sources = [MonthSource.LAST_YEAR if ok else MonthSource.WORKING_DAYS for ok in complete]
    known_actuals = sum((actuals[m - 1] for m in MONTHS if complete[m - 1]), Decimal(0))
    known_days = sum((working[m - 1] for m in MONTHS if complete[m - 1]), Decimal(0))
    if not known_actuals or not known_days:
        return LastYearProfile(history, working, [MonthSource.WORKING_DAYS] * 12)
    # In whole units (no division): a known month weighs actual × known days, a fallback month
    # known actuals × its working days, which gives the fallback months the working-days profile's share.
    weights = [actuals[m - 1] * known_days if complete[m - 1] else known_actuals * working[m - 1] for m in MONTHS]
    return LastYearProfile(history, weights, sources)


def last_year_profile_of(target) -> LastYearProfile:
    """The last-year profile a target would use (a rep's own actuals, or its team's and everything below)."""
    return last_year_profile(
        metric=target.metric, year=target.fiscal_year, team=None if target.rep_id else target.team, rep=target.rep
    )


def last_year_weights(*, metric: Metric, year: int, team: Team | None = None, rep=None) -> list[Decimal]:
    """The weights of ``last_year_profile`` (which see)."""
    return last_year_profile(metric=metric, year=year, team=team, rep=rep).weights
