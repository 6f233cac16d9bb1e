"""A night that does not finish: marked failed and the directors alerted; nights left running are failed."""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from org.models import Membership, Role
from reports.models import Alert, NightlyRun

logger = logging.getLogger(__name__)


def night_fail(*, as_of: dt.date, error: str) -> bool:
    """Mark a night that did not finish as failed and alert the directors; the reports keep showing the last
    finished night, and the night can be computed again (admin, the command). False when it had finished."""
    with transaction.atomic():
        updated = NightlyRun.objects.filter(as_of=as_of).exclude(status=NightlyRun.Status.FINISHED)
        if not updated.update(status=NightlyRun.Status.FAILED, failed_at=timezone.now(), error=error[:2000]):
            return False
        today = timezone.localdate()
        directors = Membership.objects.active_on(today).filter(role=Role.DIRECTOR).values_list("user_id", flat=True)
        params = {"night": as_of.isoformat(), "error": error[:150]}
        alerts = [
            Alert(user_id=user_id, cause=f"night-failed:{as_of}", day=today, level=Alert.Level.DANGER, params=params)
            for user_id in sorted(set(directors))
        ]
        for alert in alerts:
            alert.message = str(alert.text)[:300]
        Alert.objects.bulk_create(alerts, ignore_conflicts=True)
    logger.error("night %s failed: %s", as_of, error)
    return True


def stale_nights_fail(*, older_than: dt.timedelta | None = None) -> list[dt.date]:
    """Nights still "running" long after they started (a worker lost, a shard out of retries) are failed and
    alerted, so none stays "running" for ever; returns their dates."""
    hours = getattr(settings, "REPORTS_NIGHT_STALE_HOURS", 6)
    since = timezone.now() - (older_than if older_than is not None else dt.timedelta(hours=hours))
    stale = list(
        NightlyRun.objects.filter(status=NightlyRun.Status.RUNNING, started_at__lt=since).values_list(
            "as_of", flat=True
        )
    )
    for as_of in stale:
        night_fail(as_of=as_of, error=_("The night did not finish in time."))
    return stale
