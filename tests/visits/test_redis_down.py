"""With Redis down (cache, sessions' cache, broker), a rep still files and submits the day's sheet."""

from __future__ import annotations

import pytest
from django.core.cache import caches
from django.test import Client

from salesops import cache as cache_module
from tests.factories import PASSWORD
from visits.models import Visit, VisitSheet

pytestmark = pytest.mark.django_db

DEAD_REDIS = "redis://127.0.0.1:1/0"


@pytest.fixture
def redis_down(settings, monkeypatch):
    settings.CACHES = {
        "default": {
            "BACKEND": "salesops.cache.ResilientRedisCache",
            "LOCATION": DEAD_REDIS,
            "OPTIONS": {"socket_connect_timeout": 0.2},
        }
    }
    monkeypatch.setattr(cache_module, "_paused_until", 0.0)  # the settings change above resets the handlers
    from org import outbox

    monkeypatch.setattr(outbox, "_broker_url", lambda: DEAD_REDIS)
    assert caches["default"].get("anything", "miss") == "miss"


def test_a_rep_logs_in_plans_checks_in_and_submits_while_redis_is_down(company, shops, redis_down) -> None:
    client = Client()
    response = client.post("/accounts/login/", {"username": "rep_a", "password": PASSWORD})
    assert response.status_code == 302
    assert client.get("/visits/today/").status_code == 200
    sheet = VisitSheet.objects.get(rep=company.rep_a)
    response = client.post(f"/visits/sheets/{sheet.pk}/plan/", {"customer": shops["a1"].pk, "purpose": "follow_up"})
    assert response.status_code in (200, 302)
    visit = Visit.objects.get(sheet=sheet)
    assert client.post(f"/visits/visit/{visit.pk}/check-in/", {}).status_code in (200, 302)
    reason = {f"undone_reason_{visit.pk}": "Owner away"}
    assert client.post(f"/visits/sheets/{sheet.pk}/submit/", reason).status_code in (200, 302)
    sheet.refresh_from_db()
    assert sheet.status == VisitSheet.Status.SUBMITTED
    assert cache_module._paused_until > 0  # Redis really was unreachable along the way
