from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import openpyxl
import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation

from visits import excel
from visits.models import SaleRecord
from visits.services import sales_import

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
    first = sales_import.sale_records_import(by=company.manager_a, rows=rows)
    assert (first.created, first.updated, first.unchanged, first.errors) == (2, 0, 0, [])
    before = list(SaleRecord.objects.order_by("external_id").values())
    second = sales_import.sale_records_import(by=company.manager_a, rows=rows)
    assert (second.created, second.updated, second.unchanged) == (0, 0, 2)
    assert list(SaleRecord.objects.order_by("external_id").values()) == before


def test_a_changed_line_updates_its_record(company, clock, shops, products) -> None:
    sales_import.sale_records_import(by=company.manager_a, rows=[row("ERP-1")])
    result = sales_import.sale_records_import(by=company.manager_a, rows=[row("ERP-1", amount="40.00")])
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
    result = sales_import.sale_records_import(by=company.manager_a, rows=rows)
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
        sales_import.sale_records_import(by=company.rep_a, rows=[row()])


def test_a_csv_file_is_read_by_its_header(company, clock) -> None:
    content = "external_id,date,rep,customer,product,quantity,amount\nE1,2026-03-09,rep_a,A1,SODA,2,7.00\n"
    rows = excel.sale_rows_from_file(upload=SimpleUploadedFile("sales.csv", content.encode("gb18030")))
    assert rows == [
        {
            "line": 2,
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
    rows = excel.sale_rows_from_file(upload=SimpleUploadedFile("sales.xlsx", buffer.getvalue()))
    result = sales_import.sale_records_import(by=company.director, rows=rows)
    assert result.created == 1
    assert SaleRecord.objects.get(external_id="X-1").amount == Decimal("10.50")


def test_a_file_without_the_needed_columns_is_refused(company, clock) -> None:
    with pytest.raises(ValidationError) as error:
        excel.sale_rows_from_file(upload=SimpleUploadedFile("sales.csv", b"date,amount\n2026-03-09,1\n"))
    assert "file" in error.value.message_dict


# --- as Excel on a Chinese Windows writes it (dates, headers, row numbers) ----------------------------------


def xlsx(*lines: list) -> SimpleUploadedFile:
    book = openpyxl.Workbook()
    for line in lines:
        book.active.append(line)
    buffer = io.BytesIO()
    book.save(buffer)
    return SimpleUploadedFile("sales.xlsx", buffer.getvalue())


CHINESE_HEADER = ["日期", "业务员", "客户编码", "产品编码", "数量", "金额", "外部单号"]


@pytest.mark.parametrize(
    "typed",
    ["2026/3/9", "2026-3-9", "2026年3月9日", "2026-03-09", "２０２６/３/９", "2026/3/9 0:00", dt.date(2026, 3, 9)],
)
def test_each_date_format_excel_writes_is_read(typed, company, clock, shops, products) -> None:
    upload = xlsx(CHINESE_HEADER, [typed, "rep_a", "A1", "SODA", 1, 3.5, "E1"])
    result = sales_import.sale_records_import(by=company.manager_a, rows=excel.sale_rows_from_file(upload=upload))
    assert result.errors == []
    assert SaleRecord.objects.get(external_id="E1").date == dt.date(2026, 3, 9)


def test_an_excel_date_cell_is_read_as_its_date(company, clock, shops, products) -> None:
    rows = excel.sale_rows_from_file(
        upload=xlsx(CHINESE_HEADER, [dt.datetime(2026, 3, 9), "rep_a", "A1", "SODA", 1, 2, "E1"])
    )
    assert excel.parse_date(rows[0]["date"]) == dt.date(2026, 3, 9)


@pytest.mark.parametrize("typed", ["9/3/2026", "2026-02-30", "yesterday", ""])
def test_a_date_that_is_not_one_is_refused_by_name(typed, company, clock, shops, products) -> None:
    result = sales_import.sale_records_import(by=company.manager_a, rows=[row(date=typed)])
    assert list(result.errors[0]["errors"]) == ["date"]


def test_an_error_names_the_row_as_the_spreadsheet_shows_it(company, clock, shops, products) -> None:
    upload = xlsx(
        CHINESE_HEADER,
        ["2026/3/9", "rep_a", "A1", "SODA", 1, 3.5, "E1"],
        [None] * 7,  # an empty row keeps its number
        ["2026/3/9", "rep_a", "A1", "SODA", "abc", 3.5, "E2"],
    )
    result = sales_import.sale_records_import(by=company.manager_a, rows=excel.sale_rows_from_file(upload=upload))
    assert [(e["row"], list(e["errors"])) for e in result.errors] == [(4, ["quantity"])]


def test_the_page_shows_the_spreadsheet_row(client, company, clock, shops, products) -> None:
    client.force_login(company.manager_a)
    upload = xlsx(CHINESE_HEADER, ["2026/3/9", "rep_a", "NOPE", "SODA", 1, 3.5, "E1"])
    response = client.post("/visits/import/", {"file": upload}, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 400
    assert "<td>2</td><td>customer</td><td>“NOPE”在您的团队中未找到。</td>" in response.content.decode()


def test_the_template_has_chinese_headers_in_chinese_and_reads_back(client, company, clock, shops, products) -> None:
    client.force_login(company.manager_a)
    for language, header in (("zh-hans", CHINESE_HEADER), ("en", None)):
        response = client.get("/visits/import/template.xlsx", HTTP_ACCEPT_LANGUAGE=language)
        assert response.status_code == 200
        sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
        first = [cell.value for cell in sheet[1]]
        if header:
            assert first == header
        else:
            assert first == ["Date", "Rep", "Customer code", "Product code", "Quantity", "Amount", "External id"]
        rows = excel.sale_rows_from_file(upload=SimpleUploadedFile("t.xlsx", response.content))
        assert rows[0]["external_id"] == "ERP-0001" and rows[0]["line"] == 2


def test_english_codes_and_labels_are_accepted_as_headers(company, clock, shops, products) -> None:
    upload = xlsx(
        ["Date", "REP", "customer code", "Product", "quantity", "Amount", "External ID"],
        ["2026/3/9", "rep_a", "A1", "SODA", 1, 3.5, "E1"],
    )
    assert (
        sales_import.sale_records_import(by=company.manager_a, rows=excel.sale_rows_from_file(upload=upload)).created
        == 1
    )


def test_the_column_table_names_each_column_once(company) -> None:
    assert [column.key for column in excel.SALE_COLUMNS] == [
        "date",
        "rep",
        "customer",
        "product",
        "quantity",
        "amount",
        "external_id",
    ]
    assert all(column.required for column in excel.SALE_COLUMNS)


# --- bounds and scope -------------------------------------------------------------------------------------


@pytest.mark.parametrize("amount", ["1e20", 1e20, "1000000000000", "NaN", "Infinity"])
def test_an_absurd_amount_is_a_row_error_not_a_crash(amount, company, clock, shops, products) -> None:
    result = sales_import.sale_records_import(by=company.manager_a, rows=[row(amount=amount)])
    assert list(result.errors[0]["errors"]) == ["amount"]
    assert not SaleRecord.objects.exists()


def test_an_absurd_amount_through_the_api_answers_400(company, clock, shops, products) -> None:
    from rest_framework.test import APIClient

    api = APIClient()
    api.force_authenticate(company.manager_a)
    response = api.post("/api/v1/sale-records/import/", {"rows": [row(amount="1e20")]}, format="json")
    assert response.status_code == 400 and response.json()["errors"][0]["errors"]["amount"]


def test_customers_and_reps_of_other_teams_read_as_not_found_like_unknown_ones(company, clock, shops, products) -> None:
    rows = [
        row("E1", customer="B1"),  # exists, in team B
        row("E2", customer="NOSUCH"),
        row("E3", rep="rep_b"),  # exists, a rep of team B
        row("E4", rep="nobody"),
    ]
    with translation.override("en"):
        result = sales_import.sale_records_import(by=company.manager_a, rows=rows)
    messages = [next(iter(e["errors"].values()))[0] for e in result.errors]
    assert messages == [
        "“B1” was not found in your teams.",
        "“NOSUCH” was not found in your teams.",
        "“rep_b” was not found in your teams.",
        "“nobody” was not found in your teams.",
    ]
    assert not SaleRecord.objects.exists()


def test_the_director_imports_for_any_team(company, clock, shops, products) -> None:
    result = sales_import.sale_records_import(by=company.director, rows=[row("E1", customer="B1", rep="rep_b")])
    assert result.created == 1


def test_an_import_sets_the_first_order_date_from_the_earliest_line(company, clock, shops, products) -> None:
    shops["a1"].first_order_date = None
    shops["a1"].save()
    sales_import.sale_records_import(
        by=company.manager_a, rows=[row("E1", date="2026-03-09"), row("E2", date="2026/3/2")]
    )
    shops["a1"].refresh_from_db()
    assert shops["a1"].first_order_date == dt.date(2026, 3, 2)
