"""How SalesOps writes people, money, counts, percentages, months and days for its readers, and how it reads
the numbers they type. Pages, exports, imports and the API all call these, so a figure or a name reads the
same wherever it shows."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

# --- People ---------------------------------------------------------------------------------------------

_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")

# Double-character family names: without them 欧阳娜娜 would sort under "o" only by luck and 司马 under "si".
COMPOUND_SURNAMES = frozenset(
    {
        "欧阳",
        "司马",
        "诸葛",
        "上官",
        "东方",
        "皇甫",
        "尉迟",
        "公孙",
        "慕容",
        "令狐",
        "长孙",
        "夏侯",
        "轩辕",
        "宇文",
        "司徒",
        "端木",
        "独孤",
        "南宫",
        "西门",
        "澹台",
        "万俟",
        "闻人",
        "呼延",
        "赫连",
        "申屠",
        "钟离",
        "百里",
        "东郭",
        "拓跋",
    }
)
# Family names whose reading differs from the character's everyday reading (单 is Shàn, not dān).
SURNAME_READINGS = {
    "单": "shan",
    "曾": "zeng",
    "解": "xie",
    "区": "ou",
    "仇": "qiu",
    "查": "zha",
    "朴": "piao",
    "盖": "ge",
    "乐": "yue",
    "缪": "miao",
    "翟": "zhai",
    "召": "shao",
    "秘": "bi",
    "覃": "qin",
    "种": "chong",
    "尉迟": "yuchi",
    "万俟": "moqi",
}


def _is_chinese(text: str) -> bool:
    return bool(_CJK.search(text))


def name_of(*, given: str, family: str, username: str = "") -> str:
    """The display name from its parts: 王芳 (family then given, no space) when either part is Chinese,
    "Anna Smith" (given then family) otherwise, the username when both are empty."""
    given, family = (given or "").strip(), (family or "").strip()
    if not given and not family:
        return username
    if _is_chinese(given) or _is_chinese(family):
        return f"{family}{given}"
    return " ".join(part for part in (given, family) if part)


def display_name(user: Any) -> str:
    """A person's name as readers expect it (see :func:`name_of`); "—" for nobody. Pages, exports, imports
    and the API all call this."""
    if user is None:
        return "—"
    return name_of(given=user.first_name, family=user.last_name, username=user.get_username())


def _split_chinese_name(name: str) -> tuple[str, str]:
    if name[:2] in COMPOUND_SURNAMES:
        return name[:2], name[2:]
    return name[:1], name[1:]


def _pinyin(text: str, *, surname: bool = False) -> str:
    from pypinyin import lazy_pinyin  # imported on first use: its dictionaries take a moment to load

    if surname and text in SURNAME_READINGS:
        return SURNAME_READINGS[text]
    if surname and text[:1] in SURNAME_READINGS and text not in COMPOUND_SURNAMES:
        return SURNAME_READINGS[text[:1]] + "".join(lazy_pinyin(text[1:]))
    return "".join(lazy_pinyin(text)).lower()


def name_sort_key(user: Any) -> tuple[str, str, str]:
    """The key people sort by: the family name (in pinyin for a Chinese name, with its surname reading),
    then the given name, then the username, so 安 < 陈 < Smith < 王 < 欧阳 reads as a Chinese list does."""
    if user is None:
        return ("", "", "")
    given = (getattr(user, "first_name", "") or "").strip()
    family = (getattr(user, "last_name", "") or "").strip()
    if not family and _is_chinese(given):
        family, given = _split_chinese_name(given)
    if not family and not given:
        return (user.get_username().lower(), "", user.get_username())
    return (_pinyin(family, surname=True), _pinyin(given), user.get_username())


def sorted_by_name(people: Any) -> list:
    """People (users) in name order; see :func:`name_sort_key`."""
    return sorted(people, key=name_sort_key)


# --- Numbers --------------------------------------------------------------------------------------------

WAN = Decimal(10000)


def _decimal(value: Any) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        return value if isinstance(value, Decimal) else Decimal(str(value))
    except InvalidOperation:
        return None


def grouped(value: Any, places: int = 2) -> str:
    """A number with the language's thousands separator and ``places`` decimals ("1,234,567.89"); "" for
    nothing. The separator comes from the project's format modules (Django's zh-hans one has none)."""
    number = _decimal(value)
    if number is None:
        return ""
    number = number.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    return formats.number_format(number, decimal_pos=places, use_l10n=True, force_grouping=True)


def money(value: Any, *, wan: bool = False) -> str:
    """A sum of money: "¥1,234,567.89", or in units of ten thousand "¥123.46万"; "—" for nothing."""
    number = _decimal(value)
    if number is None:
        return "—"
    sign = "-" if number < 0 else ""
    if wan:
        return f"{sign}¥{grouped(abs(number) / WAN, 2)}{_('万')}"
    return f"{sign}¥{grouped(abs(number), 2)}"


def count(value: Any) -> str:
    """A count as a whole number ("15", "1,234"); "—" for nothing."""
    number = _decimal(value)
    if number is None:
        return "—"
    return grouped(number, 0)


def percent(ratio: Any, places: int = 1) -> str:
    """A ratio as a percentage with one decimal ("40.9%"); "—" when undefined."""
    number = _decimal(ratio)
    if number is None:
        return "—"
    return f"{grouped(number * 100, places)}%"


def metric_value(value: Any, *, unit: str, wan: bool = False) -> str:
    """A metric's figure by its unit: money with ¥, a count as a whole number."""
    return money(value, wan=wan) if unit == "money" else count(value)


def metric_number(value: Any, *, unit: str) -> str | None:
    """A metric's figure for the API: "1234567.89" for money, "15" for a count (never "15.00")."""
    number = _decimal(value)
    if number is None:
        return None
    places = 2 if unit == "money" else 0
    return str(number.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP))


_GROUPED = re.compile(r"^\d{1,3}(,\d{3})+(\.\d*)?$")


def parse_number(text: Any, *, allow_wan: bool = True) -> Decimal:
    """The number a person typed: "1,234.5", full-width "１２３４．５", "¥80万", "80万元", " 7,000,000.00 ".
    Raises ValueError (with a translated message) for anything else."""
    if isinstance(text, Decimal):
        return text
    if isinstance(text, int | float):
        return Decimal(str(text))
    raw = unicodedata.normalize("NFKC", str(text or "")).strip()
    cleaned = raw.replace("，", ",").replace(" ", "").replace("\u00a0", "")
    cleaned = cleaned.lstrip("¥￥").removesuffix("元")
    sign = ""
    if cleaned[:1] in "-−+" and cleaned:
        sign, cleaned = ("-" if cleaned[0] != "+" else ""), cleaned[1:].lstrip("¥￥")
    factor = Decimal(1)
    if cleaned.endswith("万"):
        if not allow_wan:
            raise ValueError(_("Enter a number without 万."))
        factor, cleaned = WAN, cleaned[:-1]
    if "," in cleaned:
        if not _GROUPED.match(cleaned):
            raise ValueError(_("“%(value)s” is not a number.") % {"value": raw})
        cleaned = cleaned.replace(",", "")
    if not re.fullmatch(r"\d+(\.\d*)?|\.\d+", cleaned):
        raise ValueError(_("“%(value)s” is not a number.") % {"value": raw})
    return Decimal(sign + cleaned) * factor


# --- Months and days ------------------------------------------------------------------------------------


def month_label(month: int | dt.date) -> str:
    """A month's short name: 1月 … 12月 in Chinese, Jan … Dec in English (the same in every page and export)."""
    number = month.month if isinstance(month, dt.date) else int(month)
    labels = (
        pgettext("month", "Jan"),
        pgettext("month", "Feb"),
        pgettext("month", "Mar"),
        pgettext("month", "Apr"),
        pgettext("month", "May"),
        pgettext("month", "Jun"),
        pgettext("month", "Jul"),
        pgettext("month", "Aug"),
        pgettext("month", "Sep"),
        pgettext("month", "Oct"),
        pgettext("month", "Nov"),
        pgettext("month", "Dec"),
    )
    return labels[number - 1]


def long_date(day: dt.date | None) -> str:
    """A day in full: 2026年12月1日 / Dec. 1, 2026."""
    return "" if day is None else formats.date_format(day, "DATE_FORMAT")


def _weekday(day: dt.date) -> str:
    weekdays = (
        pgettext("weekday", "Mon"),
        pgettext("weekday", "Tue"),
        pgettext("weekday", "Wed"),
        pgettext("weekday", "Thu"),
        pgettext("weekday", "Fri"),
        pgettext("weekday", "Sat"),
        pgettext("weekday", "Sun"),
    )
    return weekdays[day.weekday()]


def short_day(day: dt.date | None) -> str:
    """A day in a table: 12-01 (周二) / 12-01 (Tue)."""
    return "" if day is None else f"{day:%m-%d} ({_weekday(day)})"


def long_day(day: dt.date | None) -> str:
    """A day in a heading: 2026年12月1日 (周二) / Dec 1, 2026 (Tue)."""
    return "" if day is None else f"{long_date(day)} ({_weekday(day)})"


# --- Exports --------------------------------------------------------------------------------------------

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def looks_like_formula(value: Any) -> bool:
    """Whether a spreadsheet would run this text as a formula (=, +, -, @, a tab or a carriage return first)."""
    return isinstance(value, str) and value.startswith(_FORMULA_START)


def export_text(value: Any) -> Any:
    """A value for a CSV cell: text that a spreadsheet would run as a formula gets a leading apostrophe (so it
    shows as typed); numbers, dates and other text pass unchanged."""
    return "'" + value if looks_like_formula(value) else value


def sheet_title(text: str) -> str:
    """A worksheet name from any text: without the characters Excel refuses (: \\ / ? * [ ]), at most 31 long."""
    return re.sub(r"[:\\/?*\[\]]", " ", text).strip()[:31] or "Sheet"


def print_on_a4_width(sheet: Any, *, header_rows: str, name_columns: str) -> None:
    """Print setup of an exported sheet: A4 landscape, one page wide, the header rows and the name columns
    repeated on every page."""
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0  # as many pages down as the rows need
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.print_title_rows = header_rows
    sheet.print_title_cols = name_columns


def sheet_append(sheet: Any, values: list, *, formulas: tuple[int, ...] = ()) -> None:
    """Append a row to an openpyxl sheet with every string kept as a string cell, so text typed by a user
    ("=1+1", "@x") is never run as a formula; only the positions in ``formulas`` (written by our code) are."""
    sheet.append(values)
    for index, cell in enumerate(sheet[sheet.max_row]):
        if index not in formulas and cell.data_type == "f":
            cell.data_type = "s"


def error_text(error: ValidationError) -> str:
    """A validation error's messages as one line of text, for a page's message."""
    if hasattr(error, "error_dict"):
        return " ".join(" ".join(messages) for messages in error.message_dict.values())
    return " ".join(error.messages)
