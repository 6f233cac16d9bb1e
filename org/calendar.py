"""The company's working days: one place that says whether a day counts, used everywhere."""

from __future__ import annotations

import datetime as dt

from org.models import WorkCalendarDay


def _default_is_working(day: dt.date) -> bool:
    return day.weekday() < 5


def _days(start: dt.date, end: dt.date) -> list[dt.date]:
    return [start + dt.timedelta(days=i) for i in range((end - start).days + 1)]


def working_dates(start: dt.date, end: dt.date) -> list[dt.date]:
    """The working days in [start, end], both inclusive, by the company WorkCalendar."""
    if end < start:
        return []
    overrides = dict(WorkCalendarDay.objects.filter(date__range=(start, end)).values_list("date", "is_working"))
    return [day for day in _days(start, end) if overrides.get(day, _default_is_working(day))]


def working_days_between(start: dt.date, end: dt.date) -> int:
    """How many working days lie in [start, end], both inclusive (0 when end < start)."""
    return len(working_dates(start, end))


def is_working_day(day: dt.date) -> bool:
    return working_days_between(day, day) == 1


def official_calendar(year: int) -> list[tuple[dt.date, bool, str, str]]:
    """China's official calendar for a year as (date, is_working, kind, holiday name) rows.

    Years the chinese-calendar package does not know yet fall back to Monday–Friday.
    """
    import chinese_calendar

    rows = []
    for day in _days(dt.date(year, 1, 1), dt.date(year, 12, 31)):
        try:
            working = chinese_calendar.is_workday(day)
            _, holiday_name = chinese_calendar.get_holiday_detail(day)
        except NotImplementedError:
            working, holiday_name = _default_is_working(day), None
        if working:
            kind = WorkCalendarDay.Kind.WORKDAY if day.weekday() < 5 else WorkCalendarDay.Kind.MAKEUP
        else:
            kind = (
                WorkCalendarDay.Kind.WEEKEND
                if day.weekday() >= 5 and not holiday_name
                else WorkCalendarDay.Kind.HOLIDAY
            )
        rows.append((day, working, kind, holiday_name or ""))
    return rows
