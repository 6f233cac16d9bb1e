"""One display name (王芳, Anna Smith) and one name order (pinyin of the family name) on pages and in the API."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.visits.conftest import TODAY
from tests.visits.factories import VisitSheetFactory

pytestmark = pytest.mark.django_db


def rename(user, given: str, family: str) -> None:
    user.first_name, user.last_name = given, family
    user.save(update_fields=["first_name", "last_name"])


def test_the_team_day_names_reps_family_first_and_in_pinyin_order(company, clock) -> None:
    rename(company.rep_a, "芳", "王")
    rename(company.rep_a2, "娜娜", "欧阳")
    response = company.client_for(company.manager_a).get(reverse("visits:team_day"), HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert [row.rep.username for row in response.context["rows"]] == ["rep_a2", "rep_a"]  # ou < wang
    page = response.content.decode()
    assert "王芳" in page and "欧阳娜娜" in page and "芳 王" not in page


def test_the_api_gives_the_same_rep_name_as_the_pages(company, clock) -> None:
    rename(company.rep_a, "芳", "王")
    sheet = VisitSheetFactory(rep=company.rep_a, team=company.team_a, date=TODAY)
    response = company.client_for(company.manager_a).get(f"/api/v1/visit-sheets/{sheet.pk}/")
    assert response.status_code == 200 and response.json()["rep_name"] == "王芳"


def test_a_latin_name_keeps_given_then_family(company, clock) -> None:
    rename(company.rep_a, "Anna", "Smith")
    sheet = VisitSheetFactory(rep=company.rep_a, team=company.team_a, date=TODAY)
    response = company.client_for(company.manager_a).get(f"/api/v1/visit-sheets/{sheet.pk}/")
    assert response.json()["rep_name"] == "Anna Smith"
