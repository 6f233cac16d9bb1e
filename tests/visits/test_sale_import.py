from __future__ import annotations

import io
from decimal import Decimal

import openpyxl
import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from visits import services
from visits.models import SaleRecord

pytestmark = pytest.mark.django_db


def row(external_id: str = "ERP-1", **changes) -> dict:
    values = {
        "date": "2026-03-09",
        "rep": "rep_a",
        "customer": "A1",
        "product": "SODA",
        "quantity": "10",
        "amount": "35.00",
        "external_id": external_id,
    }
    values.update(changes)
    return values


def test_importing_the_same_lines_twice_changes_nothing(company, clock, shops, products) -> None:
    rows = [row("ERP-1"), row("ERP-2", customer="A2", amount="70.00")]
    first = services.sale_records_import(by=company.manager_a, rows=rows)
    assert (first.created, first.updated, first.unchanged, first.errors) == (2, 0, 0, [])
    before = list(SaleRecord.objects.order_by("external_id").values())
    second = services.sale_records_import(by=company.manager_a, rows=rows)
    assert (second.created, second.updated, second.unchanged) == (0, 0, 2)
    assert list(SaleRecord.objects.order_by("external_id").values()) == before


def test_a_changed_line_updates_its_record(company, clock, shops, products) -> None:
    services.sale_records_import(by=company.manager_a, rows=[row("ERP-1")])
    result = services.sale_records_import(by=company.manager_a, rows=[row("ERP-1", amount="40.00")])
    assert (result.created, result.updated) == (0, 1)
    record = SaleRecord.objects.get()
    assert record.amount == Decimal("40.00") and record.team == company.team_a and record.source == "erp"


def test_one_bad_row_lists_every_error_and_applies_nothing(company, clock, shops, products) -> None:
    rows = [
        row("ERP-1"),
        row("ERP-2", quantity="-1", product="NOPE"),
        row("ERP-3", date="2026-03-11"),
        row("ERP-1"),
        row("ERP-5", rep="rep_b"),
    ]
    result = services.sale_records_import(by=company.manager_a, rows=rows)
    assert not result.applied
    assert [(e["row"], sorted(e["errors"])) for e in result.errors] == [
        (2, ["product", "quantity"]),
        (3, ["date"]),
        (4, ["external_id"]),
        (5, ["rep"]),
    ]
    assert not SaleRecord.objects.exists()


def test_a_rep_cannot_import(company, clock, shops, products) -> None:
    with pytest.raises(PermissionDenied):
        services.sale_records_import(by=company.rep_a, rows=[row()])


def test_a_csv_file_is_read_by_its_header(company, clock) -> None:
    content = "external_id,date,rep,customer,product,quantity,amount\nE1,2026-03-09,rep_a,A1,SODA,2,7.00\n"
    rows = services.sale_rows_from_file(upload=SimpleUploadedFile("sales.csv", content.encode("gb18030")))
    assert rows == [
        {
            "external_id": "E1",
            "date": "2026-03-09",
            "rep": "rep_a",
            "customer": "A1",
            "product": "SODA",
            "quantity": "2",
            "amount": "7.00",
        }
    ]


def test_an_xlsx_file_with_chinese_headers_is_imported(company, clock, shops, products) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["日期", "业务员", "客户", "产品", "数量", "金额", "外部编号"])
    sheet.append(["2026-03-09", "rep_a", "A1", "SODA", 3, 10.5, "X-1"])
    buffer = io.BytesIO()
    book.save(buffer)
    rows = services.sale_rows_from_file(upload=SimpleUploadedFile("sales.xlsx", buffer.getvalue()))
    result = services.sale_records_import(by=company.director, rows=rows)
    assert result.created == 1
    assert SaleRecord.objects.get(external_id="X-1").amount == Decimal("10.50")


def test_a_file_without_the_needed_columns_is_refused(company, clock) -> None:
    with pytest.raises(ValidationError) as error:
        services.sale_rows_from_file(upload=SimpleUploadedFile("sales.csv", b"date,amount\n2026-03-09,1\n"))
    assert "file" in error.value.message_dict
