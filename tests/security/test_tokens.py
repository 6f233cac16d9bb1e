"""API tokens: one per device, ended by a password change or a deactivation, expiring after API_TOKEN_DAYS, listed
and revoked by their owner and by a director; a locked-out token login answers 429."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from org.models import ApiToken
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


def token_login(username: str, password: str = PASSWORD, device: str = "phone"):
    return APIClient(HTTP_USER_AGENT=device).post(
        "/api/v1/auth/token/", {"username": username, "password": password}, format="json"
    )


def with_token(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def works(key: str) -> bool:
    return with_token(key).get("/api/v1/visit-sheets/").status_code == 200


def test_each_login_gets_its_own_token_and_only_its_hash_is_stored(company) -> None:
    first, second = token_login("rep_a").json(), token_login("rep_a", device="tablet").json()
    assert first["token"] != second["token"]
    assert works(first["token"]) and works(second["token"])
    assert not ApiToken.objects.filter(key_hash=first["token"]).exists()
    assert sorted(ApiToken.objects.filter(user=company.rep_a).values_list("device", flat=True)) == ["phone", "tablet"]


def test_a_password_change_ends_every_token_of_the_user(company) -> None:
    key = token_login("rep_a").json()["token"]
    other = token_login("rep_b").json()["token"]
    page = company.client_for(company.rep_a)
    response = page.post(
        "/accounts/password/",
        {"old_password": PASSWORD, "new_password1": "a-New-pass-2026", "new_password2": "a-New-pass-2026"},
    )
    assert response.status_code == 302
    assert not works(key)
    assert works(other)
    assert works(token_login("rep_a", "a-New-pass-2026").json()["token"])


def test_deactivating_a_user_ends_their_tokens(company) -> None:
    key = token_login("rep_a").json()["token"]
    company.rep_a.is_active = False
    company.rep_a.save()
    assert not works(key)
    assert not ApiToken.objects.filter(user=company.rep_a).exists()


def test_a_token_expires_after_the_configured_days(company, settings) -> None:
    settings.API_TOKEN_DAYS = 30
    body = token_login("rep_a").json()
    assert dt.timedelta(days=29, hours=23) < dt.datetime.fromisoformat(body["expires_at"]) - timezone.now()
    with time_machine.travel(timezone.now() + dt.timedelta(days=29, hours=23)):
        assert works(body["token"])
    with time_machine.travel(timezone.now() + dt.timedelta(days=30, minutes=1)):
        refused = with_token(body["token"]).get("/api/v1/visit-sheets/", HTTP_ACCEPT_LANGUAGE="en")
    assert refused.status_code in (401, 403) and "expired" in refused.json()["detail"]
    settings.API_TOKEN_DAYS = 1
    short = token_login("rep_a").json()["token"]
    with time_machine.travel(timezone.now() + dt.timedelta(days=1, minutes=1)):
        assert not works(short)


def test_a_user_lists_and_revokes_their_own_tokens_and_a_director_anyones(company) -> None:
    phone = token_login("rep_a").json()["token"]
    tablet = token_login("rep_a", device="tablet").json()["token"]
    rep_b = token_login("rep_b").json()["token"]
    mine = with_token(phone).get("/api/v1/auth/tokens/").json()["results"]
    assert sorted(t["device"] for t in mine) == ["phone", "tablet"]
    assert {t["user"] for t in mine} == {company.rep_a.pk}
    tablet_id = next(t["id"] for t in mine if t["device"] == "tablet")
    rep_b_id = ApiToken.objects.get(user=company.rep_b).pk

    assert with_token(phone).delete(f"/api/v1/auth/tokens/{rep_b_id}/").status_code == 404
    assert with_token(phone).delete(f"/api/v1/auth/tokens/{tablet_id}/").status_code == 204
    assert not works(tablet) and works(phone) and works(rep_b)

    director = Client()
    director.force_login(company.director)
    listed = director.get("/api/v1/auth/tokens/", {"user": company.rep_b.pk}).json()["results"]
    assert [t["id"] for t in listed] == [rep_b_id]
    assert director.delete(f"/api/v1/auth/tokens/{rep_b_id}/").status_code == 204
    assert not works(rep_b)


def test_a_locked_out_token_login_answers_429_with_the_reason(company, settings) -> None:
    settings.AXES_FAILURE_LIMIT = 3
    assert [token_login("rep_a", "wrong").status_code for _attempt in range(3)] == [400, 400, 429]
    locked = APIClient(HTTP_ACCEPT_LANGUAGE="zh-hans").post(
        "/api/v1/auth/token/", {"username": "rep_a", "password": PASSWORD}, format="json"
    )
    assert locked.status_code == 429
    assert "锁定" in locked.json()["detail"]
