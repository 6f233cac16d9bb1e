"""Changes to approved targets that wait for approval: approved or rejected by the approver."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from org.audit import audit_record
from org.models import AuditEvent
from salesops.formatting import display_name
from salesops.transactions import entry_point
from targets import breakdown, selectors, signals
from targets.models import (
    PendingChange,
    Target,
    TargetChange,
)
from targets.services.common import _closed_error, _locked, _periods, _record, _save_periods, _touch


def _pending_for_decision(*, by: AbstractBaseUser, change: PendingChange) -> tuple[PendingChange, Target]:
    change = PendingChange.objects.select_for_update().select_related("requested_by").get(pk=change.pk)
    target = _locked(change.target)
    if not selectors.is_approver(user=by, target=target):
        raise PermissionDenied
    if change.status != PendingChange.Status.PENDING:
        raise ValidationError({"status": _("This change has already been decided.")})
    return change, target


@entry_point
def pending_change_approve(*, by: AbstractBaseUser, change: PendingChange, reason: str = "") -> Target:
    """The approver approves a pending change: it takes effect now, is kept in the history with the requester's
    reason, and the rep acknowledges the target again."""
    change, target = _pending_for_decision(by=by, change=change)
    periods = _periods(target)
    current = [periods[m].value for m in breakdown.MONTHS]
    closed = selectors.closed_months(target.fiscal_year)
    altered = [m for m in sorted(closed) if change.new_months[m - 1] != current[m - 1]]
    if altered:
        raise _closed_error(altered)
    for month, value, overridden in zip(breakdown.MONTHS, change.new_months, change.new_overridden, strict=True):
        if periods[month].value != value:
            _record(
                target,
                by=change.requested_by,
                field="month",
                month=month,
                old=periods[month].value,
                new=value,
                reason=change.reason,
            )
        periods[month].value, periods[month].overridden = value, overridden
    if change.new_annual != target.annual_value:
        _record(
            target,
            by=change.requested_by,
            field="annual_value",
            old=target.annual_value,
            new=change.new_annual,
            reason=change.reason,
        )
    if change.new_profile_id != target.profile_id:
        _record(
            target,
            by=change.requested_by,
            field="profile",
            old=target.profile or "",
            new=change.new_profile or "",
            reason=change.reason,
        )
    target.annual_value, target.profile = change.new_annual, change.new_profile
    _save_periods(periods)
    TargetChange.objects.create(
        target=target,
        changed_by=by,
        field="change_approved",
        old_value=display_name(change.requested_by),
        new_value=str(change.new_annual),
        reason=(reason or "").strip(),
    )
    _touch(target)
    change.status, change.decided_by, change.decided_at = PendingChange.Status.APPROVED, by, timezone.now()
    change.decision_reason = (reason or "").strip()
    change.save()
    audit_record(
        action=AuditEvent.Action.TARGET_APPROVED,
        actor=by,
        obj=target,
        summary=f"{target}: change {change.old_annual} → {change.new_annual} approved"[:500],
    )
    signals.change_decided.send(sender=PendingChange, change=change)
    return target


@entry_point
def pending_change_reject(*, by: AbstractBaseUser, change: PendingChange, reason: str) -> PendingChange:
    """The approver rejects a pending change, with a reason; the approved values stay as they are."""
    change, target = _pending_for_decision(by=by, change=change)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Give a reason for rejecting the change.")})
    change.status, change.decided_by, change.decided_at = PendingChange.Status.REJECTED, by, timezone.now()
    change.decision_reason = reason
    change.save()
    TargetChange.objects.create(
        target=target,
        changed_by=by,
        field="change_rejected",
        old_value=display_name(change.requested_by),
        new_value=str(change.new_annual),
        reason=reason,
    )
    audit_record(
        action=AuditEvent.Action.TARGET_CHANGED,
        actor=by,
        obj=target,
        summary=f"{target}: change {change.old_annual} → {change.new_annual} rejected ({reason})"[:500],
    )
    signals.change_decided.send(sender=PendingChange, change=change)
    return change
