from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from org.models import IdempotencyKey
from visits.tasks import idempotency_keys_purge_task

pytestmark = pytest.mark.django_db


def test_stored_responses_older_than_a_week_are_forgotten(company) -> None:
    with time_machine.travel(timezone.now() - dt.timedelta(days=8)):
        IdempotencyKey.objects.create(user=company.rep_a, key="old", endpoint="/api/v1/visits/")
    IdempotencyKey.objects.create(user=company.rep_a, key="new", endpoint="/api/v1/visits/")
    assert idempotency_keys_purge_task() == 1
    assert list(IdempotencyKey.objects.values_list("key", flat=True)) == ["new"]
