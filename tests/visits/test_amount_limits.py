"""Money typed in has an upper bound a real company never reaches: 10^10 per order line and per imported sale."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation

from tests.visits.conftest import TODAY, local
from visits.models import OrderLine, SaleRecord
from visits.services import rep_day, sales_import

pytestmark = pytest.mark.django_db

TOO_MUCH = "100000000000"  # 10^11


@pytest.fixture
def visit_a(company, clock, shops):
    sheet = rep_day.sheet_open(rep=company.rep_a)
    visit = rep_day.visit_plan(by=company.rep_a, sheet=sheet, customer=shops["a1"])
    rep_day.visit_check_in(by=company.rep_a, visit=visit)
    return visit


def test_an_order_line_of_ten_to_the_eleventh_is_refused_by_the_service_naming_the_amount(
    company, visit_a, products
) -> None:
    with pytest.raises(ValidationError) as error:
        rep_day.order_line_add(by=company.rep_a, visit=visit_a, product=products["soda"], quantity="1", amount=TOO_MUCH)
    assert error.value.message_dict == {"amount": ["金额不能超过 10,000,000,000。"]}
    assert not OrderLine.objects.exists() and not SaleRecord.objects.exists()


def test_an_order_line_of_exactly_the_limit_is_taken(company, visit_a, products) -> None:
    line = rep_day.order_line_add(
        by=company.rep_a, visit=visit_a, product=products["soda"], quantity="1", amount="10000000000"
    )
    assert line.sale_record.amount == 10**10


def test_the_api_refuses_it_with_a_translated_field_error(company, visit_a, products) -> None:
    client = company.client_for(company.rep_a)
    response = client.post(
        "/api/v1/order-lines/",
        {"visit": visit_a.pk, "product": products["soda"].pk, "quantity": "1", "amount": TOO_MUCH},
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )
    assert response.status_code == 400
    assert response.json() == {"amount": ["金额不能超过 10,000,000,000。"]}
    assert not SaleRecord.objects.exists()


def test_the_check_out_page_refuses_it_and_stores_nothing(company, clock, visit_a, products) -> None:
    client = company.client_for(company.rep_a)
    clock.move_to(local(TODAY, 10))
    response = client.post(
        reverse("visits:check_out", args=[visit_a.pk]),
        {
            "outcome": "Big order",
            "line_product": [products["soda"].pk],
            "line_quantity": ["1"],
            "line_amount": [TOO_MUCH],
        },
        follow=True,
    )
    assert "金额不能超过 10,000,000,000。" in response.content.decode()
    visit_a.refresh_from_db()
    assert visit_a.check_out_at is None and not SaleRecord.objects.exists()


def test_the_order_page_refuses_it(company, visit_a, products) -> None:
    client = company.client_for(company.rep_a)
    response = client.post(
        reverse("visits:order", args=[visit_a.pk]),
        {"line_product": [products["soda"].pk], "line_quantity": ["1"], "line_amount": [TOO_MUCH]},
        follow=True,
    )
    assert "金额不能超过 10,000,000,000。" in response.content.decode()
    assert not SaleRecord.objects.exists()


def test_an_import_row_above_the_limit_is_refused_with_its_column(company, clock, shops, products) -> None:
    row = {
        "date": "2026-03-09",
        "rep": "rep_a",
        "customer": "A1",
        "product": "SODA",
        "quantity": "1",
        "amount": "99,999,999,999.99",
        "external_id": "ERP-1",
    }
    with translation.override("zh-hans"):
        result = sales_import.sale_records_import(by=company.manager_a, rows=[row])
    assert result.errors == [{"row": 1, "errors": {"amount": ["金额不能超过 10,000,000,000。"]}}]
    assert not SaleRecord.objects.exists()
