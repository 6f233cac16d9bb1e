"""The reports' user-facing writes (the nightly computation is ``reports.night``)."""

from __future__ import annotations

from collections.abc import Sequence

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from reports.models import Alert


def alert_mark_read(*, user: AbstractBaseUser, alert_ids: Sequence[int] | None = None) -> int:
    """Mark the user's own alerts (all unread when no ids are given) as read; returns how many changed."""
    with transaction.atomic(durable=True):
        qs = Alert.objects.filter(user=user, read_at__isnull=True)
        if alert_ids is not None:
            qs = qs.filter(id__in=list(alert_ids))
        return qs.update(read_at=timezone.now())
