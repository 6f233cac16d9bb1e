"""An import preview and the grid's allocation remember the version of every row they will change: a row another
manager changed (or created) in between is refused by name, and nothing at all is applied."""

from __future__ import annotations

import io
from decimal import Decimal as D

import pytest
from django.test import Client
from openpyxl import Workbook
from rest_framework.test import APIClient

from salesops.formatting import display_name
from targets import services
from targets.models import Target
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    assert client.login(username=user.username, password=PASSWORD)
    return client


def months(target: Target) -> list[D]:
    return [p.value for p in target.periods.order_by("month")]


@pytest.fixture
def allocated(sales_team, sales) -> tuple[Target, Target, Target]:
    parent = services.target_create(
        by=sales_team.manager, metric=sales, fiscal_year=2026, annual_value="120000", team=sales_team.team
    )
    first, second = services.target_allocate(
        by=sales_team.manager, parent=parent, children=sales_team.reps[:2], method="equal"
    )
    return parent, first, second


def workbook(rows: list[tuple[str, int]]) -> io.BytesIO:
    book = Workbook()
    sheet = book.active
    sheet.append(["Code", "Owner", *range(1, 13)])
    for code, value in rows:
        sheet.append([code, "", *([value] * 12)])
    buffer = io.BytesIO()
    book.save(buffer)
    buffer.seek(0)
    buffer.name = "targets.xlsx"
    return buffer


def preview(client: Client, sales_team, rows: list[tuple[str, int]]) -> str:
    response = client.post(
        "/targets/import/",
        {"team": sales_team.team.pk, "year": 2026, "metric": "sales", "file": workbook(rows)},
    )
    assert response.status_code == 200, response.content.decode()
    return response.context["token"]


def apply(client: Client, token: str, language: str = "en") -> list[str]:
    response = client.post("/targets/import/apply/", {"token": token}, follow=True, HTTP_ACCEPT_LANGUAGE=language)
    return [str(message) for message in response.context["messages"]]


def test_an_import_refuses_a_row_changed_since_the_preview_and_applies_nothing(sales_team, allocated) -> None:
    _parent, first, second = allocated
    rep1, rep2 = sales_team.reps[:2]
    client = client_for(sales_team.manager)
    token = preview(client, sales_team, [(rep1.username, 1000), (rep2.username, 2000)])
    # Another manager changes rep 1's target between the preview and the apply.
    services.target_set_months(by=sales_team.regional_manager, target=first, values=["5000"] * 12)

    shown = apply(client, token)
    assert len(shown) == 1 and "Nothing was imported" in shown[0]
    assert display_name(rep1) in shown[0] and display_name(rep2) not in shown[0]
    first.refresh_from_db()
    second.refresh_from_db()
    assert months(first) == [D("5000.00")] * 12  # the other manager's change stands
    assert months(second) == [D("5000.00")] * 12  # and the unchanged row was not applied either


def test_the_refusal_is_in_the_users_language(sales_team, allocated) -> None:
    _parent, first, _second = allocated
    client = client_for(sales_team.manager)
    token = preview(client, sales_team, [(sales_team.reps[0].username, 1000)])
    services.target_set_months(by=sales_team.regional_manager, target=first, values=["5000"] * 12)
    shown = apply(client, token, language="zh-hans")
    assert "其他人" in shown[0] and display_name(sales_team.reps[0]) in shown[0]


def test_an_import_refuses_a_target_created_since_the_preview(sales_team, allocated, sales) -> None:
    parent, _first, _second = allocated
    rep3 = sales_team.reps[2]
    client = client_for(sales_team.manager)
    token = preview(client, sales_team, [(rep3.username, 1000)])
    services.target_create(
        by=sales_team.regional_manager,
        metric=sales,
        fiscal_year=2026,
        annual_value="7000",
        team=sales_team.team,
        rep=rep3,
        parent=parent,
    )
    shown = apply(client, token)
    assert display_name(rep3) in shown[0]
    assert Target.objects.get(rep=rep3).annual_value == D("7000.00")


def test_an_unchanged_preview_applies(sales_team, allocated) -> None:
    _parent, first, second = allocated
    client = client_for(sales_team.manager)
    token = preview(client, sales_team, [(sales_team.reps[0].username, 1000), (sales_team.reps[1].username, 2000)])
    assert apply(client, token) == ["2 targets imported."]
    first.refresh_from_db()
    assert months(first) == [D("1000.00")] * 12


def grid_versions(client: Client, sales_team) -> dict[str, str]:
    page = client.get(f"/targets/?team={sales_team.team.pk}&year=2026&metric=sales")
    form = page.content.decode().split('data-testid="allocate-form"')[1].split("</form>")[0]
    fields = {}
    for chunk in form.split('<input type="hidden" name="version_')[1:]:
        name, rest = chunk.split('"', 1)
        fields[f"version_{name}"] = rest.split('value="')[1].split('"')[0]
    return fields


def test_the_grids_allocation_refuses_a_row_changed_since_the_grid_was_shown(sales_team, allocated) -> None:
    parent, first, second = allocated
    client = client_for(sales_team.manager)
    shown = grid_versions(client, sales_team)
    assert shown["version_parent"] == str(parent.version)
    assert shown[f"version_rep:{sales_team.reps[0].pk}"] == str(first.version)
    assert shown[f"version_rep:{sales_team.reps[2].pk}"] == ""  # no target yet
    services.target_set_months(by=sales_team.regional_manager, target=second, values=["3000"] * 12)

    response = client.post(f"/targets/{parent.pk}/allocate/", {"method": "equal", **shown}, follow=True)
    messages = [str(m) for m in response.context["messages"]]
    assert len(messages) == 1 and display_name(sales_team.reps[1]) in messages[0]
    assert display_name(sales_team.reps[0]) not in messages[0]
    first.refresh_from_db()
    second.refresh_from_db()
    assert months(first) == [D("5000.00")] * 12 and months(second) == [D("3000.00")] * 12
    assert not Target.objects.filter(rep__in=sales_team.reps[2:]).exists()

    fresh = grid_versions(client, sales_team)
    client.post(f"/targets/{parent.pk}/allocate/", {"method": "equal", **fresh})
    assert Target.objects.filter(rep__in=sales_team.reps, parent=parent).count() == 4


def test_the_api_allocation_checks_the_versions_it_is_given(sales_team, allocated) -> None:
    parent, first, second = allocated
    api = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    api.force_authenticate(sales_team.manager)
    keys = [f"rep:{rep.pk}" for rep in sales_team.reps[:2]]
    seen = {"parent": parent.version, keys[0]: first.version, keys[1]: second.version}
    services.target_set_months(by=sales_team.regional_manager, target=parent, values=["20000"] * 12)
    url = f"/api/v1/targets/{parent.pk}/allocation/"
    refused = api.post(url, {"method": "equal", "children": keys, "versions": seen}, format="json")
    assert refused.status_code == 409
    assert "Shanghai 1" in refused.json()["version"][0]
    first.refresh_from_db()
    assert months(first) == [D("5000.00")] * 12
    seen["parent"] = Target.objects.get(pk=parent.pk).version
    assert api.post(url, {"method": "equal", "children": keys, "versions": seen}, format="json").status_code == 200
    first.refresh_from_db()
    assert months(first) == [D("10000.00")] * 12
