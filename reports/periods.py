"""The periods a report page can show: bounds, the picker's previous and next as-of dates, and labels.

Pure functions on dates; every report page (daily report, drill-down, scorecard, home) labels its figures
and moves through time with these, so "11月 · 截至 11-30" means the same everywhere.
"""

from __future__ import annotations

import calendar
import datetime as dt

from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from reports.models import PeriodKind
from salesops.formatting import month_label, short_day
from salesops.formulas import month_end


def bounds(kind: str, as_of: dt.date) -> tuple[dt.date, dt.date]:
    """The period of ``kind`` that contains ``as_of``, as (start, end); the week is cut to the year like the night's."""
    if kind == PeriodKind.DAY:
        return as_of, as_of
    if kind == PeriodKind.WEEK:
        monday = as_of - dt.timedelta(days=as_of.weekday())
        return max(monday, dt.date(as_of.year, 1, 1)), min(monday + dt.timedelta(days=6), dt.date(as_of.year, 12, 31))
    if kind == PeriodKind.QUARTER:
        first = (as_of.month - 1) // 3 * 3 + 1
        return dt.date(as_of.year, first, 1), month_end(dt.date(as_of.year, first + 2, 1))
    if kind == PeriodKind.YEAR:
        return dt.date(as_of.year, 1, 1), dt.date(as_of.year, 12, 31)
    return as_of.replace(day=1), month_end(as_of)


def same_day_months_back(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` months earlier, clamped to that month's end (03-31 → 02-28)."""
    index = day.year * 12 + day.month - 1 - months
    year, month = divmod(index, 12)
    return dt.date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def previous_as_of(kind: str, as_of: dt.date) -> dt.date:
    """The last day of the period before the one containing ``as_of``: its final picture."""
    start, _end = bounds(kind, as_of)
    return start - dt.timedelta(days=1)


def next_as_of(kind: str, as_of: dt.date, *, latest: dt.date | None) -> dt.date | None:
    """The last day of the next period, cut to ``latest`` (the newest night); None when there is nothing later."""
    if latest is None or as_of >= latest:
        return None
    _start, end = bounds(kind, as_of)
    if end >= latest:
        return latest
    _next_start, next_end = bounds(kind, end + dt.timedelta(days=1))
    return min(next_end, latest)


def period_name(kind: str, start: dt.date, end: dt.date) -> str:
    """The period by itself: 11月 / 2026年 / 2026年第4季度 / 11-23 – 11-29 / 11-30 (周一)."""
    if kind == PeriodKind.MONTH:
        return month_label(start)
    if kind == PeriodKind.YEAR:
        return pgettext("period label", "%(year)s") % {"year": start.year}
    if kind == PeriodKind.QUARTER:
        return pgettext("period label", "%(year)s Q%(quarter)s") % {
            "year": start.year,
            "quarter": (start.month - 1) // 3 + 1,
        }
    if kind == PeriodKind.WEEK:
        return f"{start:%m-%d} – {end:%m-%d}"
    return short_day(start)


def label(kind: str, start: dt.date, end: dt.date, as_of: dt.date) -> str:
    """What a figure covers: "11月 · 截至 11-30" (the period, and the last day of data in it)."""
    if kind == PeriodKind.DAY:
        return period_name(kind, start, end)
    return _("%(period)s · to %(day)s") % {"period": period_name(kind, start, end), "day": f"{as_of:%m-%d}"}
