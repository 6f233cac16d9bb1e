"""Submitting a sheet with planned visits not made asks a reason for each; planning a customer twice warns."""

from __future__ import annotations

import pytest
from django.contrib.messages import get_messages
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation

from tests.factories import CustomerFactory
from visits.models import Visit, VisitSheet
from visits.services import rep_day

pytestmark = pytest.mark.django_db


@pytest.fixture
def day(company, clock, shops):
    """rep_a's sheet: Alpha Mart done, Avenue Shop and Atlas Store planned and not made, an unplanned visit open."""
    sheet = rep_day.sheet_open(rep=company.rep_a)
    done, skipped, later = (
        rep_day.visit_plan(by=company.rep_a, sheet=sheet, customer=shops[key]) for key in ("a1", "a2", "a3")
    )
    rep_day.visit_check_in(by=company.rep_a, visit=done)
    rep_day.visit_check_out(by=company.rep_a, visit=done)
    kiosk = CustomerFactory(name="Corner Kiosk", team=company.team_a, owner=company.rep_a)
    unplanned = rep_day.visit_plan(by=company.rep_a, sheet=sheet, customer=kiosk, planned=False)
    return {"sheet": sheet, "done": done, "skipped": skipped, "later": later, "unplanned": unplanned}


def test_a_sheet_with_undone_planned_visits_needs_a_reason_for_each(company, day) -> None:
    with translation.override("en"), pytest.raises(ValidationError) as error:
        rep_day.sheet_submit(by=company.rep_a, sheet=day["sheet"], undone_reasons={day["skipped"].pk: "Shut"})
    assert error.value.message_dict == {f"undone_reasons[{day['later'].pk}]": ["Say why Atlas Store was not visited."]}
    assert VisitSheet.objects.get(pk=day["sheet"].pk).status == VisitSheet.Status.DRAFT
    assert not Visit.objects.exclude(undone_reason="").exists()


def test_the_reasons_are_kept_on_the_visits_and_a_blank_one_does_not_count(company, day) -> None:
    reasons = {day["skipped"].pk: "  Shop shut for a holiday ", day["later"].pk: "   "}
    with pytest.raises(ValidationError):
        rep_day.sheet_submit(by=company.rep_a, sheet=day["sheet"], undone_reasons=reasons)
    reasons[day["later"].pk] = "Ran out of time"
    sheet = rep_day.sheet_submit(by=company.rep_a, sheet=day["sheet"], undone_reasons=reasons)
    assert sheet.status == VisitSheet.Status.SUBMITTED
    stored = dict(Visit.objects.values_list("pk", "undone_reason"))
    assert stored == {
        day["done"].pk: "",
        day["skipped"].pk: "Shop shut for a holiday",
        day["later"].pk: "Ran out of time",
        day["unplanned"].pk: "",
    }


def test_the_page_asks_again_with_the_dialog_open_and_the_manager_reads_the_reasons(company, day) -> None:
    client = company.client_for(company.rep_a)
    url = reverse("visits:submit", args=[day["sheet"].pk])
    page = client.get(reverse("visits:sheet", args=[day["sheet"].pk])).content.decode()
    assert 'data-opens-dialog="undone-dialog"' in page and page.count('data-testid="undone-visit"') == 2
    refused = client.post(url, {f"undone_reason_{day['skipped'].pk}": "Shop shut"})
    assert refused.status_code == 400
    body = refused.content.decode()
    assert 'data-testid="undone-dialog" open' in body and 'value="Shop shut"' in body
    assert "Atlas Store" in body[body.index(f'id="undone-error-{day["later"].pk}"') :][:200]
    assert VisitSheet.objects.get(pk=day["sheet"].pk).status == VisitSheet.Status.DRAFT

    reasons = {f"undone_reason_{day['skipped'].pk}": "Shop shut", f"undone_reason_{day['later'].pk}": "No time"}
    assert client.post(url, reasons).status_code == 302
    manager_page = company.client_for(company.manager_a).get(reverse("visits:sheet", args=[day["sheet"].pk]))
    shown = manager_page.content.decode()
    assert shown.count('data-testid="undone-reason"') == 2 and "Shop shut" in shown and "No time" in shown


def test_the_api_submit_takes_the_reasons_and_names_a_missing_one(company, day) -> None:
    client = company.client_for(company.rep_a)
    url = f"/api/v1/visit-sheets/{day['sheet'].pk}/submit/"
    missing = client.post(url, {}, content_type="application/json")
    assert missing.status_code == 400
    assert set(missing.json()) == {f"undone_reasons[{day['skipped'].pk}]", f"undone_reasons[{day['later'].pk}]"}
    body = {
        "undone_reasons": [{"visit": day["skipped"].pk, "reason": "Shut"}, {"visit": day["later"].pk, "reason": "Rain"}]
    }
    submitted = client.post(url, body, content_type="application/json")
    assert submitted.status_code == 200 and submitted.json()["status"] == "submitted"
    reasons = {v["id"]: v["undone_reason"] for v in submitted.json()["visits"]}
    assert (reasons[day["skipped"].pk], reasons[day["later"].pk], reasons[day["done"].pk]) == ("Shut", "Rain", "")


def test_a_sheet_with_every_planned_visit_made_submits_without_asking(company, clock, shops) -> None:
    sheet = rep_day.sheet_open(rep=company.rep_a)
    visit = rep_day.visit_plan(by=company.rep_a, sheet=sheet, customer=shops["a1"])
    rep_day.visit_check_in(by=company.rep_a, visit=visit)
    rep_day.visit_check_out(by=company.rep_a, visit=visit)
    rep_day.visit_plan(by=company.rep_a, sheet=sheet, customer=shops["a2"], planned=False)  # unplanned, not made
    page = company.client_for(company.rep_a).get(reverse("visits:sheet", args=[sheet.pk])).content.decode()
    assert "data-opens-dialog" not in page
    assert rep_day.sheet_submit(by=company.rep_a, sheet=sheet).status == VisitSheet.Status.SUBMITTED


def test_planning_the_same_customer_twice_on_a_day_warns(company, clock, shops) -> None:
    sheet = rep_day.sheet_open(rep=company.rep_a)
    client = company.client_for(company.rep_a)
    url = reverse("visits:plan", args=[sheet.pk])
    first = client.post(url, {"customer": shops["a1"].pk, "purpose": "follow_up"}, HTTP_ACCEPT_LANGUAGE="en")
    assert [m.level_tag for m in get_messages(first.wsgi_request)] == ["success"]
    second = client.post(url, {"customer": shops["a1"].pk, "purpose": "order"})
    warning = list(get_messages(second.wsgi_request))[-1]
    assert warning.level_tag == "warning" and "Alpha Mart" in warning.message and "2" in warning.message
    assert sheet.visits.filter(customer=shops["a1"]).count() == 2
