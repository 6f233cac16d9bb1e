"""Writes the phone kept while offline: sent once whatever the retries, with the time of the tap."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image
from rest_framework.test import APIClient

from org.models import IdempotencyKey
from tests.visits.conftest import TODAY, local
from visits import plausibility
from visits.models import OrderLine, SaleRecord, Visit
from visits.services import rep_day

pytestmark = pytest.mark.django_db

QUEUED = {"HTTP_X_QUEUED_WRITE": "1"}


def _jpeg() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), (10, 20, 30)).save(buffer, "JPEG")
    return buffer.getvalue()


JPEG = _jpeg()


@pytest.fixture
def visit(company, clock, shops):
    sheet = rep_day.sheet_open(rep=company.rep_a)
    visit = rep_day.visit_plan(by=company.rep_a, sheet=sheet, customer=shops["a1"], purpose="order")
    return rep_day.visit_check_in(by=company.rep_a, visit=visit, at=local(TODAY, 9))


def check_out_form(products, **extra) -> dict:
    return {
        "outcome": "Order taken",
        "line_product": [products["soda"].pk, products["tea"].pk],
        "line_quantity": ["10", "2"],
        "line_amount": ["", ""],
        **extra,
    }


def test_a_check_out_form_sent_twice_with_one_key_records_one_check_out_and_its_two_lines(
    company, clock, visit, products
) -> None:
    client = company.client_for(company.rep_a)
    clock.move_to(local(TODAY, 10))
    url = reverse("visits:check_out", args=[visit.pk])
    first = client.post(
        url,
        check_out_form(products, photo=SimpleUploadedFile("shelf.jpg", JPEG, content_type="image/jpeg")),
        HTTP_IDEMPOTENCY_KEY="visit-1-out",
    )
    again = client.post(
        url,
        check_out_form(products, photo=SimpleUploadedFile("shelf.jpg", JPEG, content_type="image/jpeg")),
        HTTP_IDEMPOTENCY_KEY="visit-1-out",
    )
    assert first.status_code == again.status_code == 302
    assert again["Location"] == first["Location"]
    assert again["Idempotent-Replayed"] == "true"
    assert OrderLine.objects.filter(visit=visit).count() == 2
    assert SaleRecord.objects.count() == 2
    visit.refresh_from_db()
    assert visit.check_out_at == local(TODAY, 10) and visit.photos.count() == 1


def test_an_order_form_retried_after_a_lost_answer_records_the_order_once(company, clock, visit, products) -> None:
    client = company.client_for(company.rep_a)
    url = reverse("visits:order", args=[visit.pk])
    form = {"line_product": [products["soda"].pk], "line_quantity": ["3"], "line_amount": [""]}
    client.post(url, form, HTTP_IDEMPOTENCY_KEY="order-1")
    client.post(url, form, HTTP_IDEMPOTENCY_KEY="order-1")
    assert OrderLine.objects.filter(visit=visit).count() == 1
    client.post(url, form, HTTP_IDEMPOTENCY_KEY="order-2")  # a second order is a second key
    assert OrderLine.objects.filter(visit=visit).count() == 2


def test_a_key_is_the_reps_own(company, clock, visit, products) -> None:
    url = reverse("visits:order", args=[visit.pk])
    form = {"line_product": [products["soda"].pk], "line_quantity": ["3"]}
    company.client_for(company.rep_a).post(url, form, HTTP_IDEMPOTENCY_KEY="shared")
    assert IdempotencyKey.objects.get(key="shared").user == company.rep_a
    # Another rep's same key neither replays rep A's answer nor reaches rep A's visit.
    response = company.client_for(company.rep_b).post(url, form, HTTP_IDEMPOTENCY_KEY="shared")
    assert response.status_code == 404
    assert OrderLine.objects.filter(visit=visit).count() == 1


def test_a_queued_write_gets_its_outcome_in_json(company, clock, visit, products) -> None:
    client = company.client_for(company.rep_a)
    url = reverse("visits:check_out", args=[visit.pk])
    done = client.post(url, check_out_form(products), HTTP_IDEMPOTENCY_KEY="q-1", HTTP_ACCEPT_LANGUAGE="en", **QUEUED)
    assert done.status_code == 200
    assert done.json()["ok"] is True
    assert done.json()["messages"] == [{"level": "success", "text": "Checked out."}]
    assert done.json()["location"].endswith(f"#visit-{visit.pk}")

    refused = client.post(
        url, check_out_form(products), HTTP_IDEMPOTENCY_KEY="q-2", HTTP_ACCEPT_LANGUAGE="zh-hans", **QUEUED
    )
    assert refused.status_code == 422
    assert refused.json()["ok"] is False
    assert refused.json()["messages"][0]["text"] == "此拜访已签退。"
    assert OrderLine.objects.filter(visit=visit).count() == 2

    replay = client.post(url, check_out_form(products), HTTP_IDEMPOTENCY_KEY="q-1", **QUEUED)
    assert replay.status_code == 200 and replay["Idempotent-Replayed"] == "true"
    assert OrderLine.objects.filter(visit=visit).count() == 2


def test_the_api_check_out_retried_with_one_key_records_one_check_out(company, clock, visit, products) -> None:
    api = APIClient()
    api.force_authenticate(company.rep_a)
    payload = {"outcome": "ok", "order_lines": [{"product": products["soda"].pk, "quantity": "4"}]}
    url = f"/api/v1/visits/{visit.pk}/check-out/"
    first = api.post(url, payload, format="json", HTTP_IDEMPOTENCY_KEY="api-out")
    again = api.post(url, payload, format="json", HTTP_IDEMPOTENCY_KEY="api-out")
    assert first.status_code == again.status_code == 200, first.content
    assert again["Idempotent-Replayed"] == "true"
    assert OrderLine.objects.filter(visit=visit).count() == 1


# --- the time of the tap -----------------------------------------------------------------------------------------


def test_a_check_out_sent_later_keeps_the_time_of_the_tap_and_is_flagged(company, clock, visit, products) -> None:
    tapped = local(TODAY, 10, 5)
    clock.move_to(local(TODAY, 11, 40))  # back in signal 95 minutes later
    company.client_for(company.rep_a).post(
        reverse("visits:check_out", args=[visit.pk]),
        check_out_form(products, acted_at=tapped.isoformat()),
        HTTP_IDEMPOTENCY_KEY="late",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    visit.refresh_from_db()
    assert visit.check_out_at == tapped
    assert visit.check_out_synced_at == local(TODAY, 11, 40)
    flags = [flag for flag in plausibility.plausibility_flags([visit])[visit.pk] if flag.code == plausibility.LATE_SYNC]
    assert len(flags) == 1
    assert "received 95 min later" in flags[0].message


def test_a_check_out_sent_at_once_is_not_flagged(company, clock, visit, products) -> None:
    clock.move_to(local(TODAY, 10, 5))
    rep_day.visit_check_out(by=company.rep_a, visit=visit, at=local(TODAY, 10, 4), order_lines=[])
    visit.refresh_from_db()
    assert plausibility.LATE_SYNC not in [
        flag.code for flag in plausibility.plausibility_flags([visit]).get(visit.pk, [])
    ]


@pytest.mark.parametrize(
    ("acted_at", "message"),
    [
        (local(TODAY, 9, 10), "This time is in the future."),  # the phone's clock 10 min ahead
        (local(TODAY, 9) - dt.timedelta(hours=73), "This time is more than 72 hours ago."),
        ("yesterday", "The time of the action is not a valid date and time."),
    ],
)
def test_an_action_time_outside_the_bounds_is_refused_with_a_reason(
    company, clock, visit, products, acted_at, message
) -> None:
    value = acted_at.isoformat() if isinstance(acted_at, dt.datetime) else acted_at
    response = company.client_for(company.rep_a).post(
        reverse("visits:check_out", args=[visit.pk]),
        check_out_form(products, acted_at=value),
        HTTP_IDEMPOTENCY_KEY="bounds",
        HTTP_ACCEPT_LANGUAGE="en",
        **QUEUED,
    )
    assert response.status_code == 422
    assert [m["text"] for m in response.json()["messages"]] == [message]
    visit.refresh_from_db()
    assert visit.check_out_at is None and not OrderLine.objects.exists()


def test_a_phone_a_few_minutes_fast_is_believed(company, clock, visit, products) -> None:
    ahead = local(TODAY, 9, 3)
    company.client_for(company.rep_a).post(
        reverse("visits:check_out", args=[visit.pk]), check_out_form(products, acted_at=ahead.isoformat())
    )
    visit.refresh_from_db()
    assert visit.check_out_at == ahead


def test_a_check_in_and_a_submission_carry_the_time_of_the_tap(company, clock, shops) -> None:
    sheet = rep_day.sheet_open(rep=company.rep_a)
    planned = rep_day.visit_plan(by=company.rep_a, sheet=sheet, customer=shops["a2"])
    clock.move_to(local(TODAY, 12))
    client = company.client_for(company.rep_a)
    client.post(reverse("visits:check_in", args=[planned.pk]), {"acted_at": local(TODAY, 11, 30).isoformat()})
    client.post(
        reverse("visits:submit", args=[sheet.pk]),
        {"acted_at": local(TODAY, 11, 50).isoformat(), f"undone_reason_{planned.pk}": "Owner away"},
    )
    planned.refresh_from_db()
    sheet.refresh_from_db()
    assert planned.check_in_at == local(TODAY, 11, 30)
    assert planned.check_in_synced_at == local(TODAY, 12)
    assert sheet.submitted_at == local(TODAY, 11, 50)


def test_every_write_of_the_sheet_and_the_meeting_check_in_takes_an_idempotency_key() -> None:
    from django.urls import resolve

    from org.idempotency import idempotent_page

    writes = ["plan", "unplanned", "copy", "submit", "route", "remove", "check_in", "check_out", "record", "order"]
    names = [f"visits:{name}" for name in [*writes, "order_remove"]] + ["meetings:checkin"]
    wrapper = idempotent_page(lambda request: None).__code__
    missing = [name for name in names if _unwrap_to(resolve(reverse(name, args=[1])).func, wrapper) is None]
    assert missing == []


def _unwrap_to(func, code):
    while func is not None:
        if getattr(func, "__code__", None) is code:
            return func
        func = getattr(func, "__wrapped__", None)
    return None


def test_visit_state_is_unchanged_by_a_replay_of_an_earlier_failure(company, clock, visit, products) -> None:
    """A refused write stays refused under its key: the rep corrects it and sends a new one."""
    client = company.client_for(company.rep_a)
    url = reverse("visits:check_out", args=[visit.pk])
    bad = check_out_form(products, line_quantity=["-1", "2"])
    assert client.post(url, bad, HTTP_IDEMPOTENCY_KEY="bad", **QUEUED).status_code == 422
    assert client.post(url, bad, HTTP_IDEMPOTENCY_KEY="bad", **QUEUED).status_code == 422
    assert client.post(url, check_out_form(products), HTTP_IDEMPOTENCY_KEY="good", **QUEUED).status_code == 200
    assert Visit.objects.get(pk=visit.pk).check_out_at is not None


def test_the_service_worker_is_served_at_the_root_with_the_queue(client) -> None:
    response = client.get("/sw.js")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    assert response["Cache-Control"] == "no-cache"
    body = response.content.decode()
    assert "/static/vendor/idb-keyval.js" in body and "/static/js/offline-queue.js" in body
    assert 'addEventListener("sync"' in body
