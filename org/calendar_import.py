"""Reading the State Council's holiday arrangement as a director pastes or uploads it (CSV lines or .ics).

CSV: one day or range per line, ``date,kind[,name]`` (``2027-10-01~2027-10-07,休,国庆节``; a header line is
skipped). .ics: all-day events whose summary says 休/假 (a day off) or 班 (a make-up working day), as the
published holiday calendars write them. Pure functions: nothing here touches the database.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from typing import NamedTuple

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from org.calendar import days_of
from org.models import Holiday

MAX_DAYS_PER_LINE = 31
WORKING_WORDS = ("班", "make-up", "makeup", "working", "workday", "work")
OFF_WORDS = ("休", "假", "holiday", "off", "rest")
# Words that name a holiday, in Chinese and English, for the holiday a day belongs to.
HOLIDAY_WORDS = (
    (("元旦", "new year's day", "new year"), Holiday.NEW_YEARS_DAY),
    (("春节", "除夕", "spring festival", "chinese new year"), Holiday.SPRING_FESTIVAL),
    (("清明", "tomb"), Holiday.TOMB_SWEEPING_DAY),
    (("劳动节", "五一", "labour", "labor"), Holiday.LABOUR_DAY),
    (("端午", "dragon boat"), Holiday.DRAGON_BOAT_FESTIVAL),
    (("中秋", "mid-autumn", "mid autumn"), Holiday.MID_AUTUMN_FESTIVAL),
    (("国庆", "national day"), Holiday.NATIONAL_DAY),
)
KIND_NOISE = re.compile(
    r"[()（）\[\]【】]|补班|上班|加班|调休|放假|假期|休息|\b(day off|make-up working day|holiday)\b|[休班]"
)
RANGE = re.compile(r"\s*(?:~|～|至|\.\.|\bto\b)\s*")
DATE_PATTERNS = (
    re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$"),
    re.compile(r"^(\d{4})/(\d{1,2})/(\d{1,2})$"),
    re.compile(r"^(\d{4})\.(\d{1,2})\.(\d{1,2})$"),
    re.compile(r"^(\d{4})(\d{2})(\d{2})$"),
    re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日$"),
)


class ImportedDay(NamedTuple):
    date: dt.date
    is_working: bool
    holiday: str
    note: str
    line: int


def _date(text: str) -> dt.date | None:
    text = text.strip()
    for pattern in DATE_PATTERNS:
        if match := pattern.match(text):
            try:
                return dt.date(*(int(part) for part in match.groups()))
            except ValueError:
                return None
    return None


def _dates(text: str) -> list[dt.date] | None:
    """A date or an inclusive range of dates, or None when it is neither."""
    parts = RANGE.split(text.strip())
    if len(parts) == 1:
        day = _date(parts[0])
        return [day] if day else None
    if len(parts) == 2 and (start := _date(parts[0])) and (end := _date(parts[1])) and start <= end:
        return days_of(start, end)
    return None


def kind_of(text: str) -> bool | None:
    """True for a working day, False for a day off, None when the text says neither."""
    lowered = text.lower()
    if any(word in lowered for word in WORKING_WORDS):
        return True
    if any(word in lowered for word in OFF_WORDS):
        return False
    return None


def holiday_of(text: str) -> str:
    lowered = text.lower()
    return next((key for words, key in HOLIDAY_WORDS if any(word in lowered for word in words)), "")


def _name(text: str) -> str:
    return " ".join(KIND_NOISE.sub(" ", text).split())[:100]


def _csv_days(text: str, errors: list[str]) -> list[ImportedDay]:
    days: list[ImportedDay] = []
    first = True
    for number, line in enumerate(text.splitlines(), start=1):
        line = RANGE.sub("~", line.strip().replace("，", ","))
        if not line or line.startswith("#"):
            continue
        is_first, first = first, False
        delimiter = "\t" if "\t" in line else ("," if "," in line else ";" if ";" in line else " ")
        fields = [field.strip() for field in next(csv.reader(io.StringIO(line), delimiter=delimiter)) if field.strip()]
        dates = _dates(fields[0]) if fields else None
        if dates is None:
            if is_first and kind_of(line) is None:
                continue  # a header line
            errors.append(
                _("Line %(line)s: “%(text)s” is not a date (write 2027-10-01).") % {"line": number, "text": fields[0]}
            )
            continue
        # The kind is one field (休, holiday, 班 …) and the others name the day; or one text says both (春节休).
        kind_field = next((field for field in fields[1:] if kind_of(field) is not None), None)
        rest = " ".join(field for field in fields[1:] if field is not kind_field)
        working = kind_of(kind_field or rest)
        if working is None:
            errors.append(
                _("Line %(line)s: say whether the day is off (休) or a make-up working day (班).") % {"line": number}
            )
            continue
        days.extend(_line_days(dates, working, rest or kind_field or "", number, errors))
    return days


def _line_days(dates: list[dt.date], working: bool, text: str, line: int, errors: list[str]) -> list[ImportedDay]:
    if len(dates) > MAX_DAYS_PER_LINE:
        errors.append(_("Line %(line)s: a range can cover at most 31 days.") % {"line": line})
        return []
    holiday = holiday_of(text)
    note = "" if holiday else _name(text)
    return [ImportedDay(day, working, holiday, note, line) for day in dates]


def _ics_lines(text: str) -> list[tuple[int, str]]:
    """The content lines with folded continuations joined, each with the number of its first line."""
    lines: list[tuple[int, str]] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        if raw[:1] in (" ", "\t") and lines:
            lines[-1] = (lines[-1][0], lines[-1][1] + raw[1:])
        elif raw.strip():
            lines.append((number, raw.strip()))
    return lines


def _ics_value(line: str) -> tuple[str, str]:
    name, _sep, value = line.partition(":")
    return name.split(";")[0].upper(), value.replace("\\,", ",").replace("\\n", " ").strip()


def _ics_days(text: str, errors: list[str]) -> list[ImportedDay]:
    days: list[ImportedDay] = []
    event: dict[str, str] | None = None
    start_line = 0
    for number, line in _ics_lines(text):
        if line.upper() == "BEGIN:VEVENT":
            event, start_line = {}, number
        elif line.upper() == "END:VEVENT" and event is not None:
            days.extend(_event_days(event, start_line, errors))
            event = None
        elif event is not None:
            name, value = _ics_value(line)
            event[name] = value
    return days


def _ics_date(value: str) -> dt.date | None:
    """An .ics DATE or DATE-TIME as a local date (a UTC time is taken in the company's zone)."""
    if value.endswith("Z") and "T" in value:
        try:
            moment = dt.datetime.strptime(value, "%Y%m%dT%H%M%SZ").replace(tzinfo=dt.UTC)
        except ValueError:
            return None
        return timezone.localdate(moment)
    return _date(value[:8])


def _event_days(event: dict[str, str], line: int, errors: list[str]) -> list[ImportedDay]:
    start = _ics_date(event.get("DTSTART", ""))
    if start is None:
        errors.append(_("Line %(line)s: the event has no start date.") % {"line": line})
        return []
    end = _ics_date(event.get("DTEND", ""))
    # An all-day event's DTEND is the day after its last day.
    dates = days_of(start, end - dt.timedelta(days=1)) if end and end > start else [start]
    text = " ".join(event.get(key, "") for key in ("SUMMARY", "CATEGORIES", "DESCRIPTION"))
    working = kind_of(text)
    if working is None:
        errors.append(
            _("Line %(line)s: “%(text)s” does not say whether the day is off (休) or a make-up working day (班).")
            % {"line": line, "text": event.get("SUMMARY", "")[:60]}
        )
        return []
    return _line_days(dates, working, event.get("SUMMARY", ""), line, errors)


def parse_arrangement(text: str, *, year: int) -> list[ImportedDay]:
    """The days the text names, all in ``year``; a ValidationError on ``text`` lists every bad line."""
    errors: list[str] = []
    days = _ics_days(text, errors) if "BEGIN:VCALENDAR" in text.upper() else _csv_days(text, errors)
    seen: dict[dt.date, ImportedDay] = {}
    for day in days:
        if day.date.year != year:
            errors.append(
                _("Line %(line)s: %(date)s is not in %(year)s.") % {"line": day.line, "date": day.date, "year": year}
            )
        elif day.date in seen and seen[day.date].is_working != day.is_working:
            errors.append(
                _("Line %(line)s: %(date)s is named both as a day off and as a working day.")
                % {"line": day.line, "date": day.date}
            )
        seen.setdefault(day.date, day)
    if not errors and not seen:
        errors.append(_("Paste or upload the list of holidays and make-up working days."))
    if errors:
        raise ValidationError({"text": errors})
    return sorted(seen.values())
