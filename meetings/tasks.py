"""Celery entry points of the meetings app."""

from __future__ import annotations

import datetime as dt

from celery import shared_task
from django.utils import timezone

from meetings.services import meetings_ensure_for_day


@shared_task
def meetings_generate_task(day: str | None = None) -> int:
    """Create the meetings of ``day`` (ISO date, default today) for every team; returns how many were new."""
    return meetings_ensure_for_day(day=dt.date.fromisoformat(day) if day else timezone.localdate())
