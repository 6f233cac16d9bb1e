"""Target changes and approvals, exports, and session-authenticated API writes without CSRF."""

from __future__ import annotations

import pytest
from django.test import Client

from org.models import AuditEvent

pytestmark = pytest.mark.django_db


def test_target_approval_and_a_later_change_are_audited(company) -> None:
    from targets import services
    from targets.models import Metric

    metric, _ = Metric.objects.get_or_create(
        code="sales", defaults={"name": "Sales", "unit": "money", "actual_kind": "sales_amount"}
    )
    target = services.target_create(
        by=company.manager_a,
        team=company.team_a,
        rep=company.rep_a,
        metric=metric,
        fiscal_year=2026,
        annual_value="120000",
    )
    services.target_approve(by=company.manager_a, target=target)
    target.refresh_from_db()
    services.target_set_annual(by=company.manager_a, target=target, annual_value="240000", reason="Bigger territory")
    actions = list(AuditEvent.objects.filter(object_id=str(target.pk)).values_list("action", flat=True))
    assert "target_approved" in actions and "target_changed" in actions
    changed = AuditEvent.objects.filter(action="target_changed").first()
    assert "Bigger territory" in changed.summary and changed.actor_username == "manager_a"


def test_exports_are_audited(company) -> None:
    client = company.client_for(company.manager_a)
    response = client.get("/targets/export/", {"team": company.team_a.pk})
    assert response.status_code == 200
    assert AuditEvent.objects.filter(action="export", actor_username="manager_a").exists()


def test_a_session_authenticated_api_write_needs_the_csrf_token(company) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(company.manager_a)
    response = client.post(
        "/api/v1/customers/",
        {"name": "No token", "kind": "outlet", "tier": "A", "team": company.team_a.pk},
        content_type="application/json",
    )
    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]
