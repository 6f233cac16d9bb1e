from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from org.models import IdempotencyKey
from tests.visits.conftest import TODAY, local
from visits.models import OrderLine, SaleRecord, Visit, VisitReview, VisitSheet
from visits.services import rep_day, sales_import

pytestmark = pytest.mark.django_db


def post(client, url: str, data: dict | None = None, key: str | None = None):
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key else {}
    return client.post(url, data or {}, content_type="application/json", **headers)


@pytest.fixture
def sheet_a(company, clock):
    return rep_day.sheet_open(rep=company.rep_a)


@pytest.fixture
def visit_a(company, sheet_a, shops):
    return rep_day.visit_plan(by=company.rep_a, sheet=sheet_a, customer=shops["a1"])


def test_a_rep_opens_todays_sheet_and_a_second_post_returns_it(company, clock) -> None:
    client = company.client_for(company.rep_a)
    first = post(client, "/api/v1/visit-sheets/")
    again = post(client, "/api/v1/visit-sheets/")
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"] and first.json()["date"] == TODAY.isoformat()


def test_a_sheet_for_a_future_date_is_refused(company, clock) -> None:
    response = post(company.client_for(company.rep_a), "/api/v1/visit-sheets/", {"date": "2026-03-11"})
    assert response.status_code == 400 and "date" in response.json()


def test_the_rep_journey_plan_check_in_check_out_with_orders_and_submit(
    company, sheet_a, shops, products, clock
) -> None:
    client = company.client_for(company.rep_a)
    created = post(
        client,
        "/api/v1/visits/",
        {"sheet": sheet_a.pk, "customer": shops["a1"].pk, "purpose": "order", "planned_time": "10:00"},
    )
    assert created.status_code == 201, created.json()
    visit_id = created.json()["id"]
    checked_in = post(
        client,
        f"/api/v1/visits/{visit_id}/check-in/",
        {"latitude": "31.230400", "longitude": "121.473700", "accuracy_m": "8.0"},
    )
    assert checked_in.status_code == 200 and checked_in.json()["accuracy_m"] == "8.0"
    clock.move_to(local(TODAY, 9, 30))
    checked_out = post(
        client,
        f"/api/v1/visits/{visit_id}/check-out/",
        {
            "outcome": "Ordered",
            "next_visit_date": "2026-03-17",
            "order_lines": [{"product": products["soda"].pk, "quantity": "4", "amount": "14.00"}],
        },
    )
    assert checked_out.status_code == 200, checked_out.json()
    assert checked_out.json()["order_lines"][0]["amount"] == "14.00"
    assert SaleRecord.objects.get().source == "visit"
    submitted = post(client, f"/api/v1/visit-sheets/{sheet_a.pk}/submit/")
    assert submitted.status_code == 200 and submitted.json()["status"] == "submitted"
    twice = post(client, f"/api/v1/visit-sheets/{sheet_a.pk}/submit/")
    assert twice.status_code == 400 and "status" in twice.json()


def test_a_retried_check_out_with_the_same_key_creates_nothing_twice(company, visit_a, products, clock) -> None:
    client = company.client_for(company.rep_a)
    post(client, f"/api/v1/visits/{visit_a.pk}/check-in/")
    body = {"outcome": "Ordered", "order_lines": [{"product": products["tea"].pk, "quantity": "2"}]}
    first = post(client, f"/api/v1/visits/{visit_a.pk}/check-out/", body, key="phone-42")
    retry = post(client, f"/api/v1/visits/{visit_a.pk}/check-out/", body, key="phone-42")
    assert first.status_code == retry.status_code == 200
    assert retry.json() == first.json() and retry["Idempotent-Replayed"] == "true"
    assert OrderLine.objects.count() == 1 and SaleRecord.objects.count() == 1


def test_a_retried_visit_create_returns_the_same_visit(company, sheet_a, shops, clock) -> None:
    client = company.client_for(company.rep_a)
    body = {"sheet": sheet_a.pk, "customer": shops["a2"].pk}
    first = post(client, "/api/v1/visits/", body, key="k-1")
    retry = post(client, "/api/v1/visits/", body, key="k-1")
    assert first.status_code == retry.status_code == 201
    assert first.json()["id"] == retry.json()["id"] and Visit.objects.count() == 1
    other = post(client, "/api/v1/visits/", {"sheet": sheet_a.pk, "customer": shops["a3"].pk}, key="k-1")
    assert other.status_code == 422 and Visit.objects.count() == 1
    post(client, "/api/v1/visits/", body, key="k-2")
    assert Visit.objects.count() == 2


def test_the_same_key_of_another_user_is_another_request(company, sheet_a, shops, clock) -> None:
    post(company.client_for(company.rep_a), "/api/v1/visits/", {"sheet": sheet_a.pk, "customer": shops["a1"].pk}, "k")
    response = post(company.client_for(company.rep_b), "/api/v1/visit-sheets/", key="k")
    assert response.status_code == 201 and VisitSheet.objects.filter(rep=company.rep_b).exists()
    assert IdempotencyKey.objects.count() == 2


def test_a_refused_request_is_replayed_as_refused(company, visit_a, clock) -> None:
    client = company.client_for(company.rep_a)
    first = post(client, f"/api/v1/visits/{visit_a.pk}/check-out/", key="early")
    retry = post(client, f"/api/v1/visits/{visit_a.pk}/check-out/", key="early")
    assert first.status_code == retry.status_code == 400 and retry.json() == first.json()


def test_check_out_before_check_in_and_a_bad_latitude_are_field_errors(company, visit_a, clock) -> None:
    client = company.client_for(company.rep_a)
    early = post(client, f"/api/v1/visits/{visit_a.pk}/check-out/")
    assert early.status_code == 400 and "check_out_at" in early.json()
    wrong = post(client, f"/api/v1/visits/{visit_a.pk}/check-in/", {"latitude": "95", "longitude": "121"})
    assert wrong.status_code == 400 and "latitude" in wrong.json()
    assert Visit.objects.get().check_in_at is None


def test_an_order_line_for_an_unknown_product_stores_nothing(company, visit_a, products, clock) -> None:
    client = company.client_for(company.rep_a)
    post(client, f"/api/v1/visits/{visit_a.pk}/check-in/")
    response = post(
        client,
        f"/api/v1/visits/{visit_a.pk}/check-out/",
        {"order_lines": [{"product": products["soda"].pk, "quantity": "1"}, {"product": 999999, "quantity": "1"}]},
    )
    assert response.status_code == 400 and "order_lines" in response.json()
    assert Visit.objects.get().check_out_at is None and not SaleRecord.objects.exists()


def test_errors_are_translated(company, visit_a, clock) -> None:
    client = company.client_for(company.rep_a)
    response = client.post(
        f"/api/v1/visits/{visit_a.pk}/check-out/", {}, content_type="application/json", HTTP_ACCEPT_LANGUAGE="zh-hans"
    )
    assert response.json()["check_out_at"] == ["请先签到再签退。"]


def test_rep_b_can_neither_read_nor_write_rep_as_sheet(company, sheet_a, visit_a, shops, clock) -> None:
    client = company.client_for(company.rep_b)
    assert client.get(f"/api/v1/visit-sheets/{sheet_a.pk}/").status_code == 404
    assert client.get("/api/v1/visit-sheets/").json()["count"] == 0
    assert client.get(f"/api/v1/visits/{visit_a.pk}/").status_code == 404
    assert post(client, f"/api/v1/visits/{visit_a.pk}/check-in/").status_code == 404
    assert post(client, f"/api/v1/visit-sheets/{sheet_a.pk}/submit/").status_code == 404
    planted = post(client, "/api/v1/visits/", {"sheet": sheet_a.pk, "customer": shops["b"].pk})
    assert planted.status_code == 400 and "sheet" in planted.json()
    assert (
        client.patch(f"/api/v1/visits/{visit_a.pk}/", {"outcome": "x"}, content_type="application/json").status_code
        == 404
    )
    assert Visit.objects.get().check_in_at is None and sheet_a.visits.count() == 1


def test_a_manager_of_another_team_can_neither_read_nor_verify(company, sheet_a, visit_a, clock) -> None:
    client = company.client_for(company.manager_b)
    assert client.get(f"/api/v1/visit-sheets/{sheet_a.pk}/").status_code == 404
    assert post(client, f"/api/v1/visit-sheets/{sheet_a.pk}/reopen/").status_code == 404
    review = post(client, "/api/v1/visit-reviews/", {"visit": visit_a.pk, "method": "call_back", "result": "confirmed"})
    assert review.status_code == 400 and not VisitReview.objects.exists()


def test_the_manager_verifies_comments_and_reopens(company, sheet_a, visit_a, clock) -> None:
    rep_day.visit_check_in(by=company.rep_a, visit=visit_a)
    rep_day.sheet_submit(by=company.rep_a, sheet=sheet_a, undone_reasons={visit_a.pk: "Owner left mid-visit"})
    client = company.client_for(company.manager_a)
    assert client.get(f"/api/v1/visit-sheets/{sheet_a.pk}/").status_code == 200
    review = post(
        client,
        "/api/v1/visit-reviews/",
        {"visit": visit_a.pk, "method": "market_walk", "result": "discrepancy", "note": "Shop was closed"},
    )
    assert review.status_code == 201, review.json()
    assert client.get("/api/v1/visit-reviews/?result=discrepancy&open=true").json()["count"] == 1
    comment = post(client, f"/api/v1/visit-sheets/{sheet_a.pk}/comment/", {"comment": "Call me"})
    assert comment.json()["manager_comment"] == "Call me"
    reopened = post(client, f"/api/v1/visit-sheets/{sheet_a.pk}/reopen/")
    assert reopened.json()["status"] == "draft" and reopened.json()["reopened"]


def test_a_rep_cannot_verify_through_the_api(company, sheet_a, visit_a, clock) -> None:
    rep_day.visit_check_in(by=company.rep_a, visit=visit_a)
    response = post(
        company.client_for(company.rep_a),
        "/api/v1/visit-reviews/",
        {"visit": visit_a.pk, "method": "call_back", "result": "confirmed"},
    )
    assert response.status_code == 403


def test_sale_lines_posted_twice_are_stored_once(company, shops, products, clock) -> None:
    client = company.client_for(company.manager_a)
    rows = [
        {
            "external_id": "ERP-9",
            "date": "2026-03-09",
            "rep": "rep_a",
            "customer": "A1",
            "product": "SODA",
            "quantity": "3",
            "amount": "10.50",
        }
    ]
    first = post(client, "/api/v1/sale-records/import/", {"rows": rows})
    again = post(client, "/api/v1/sale-records/import/", {"rows": rows})
    assert first.json()["created"] == 1 and again.json()["unchanged"] == 1
    record = SaleRecord.objects.get()
    assert (record.source, record.amount) == ("api", Decimal("10.50"))
    bad = post(client, "/api/v1/sale-records/import/", {"rows": [{**rows[0], "external_id": "ERP-10", "amount": "-1"}]})
    assert bad.status_code == 400 and bad.json()["errors"][0]["row"] == 1
    assert SaleRecord.objects.count() == 1


def test_a_sales_file_is_imported_through_the_api(company, shops, products, clock) -> None:
    content = b"external_id,date,rep,customer,product,quantity,amount\nF1,2026-03-08,rep_a,A2,TEA,1,4.00\n"
    response = company.client_for(company.director).post(
        "/api/v1/sale-records/import/", {"file": SimpleUploadedFile("lines.csv", content)}
    )
    assert response.status_code == 200 and response.json()["created"] == 1
    assert SaleRecord.objects.get().date == dt.date(2026, 3, 8)


def test_sale_records_are_scoped(company, shops, products, clock) -> None:
    sales_import.sale_records_import(
        by=company.director,
        rows=[
            {
                "external_id": "1",
                "date": "2026-03-09",
                "rep": "rep_a",
                "customer": "A1",
                "product": "SODA",
                "quantity": 1,
                "amount": 1,
            },
            {
                "external_id": "2",
                "date": "2026-03-09",
                "rep": "rep_b",
                "customer": "B1",
                "product": "SODA",
                "quantity": 1,
                "amount": 1,
            },
        ],
    )
    assert company.client_for(company.rep_a).get("/api/v1/sale-records/").json()["count"] == 1
    assert company.client_for(company.manager_b).get("/api/v1/sale-records/").json()["count"] == 1
    assert company.client_for(company.director).get("/api/v1/sale-records/").json()["count"] == 2


def test_the_visit_endpoints_are_in_the_openapi_schema(company) -> None:
    schema = company.client_for(company.director).get("/api/schema/", HTTP_ACCEPT="application/json").json()
    for path in (
        "/api/v1/visit-sheets/",
        "/api/v1/visits/{id}/check-in/",
        "/api/v1/visits/{id}/check-out/",
        "/api/v1/order-lines/",
        "/api/v1/sale-records/import/",
        "/api/v1/visit-reviews/",
    ):
        assert path in schema["paths"]


def test_every_visit_write_answers_with_the_visit_as_a_read_shows_it(
    company, sheet_a, shops, products, clock, django_assert_max_num_queries
) -> None:
    """The writes answer from the visit their service returned (no second load): the same body as a GET."""
    client = company.client_for(company.rep_a)

    def same_as_read(response) -> dict:
        assert response.status_code in (200, 201), response.json()
        assert response.json() == client.get(f"/api/v1/visits/{response.json()['id']}/").json()
        return response.json()

    visit = same_as_read(post(client, "/api/v1/visits/", {"sheet": sheet_a.pk, "customer": shops["a1"].pk}))
    url = f"/api/v1/visits/{visit['id']}/"
    same_as_read(post(client, f"{url}check-in/", {"latitude": "31.2304", "longitude": "121.4737", "accuracy_m": "8"}))
    post(client, "/api/v1/order-lines/", {"visit": visit["id"], "product": products["tea"].pk, "quantity": "1"})
    VisitReview.objects.create(visit_id=visit["id"], by=company.manager_a, method="phone", result="confirmed")
    clock.move_to(local(TODAY, 9, 40))
    lines = [{"product": products["soda"].pk, "quantity": "6"}, {"product": products["tea"].pk, "quantity": "2"}]
    # The lines' products (one query), the visit; the transaction (a savepoint here): the lock (which says the visit
    # has a line and a review already), the save, the earlier line, one insert of the sale records and one of the
    # lines, the sheet's version; the answer's reviews; the session's save (a savepoint, an update). The user and
    # their scope are kept in the cache. Before: at most 22 (36 before that), with the user, 2 × 2 inserts, the
    # customer's first order and the answer's lines, photos and reviews read again.
    with django_assert_max_num_queries(14):
        response = post(client, f"{url}check-out/", {"outcome": " Took an order ", "order_lines": lines})
    done = same_as_read(response)
    assert [line["product_name"] for line in done["order_lines"]] == ["Tea", "Soda", "Tea"]
    assert done["outcome"] == "Took an order" and len(done["reviews"]) == 1 and done["customer_name"] == "Alpha Mart"
    assert done["check_out_at"] and done["latitude"] == "31.230400"
    same_as_read(client.patch(url, {"next_step": "Call back"}, content_type="application/json"))


def test_a_check_out_with_two_order_lines_writes_and_answers_in_few_queries(
    company, sheet_a, shops, products, clock, django_assert_num_queries
) -> None:
    """The phone's usual filing: a checked-in visit without lines, photos or reviews yet, at a customer who ordered
    before. The answer is built from what the check-out wrote; nothing is read back."""
    from org.models import Customer

    Customer.objects.filter(pk=shops["a1"].pk).update(first_order_date=TODAY - dt.timedelta(days=30))
    visit = rep_day.visit_plan(by=company.rep_a, sheet=sheet_a, customer=shops["a1"])
    rep_day.visit_check_in(by=company.rep_a, visit=visit)
    client = company.client_for(company.rep_a)
    client.get("/api/v1/visits/")  # the user and their scope are kept from here on
    lines = [{"product": products["soda"].pk, "quantity": "6"}, {"product": products["tea"].pk, "quantity": "2"}]
    # The lines' products, the visit (scoped); the transaction (a savepoint here): the lock (which says the visit has
    # no lines, photos or reviews yet), the visit's update, one insert of the sale records and one of the lines,
    # the sheet's version. Before: 15, with 4 inserts, the customer's first order and 3 reads for the answer.
    with django_assert_num_queries(QUERIES_OF_A_FILING):
        response = post(client, f"/api/v1/visits/{visit.pk}/check-out/", {"outcome": "Order", "order_lines": lines})
    assert response.status_code == 200, response.json()
    assert response.json() == client.get(f"/api/v1/visits/{visit.pk}/").json()
    assert [line["product_name"] for line in response.json()["order_lines"]] == ["Soda", "Tea"]
    assert response.json()["photos"] == [] and response.json()["reviews"] == []
    records = SaleRecord.objects.filter(order_line__visit=visit).order_by("id")
    assert [(r.product_id, r.quantity, r.team_id) for r in records] == [
        (products["soda"].pk, Decimal("6.00"), company.team_a.pk),
        (products["tea"].pk, Decimal("2.00"), company.team_a.pk),
    ]


QUERIES_OF_A_FILING = 9


@pytest.mark.parametrize(
    ("product", "message"),
    [
        (999999, 'Invalid pk "999999" - object does not exist.'),
        ("999999", 'Invalid pk "999999" - object does not exist.'),
        (True, "Incorrect type. Expected pk value, received bool."),
        ("²", "Incorrect type. Expected pk value, received str."),
        ([1], "Incorrect type. Expected pk value, received list."),
    ],
)
def test_the_lines_products_read_at_once_keep_the_fields_errors(products, product, message) -> None:
    from django.utils import translation

    from visits.serializers import VisitCheckOutSerializer

    good = {"product": str(products["tea"].pk), "quantity": "1"}
    serializer = VisitCheckOutSerializer(data={"order_lines": [good, {"product": product, "quantity": "1"}]})
    with translation.override("en"):
        assert not serializer.is_valid()
    assert serializer.errors == {"order_lines": {1: {"product": [message]}}}
    serializer = VisitCheckOutSerializer(data={"order_lines": [good, {**good, "product": products["soda"].pk}]})
    assert serializer.is_valid() and [line["product"] for line in serializer.validated_data["order_lines"]] == [
        products["tea"],
        products["soda"],
    ]
