"""Login throttling, session limits, deactivation, security headers and the audit log."""

from __future__ import annotations

import time

import pytest
from django.db import IntegrityError, InternalError, transaction
from django.test import Client
from rest_framework.test import APIClient

from org.audit import audit_record
from org.models import ApiToken, AuditEvent
from org.tokens import api_token_issue
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


def login_post(client: Client, username: str, password: str, language: str = "en"):
    return client.post("/accounts/login/", {"username": username, "password": password}, HTTP_ACCEPT_LANGUAGE=language)


def test_five_wrong_passwords_lock_the_login_with_a_clear_message(company) -> None:
    client = Client()
    for _ in range(4):
        assert login_post(client, "rep_a", "wrong").status_code == 200
    assert login_post(client, "rep_a", "wrong").status_code == 429
    response = login_post(client, "rep_a", PASSWORD)
    assert response.status_code == 429
    assert "Too many failed logins" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_the_lockout_message_is_translated(company) -> None:
    client = Client()
    for _ in range(5):
        login_post(client, "rep_a", "wrong", "zh-hans")
    response = login_post(client, "rep_a", PASSWORD, "zh-hans")
    assert response.status_code == 429
    assert "登录失败次数过多" in response.content.decode()


def test_a_successful_login_rotates_the_session_key(company) -> None:
    client = Client()
    client.get("/accounts/login/")
    client.session.save()
    before = client.session.session_key
    assert login_post(client, "rep_a", PASSWORD).status_code == 302
    assert client.session.session_key != before


def test_logins_and_failed_logins_are_audited(company) -> None:
    client = Client()
    login_post(client, "rep_a", "wrong")
    login_post(client, "rep_a", PASSWORD)
    # The calendar's refresh after a flush is audited too (by no one): only the people's actions are compared here.
    people = AuditEvent.objects.exclude(action=AuditEvent.Action.CALENDAR_CHANGED)
    actions = list(people.order_by("id").values_list("action", "actor_username"))
    assert actions == [("login_failed", "rep_a"), ("login", "rep_a")]
    assert AuditEvent.objects.get(action="login").ip_address == "127.0.0.1"


def test_permission_denials_are_audited_for_pages_and_api(company) -> None:
    assert company.client_for(company.rep_a).get("/org/teams/").status_code == 403
    api = APIClient()
    api.force_authenticate(company.rep_a)
    assert api.post("/api/v1/products/", {"code": "X"}).status_code == 403
    denials = AuditEvent.objects.filter(action="permission_denied", actor_username="rep_a")
    assert sorted(denials.values_list("path", flat=True)) == ["/api/v1/products/", "/org/teams/"]


def test_the_audit_log_cannot_be_changed_or_deleted(company) -> None:
    event = audit_record(action=AuditEvent.Action.EXPORT, actor=company.director, summary="daily report")
    with pytest.raises((InternalError, IntegrityError)), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(summary="nothing happened")
    with pytest.raises((InternalError, IntegrityError)), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).delete()
    assert AuditEvent.objects.get(pk=event.pk).summary == "daily report"


def test_only_a_director_searches_the_audit_log(company) -> None:
    audit_record(action=AuditEvent.Action.EXPORT, actor=company.manager_a, summary="daily report xlsx")
    audit_record(action=AuditEvent.Action.LOGIN, actor=company.rep_a)
    response = company.client_for(company.director).get("/org/audit/", {"text": "xlsx"})
    assert response.status_code == 200
    page = list(response.context["page"])
    assert [e.summary for e in page] == ["daily report xlsx"]
    assert company.client_for(company.manager_a).get("/org/audit/").status_code == 403


def test_deactivating_a_user_ends_their_sessions_and_tokens_at_once(company) -> None:
    browser = Client()
    login_post(browser, "rep_a", PASSWORD)
    assert browser.get("/customers/").status_code == 200
    _token, key = api_token_issue(user=company.rep_a)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert api.get("/api/v1/customers/").status_code == 200

    company.rep_a.is_active = False
    company.rep_a.save()

    assert browser.get("/customers/").status_code == 302
    assert api.get("/api/v1/customers/").status_code in (401, 403)
    assert not ApiToken.objects.filter(user=company.rep_a).exists()
    assert AuditEvent.objects.filter(action="user_deactivated", object_id=str(company.rep_a.pk)).exists()


def test_an_idle_session_is_logged_out(company, settings) -> None:
    settings.SESSION_IDLE_TIMEOUT = 60
    client = Client()
    login_post(client, "manager_a", PASSWORD)
    session = client.session
    session["last_seen"] = int(time.time()) - 120
    session.save()
    response = client.get("/customers/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_a_session_ends_at_the_absolute_limit_even_when_active(company, settings) -> None:
    settings.SESSION_ABSOLUTE_TIMEOUT = 3600
    client = Client()
    login_post(client, "manager_a", PASSWORD)
    session = client.session
    session["login_at"] = int(time.time()) - 3601
    session.save()
    assert client.get("/customers/").status_code == 302


def test_pages_carry_the_security_headers(company) -> None:
    response = company.client_for(company.rep_a).get("/customers/")
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]
    assert "frame-ancestors 'none'" in csp
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"


def test_logout_needs_a_post(company) -> None:
    client = company.client_for(company.rep_a)
    assert client.get("/accounts/logout/").status_code == 405
    assert client.get("/customers/").status_code == 200


def test_a_form_post_without_a_csrf_token_is_refused(company) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(company.manager_a)
    response = client.post("/customers/new/", {"name": "X", "kind": "outlet", "tier": "A", "team": company.team_a.pk})
    assert response.status_code == 403
