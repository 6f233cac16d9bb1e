"""The client's address behind trusted proxies (PROXY_COUNT): login lockout, audit log and token-login throttling
see the client, not the proxy; with no proxy configured a forwarded header is not believed."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.test import Client
from rest_framework.test import APIClient

from org.models import AuditEvent
from salesops.client_ip import TokenLoginThrottle
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

PROXY = "10.0.0.2"  # the reverse proxy: every request reaches the app from it


def behind_proxy(forwarded: str | None, api: bool = False) -> Client:
    headers = {"REMOTE_ADDR": PROXY, "HTTP_ACCEPT_LANGUAGE": "en"}
    if forwarded:
        headers["HTTP_X_FORWARDED_FOR"] = forwarded
    return APIClient(**headers) if api else Client(**headers)


def page_login(client: Client, password: str) -> int:
    return client.post("/accounts/login/", {"username": "rep_a", "password": password}).status_code


def token_login(client: APIClient, password: str) -> int:
    return client.post("/api/v1/auth/token/", {"username": "rep_a", "password": password}).status_code


@pytest.fixture(autouse=True)
def _fresh_throttle_counts() -> None:
    cache.clear()


def test_two_clients_behind_one_proxy_are_locked_out_separately(company, settings) -> None:
    settings.PROXY_COUNT = 1
    settings.AXES_FAILURE_LIMIT = 3
    attacker, owner = behind_proxy("203.0.113.7"), behind_proxy("198.51.100.20")
    assert [page_login(attacker, "wrong") for _attempt in range(3)] == [200, 200, 429]
    assert page_login(attacker, PASSWORD) == 429
    assert page_login(owner, PASSWORD) == 302


def test_a_token_login_is_locked_out_per_client_with_429(company, settings) -> None:
    settings.PROXY_COUNT = 1
    settings.AXES_FAILURE_LIMIT = 3
    attacker, owner = behind_proxy("203.0.113.7", api=True), behind_proxy("198.51.100.20", api=True)
    assert [token_login(attacker, "wrong") for _attempt in range(3)] == [400, 400, 429]
    assert token_login(attacker, PASSWORD) == 429
    assert token_login(owner, PASSWORD) == 200


def test_the_audit_log_records_the_clients_address(company, settings) -> None:
    settings.PROXY_COUNT = 1
    page_login(behind_proxy("203.0.113.7"), "wrong")
    page_login(behind_proxy("198.51.100.20"), PASSWORD)
    assert AuditEvent.objects.get(action="login_failed").ip_address == "203.0.113.7"
    assert AuditEvent.objects.get(action="login").ip_address == "198.51.100.20"


def test_what_the_client_wrote_left_of_the_proxys_entry_is_not_believed(company, settings) -> None:
    settings.PROXY_COUNT = 1
    page_login(behind_proxy("192.0.2.99, 203.0.113.7"), "wrong")
    page_login(behind_proxy("not-an-address"), "wrong")
    addresses = AuditEvent.objects.filter(action="login_failed").order_by("id").values_list("ip_address", flat=True)
    assert list(addresses) == ["203.0.113.7", PROXY]


def test_without_a_proxy_a_forwarded_header_is_ignored(company, settings) -> None:
    settings.PROXY_COUNT = 0
    settings.AXES_FAILURE_LIMIT = 3
    # A new forwarded address on every try does not escape the lockout, nor reach the audit log.
    statuses = [page_login(behind_proxy(f"203.0.113.{n}"), "wrong") for n in range(3)]
    assert statuses == [200, 200, 429]
    assert page_login(behind_proxy("198.51.100.20"), PASSWORD) == 429
    assert set(AuditEvent.objects.filter(action="login_failed").values_list("ip_address", flat=True)) == {PROXY}


def test_token_logins_are_throttled_per_client_address(company, settings, monkeypatch) -> None:
    settings.PROXY_COUNT = 1
    monkeypatch.setattr(TokenLoginThrottle, "THROTTLE_RATES", {"token_login": "3/minute"})
    busy, other = behind_proxy("203.0.113.7", api=True), behind_proxy("198.51.100.20", api=True)
    assert [token_login(busy, PASSWORD) for _attempt in range(4)] == [200, 200, 200, 429]
    assert token_login(other, PASSWORD) == 200
    refused = busy.post(
        "/api/v1/auth/token/", {"username": "rep_a", "password": PASSWORD}, HTTP_ACCEPT_LANGUAGE="zh-hans"
    )
    assert refused.status_code == 429 and "限流" in refused.json()["detail"]
