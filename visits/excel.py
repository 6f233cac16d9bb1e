"""The ERP sales file: its columns (names accepted, how each value is read), reading a .csv or .xlsx upload into
rows, and the template to fill in.

A manager's file comes from Excel on a Chinese Windows as often as from the ERP: headers in Chinese or as the
English codes, dates as ``2026/11/3``, ``2026-11-3``, ``2026年11月3日`` or date cells, digits full-width.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy
from openpyxl import Workbook
from openpyxl.styles import Font

from salesops.limits import check_amount
from salesops.spreadsheets import xlsx_rows

MAX_ROWS = 20_000
MAX_UPLOAD_BYTES = 10 * 1024 * 1024
# The row dicts carry the spreadsheet's row number under this key, so errors name the row Excel shows.
LINE = "line"

_DATE = re.compile(
    r"^(?P<year>\d{4})\s*[-/.年]\s*(?P<month>\d{1,2})\s*[-/.月]\s*(?P<day>\d{1,2})\s*日?"
    r"(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$"
)


def _normal(value: Any) -> str:
    """Text as typed, with full-width digits and letters made ASCII (NFKC) and the edges trimmed."""
    return unicodedata.normalize("NFKC", str(value)).strip()


def parse_date(value: Any) -> dt.date:
    """A date from an Excel date cell or text as Excel writes it (2026-11-03, 2026/11/3, 2026年11月3日)."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    match = _DATE.match(_normal(value)) if value not in (None, "") else None
    if match is None:
        raise ValidationError(_("Enter a date such as 2026-11-03, 2026/11/3 or 2026年11月3日."))
    try:
        return dt.date(int(match["year"]), int(match["month"]), int(match["day"]))
    except ValueError:
        raise ValidationError(_("This date does not exist.")) from None


def parse_text(value: Any) -> str:
    """A code or name; a whole number typed into an Excel cell (1001.0) reads as 1001."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = "" if value is None else _normal(value)
    if not text:
        raise ValidationError(_("This value is required."))
    if len(text) > 100:
        raise ValidationError(_("At most 100 characters."))
    return text


def _amount_parser(*, max_digits: int, limited: bool = False) -> Callable[[Any], Decimal]:
    """A non-negative number to the fen that fits a column of ``max_digits`` digits (two of them decimals), and,
    when ``limited``, at most what a real line may amount to (``salesops.limits``)."""
    limit = Decimal(10) ** (max_digits - 2)

    def parse(value: Any) -> Decimal:
        text = "" if value is None else _normal(value).replace(",", "").lstrip("¥")
        try:
            number = Decimal(text)
        except InvalidOperation:
            raise ValidationError(_("Enter a number.")) from None
        if not number.is_finite():
            raise ValidationError(_("Enter a number."))
        if number < 0:
            raise ValidationError(_("Must not be negative."))
        if number >= limit:
            raise ValidationError(_("Must be less than %(limit)s.") % {"limit": f"{limit:,.0f}"})
        if limited:
            check_amount(number, field=None)
        return number.quantize(Decimal("0.01"))

    return parse


@dataclass(frozen=True)
class Column:
    """One column of the sales file: the key of the row dicts and the API, the headers accepted, the reader."""

    key: str
    label: Promise  # the template's header in the active language
    names: tuple[str, ...]  # every header accepted besides the key and the label in either language
    parse: Callable[[Any], Any]
    required: bool = True

    def accepts(self) -> set[str]:
        from django.utils import translation

        labels = set()
        for language in ("en", "zh-hans"):
            with translation.override(language):
                labels.add(str(self.label))
        return {_header(name) for name in {self.key, *self.names, *labels}}


SALE_COLUMNS: tuple[Column, ...] = (
    Column("date", pgettext_lazy("sales file column", "Date"), ("日期", "销售日期"), parse_date),
    Column("rep", pgettext_lazy("sales file column", "Rep"), ("业务员", "username"), parse_text),
    Column("customer", pgettext_lazy("sales file column", "Customer code"), ("客户编码", "客户"), parse_text),
    Column("product", pgettext_lazy("sales file column", "Product code"), ("产品编码", "产品"), parse_text),
    Column("quantity", pgettext_lazy("sales file column", "Quantity"), ("数量",), _amount_parser(max_digits=12)),
    Column(
        "amount",
        pgettext_lazy("sales file column", "Amount"),
        ("金额",),
        _amount_parser(max_digits=14, limited=True),
    ),
    Column(
        "external_id",
        pgettext_lazy("sales file column", "External id"),
        ("外部单号", "外部编号", "单号"),
        parse_text,
    ),
)


def _header(name: Any) -> str:
    return re.sub(r"[\s_]+", "_", _normal(name or "").lower())


def _columns_of(header: list[Any]) -> list[str | None]:
    """The column key of each header cell (None for a column nobody reads); a missing column is an error."""
    keys: dict[str, str] = {}
    for column in SALE_COLUMNS:
        for name in column.accepts():
            keys[name] = column.key
    columns = [keys.get(_header(cell)) for cell in header]
    missing = [str(column.label) for column in SALE_COLUMNS if column.required and column.key not in columns]
    if missing:
        raise ValidationError({"file": _("Missing columns: %(columns)s.") % {"columns": ", ".join(missing)}})
    return columns


def _csv_rows(upload: UploadedFile) -> Iterator[tuple[int, list[Any]]]:
    raw = upload.read()
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            content = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise ValidationError({"file": _("The CSV file must be UTF-8 or GBK encoded.")})
    try:
        for number, values in enumerate(csv.reader(io.StringIO(content)), start=1):
            if not any(value.strip() for value in values):
                continue
            if number > MAX_ROWS + 1:
                raise ValidationError(
                    {"file": _("At most %(n)s rows at a time (the header is row 1).") % {"n": MAX_ROWS}}
                )
            yield number, values
    except csv.Error:
        raise ValidationError({"file": _("This is not a readable CSV file.")}) from None


def sale_rows_from_file(*, upload: UploadedFile) -> list[dict]:
    """The sales lines of a .csv (UTF-8 or GBK) or .xlsx file whose first row names the columns.

    Each row is a dict by column key, plus ``line``: its row number as the spreadsheet shows it.
    """
    if upload.size is not None and upload.size > MAX_UPLOAD_BYTES:
        raise ValidationError({"file": _("The file is too large (at most 10 MB).")})
    name = (upload.name or "").lower()
    if name.endswith(".xlsx"):
        table = xlsx_rows(upload, max_rows=MAX_ROWS)
    elif name.endswith(".csv"):
        table = _csv_rows(upload)
    else:
        raise ValidationError({"file": _("Upload a .csv or .xlsx file.")})
    columns: list[str | None] | None = None
    rows: list[dict] = []
    for number, values in table:
        if columns is None:
            columns = _columns_of(values)
            continue
        row: dict[str, Any] = {LINE: number}
        for key, value in zip(columns, values, strict=False):
            if key is not None:
                row[key] = value
        rows.append(row)
    if columns is None:
        raise ValidationError({"file": _("The file is empty.")})
    return rows


def template_workbook() -> bytes:
    """An empty sales file with the headers in the active language and one example line."""
    book = Workbook()
    sheet = book.active
    sheet.title = _("Sales lines")[:31]
    sheet.append([str(column.label) for column in SALE_COLUMNS])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.append([dt.date(2026, 11, 3), "wangfang", "C0001", "P0001", 10, 1234.5, "ERP-0001"])
    sheet["A2"].number_format = "yyyy/m/d"
    for letter in "ABCDEFG":
        sheet.column_dimensions[letter].width = 14
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
