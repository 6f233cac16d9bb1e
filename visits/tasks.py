"""Celery entry points of the visits app."""

from __future__ import annotations

import datetime as dt

from celery import shared_task
from django.utils import timezone

from org.models import IdempotencyKey

# A phone retries within minutes or hours; a week is ample.
IDEMPOTENCY_KEY_DAYS = 7


@shared_task
def idempotency_keys_purge_task() -> int:
    """Forget stored API responses older than a week; returns how many were removed."""
    cutoff = timezone.now() - dt.timedelta(days=IDEMPOTENCY_KEY_DAYS)
    removed, _by_model = IdempotencyKey.objects.filter(created_at__lt=cutoff).delete()
    return removed
