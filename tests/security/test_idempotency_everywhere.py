"""Every API endpoint that accepts a POST honours the Idempotency-Key header (mobile clients retry)."""

from __future__ import annotations

import pytest
from django.urls import get_resolver
from rest_framework.test import APIClient

from org.idempotency import IdempotentMixin


def api_viewsets():
    seen = {}
    for pattern in get_resolver().url_patterns:
        if str(pattern.pattern) != "api/v1/":
            continue
        stack = list(pattern.url_patterns)
        while stack:
            entry = stack.pop()
            if hasattr(entry, "url_patterns"):
                stack.extend(entry.url_patterns)
                continue
            cls = getattr(entry.callback, "cls", None)
            actions = getattr(entry.callback, "actions", None) or {}
            if cls is not None and "post" in actions:
                seen[cls.__name__] = cls
    return seen


def test_every_api_viewset_that_takes_a_post_is_idempotent() -> None:
    viewsets = api_viewsets()
    assert len(viewsets) >= 10
    missing = sorted(name for name, cls in viewsets.items() if not issubclass(cls, IdempotentMixin))
    assert missing == []


@pytest.mark.django_db
def test_a_retried_problem_post_creates_one_problem(company) -> None:
    import datetime as dt

    from django.utils import timezone

    from meetings.models import Problem

    client = APIClient()
    client.force_authenticate(company.manager_a)
    payload = {
        "team": company.team_a.pk,
        "description": "Shelf space lost at Alpha Mart",
        "owner": company.rep_a.pk,
        "due_date": (timezone.localdate() + dt.timedelta(days=1)).isoformat(),
    }
    first = client.post("/api/v1/problems/", payload, format="json", HTTP_IDEMPOTENCY_KEY="problem-1")
    again = client.post("/api/v1/problems/", payload, format="json", HTTP_IDEMPOTENCY_KEY="problem-1")
    assert first.status_code == 201, first.content
    assert again.status_code == 201 and again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert Problem.objects.count() == 1
