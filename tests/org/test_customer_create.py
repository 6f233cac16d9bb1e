from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from org.models import Customer

pytestmark = pytest.mark.django_db


def post_form(company, user, data: dict, language: str = "en"):
    client = company.client_for(user)
    return client.post("/customers/new/", data, HTTP_ACCEPT_LANGUAGE=language)


def valid(company) -> dict:
    return {"name": "Gamma Kiosk", "kind": "outlet", "tier": "B", "team": company.team_a.pk, "owner": company.rep_a.pk}


def test_a_manager_creates_a_customer_in_their_team(company) -> None:
    response = post_form(company, company.manager_a, valid(company))
    assert response.status_code == 302
    customer = Customer.objects.get(name="Gamma Kiosk")
    assert customer.team == company.team_a and customer.owner == company.rep_a


def test_a_rep_creates_a_customer_they_own(company) -> None:
    data = valid(company) | {"owner": company.rep_a2.pk}
    response = post_form(company, company.rep_a, data)
    assert response.status_code == 302
    assert Customer.objects.get(name="Gamma Kiosk").owner == company.rep_a


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"name": ""}, "name", "This field is required."),
        ({"latitude": "123"}, "latitude", "less than or equal to 90"),
        ({"longitude": "abc"}, "longitude", "Enter a number."),
        ({"tier": "Z"}, "tier", "Select a valid choice."),
        ({"first_order_date": "2025-13-40"}, "first_order_date", "Enter a valid date."),
    ],
)
def test_bad_input_names_the_field_and_stores_nothing(company, change, field, message) -> None:
    response = post_form(company, company.manager_a, valid(company) | change)
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert field in errors and message in " ".join(errors[field])
    assert Customer.objects.count() == 0


def test_errors_are_translated_to_chinese(company) -> None:
    response = post_form(company, company.manager_a, valid(company) | {"name": "", "latitude": "123"}, "zh-hans")
    assert response.status_code == 400
    assert "该字段是必填项" in response.content.decode()
    assert "纬度" in response.content.decode()
    assert Customer.objects.count() == 0


def test_a_manager_cannot_create_a_customer_in_another_team(company) -> None:
    response = post_form(company, company.manager_a, valid(company) | {"team": company.team_b.pk, "owner": ""})
    assert response.status_code == 400
    assert "team" in response.context["form"].errors
    assert Customer.objects.count() == 0


def test_the_api_names_bad_fields_and_stores_nothing(company) -> None:
    client = APIClient()
    client.force_authenticate(company.manager_a)
    response = client.post(
        "/api/v1/customers/",
        {"name": "", "kind": "shop", "tier": "A", "team": company.team_a.pk, "latitude": "91"},
        format="json",
    )
    assert response.status_code == 400
    assert set(response.json()) >= {"name", "kind", "latitude"}
    assert Customer.objects.count() == 0


def test_the_api_refuses_another_teams_owner_as_does_not_exist(company) -> None:
    client = APIClient()
    client.force_authenticate(company.manager_a)
    response = client.post(
        "/api/v1/customers/",
        {"name": "X", "kind": "outlet", "tier": "A", "team": company.team_b.pk, "owner": company.rep_b.pk},
        format="json",
    )
    assert response.status_code == 400
    assert set(response.json()) == {"team", "owner"}
    assert Customer.objects.count() == 0


def test_the_api_creates_a_customer_with_a_manager_in_scope(company) -> None:
    client = APIClient()
    client.force_authenticate(company.manager_a)
    response = client.post(
        "/api/v1/customers/",
        {
            "name": "X",
            "kind": "outlet",
            "tier": "A",
            "team": company.team_a.pk,
            "owner": company.rep_a.pk,
            "latitude": "31.230416",
            "longitude": "121.473701",
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    assert str(Customer.objects.get().latitude) == "31.230416"


def test_a_rep_cannot_give_their_customer_to_someone_else_through_the_api(company) -> None:
    client = APIClient()
    client.force_authenticate(company.rep_a)
    response = client.post(
        "/api/v1/customers/",
        {"name": "X", "kind": "outlet", "tier": "A", "team": company.team_a.pk, "owner": company.rep_a2.pk},
        format="json",
    )
    # a rep's choice of owner is ignored: the customer is theirs
    assert response.status_code in (201, 400)
    if response.status_code == 201:
        assert Customer.objects.get().owner == company.rep_a
