"""Each write on the sheet is answered in place: a fragment of the changed visit's card and the totals, never the
whole sheet, the same for a write sent at once and one sent later from the phone's queue."""

from __future__ import annotations

import gzip
import json
import re

import pytest
from django.urls import reverse

from tests.visits.conftest import TODAY, local
from visits.models import OrderLine, Visit
from visits.services import rep_day

pytestmark = pytest.mark.django_db

# As the phone sends it: from the queue, asking for a fragment, accepting gzip as every browser does.
IN_PLACE = {"HTTP_X_QUEUED_WRITE": "1", "HTTP_HX_REQUEST": "true", "HTTP_ACCEPT_ENCODING": "gzip, deflate, br"}
LIMIT = 5 * 1024  # bytes transferred: the body as it travels and its headers


@pytest.fixture
def sheet(company, clock, shops):
    sheet = rep_day.sheet_open(rep=company.rep_a)
    for shop in ("a2", "a3"):
        rep_day.visit_plan(by=company.rep_a, sheet=sheet, customer=shops[shop])
    return sheet


def assert_fragment(response, visit_id: int, *, status: int = 200) -> str:
    assert response.status_code == status, response.content[:500]
    assert response["Content-Encoding"] == "gzip"
    headers = sum(len(name) + len(value) + 4 for name, value in response.items())
    assert len(response.content) + headers <= LIMIT, (len(response.content), headers)
    html = gzip.decompress(response.content).decode()
    assert response["Content-Type"].startswith("text/html")
    assert html.count('data-testid="visit-card"') == 1  # the changed card, not the sheet
    assert f'id="visit-{visit_id}"' in html
    assert re.search(r'id="sheet-summary"[^>]*hx-swap-oob="true"', html)  # the totals, out of band
    assert "<html" not in html and 'data-testid="plan-form"' not in html
    return html


def test_plan_check_in_check_out_and_an_order_line_each_answer_with_the_card_and_the_totals(
    company, clock, sheet, shops, products
) -> None:
    client = company.client_for(company.rep_a)
    clock.move_to(local(TODAY, 9))

    response = client.post(
        reverse("visits:plan", args=[sheet.pk]),
        {"customer": shops["a1"].pk, "planned_time": "08:00", "purpose": "order"},
        HTTP_IDEMPOTENCY_KEY="plan-1",
        **IN_PLACE,
    )
    visit = Visit.objects.get(sheet=sheet, customer=shops["a1"])
    html = assert_fragment(response, visit.pk)
    # A new card goes before the next one in the sheet's order; the undone list of the submit form follows.
    assert re.search(r'hx-swap-oob="before(begin|end):#visit-', html)
    assert 'id="submit-form"' in html
    assert json.loads(response["X-Messages"])[0]["level"] == "success"
    assert 'id="sheet-messages"' in html and "alert-success" in html

    response = client.post(
        reverse("visits:check_in", args=[visit.pk]),
        {"latitude": "31.2304", "longitude": "121.4737", "accuracy_m": "15"},
        HTTP_IDEMPOTENCY_KEY="in-1",
        **IN_PLACE,
    )
    html = assert_fragment(response, visit.pk)
    assert 'data-testid="check-out-form"' in html

    clock.move_to(local(TODAY, 10))
    response = client.post(
        reverse("visits:check_out", args=[visit.pk]),
        {"outcome": "Order taken", "line_product": [products["soda"].pk], "line_quantity": ["10"], "line_amount": [""]},
        HTTP_IDEMPOTENCY_KEY="out-1",
        **IN_PLACE,
    )
    html = assert_fragment(response, visit.pk)
    assert "border-success" in html and 'data-testid="order-lines"' in html
    assert 'data-testid="total-orders"' in html

    response = client.post(
        reverse("visits:order", args=[visit.pk]),
        {"line_product": [products["tea"].pk], "line_quantity": ["2"], "line_amount": [""]},
        HTTP_IDEMPOTENCY_KEY="order-1",
        **IN_PLACE,
    )
    html = assert_fragment(response, visit.pk)
    assert OrderLine.objects.filter(visit=visit).count() == 2
    assert html.count("<tr>") >= 2


def test_a_retry_of_the_same_key_gets_the_same_fragment_and_records_nothing_twice(company, clock, sheet) -> None:
    client = company.client_for(company.rep_a)
    clock.move_to(local(TODAY, 9))
    visit = sheet.visits.order_by("id").first()
    url = reverse("visits:check_in", args=[visit.pk])
    first = client.post(url, {}, HTTP_IDEMPOTENCY_KEY="in-twice", **IN_PLACE)
    again = client.post(url, {}, HTTP_IDEMPOTENCY_KEY="in-twice", **IN_PLACE)
    assert_fragment(first, visit.pk)
    assert_fragment(again, visit.pk)
    assert again["Idempotent-Replayed"] == "true"
    # The same card and totals (the CSRF tokens in the forms differ from one answer to the next).
    strip = re.compile(r'name="csrfmiddlewaretoken" value="[^"]*"')
    assert strip.sub("", gzip.decompress(first.content).decode()) == strip.sub(
        "", gzip.decompress(again.content).decode()
    )
    assert first["X-Messages"] == again["X-Messages"]


def test_a_refused_write_is_answered_422_with_its_reason_and_without_a_queued_header_the_json_stays(
    company, clock, sheet
) -> None:
    client = company.client_for(company.rep_a)
    visit = sheet.visits.order_by("id").first()
    rep_day.visit_check_in(by=company.rep_a, visit=visit)
    url = reverse("visits:check_in", args=[visit.pk])
    refused = client.post(url, {}, HTTP_IDEMPOTENCY_KEY="in-again", **IN_PLACE)
    assert_fragment(refused, visit.pk, status=422)
    assert json.loads(refused["X-Messages"])[0]["level"] == "error"
    plain = client.post(url, {}, HTTP_IDEMPOTENCY_KEY="in-again-2", HTTP_X_QUEUED_WRITE="1")  # not asking for one
    assert plain.status_code == 422 and plain["Content-Type"] == "application/json"


def test_removing_a_visit_deletes_its_card_in_place(company, clock, sheet) -> None:
    client = company.client_for(company.rep_a)
    visit = sheet.visits.order_by("id").first()
    response = client.post(reverse("visits:remove", args=[visit.pk]), {}, HTTP_IDEMPOTENCY_KEY="rm-1", **IN_PLACE)
    assert response.status_code == 200 and len(response.content) <= LIMIT
    assert f'<article id="visit-{visit.pk}" hx-swap-oob="delete">' in gzip.decompress(response.content).decode()


def test_the_sheet_has_the_targets_the_fragments_swap_into(company, clock, sheet) -> None:
    html = company.client_for(company.rep_a).get(reverse("visits:today")).content.decode()
    for target in ('id="visit-list"', 'id="sheet-summary"', 'id="submit-form"', 'id="sheet-messages"'):
        assert target in html
    assert "htmx.min.js" in html
