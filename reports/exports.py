"""The daily report as .xlsx (formatted) and CSV: the same rows the page shows."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill

from reports.selectors import DailyReport

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


def daily_report_xlsx(report: DailyReport) -> bytes:
    """A workbook with one sheet: percentages as %, money as ¥ with two decimals, status cells coloured."""
    book = Workbook()
    sheet = book.active
    sheet.title = str(report.as_of or "")[:31] or "report"
    sheet.append([f"{report.team.name} · {report.metric.label} · {report.as_of}"])
    sheet["A1"].font = Font(bold=True, size=13)
    sheet.append(_columns())
    for cell in sheet[2]:
        cell.font = Font(bold=True)
    money_format = '"¥"#,##0.00' if report.metric.is_money else "#,##0"
    for values in _values(report):
        sheet.append([float(v) if isinstance(v, Decimal) else v for v in values])
        row = sheet.max_row
        for column in PERCENT_COLUMNS:
            sheet.cell(row=row, column=column).number_format = "0.0%"
        sheet.cell(row=row, column=7).number_format = "0.0"
        sheet.cell(row=row, column=15).number_format = "0.0"
        for column in MONEY_COLUMNS:
            sheet.cell(row=row, column=column).number_format = money_format
        status = report.rows[row - 3].snapshot.status
        if status in FILLS:
            sheet.cell(row=row, column=7).fill = FILLS[status]
            sheet.cell(row=row, column=8).fill = FILLS[status]
    for column, width in zip(
        "ABCDEFGHIJKLMNOPQR", (18, 14, 14, 12, 12, 12, 10, 10, 14, 16, 6, 12, 12, 12, 14, 12, 12, 12), strict=True
    ):
        sheet.column_dimensions[column].width = width
    sheet.freeze_panes = "B3"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def daily_report_csv(report: DailyReport) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(_columns())
    for values in _values(report):
        writer.writerow(["" if v is None else v for v in values])
    return "\ufeff" + buffer.getvalue()  # a BOM so spreadsheet programs read UTF-8 Chinese names
