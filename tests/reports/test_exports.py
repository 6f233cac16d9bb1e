"""The daily report's files read like Chinese documents: translated headers, sheet name and status words, the
"data through" line in both, rates as percentages in the CSV, print setup, and typed text never run as a formula."""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from reports.night.run import night_compute

pytestmark = pytest.mark.django_db


@pytest.fixture
def computed(company, night) -> dict:
    night_compute(as_of=night["as_of"])
    return night


def export(company, computed, name: str):
    query = f"?team={company.team_a.pk}&metric={computed['metric'].pk}&sort=gap"
    return company.client_for(company.manager_a).get(reverse(name) + query, HTTP_ACCEPT_LANGUAGE="zh-hans")


def test_the_csv_reads_in_chinese_with_the_as_of_line_and_percentages(company, computed) -> None:
    company.rep_a.first_name, company.rep_a.last_name = "芳", "王"
    company.rep_a.save()
    rows = list(csv.reader(io.StringIO(export(company, computed, "reports:daily_csv").content.decode("utf-8-sig"))))
    assert rows[0] == ["Team A · 销售额 · 数据截至 2026年3月16日"]
    assert rows[1][:4] == ["名称", "目标", "实际", "达成率"]
    wang = rows[2]
    assert wang[0] == "王芳"
    assert wang[1:7] == ["220000.00", "90000.00", "40.9%", "50.0%", wang[5], "-9.09"]
    assert wang[7] == "落后"


def test_the_workbook_has_a_chinese_sheet_name_and_prints_on_one_a4_width(company, computed) -> None:
    book = load_workbook(io.BytesIO(export(company, computed, "reports:daily_xlsx").content))
    sheet = book.active
    assert sheet.title == "日报 2026-03-16"
    assert sheet["A1"].value == "Team A · 销售额 · 数据截至 2026年3月16日"
    assert sheet["H3"].value == "落后"
    assert sheet.page_setup.orientation == "landscape"
    assert int(sheet.page_setup.paperSize) == int(sheet.PAPERSIZE_A4)
    assert (sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight) == (1, 0)
    assert sheet.sheet_properties.pageSetUpPr.fitToPage
    assert sheet.print_title_rows == "$2:$2" and sheet.print_title_cols == "$A:$A"


def test_a_name_that_looks_like_a_formula_is_exported_as_text(company, computed) -> None:
    company.rep_a.first_name, company.rep_a.last_name = '=HYPERLINK("http://x")', ""
    company.rep_a.save()
    company.team_a.name = "@SUM(1)"
    company.team_a.save()
    rows = list(csv.reader(io.StringIO(export(company, computed, "reports:daily_csv").content.decode("utf-8-sig"))))
    assert rows[0][0].startswith("'@SUM(1) · ")
    assert rows[2][0] == '\'=HYPERLINK("http://x")'
    sheet = load_workbook(io.BytesIO(export(company, computed, "reports:daily_xlsx").content)).active
    assert sheet["A3"].value == '=HYPERLINK("http://x")' and sheet["A3"].data_type == "s"
