"""Two managers saving the same target or sheet from the same copy: the second is refused with what is there
now (optimistic version check), on the pages and in the API alike; nothing is overwritten silently."""

from __future__ import annotations

import importlib
from decimal import Decimal

import pytest
from django.apps import apps
from django.utils import timezone
from rest_framework.test import APIClient

from org.models import Role
from targets import services as target_services
from targets.models import Metric, Target
from tests.factories import CustomerFactory, MembershipFactory, UserFactory
from tests.visits.factories import VisitFactory, VisitSheetFactory
from visits.models import VisitSheet

pytestmark = pytest.mark.django_db


@pytest.fixture
def second_manager(company):
    """Another manager of team A, editing at the same time as manager_a."""
    return MembershipFactory(user=UserFactory(username="manager_a2"), team=company.team_a, role=Role.MANAGER).user


@pytest.fixture
def rep_target(company) -> Target:
    importlib.import_module("targets.migrations.0002_shipped_metrics").ship(apps, None)
    return target_services.target_create(
        by=company.manager_a,
        metric=Metric.objects.get(code="sales"),
        fiscal_year=2026,
        annual_value="12000",
        team=company.team_a,
        rep=company.rep_a,
    )


@pytest.fixture
def submitted_sheet(company) -> VisitSheet:
    sheet = VisitSheetFactory(rep=company.rep_a, team=company.team_a, date=timezone.localdate())
    VisitFactory(sheet=sheet, customer=CustomerFactory(team=company.team_a, owner=company.rep_a))
    sheet.status = VisitSheet.Status.SUBMITTED
    sheet.submitted_at = timezone.now()
    sheet.save()
    return sheet


def api_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def grid_cell(company, target: Target, value: str, version: int) -> dict:
    return {
        "team": company.team_a.pk,
        "year": 2026,
        "metric": "sales",
        "target": target.pk,
        "month": 0,
        "value": value,
        "version": version,
    }


def test_the_second_grid_save_of_a_target_is_refused_with_the_current_values(
    company, second_manager, rep_target
) -> None:
    read = rep_target.version
    first = company.client_for(company.manager_a).post(
        "/targets/cell/", grid_cell(company, rep_target, "24000", read), HTTP_HX_REQUEST="true"
    )
    assert first.status_code == 200
    second = company.client_for(second_manager).post(
        "/targets/cell/", grid_cell(company, rep_target, "36000", read), HTTP_HX_REQUEST="true"
    )
    assert second.status_code == 200  # the grid fragment again, with the refusal on top
    html = second.content.decode()
    assert 'data-testid="grid-error"' in html and "其他人刚刚修改了这个目标" in html
    assert "24,000" in html  # the grid shows the first manager's value
    rep_target.refresh_from_db()
    assert rep_target.annual_value == Decimal("24000.00")
    assert rep_target.version == read + 1


def test_the_second_api_save_of_a_target_is_a_409_with_the_current_target(company, second_manager, rep_target) -> None:
    read = rep_target.version
    url = f"/api/v1/targets/{rep_target.pk}/"
    first = api_for(company.manager_a).patch(url, {"annual_value": "24000", "version": read}, format="json")
    assert first.status_code == 200
    second = api_for(second_manager).patch(url, {"annual_value": "36000", "version": read}, format="json")
    assert second.status_code == 409
    body = second.json()
    assert body["version"] and body["current"]["annual_value"] == "24000.00"
    assert body["current"]["version"] == read + 1 and isinstance(body["current"]["id"], int)  # typed, not "211"
    month = api_for(second_manager).post(f"{url}months/", {"month": 3, "value": "5", "version": read}, format="json")
    assert month.status_code == 409
    rep_target.refresh_from_db()
    assert rep_target.annual_value == Decimal("24000.00")


def test_a_profile_change_from_a_stale_copy_is_refused_too(company, second_manager, rep_target) -> None:
    read = rep_target.version
    url = f"/api/v1/targets/{rep_target.pk}/"
    assert (
        api_for(company.manager_a).patch(url, {"annual_value": "24000", "version": read}, format="json").status_code
        == 200
    )
    stale = api_for(second_manager).patch(url, {"profile": None, "version": read}, format="json")
    assert stale.status_code == 409
    response = company.client_for(second_manager).post(
        f"/targets/{rep_target.pk}/profile/",
        {"team": company.team_a.pk, "year": 2026, "metric": "sales", "profile": "", "version": read},
        HTTP_HX_REQUEST="true",
    )
    assert 'data-testid="grid-error"' in response.content.decode()


def test_saving_a_target_with_its_current_version_still_works(company, rep_target) -> None:
    url = f"/api/v1/targets/{rep_target.pk}/"
    response = api_for(company.manager_a).patch(
        url, {"annual_value": "18000", "version": rep_target.version}, format="json"
    )
    assert response.status_code == 200 and response.json()["annual_value"] == "18000.00"


def test_the_second_comment_on_a_sheet_through_the_api_is_a_409_with_the_current_sheet(
    company, second_manager, submitted_sheet
) -> None:
    read = submitted_sheet.version
    url = f"/api/v1/visit-sheets/{submitted_sheet.pk}/"
    first = api_for(company.manager_a).post(f"{url}comment/", {"comment": "Good day", "version": read}, format="json")
    assert first.status_code == 200
    second = api_for(second_manager).post(f"{url}comment/", {"comment": "Call me", "version": read}, format="json")
    assert second.status_code == 409
    assert second.json()["current"]["manager_comment"] == "Good day"
    reopen = api_for(second_manager).post(f"{url}reopen/", {"comment": "Redo", "version": read}, format="json")
    assert reopen.status_code == 409
    submitted_sheet.refresh_from_db()
    assert submitted_sheet.manager_comment == "Good day"
    assert submitted_sheet.status == VisitSheet.Status.SUBMITTED


def test_the_second_comment_on_a_sheet_page_is_refused_and_names_the_current_comment(
    company, second_manager, submitted_sheet
) -> None:
    page = f"/visits/sheets/{submitted_sheet.pk}/"
    first_client, second_client = company.client_for(company.manager_a), company.client_for(second_manager)
    # Both managers open the sheet: the form carries the version they read.
    for client in (first_client, second_client):
        assert f'name="version" value="{submitted_sheet.version}"' in client.get(page).content.decode()
    action = f"/visits/sheets/{submitted_sheet.pk}/comment/"
    first_client.post(action, {"comment": "Good day", "version": submitted_sheet.version, "save": ""})
    response = second_client.post(
        action,
        {"comment": "Call me", "version": submitted_sheet.version, "reopen": ""},
        follow=True,
        HTTP_ACCEPT_LANGUAGE="en",
    )
    html = response.content.decode()
    assert "Good day" in html
    assert "Someone else changed this sheet in the meantime (status: Submitted, comment: “Good day”)" in html
    submitted_sheet.refresh_from_db()
    assert submitted_sheet.manager_comment == "Good day" and submitted_sheet.status == VisitSheet.Status.SUBMITTED


def test_a_comment_without_a_version_is_still_accepted(company, submitted_sheet) -> None:
    url = f"/api/v1/visit-sheets/{submitted_sheet.pk}/comment/"
    assert api_for(company.manager_a).post(url, {"comment": "Fine"}, format="json").status_code == 200
