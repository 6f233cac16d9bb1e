from __future__ import annotations

import pytest
from django.test import Client
from rest_framework.test import APIClient

from org.models import Customer
from org.selectors import customer_list_for, membership_list_for, team_list_for

pytestmark = pytest.mark.django_db


def names(qs) -> set[str]:
    return {c.name for c in qs}


def test_a_director_sees_every_customer(company, customers) -> None:
    assert names(customer_list_for(user=company.director)) == {"Alpha Mart", "Apex Store", "Beta Shop"}


def test_a_manager_of_team_a_sees_none_of_team_bs_customers(company, customers) -> None:
    assert names(customer_list_for(user=company.manager_a)) == {"Alpha Mart", "Apex Store"}
    assert names(customer_list_for(user=company.manager_b)) == {"Beta Shop"}


def test_a_rep_sees_only_their_own_customers(company, customers) -> None:
    assert names(customer_list_for(user=company.rep_a)) == {"Alpha Mart"}


def test_a_manager_of_a_region_sees_every_team_below(company, customers) -> None:
    from org.models import Role
    from tests.factories import MembershipFactory, UserFactory

    regional = MembershipFactory(user=UserFactory(username="regional"), team=company.region, role=Role.MANAGER).user
    assert names(customer_list_for(user=regional)) == {"Alpha Mart", "Apex Store", "Beta Shop"}
    assert {t.code for t in team_list_for(user=regional)} == {"east", "team-a", "team-b"}


def test_a_user_without_membership_sees_nothing(company, customers) -> None:
    from tests.factories import UserFactory

    assert not customer_list_for(user=UserFactory(username="stranger")).exists()


def test_an_ended_membership_no_longer_gives_access(company, customers) -> None:
    import datetime as dt

    membership = company.manager_a.memberships.get()
    membership.valid_to = dt.date(2021, 1, 1)
    membership.save()
    assert not customer_list_for(user=type(company.manager_a).objects.get(pk=company.manager_a.pk)).exists()


def test_members_are_scoped_by_team(company) -> None:
    usernames = {m.user.username for m in membership_list_for(user=company.manager_a)}
    assert usernames == {"manager_a", "rep_a", "rep_a2"}
    assert {m.user.username for m in membership_list_for(user=company.rep_a)} == {"rep_a"}


def test_the_customer_page_of_a_manager_lists_only_their_team(company, customers) -> None:
    response = company.client_for(company.manager_a).get("/customers/")
    assert response.status_code == 200
    assert b"Alpha Mart" in response.content
    assert b"Beta Shop" not in response.content


def test_another_teams_customer_page_is_not_found(company, customers) -> None:
    response = company.client_for(company.manager_a).get(f"/customers/{customers['b'].pk}/")
    assert response.status_code == 404


def test_the_api_lists_only_the_managers_team(company, customers) -> None:
    client = APIClient()
    client.force_authenticate(company.manager_a)
    response = client.get("/api/v1/customers/")
    assert response.status_code == 200
    assert {row["name"] for row in response.json()["results"]} == {"Alpha Mart", "Apex Store"}
    assert client.get(f"/api/v1/customers/{customers['b'].pk}/").status_code == 404


def test_token_authentication_is_scoped_too(company, customers) -> None:
    from org.tokens import api_token_issue

    _token, key = api_token_issue(user=company.rep_b)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    response = client.get("/api/v1/customers/")
    assert [row["name"] for row in response.json()["results"]] == ["Beta Shop"]


@pytest.mark.parametrize(
    ("who", "teams"),
    [
        ("director", {"company", "east", "team-a", "team-b"}),
        ("manager_a", {"team-a"}),
        ("rep_b", {"team-b"}),
    ],
)
def test_the_teams_endpoint_is_scoped_for_each_role(company, who, teams) -> None:
    client = APIClient()
    client.force_authenticate(getattr(company, who))
    assert {row["code"] for row in client.get("/api/v1/teams/").json()["results"]} == teams


def test_anonymous_requests_are_refused(company, customers) -> None:
    assert APIClient().get("/api/v1/customers/").status_code in (401, 403)
    response = Client().get("/customers/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize("url", ["/org/teams/"])
def test_a_rep_cannot_open_a_manager_page(company, url) -> None:
    assert company.client_for(company.rep_a).get(url).status_code == 403
    assert company.client_for(company.manager_a).get(url).status_code == 200


def test_a_rep_cannot_write_products_or_the_calendar(company) -> None:
    client = APIClient()
    client.force_authenticate(company.rep_a)
    assert client.post("/api/v1/products/", {"code": "X", "name": "X", "group": "G"}).status_code == 403
    assert client.put("/api/v1/calendar/2025-11-20/", {"is_working": False}).status_code == 403


def test_a_director_marks_a_day_off_through_the_api(company) -> None:
    import datetime as dt

    from org.calendar import is_working_day

    client = APIClient()
    client.force_authenticate(company.director)
    response = client.put("/api/v1/calendar/2025-11-20/", {"is_working": False, "note": "Offsite"}, format="json")
    assert response.status_code == 200, response.content
    assert not is_working_day(dt.date(2025, 11, 20))


def test_a_rep_sees_only_their_own_membership_count(company) -> None:
    assert Customer.objects.count() == 0


def test_a_retried_customer_create_with_the_same_idempotency_key_creates_one(company) -> None:
    client = APIClient()
    client.force_authenticate(company.manager_a)
    payload = {
        "name": "Retry Mart",
        "kind": "outlet",
        "tier": "A",
        "team": company.team_a.pk,
        "owner": company.rep_a.pk,
    }
    first = client.post("/api/v1/customers/", payload, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    again = client.post("/api/v1/customers/", payload, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert first.status_code == again.status_code == 201
    assert again.json()["id"] == first.json()["id"]
    assert Customer.objects.filter(name="Retry Mart").count() == 1


def test_customer_lists_show_a_customer_without_an_owner(company) -> None:
    from tests.factories import CustomerFactory

    CustomerFactory(name="Unowned Kiosk", team=company.team_a, owner=None)
    for url in ("/customers/", "/visits/customers/"):
        response = company.client_for(company.manager_a).get(url)
        assert response.status_code == 200, url
        assert "Unowned Kiosk" in response.content.decode()
