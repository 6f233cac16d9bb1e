"""A request signed by an API token writes no session: a phone's calls do not each store a session row."""

from __future__ import annotations

import pytest
from django.contrib.sessions.models import Session
from rest_framework.test import APIClient

from org.tokens import api_token_issue

pytestmark = pytest.mark.django_db


def test_a_token_request_stores_no_session(company, customers) -> None:
    _token, key = api_token_issue(user=company.rep_a)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    before = Session.objects.count()
    for _ in range(3):
        response = client.get("/api/v1/customers/")
        assert response.status_code == 200
        assert "sessionid" not in response.cookies
    assert Session.objects.count() == before


def test_a_browser_login_still_starts_the_session_limits(company) -> None:
    from django.test import Client

    from tests.factories import PASSWORD

    client = Client()
    response = client.post("/accounts/login/", {"username": "manager_a", "password": PASSWORD})
    assert response.status_code == 302
    session = client.session
    assert session.get("login_at") and session.get("login_at") == session.get("last_seen")
