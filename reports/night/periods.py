"""The periods of a night: the month, quarter, year, week and day containing its date (pure date arithmetic)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection

from reports.models import PeriodKind
from salesops import formulas


def month_range(day: dt.date) -> tuple[dt.date, dt.date]:
    return formulas.month_bounds(day.year, day.month)


def night_periods(
    as_of: dt.date, *, working_days: Collection[dt.date] | None = None
) -> list[tuple[str, dt.date, dt.date]]:
    """The periods containing ``as_of`` as (kind, start, end): month, quarter, year, week and day.

    The week runs Monday to Sunday, cut to the fiscal (calendar) year, since targets are annual. The day is
    a period only on a working day (``working_days``, when given): daily targets sit on working days only.
    """
    month_start, month_end = month_range(as_of)
    quarter_first = (as_of.month - 1) // 3 * 3 + 1
    quarter_start = dt.date(as_of.year, quarter_first, 1)
    _start, quarter_end = month_range(dt.date(as_of.year, quarter_first + 2, 1))
    year_start, year_end = dt.date(as_of.year, 1, 1), dt.date(as_of.year, 12, 31)
    monday = as_of - dt.timedelta(days=as_of.weekday())
    periods: list[tuple[str, dt.date, dt.date]] = [
        (PeriodKind.MONTH, month_start, month_end),
        (PeriodKind.QUARTER, quarter_start, quarter_end),
        (PeriodKind.YEAR, year_start, year_end),
        (PeriodKind.WEEK, max(monday, year_start), min(monday + dt.timedelta(days=6), year_end)),
    ]
    if working_days is None or as_of in working_days:
        periods.append((PeriodKind.DAY, as_of, as_of))
    return periods


DAILY_KINDS = {PeriodKind.WEEK, PeriodKind.DAY}


def a_year_before(day: dt.date) -> dt.date:
    """The same day last year (29 February → 28 February)."""
    try:
        return day.replace(year=day.year - 1)
    except ValueError:
        return day.replace(year=day.year - 1, day=28)
