"""The company's working days: one place that says whether a day counts, used everywhere.

A day with a WorkCalendarDay row follows the row. A day without one follows the packaged calendar of
its year: China's published arrangement (the chinese-calendar package) where it is out, otherwise an
estimate from the statutory holidays (the holidays package), whose make-up working days are unknown.
"""

from __future__ import annotations

import datetime as dt
import re
from functools import cache
from importlib.metadata import version
from typing import NamedTuple

from org.models import Holiday, WorkCalendarDay, WorkCalendarYear

Kind = WorkCalendarDay.Kind
Source = WorkCalendarYear.Source

# The holidays package's English names (en_US), to our holiday keys; a substituted day off names no
# holiday and takes the nearest one's.
ESTIMATED_NAMES = (
    ("New Year's Day", Holiday.NEW_YEARS_DAY),
    ("Chinese New Year", Holiday.SPRING_FESTIVAL),
    ("Tomb-Sweeping Day", Holiday.TOMB_SWEEPING_DAY),
    ("Labor Day", Holiday.LABOUR_DAY),
    ("Dragon Boat Festival", Holiday.DRAGON_BOAT_FESTIVAL),
    ("Mid-Autumn Festival", Holiday.MID_AUTUMN_FESTIVAL),
    ("National Day", Holiday.NATIONAL_DAY),
)
SUBSTITUTED = re.compile(r"substituted from (\d{2})/(\d{2})/(\d{4})")


class CalendarRow(NamedTuple):
    date: dt.date
    is_working: bool
    kind: str
    holiday: str


def days_of(start: dt.date, end: dt.date) -> list[dt.date]:
    return [start + dt.timedelta(days=i) for i in range((end - start).days + 1)]


def year_days(year: int) -> list[dt.date]:
    return days_of(dt.date(year, 1, 1), dt.date(year, 12, 31))


@cache
def package_versions() -> str:
    """The versions of the two calendar packages, as a refresh records them."""
    return f"chinese-calendar {version('chinese_calendar')}, holidays {version('holidays')}"


def official_data_covers(year: int) -> bool:
    """Whether the chinese-calendar package has the State Council's arrangement for the whole year."""
    import chinese_calendar  # a large data package, loaded only when the calendar is read from it

    try:
        chinese_calendar.is_workday(dt.date(year, 1, 1))
        chinese_calendar.is_workday(dt.date(year, 12, 31))
    except NotImplementedError:
        return False
    return True


def package_source(year: int) -> str:
    return Source.OFFICIAL if official_data_covers(year) else Source.ESTIMATED


def _weekday_row(day: dt.date) -> CalendarRow:
    working = day.weekday() < 5
    return CalendarRow(day, working, Kind.WORKDAY if working else Kind.WEEKEND, "")


def _official_rows(year: int) -> list[CalendarRow]:
    import chinese_calendar  # a large data package, loaded only when the calendar is read from it

    keys = {holiday.value: holiday.name for holiday in chinese_calendar.Holiday}
    rows = []
    for day in year_days(year):
        working = chinese_calendar.is_workday(day)
        _, name = chinese_calendar.get_holiday_detail(day)
        holiday = keys.get(name, "") if name else ""
        if working:
            kind = Kind.WORKDAY if day.weekday() < 5 else Kind.MAKEUP
        else:
            kind = Kind.WEEKEND if day.weekday() >= 5 and not holiday else Kind.HOLIDAY
        rows.append(CalendarRow(day, working, kind, holiday if kind != Kind.WORKDAY else ""))
    return rows


def _estimated_rows(year: int) -> list[CalendarRow]:
    """Monday–Friday with the statutory holidays off (the holidays package's China, observed days included);
    a day off the package knows was swapped for a weekend day makes that weekend day a make-up working day."""
    import holidays  # a large data package, loaded only for an estimated year

    statutory = holidays.China(years=year, language="en_US")  # type: ignore[no-untyped-call]  # not annotated
    named: dict[dt.date, str] = {}
    for day, name in statutory.items():
        named[day] = next((key for text, key in ESTIMATED_NAMES if text in name), "")
    makeup: dict[dt.date, str] = {}
    for day, name in statutory.items():
        if not named[day]:
            nearest = min((d for d in named if named[d]), key=lambda d: abs(d - day), default=None)
            named[day] = named[nearest] if nearest else ""
            if match := SUBSTITUTED.search(name):
                month, day_of_month, swapped_year = (int(part) for part in match.groups())
                makeup[dt.date(swapped_year, month, day_of_month)] = named[day]
    rows = []
    for day in year_days(year):
        if day in named:
            rows.append(CalendarRow(day, False, Kind.HOLIDAY, named[day]))
        elif day in makeup:
            rows.append(CalendarRow(day, True, Kind.MAKEUP, makeup[day]))
        else:
            rows.append(_weekday_row(day))
    return rows


@cache
def _package_year(year: int) -> dict[dt.date, CalendarRow]:
    rows = _official_rows(year) if official_data_covers(year) else _estimated_rows(year)
    return {row.date: row for row in rows}


def package_calendar(year: int) -> list[CalendarRow]:
    """The year by the installed packages: official where published, estimated otherwise."""
    return list(_package_year(year).values())


def package_day(day: dt.date) -> CalendarRow:
    return _package_year(day.year)[day]


def day_name(*, holiday: str, note: str) -> str:
    """What a calendar day is called, in the page's language: its holiday, else the director's note."""
    return str(Holiday(holiday).label) if holiday in Holiday.values else note


def working_dates(start: dt.date, end: dt.date) -> list[dt.date]:
    """The working days in [start, end], both inclusive, by the company WorkCalendar."""
    if end < start:
        return []
    overrides = dict(WorkCalendarDay.objects.filter(date__range=(start, end)).values_list("date", "is_working"))
    return [day for day in days_of(start, end) if overrides.get(day, package_day(day).is_working)]


def working_days_between(start: dt.date, end: dt.date) -> int:
    """How many working days lie in [start, end], both inclusive (0 when end < start)."""
    return len(working_dates(start, end))


def is_working_day(day: dt.date) -> bool:
    return working_days_between(day, day) == 1
