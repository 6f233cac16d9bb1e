"""Submitting a sheet with planned visits not made asks a reason for each, shown to the manager on the sheet and
the team day; planning a customer twice warns, on the sheet and in the API."""

from __future__ import annotations

import pytest
from django.contrib.messages import get_messages
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation

from salesops.formatting import display_name
from tests.factories import CustomerFactory
from visits.models import Visit, VisitSheet
from visits.services import manager_review, rep_day

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


SHOWN = {
    "en": {"heading": "2 planned visits not made, with the reps' reasons", "column": "Reason not visited"},
    "zh-hans": {"heading": "2 个计划拜访未完成，及业务员填写的原因", "column": "未拜访原因"},
}


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_the_team_day_shows_each_undone_visits_reason_with_the_reps_name(company, day, shops, language) -> None:
    reasons = {day["skipped"].pk: "Shop shut for a holiday", day["later"].pk: "Ran out of time"}
    rep_day.sheet_submit(by=company.rep_a, sheet=day["sheet"], undone_reasons=reasons)
    # Another team's rep gave a reason too: not the business of team A's manager.
    other = rep_day.sheet_open(rep=company.rep_b)
    rep_day.visit_plan(by=company.rep_b, sheet=other, customer=shops["b"])
    rep_day.sheet_submit(by=company.rep_b, sheet=other, undone_reasons={other.visits.get().pk: "Road closed"})

    response = company.client_for(company.manager_a).get(reverse("visits:team_day"), HTTP_ACCEPT_LANGUAGE=language)
    page = response.content.decode()
    assert [(item.rep, item.visit.customer.name) for item in response.context["undone"]] == [
        (company.rep_a, "Avenue Shop"),
        (company.rep_a, "Atlas Store"),
    ]
    section = page[page.index('data-testid="undone-reasons"') :]
    assert SHOWN[language]["heading"] in section and SHOWN[language]["column"] in section
    rows = section.split('data-testid="undone-reason-row"')[1:]
    assert len(rows) == 2 and "Road closed" not in page
    for row, (customer, reason) in zip(
        rows, [("Avenue Shop", reasons[day["skipped"].pk]), ("Atlas Store", "Ran out of time")], strict=True
    ):
        assert display_name(company.rep_a) in row and customer in row and reason in row
        assert f'href="{reverse("visits:sheet", args=[day["sheet"].pk])}#visit-' in row


def test_a_visit_made_after_the_sheet_was_reopened_leaves_the_team_days_reasons(company, day) -> None:
    reasons = {day["skipped"].pk: "Shop shut", day["later"].pk: "No time"}
    rep_day.sheet_submit(by=company.rep_a, sheet=day["sheet"], undone_reasons=reasons)
    sheet = manager_review.sheet_reopen(by=company.manager_a, sheet=VisitSheet.objects.get(pk=day["sheet"].pk))
    rep_day.visit_check_in(by=company.rep_a, visit=Visit.objects.get(pk=day["later"].pk))
    rep_day.visit_check_out(by=company.rep_a, visit=Visit.objects.get(pk=day["later"].pk))
    assert sheet.status == VisitSheet.Status.DRAFT
    response = company.client_for(company.manager_a).get(reverse("visits:team_day"))
    assert [item.visit.pk for item in response.context["undone"]] == [day["skipped"].pk]


def test_a_team_day_without_reasons_shows_no_reasons_section(company, day) -> None:
    response = company.client_for(company.manager_a).get(reverse("visits:team_day"))
    assert response.context["undone"] == [] and b'data-testid="undone-reasons"' not in response.content


# The sheet's words, read from the catalogues (a name, not a literal, so the extraction of messages skips it).
PLANNED_TWICE = "%(customer)s is already on this sheet (now %(count)d visits); remove one if it was a mistake."


def _planned_twice(language: str, count: int) -> str:
    with translation.override(language):
        return translation.gettext(PLANNED_TWICE) % {"customer": "Alpha Mart", "count": count}


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_the_api_warns_about_a_customer_planned_twice_as_the_sheet_does(company, clock, shops, language) -> None:
    sheet = rep_day.sheet_open(rep=company.rep_a)
    client = company.client_for(company.rep_a)
    body = {"sheet": sheet.pk, "customer": shops["a1"].pk, "purpose": "follow_up"}
    first = client.post("/api/v1/visits/", body, content_type="application/json", HTTP_ACCEPT_LANGUAGE=language)
    assert first.status_code == 201 and first.json()["warnings"] == []
    second = client.post(
        "/api/v1/visits/", {**body, "purpose": "order"}, content_type="application/json", HTTP_ACCEPT_LANGUAGE=language
    )
    assert second.status_code == 201
    assert second.json()["warnings"] == [{"code": "customer_already_on_sheet", "message": _planned_twice(language, 2)}]
    if language == "en":
        assert _planned_twice(language, 2) == (
            "Alpha Mart is already on this sheet (now 2 visits); remove one if it was a mistake."
        )
    else:
        assert "Alpha Mart" in _planned_twice(language, 2) and "already" not in _planned_twice(language, 2)
    # The sheet's page says the same, from the same function, on a third plan.
    page = client.post(
        reverse("visits:plan", args=[sheet.pk]), {**body, "purpose": "order"}, HTTP_ACCEPT_LANGUAGE=language
    )
    assert [m.message for m in get_messages(page.wsgi_request)] == [_planned_twice(language, 3)]
    # Reading the visit again carries no warning: it is about the write just made.
    assert client.get(f"/api/v1/visits/{second.json()['id']}/").json()["warnings"] == []


def test_an_api_retry_of_the_second_plan_replays_its_warning_and_plans_nothing_more(company, clock, shops) -> None:
    sheet = rep_day.sheet_open(rep=company.rep_a)
    rep_day.visit_plan(by=company.rep_a, sheet=sheet, customer=shops["a1"])
    client = company.client_for(company.rep_a)
    body = {"sheet": sheet.pk, "customer": shops["a1"].pk}
    headers = {"HTTP_IDEMPOTENCY_KEY": "plan-again-1", "HTTP_ACCEPT_LANGUAGE": "en"}
    sent = client.post("/api/v1/visits/", body, content_type="application/json", **headers)
    again = client.post("/api/v1/visits/", body, content_type="application/json", **headers)
    assert sent.json()["warnings"] == again.json()["warnings"] != []
    assert sheet.visits.count() == 2


def test_the_schema_documents_the_visits_warnings(client) -> None:
    schema = client.get("/api/schema/", {"format": "json"}, HTTP_ACCEPT_LANGUAGE="en").json()["components"]["schemas"]
    warnings = schema["Visit"]["properties"]["warnings"]
    assert warnings["readOnly"] and warnings["items"] == {"$ref": "#/components/schemas/VisitWarning"}
    assert set(schema["VisitWarning"]["properties"]) == {"code", "message"}
    assert set(schema["VisitWarning"]["required"]) == {"code", "message"}
