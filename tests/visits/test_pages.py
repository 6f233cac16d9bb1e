from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tests.factories import CustomerFactory, MembershipFactory, UserFactory
from tests.visits.conftest import TODAY, local
from tests.visits.factories import VisitFactory, VisitSheetFactory, picture
from visits.models import SaleRecord, Visit, VisitReview, VisitSheet
from visits.services import rep_day, visit_photos

pytestmark = pytest.mark.django_db


@pytest.fixture
def sheet_a(company, clock):
    return rep_day.sheet_open(rep=company.rep_a)


@pytest.fixture
def visit_a(company, sheet_a, shops):
    return rep_day.visit_plan(by=company.rep_a, sheet=sheet_a, customer=shops["a1"])


def test_todays_sheet_is_created_when_the_rep_first_opens_it(company, clock) -> None:
    response = company.client_for(company.rep_a).get(reverse("visits:today"))
    assert response.status_code == 200
    assert VisitSheet.objects.filter(rep=company.rep_a, date=TODAY).count() == 1
    assert b'data-testid="plan-form"' in response.content


def test_a_manager_has_no_today_page(company, clock) -> None:
    assert company.client_for(company.manager_a).get(reverse("visits:today")).status_code == 403


def test_the_rep_plans_checks_in_and_out_with_orders_and_submits(company, clock, shops, products) -> None:
    client = company.client_for(company.rep_a)
    client.get(reverse("visits:today"))
    sheet = VisitSheet.objects.get()
    client.post(
        reverse("visits:plan", args=[sheet.pk]),
        {"customer": shops["a1"].pk, "planned_time": "10:00", "purpose": "order"},
    )
    visit = Visit.objects.get()
    client.post(
        reverse("visits:check_in", args=[visit.pk]),
        {"latitude": "31.2304", "longitude": "121.4737", "accuracy_m": "15"},
    )
    clock.move_to(local(TODAY, 10))
    client.post(
        reverse("visits:check_out", args=[visit.pk]),
        {
            "outcome": "Good",
            "next_step": "Call",
            "line_product": [products["soda"].pk, products["tea"].pk, ""],
            "line_quantity": ["10", "1", ""],
            "line_amount": ["", "5", ""],
        },
    )
    visit.refresh_from_db()
    assert visit.check_out_at == local(TODAY, 10) and visit.accuracy_m == Decimal("15.0")
    assert sorted(SaleRecord.objects.values_list("amount", flat=True)) == [Decimal("5.00"), Decimal("35.00")]
    response = client.post(reverse("visits:submit", args=[sheet.pk]), follow=True)
    assert VisitSheet.objects.get().status == "submitted"
    assert b'data-testid="plan-form"' not in response.content


def test_a_page_error_is_shown_and_nothing_is_stored(company, clock, visit_a, products) -> None:
    client = company.client_for(company.rep_a)
    client.post(reverse("visits:check_in", args=[visit_a.pk]))
    response = client.post(
        reverse("visits:check_out", args=[visit_a.pk]),
        {"outcome": "x", "line_product": [products["soda"].pk], "line_quantity": ["-3"], "line_amount": [""]},
        follow=True,
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert "Must be greater than zero." in response.content.decode()
    visit_a.refresh_from_db()
    assert visit_a.check_out_at is None and not SaleRecord.objects.exists()


def test_rep_b_cannot_open_or_change_rep_as_sheet(company, clock, sheet_a, visit_a) -> None:
    client = company.client_for(company.rep_b)
    assert client.get(reverse("visits:sheet", args=[sheet_a.pk])).status_code == 404
    assert client.post(reverse("visits:check_in", args=[visit_a.pk])).status_code == 404
    assert client.post(reverse("visits:submit", args=[sheet_a.pk])).status_code == 404
    assert client.post(reverse("visits:plan", args=[sheet_a.pk]), {"customer": 1}).status_code == 404
    visit_a.refresh_from_db()
    assert visit_a.check_in_at is None and VisitSheet.objects.get(pk=sheet_a.pk).status == "draft"


def test_a_manager_of_another_team_cannot_open_the_sheet(company, clock, sheet_a, visit_a) -> None:
    client = company.client_for(company.manager_b)
    assert client.get(reverse("visits:sheet", args=[sheet_a.pk])).status_code == 404
    assert (
        client.post(
            reverse("visits:review", args=[visit_a.pk]), {"method": "call_back", "result": "confirmed"}
        ).status_code
        == 404
    )


def test_the_manager_verifies_a_visit_from_the_sheet(company, clock, sheet_a, visit_a) -> None:
    rep_day.visit_check_in(by=company.rep_a, visit=visit_a)
    rep_day.sheet_submit(by=company.rep_a, sheet=sheet_a, undone_reasons={visit_a.pk: "Owner left mid-visit"})
    client = company.client_for(company.manager_a)
    page = client.get(reverse("visits:sheet", args=[sheet_a.pk]))
    assert b'data-testid="review-form"' in page.content and b'data-testid="plan-form"' not in page.content
    client.post(
        reverse("visits:review", args=[visit_a.pk]),
        {"method": "call_back", "result": "discrepancy", "note": "Not there"},
    )
    assert VisitReview.objects.get().result == "discrepancy"
    listed = client.get(reverse("visits:discrepancies"))
    assert "Not there" in listed.content.decode()
    client.post(reverse("visits:comment", args=[sheet_a.pk]), {"comment": "See me", "reopen": "1"})
    sheet = VisitSheet.objects.get()
    assert (sheet.manager_comment, sheet.status, sheet.reopened) == ("See me", "draft", True)


def test_the_team_day_shows_who_filed_who_is_late_and_plan_against_done(company, clock, shops) -> None:
    day = TODAY - dt.timedelta(days=1)
    on_time = VisitSheetFactory(
        rep=company.rep_a, team=company.team_a, date=day, status="submitted", submitted_at=local(day, 20)
    )
    VisitFactory(sheet=on_time, customer=shops["a1"], check_in_at=local(day, 9), check_out_at=local(day, 10))
    VisitFactory(sheet=on_time, customer=shops["a2"])
    VisitSheetFactory(
        rep=company.rep_a2, team=company.team_a, date=day, status="submitted", submitted_at=local(day, 22), is_late=True
    )
    response = company.client_for(company.manager_a).get(reverse("visits:team_day"), {"date": day.isoformat()})
    rows = {row.rep.username: row.summary for row in response.context["rows"]}
    assert set(rows) == {"rep_a", "rep_a2"}
    assert (rows["rep_a"].planned, rows["rep_a"].done, rows["rep_a"].is_late) == (2, 1, False)
    assert rows["rep_a2"].is_late
    assert response.context["totals"]["filed"] == 2 and response.context["totals"]["late"] == 1


def test_the_team_day_runs_a_fixed_number_of_queries(company, clock, django_assert_max_num_queries) -> None:
    for n in range(15):
        rep = MembershipFactory(user=UserFactory(username=f"extra{n}"), team=company.team_a).user
        sheet = VisitSheetFactory(rep=rep, team=company.team_a, date=TODAY)
        VisitFactory(sheet=sheet, customer=CustomerFactory(team=company.team_a, owner=rep))
    client = company.client_for(company.director)
    client.get(reverse("visits:team_day"))
    with django_assert_max_num_queries(14):
        response = client.get(reverse("visits:team_day"))
    assert len(response.context["rows"]) == 18


def test_a_rep_cannot_see_the_team_day(company, clock) -> None:
    assert company.client_for(company.rep_a).get(reverse("visits:team_day")).status_code == 403


def test_customer_coverage_lists_overdue_customers_per_rep(company, clock, shops) -> None:
    recent = VisitSheetFactory(rep=company.rep_a, team=company.team_a, date=TODAY - dt.timedelta(days=3))
    VisitFactory(sheet=recent, customer=shops["a1"], check_in_at=local(TODAY - dt.timedelta(days=3), 9))
    old = VisitSheetFactory(rep=company.rep_a, team=company.team_a, date=TODAY - dt.timedelta(days=20))
    VisitFactory(sheet=old, customer=shops["a2"], check_in_at=local(TODAY - dt.timedelta(days=20), 9))
    response = company.client_for(company.rep_a).get(reverse("visits:customers"))
    rows = {row.customer.code: row for row in response.context["rows"]}
    assert set(rows) == {"A1", "A2", "A3"}
    assert rows["A1"].last_visit == TODAY - dt.timedelta(days=3) and rows["A1"].visits_this_month == 1
    assert not rows["A1"].is_overdue  # tier A, every 7 days
    assert rows["A2"].is_overdue and rows["A2"].due_gap == 6  # tier B, every 14 days
    assert rows["A3"].is_overdue and rows["A3"].due is None  # never visited
    [(owner, overdue)] = response.context["overdue"]
    assert owner == company.rep_a and [r.customer.code for r in overdue] == ["A3", "A2"]


def test_an_invalid_erp_file_lists_errors_and_imports_nothing(company, clock, shops, products) -> None:
    content = (
        "external_id,date,rep,customer,product,quantity,amount\n"
        "E1,2026-03-09,rep_a,A1,SODA,2,7.00\n"
        "E2,2026-03-09,rep_a,NOPE,SODA,2,7.00\n"
    )
    client = company.client_for(company.manager_a)
    response = client.post(
        reverse("visits:import"), {"file": SimpleUploadedFile("s.csv", content.encode())}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 400 and "“NOPE” was not found in your teams." in response.content.decode()
    assert not SaleRecord.objects.exists()
    fixed = content.replace("NOPE", "A2")
    client.post(reverse("visits:import"), {"file": SimpleUploadedFile("s.csv", fixed.encode())})
    client.post(reverse("visits:import"), {"file": SimpleUploadedFile("s.csv", fixed.encode())})
    assert SaleRecord.objects.count() == 2


def test_a_rep_cannot_import(company, clock) -> None:
    assert company.client_for(company.rep_a).get(reverse("visits:import")).status_code == 403


def test_the_photo_is_served_only_within_scope(company, clock, visit_a, shops, settings, tmp_path) -> None:
    settings.MEDIA_ROOT = tmp_path
    rep_day.visit_check_in(by=company.rep_a, visit=visit_a)
    upload = visit_photos.PhotoUpload(file=SimpleUploadedFile("p.png", picture()))
    (photo,) = rep_day.visit_record(by=company.rep_a, visit=visit_a, photos=[upload]).photos.all()
    url = reverse("visits:photo", args=[visit_a.pk, photo.pk])
    assert company.client_for(company.manager_a).get(url).status_code == 200
    assert company.client_for(company.rep_b).get(url).status_code == 404
    other = rep_day.visit_plan(by=company.rep_a, sheet=visit_a.sheet, customer=shops["a2"])
    assert company.client_for(company.rep_a).get(reverse("visits:photo", args=[other.pk, photo.pk])).status_code == 404
