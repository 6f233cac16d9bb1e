"""The daily report as .xlsx (formatted, set up to print on A4 landscape) and CSV: the same rows the page shows,
headed by the same "data through" line."""

from __future__ import annotations

import csv
import io
from decimal import ROUND_HALF_UP, Decimal

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill

from reports.daily_report import DailyReport
from salesops.formatting import export_text, long_date, metric_number, print_on_a4_width, sheet_append, sheet_title

FILLS = {
    "ahead": PatternFill("solid", fgColor="C8E6C9"),
    "watch": PatternFill("solid", fgColor="FFF59D"),
    "behind": PatternFill("solid", fgColor="FFCC80"),
    "critical": PatternFill("solid", fgColor="EF9A9A"),
}


def _columns() -> list[str]:
    return [
        _("Name"),
        _("Target"),
        _("Actual"),
        _("Achievement"),
        _("Time progress"),
        _("Plan progress"),
        _("Gap (pp)"),
        _("Status"),
        _("Forecast"),
        _("Required daily rate"),
        _("Rank"),
        _("Plan completion rate"),
        _("On-time filing rate"),
        _("Quality rate"),
        _("Median problem resolution (h)"),
        _("Action timeliness"),
        _("Meeting attendance rate"),
        _("Overdue customers"),
    ]


def _values(report: DailyReport) -> list[list]:
    rows = []
    for row in report.rows:
        s, k = row.snapshot, row.kpi
        rows.append(
            [
                row.name,
                s.target,
                s.actual,
                s.achievement,
                s.time_progress,
                s.plan_progress,
                s.gap_pp,
                s.get_status_display(),
                s.forecast,
                s.required_daily_rate,
                s.rank,
                k.plan_completion_rate if k else None,
                k.on_time_filing_rate if k else None,
                k.quality_rate if k else None,
                k.median_resolution_hours if k else None,
                k.action_timeliness if k else None,
                k.attendance_rate if k else None,
                k.overdue_customers if k else None,
            ]
        )
    return rows


PERCENT_COLUMNS = {4, 5, 6, 12, 13, 14, 16, 17}
MONEY_COLUMNS = {2, 3, 9, 10}
RATE_COLUMN = 10


def _title(report: DailyReport) -> str:
    """The line above the table, in both files: team · metric · data through 2026年3月16日."""
    through = _("data through %(day)s") % {"day": long_date(report.as_of)} if report.as_of else ""
    return " · ".join(part for part in (report.team.name, report.metric.label, through) if part)


def daily_report_xlsx(report: DailyReport) -> bytes:
    """A workbook with one sheet: percentages as %, money as ¥ with two decimals, status cells coloured, printed
    landscape on one page width with the header row and the name column on every page."""
    book = Workbook()
    sheet = book.active
    sheet.title = sheet_title(f"{_('Daily report')} {report.as_of or ''}")
    sheet_append(sheet, [_title(report)])
    sheet["A1"].font = Font(bold=True, size=13)
    sheet_append(sheet, _columns())
    for cell in sheet[2]:
        cell.font = Font(bold=True)
    money_format = '"¥"#,##0.00' if report.metric.is_money else "#,##0"
    for values in _values(report):
        sheet_append(sheet, [float(v) if isinstance(v, Decimal) else v for v in values])
        row = sheet.max_row
        for column in PERCENT_COLUMNS:
            sheet.cell(row=row, column=column).number_format = "0.0%"
        sheet.cell(row=row, column=7).number_format = "0.0"
        sheet.cell(row=row, column=15).number_format = "0.0"
        for column in MONEY_COLUMNS:
            sheet.cell(row=row, column=column).number_format = money_format
        if not report.metric.is_money:
            sheet.cell(row=row, column=10).number_format = "#,##0.0"  # a count's daily rate keeps its fraction
        status = report.rows[row - 3].snapshot.status
        if status in FILLS:
            sheet.cell(row=row, column=7).fill = FILLS[status]
            sheet.cell(row=row, column=8).fill = FILLS[status]
    for column, width in zip(
        "ABCDEFGHIJKLMNOPQR", (18, 14, 14, 12, 12, 12, 10, 10, 14, 16, 6, 12, 12, 12, 14, 12, 12, 12), strict=True
    ):
        sheet.column_dimensions[column].width = width
    sheet.freeze_panes = "B3"
    print_on_a4_width(sheet, header_rows="2:2", name_columns="A:A")
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _csv_value(value: object, column: int, unit: str) -> object:
    """A CSV cell: rates as percentages ("40.9%"), money with two decimals, counts whole, text made safe."""
    if value is None:
        return ""
    if column in PERCENT_COLUMNS:
        return f"{(Decimal(value) * 100).quantize(Decimal('0.1'), rounding=ROUND_HALF_UP)}%"
    if column == RATE_COLUMN:
        return str(Decimal(value).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))
    if column in MONEY_COLUMNS:
        return metric_number(value, unit=unit)
    return export_text(value)


def daily_report_csv(report: DailyReport) -> str:
    """The same rows as the workbook, after the same "data through" line."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([export_text(_title(report))])
    writer.writerow(_columns())
    unit = report.metric.unit
    for values in _values(report):
        writer.writerow([_csv_value(v, column, unit) for column, v in enumerate(values, start=1)])
    return "\ufeff" + buffer.getvalue()  # a BOM so spreadsheet programs read UTF-8 Chinese names
