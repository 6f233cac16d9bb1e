"""The grid as an .xlsx workbook, and back: one sheet, one row per owner, twelve months, quarters, year."""

from __future__ import annotations

import io
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter

from salesops.formatting import month_label, parse_number, print_on_a4_width, sheet_append, sheet_title
from salesops.limits import AMOUNT_LIMIT, target_limit_message
from salesops.spreadsheets import xlsx_rows
from targets.breakdown import QUARTERS
from targets.selectors import Grid, GridRow

MONTH_COLUMNS = range(3, 15)  # C..N
FORMULA_COLUMNS = tuple(range(14, 19))  # the four quarters and the year (0-based positions O..S)
# A team's grid has a row per member; more than this is not a grid someone exported.
MAX_ROWS = 2000


def owner_code(row: GridRow) -> str:
    return row.rep.username if row.rep is not None else row.team.code


def headers() -> list[str]:
    months = [month_label(m) for m in range(1, 13)]
    return [_("Code"), _("Owner"), *months, *[f"Q{q}" for q in QUARTERS], _("Year")]


def grid_workbook(grid: Grid) -> bytes:
    """The grid of one team, year and metric as an .xlsx file (quarters and year as formulas)."""
    book = Workbook()
    sheet = book.active
    sheet.title = sheet_title(f"{grid.metric.label} {grid.year}")
    sheet_append(sheet, headers())
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    number_format = "#,##0.00" if grid.metric.is_money else "#,##0"
    for row in [grid.parent, *grid.rows]:
        months = row.months if row.target else [None] * 12
        line = sheet.max_row + 1
        quarters = [
            f"=SUM({get_column_letter(2 + months_[0])}{line}:{get_column_letter(2 + months_[-1])}{line})"
            for months_ in QUARTERS.values()
        ]
        # Codes and names are typed by people: kept as text; the quarters and the year are our formulas.
        sheet_append(
            sheet, [owner_code(row), row.label, *months, *quarters, f"=SUM(C{line}:N{line})"], formulas=FORMULA_COLUMNS
        )
        for cell in sheet[line][2:]:
            cell.number_format = number_format
    sheet["A2"].fill = PatternFill("solid", fgColor="DDEBF7")
    sheet.column_dimensions["B"].width = 18
    for column in range(3, 20):
        sheet.column_dimensions[get_column_letter(column)].width = 13
    sheet.freeze_panes = "C2"
    print_on_a4_width(sheet, header_rows="1:1", name_columns="A:B")
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


@dataclass
class ImportRow:
    line: int
    code: str
    months: list[str]


@dataclass
class ImportResult:
    rows: list[ImportRow] = field(default_factory=list)
    errors: list[dict] = field(default_factory=list)  # {"row": 3, "column": "E", "message": "…"}

    @property
    def is_valid(self) -> bool:
        return not self.errors and bool(self.rows)


def parse_workbook(content: bytes, *, grid: Grid) -> ImportResult:
    """Read and check the whole file against the grid: every error by row and column, nothing applied."""
    result = ImportResult()
    known = {owner_code(row) for row in [grid.parent, *grid.rows]}
    seen: set[str] = set()
    precision = grid.metric.precision
    try:
        # Streamed in bounded memory whatever the file declares (salesops/spreadsheets.py), the header skipped.
        table = list(xlsx_rows(io.BytesIO(content), max_rows=MAX_ROWS, columns=14))[1:]
    except ValidationError as error:
        result.errors.append({"row": "", "column": "", "message": error.messages[0]})
        return result
    for line, values in table:
        values = list(values) + [None] * (14 - len(values))
        code = str(values[0]).strip() if values[0] is not None else ""
        months = values[2:14]
        if not code and all(v in (None, "") for v in months):
            continue
        if code not in known:
            result.errors.append(
                {
                    "row": line,
                    "column": "A",
                    "message": _("“%(code)s” is not this team or one of its members.") % {"code": code},
                }
            )
        elif code in seen:
            result.errors.append({"row": line, "column": "A", "message": _("This owner appears twice.")})
        seen.add(code)
        clean = []
        for column, raw in zip(MONTH_COLUMNS, months, strict=True):
            letter = get_column_letter(column)
            if raw in (None, ""):
                raw = 0
            try:
                number = parse_number(raw)
            except ValueError:
                result.errors.append(
                    {"row": line, "column": letter, "message": _("“%(value)s” is not a number.") % {"value": raw}}
                )
                continue
            if not number.is_finite():
                result.errors.append({"row": line, "column": letter, "message": _("Enter a number.")})
            elif number < 0:
                result.errors.append({"row": line, "column": letter, "message": _("A target cannot be negative.")})
            elif number > AMOUNT_LIMIT:
                result.errors.append({"row": line, "column": letter, "message": target_limit_message()})
            elif number != number.quantize(precision):
                message = (
                    _("Use whole numbers for this metric.")
                    if not grid.metric.is_money
                    else _("Use at most two decimals.")
                )
                result.errors.append({"row": line, "column": letter, "message": message})
            else:
                clean.append(str(number.quantize(precision)))
        if len(clean) == 12:
            result.rows.append(ImportRow(line=line, code=code, months=clean))
    if not result.rows and not result.errors:
        result.errors.append({"row": "", "column": "", "message": _("The file has no target rows.")})
    return result
