"""The company's working days: one place that says whether a day counts, used everywhere."""

from __future__ import annotations

import datetime as dt

from org.models import WorkCalendarDay


def _default_is_working(day: dt.date) -> bool:
    """A day without a calendar row follows China's official calendar, or Monday–Friday beyond it."""
    import chinese_calendar

    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:
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


def official_day(day: dt.date) -> tuple[bool, str, str]:
    """(is_working, kind, holiday name) of a day by China's official calendar."""
    return official_calendar_rows([day])[0][1:]


def official_calendar(year: int) -> list[tuple[dt.date, bool, str, str]]:
    return official_calendar_rows(_days(dt.date(year, 1, 1), dt.date(year, 12, 31)))


def official_calendar_rows(days: list[dt.date]) -> list[tuple[dt.date, bool, str, str]]:
    """China's official calendar as (date, is_working, kind, holiday name) rows.

    Years the chinese-calendar package does not know yet fall back to Monday–Friday.
    """
    import chinese_calendar

    rows = []
    for day in days:
        working = _default_is_working(day)
        try:
            _, holiday_name = chinese_calendar.get_holiday_detail(day)
        except NotImplementedError:
            holiday_name = None
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
