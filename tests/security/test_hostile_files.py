"""Hostile spreadsheets: every import (sales file, targets grid) reads a file in bounded memory and refuses, with
a clear message, what a spreadsheet someone saved would not be. Peak memory is measured in a fresh process."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import openpyxl
import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from salesops import spreadsheets
from visits import excel

ROOT = Path(__file__).resolve().parents[2]
LIMIT_MB = 100
HEADER = ["date", "rep", "customer", "product", "quantity", "amount", "external_id"]


def workbook_with_sheet_xml(sheet_xml: bytes | None = None, *, extra_rows: int = 0) -> bytes:
    """A real workbook whose first sheet's XML is replaced (or has ``extra_rows`` data rows appended), deflated."""
    book = openpyxl.Workbook()
    book.active.append(HEADER)
    buffer = io.BytesIO()
    book.save(buffer)
    source = zipfile.ZipFile(io.BytesIO(buffer.getvalue()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                if sheet_xml is not None:
                    data = sheet_xml
                elif extra_rows:
                    line = (
                        '<row r="{n}"><c r="A{n}" t="inlineStr"><is><t>2026-03-09</t></is></c>'
                        '<c r="E{n}"><v>1</v></c></row>'
                    )
                    rows = "".join(line.format(n=n) for n in range(2, extra_rows + 2)).encode()
                    data = data.replace(b"</sheetData>", rows + b"</sheetData>")
            target.writestr(item.filename, data)
    return out.getvalue()


def far_cell_workbook(column: str = "A") -> bytes:
    """The reviewer's file of a few KB: a dimension of A1:XFD1048576 and one cell at the last row."""
    header = "".join(f'<c r="{chr(65 + i)}1" t="inlineStr"><is><t>{name}</t></is></c>' for i, name in enumerate(HEADER))
    xml = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        '<dimension ref="A1:XFD1048576"/><sheetData>'
        f'<row r="1">{header}</row>'
        f'<row r="1048576"><c r="{column}1048576"><v>1</v></c></row>'
        "</sheetData></worksheet>"
    )
    return workbook_with_sheet_xml(xml.encode())


def peak_memory_of(kind: str, path: Path) -> dict:
    """Reads ``path`` with the sales or targets importer in a fresh process; its peak traced and resident memory."""
    script = f"""
import json, resource, tracemalloc, django
django.setup()
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.exceptions import ValidationError
from visits import excel
from targets import excel as targets_excel
content = open({str(path)!r}, "rb").read()
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
tracemalloc.start()
outcome = "read"
try:
    if {kind!r} == "sales":
        excel.sale_rows_from_file(upload=SimpleUploadedFile("sales.xlsx", content))
    else:
        from types import SimpleNamespace
        from decimal import Decimal
        grid = SimpleNamespace(parent=SimpleNamespace(rep=None, team=SimpleNamespace(code="T")), rows=[],
                               metric=SimpleNamespace(precision=Decimal("0.01"), is_money=True))
        result = targets_excel.parse_workbook(content, grid=grid)
        outcome = result.errors[0]["message"] if result.errors else "read"
except ValidationError as error:
    outcome = error.messages[0]
peak = tracemalloc.get_traced_memory()[1]
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({{"traced_mb": peak / 2**20, "rss_growth_mb": (after - before) / 1024, "outcome": outcome}}))
"""
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "salesops.settings", "DJANGO_LANGUAGE": "en"}
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=True
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("kind", ["sales", "targets"])
def test_a_far_cell_under_a_huge_dimension_is_read_in_bounded_memory(kind, tmp_path) -> None:
    path = tmp_path / "far.xlsx"
    path.write_bytes(far_cell_workbook())
    assert path.stat().st_size < 8000  # a few KB
    measured = peak_memory_of(kind, path)
    assert measured["traced_mb"] < LIMIT_MB and measured["rss_growth_mb"] < LIMIT_MB, measured
    assert "rows at a time" in measured["outcome"] or "行" in measured["outcome"], measured


def test_a_far_cell_right_of_the_header_is_never_read() -> None:
    rows = excel.sale_rows_from_file(upload=SimpleUploadedFile("far.xlsx", far_cell_workbook("XFD")))
    assert rows == []


@pytest.mark.parametrize("kind", ["sales", "targets"])
def test_a_file_of_many_rows_stops_at_the_limit_in_bounded_memory(kind, tmp_path) -> None:
    path = tmp_path / "many.xlsx"
    path.write_bytes(workbook_with_sheet_xml(extra_rows=60_000))
    measured = peak_memory_of(kind, path)
    assert measured["traced_mb"] < LIMIT_MB and measured["rss_growth_mb"] < LIMIT_MB, measured
    assert "rows at a time" in measured["outcome"] or "行" in measured["outcome"], measured


def test_a_file_too_large_once_unpacked_is_refused_before_parsing(tmp_path) -> None:
    packed = io.BytesIO(workbook_with_sheet_xml())
    with zipfile.ZipFile(packed, "a", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/media/padding.bin", bytes(60 * 1024 * 1024))  # 60 MB of zeros in about 60 KB
    content = packed.getvalue()
    assert len(content) < 1024 * 1024
    path = tmp_path / "bomb.xlsx"
    path.write_bytes(content)
    measured = peak_memory_of("sales", path)
    assert measured["traced_mb"] < LIMIT_MB, measured
    assert "unpacked" in measured["outcome"] or "解压" in measured["outcome"], measured


def test_only_the_headers_columns_are_kept() -> None:
    book = openpyxl.Workbook()
    book.active.append(["a", "b"])
    book.active.append([1, 2, 3, 4, 5])
    buffer = io.BytesIO()
    book.save(buffer)
    buffer.seek(0)
    assert list(spreadsheets.xlsx_rows(buffer, max_rows=10)) == [(1, ["a", "b"]), (2, [1, 2])]


def test_a_file_that_is_not_a_zip_is_refused_by_name() -> None:
    with pytest.raises(ValidationError) as error:
        excel.sale_rows_from_file(upload=SimpleUploadedFile("sales.xlsx", b"not a zip"))
    assert list(error.value.message_dict) == ["file"]


def test_one_row_past_the_limit_is_refused_and_the_limit_itself_is_read(monkeypatch) -> None:
    monkeypatch.setattr(excel, "MAX_ROWS", 3)
    lines = "\n".join([",".join(HEADER)] + [f"2026-03-09,r,c,p,1,1,E{n}" for n in range(3)])
    assert len(excel.sale_rows_from_file(upload=SimpleUploadedFile("s.csv", lines.encode()))) == 3
    with pytest.raises(ValidationError):
        excel.sale_rows_from_file(upload=SimpleUploadedFile("s.csv", (lines + "\n2026-03-09,r,c,p,1,1,E9").encode()))
    book = openpyxl.Workbook()
    for line in (lines + "\n2026-03-09,r,c,p,1,1,E9").splitlines():
        book.active.append(line.split(","))
    buffer = io.BytesIO()
    book.save(buffer)
    with pytest.raises(ValidationError):
        excel.sale_rows_from_file(upload=SimpleUploadedFile("s.xlsx", buffer.getvalue()))


def test_a_sheet_that_unpacks_past_the_cap_is_refused(tmp_path) -> None:
    with pytest.raises(ValidationError) as error:
        excel.sale_rows_from_file(upload=SimpleUploadedFile("rows.xlsx", workbook_with_sheet_xml(extra_rows=600_000)))
    assert "50" in error.value.messages[0]


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/api/v1/sale-records/import/", "/visits/import/"])
def test_the_reviewers_file_uploaded_to_the_api_and_the_page_answers_400_with_the_reason(url, company) -> None:
    from django.test import Client

    from visits.models import SaleRecord

    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(company.manager_a)
    response = client.post(url, {"file": SimpleUploadedFile("far.xlsx", far_cell_workbook())})
    assert response.status_code == 400
    assert "rows at a time" in response.content.decode()
    assert not SaleRecord.objects.exists()
