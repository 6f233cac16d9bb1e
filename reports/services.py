"""The reports' user-facing writes: alerts read, months closed and reopened (the nightly computation is
``reports.night``)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from org.audit import audit_record
from org.models import AuditEvent
from org.scoping import scope_for
from reports.models import Alert, NightlyRun
from salesops import formulas
from salesops.transactions import entry_point
from targets.models import ClosedMonth, NightRecompute, Target


@entry_point
def alert_mark_read(*, user: AbstractBaseUser, alert_ids: Sequence[int] | None = None) -> int:
    """Mark the user's own alerts (all unread when no ids are given) as read; returns how many changed."""
    qs = Alert.objects.filter(user=user, read_at__isnull=True)
    if alert_ids is not None:
        qs = qs.filter(id__in=list(alert_ids))
    return qs.update(read_at=timezone.now())


# --- month close -------------------------------------------------------------------------------


def closed_month_recompute(*, target: Target, month: int, reason: str, by: AbstractBaseUser, **_kwargs: Any) -> None:
    """A closed month's target value changed (``targets.signals.closed_month_changed``): the next night recomputes
    the published nights holding a closed period that contains the month."""
    for night in _nights_touching(target.fiscal_year, month):
        NightRecompute.objects.create(night=night, reason=reason, requested_by=by)


def _nights_touching(year: int, month: int) -> list[dt.date]:
    """The published nights that hold a closed period containing ``month``: the last night of the month, of its
    quarter and of its year, when those have ended (the current periods are recomputed every night anyway)."""
    today = timezone.localdate()
    quarter_last = (month - 1) // 3 * 3 + 3
    spans = [
        formulas.month_bounds(year, month),
        (formulas.month_bounds(year, quarter_last - 2)[0], formulas.month_bounds(year, quarter_last)[1]),
        (dt.date(year, 1, 1), dt.date(year, 12, 31)),
    ]
    nights = set()
    for start, end in spans:
        if end >= today:
            continue
        night = (
            NightlyRun.objects.filter(status=NightlyRun.Status.FINISHED, as_of__range=(start, end))
            .order_by("-as_of")
            .values_list("as_of", flat=True)
            .first()
        )
        if night is not None:
            nights.add(night)
    return sorted(nights)


def _last_night_of(month_start: dt.date) -> dt.date | None:
    _start, end = formulas.month_bounds(month_start.year, month_start.month)
    return (
        NightlyRun.objects.filter(status=NightlyRun.Status.FINISHED, as_of__range=(month_start, end))
        .order_by("-as_of")
        .values_list("as_of", flat=True)
        .first()
    )


def _check_month_to_close(month_start: dt.date, today: dt.date) -> dt.date:
    if month_start.replace(day=1) != month_start or month_start >= today.replace(day=1):
        raise ValidationError({"month": _("Only a month that has ended can be closed.")})
    night = _last_night_of(month_start)
    if night is None:
        raise ValidationError({"month": _("No night of this month has been computed; there are no scores to close.")})
    return night


@entry_point
def month_close(*, by: AbstractBaseUser, month: dt.date) -> ClosedMonth:
    """A director closes a month that has ended: its last night's scores are frozen."""
    if not scope_for(by).is_director:
        raise PermissionDenied
    return _close(by=by, month=month)


def _close(*, by: AbstractBaseUser | None, month: dt.date) -> ClosedMonth:
    """Close ``month`` (``by``: None when the month closes itself)."""
    month = month.replace(day=1)
    night = _check_month_to_close(month, timezone.localdate())
    existing = ClosedMonth.objects.select_for_update().filter(month=month).first()
    if existing is not None and existing.is_closed:
        raise ValidationError({"month": _("This month is already closed.")})
    closed, _created = ClosedMonth.objects.update_or_create(
        month=month,
        defaults={
            "night": night,
            "closed_by": by,
            "closed_at": timezone.now(),
            "reopened_by": None,
            "reopened_at": None,
            "reopen_reason": "",
        },
    )
    audit_record(
        action=AuditEvent.Action.TARGET_CHANGED,
        actor=by,
        obj=closed,
        summary=f"month {month:%Y-%m} closed, night {night} frozen",
    )
    return closed


@entry_point
def month_reopen(*, by: AbstractBaseUser, month: dt.date, reason: str) -> ClosedMonth:
    """A director reopens a closed month with a reason: the next night recomputes its last night, which stays
    open to backfills until the month is closed again."""
    if not scope_for(by).is_director:
        raise PermissionDenied
    closed = (
        ClosedMonth.objects.select_for_update().filter(month=month.replace(day=1), reopened_at__isnull=True).first()
    )
    if closed is None:
        raise ValidationError({"month": _("This month is not closed.")})
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Give a reason for reopening a closed month.")})
    closed.reopened_by, closed.reopened_at, closed.reopen_reason = by, timezone.now(), reason
    closed.save()
    NightRecompute.objects.create(night=closed.night, reason=reason, requested_by=by)
    audit_record(
        action=AuditEvent.Action.TARGET_CHANGED,
        actor=by,
        obj=closed,
        summary=f"month {closed.month:%Y-%m} reopened ({reason})"[:500],
    )
    return closed


def month_close_after_days() -> int:
    return int(getattr(settings, "MONTH_CLOSE_AFTER_DAYS", 5))


@entry_point
def months_close_due(*, today: dt.date | None = None) -> list[ClosedMonth]:
    """Close by themselves the months that ended at least MONTH_CLOSE_AFTER_DAYS ago and were never closed (a
    month a director reopened stays open until a director closes it again)."""
    today = today or timezone.localdate()
    last_due = today - dt.timedelta(days=month_close_after_days())
    nights = NightlyRun.objects.filter(status=NightlyRun.Status.FINISHED, as_of__lte=last_due)
    months = {night.replace(day=1) for night in nights.values_list("as_of", flat=True)}
    known = set(ClosedMonth.objects.values_list("month", flat=True))
    closed = []
    for month in sorted(months - known):
        _start, end = formulas.month_bounds(month.year, month.month)
        if end <= last_due:
            closed.append(_close(by=None, month=month))
    return closed
