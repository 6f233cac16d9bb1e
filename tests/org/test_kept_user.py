"""The signed-in user is kept in the cache between requests, and every change to it is seen on the next request."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

USER_QUERY = 'FROM "auth_user"'


def _user_queries(client, path: str = "/api/v1/customers/") -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(path).status_code == 200
    return sum(USER_QUERY in query["sql"] for query in captured.captured_queries)


def test_a_second_request_reads_no_user_from_the_table(company) -> None:
    client = company.client_for(company.manager_a)
    _user_queries(client)
    assert _user_queries(client) == 0


def test_a_changed_name_is_seen_on_the_next_request(company) -> None:
    client = company.client_for(company.manager_a)
    client.get("/", follow=True)
    company.manager_a.first_name = "Renamed"
    company.manager_a.save()
    assert b"Renamed" in client.get("/", follow=True).content


def test_a_changed_password_ends_the_other_sessions_on_their_next_request(company) -> None:
    client = company.client_for(company.manager_a)
    assert client.get("/customers/").status_code == 200  # the user is kept now
    company.manager_a.set_password("another-password-42")
    company.manager_a.save()
    response = client.get("/customers/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_a_deactivated_user_is_signed_out_on_the_next_request(company) -> None:
    client = company.client_for(company.rep_a)
    client.get("/visits/today/")
    company.rep_a.is_active = False
    company.rep_a.save()
    response = client.get("/visits/today/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_without_the_cache_the_user_is_read_each_time(company, settings) -> None:
    client = company.client_for(company.manager_a)
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.db"
    assert client.login(username=company.manager_a.username, password=PASSWORD)
    assert _user_queries(client) == 1
    assert _user_queries(client) == 1


def test_a_session_signed_in_with_the_plain_model_backend_stays_signed_in(company) -> None:
    from django.contrib.auth import BACKEND_SESSION_KEY

    from org.auth import KEPT_USER_BACKEND, MODEL_BACKEND

    client = company.client_for(company.manager_a)
    session = client.session
    session[BACKEND_SESSION_KEY] = MODEL_BACKEND  # as stored before the user was kept
    session.save()
    assert client.get("/customers/").status_code == 200
    assert client.session[BACKEND_SESSION_KEY] == KEPT_USER_BACKEND
