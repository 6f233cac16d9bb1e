"""Receivers of the reports app, connected in ``ReportsConfig.ready()``."""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_save
from django.utils import timezone

from org.models import Membership, Role
from reports.models import Alert, NightlyRun
from reports.services import closed_month_recompute
from salesops.formatting import display_name, metric_value
from salesops.versions import company_data_changed
from targets import selectors as target_selectors
from targets import signals as target_signals
from targets.models import PendingChange, Target


def _night_saved(sender, instance: NightlyRun, **kwargs) -> None:
    """A finished night changes yesterday's results on every page cached under the company's version (the
    meeting dashboard's live table among them)."""
    if instance.status == NightlyRun.Status.FINISHED:
        company_data_changed()


def _alert_approvers(*, change: PendingChange, **_kwargs: Any) -> None:
    """Tell the approvers (the managers of the approving team, or the directors) a change waits for them."""
    target = change.target
    today = timezone.localdate()
    team_id = target_selectors.approver_team_id(target)
    members = Membership.objects.active_on(today)
    approvers = set(members.filter(team_id=team_id, role=Role.MANAGER).values_list("user_id", flat=True))
    if not approvers:
        approvers = set(members.filter(role=Role.DIRECTOR).values_list("user_id", flat=True))
    params = {
        "owner": target.owner_name,
        "metric": target.metric.name,
        "by": display_name(change.requested_by),
        "old": metric_value(change.old_annual, unit=target.metric.unit),
        "new": metric_value(change.new_annual, unit=target.metric.unit),
        "target": target.pk,
    }
    for user_id in approvers - {change.requested_by_id}:
        Alert.objects.update_or_create(
            user_id=user_id,
            cause=f"pending-change:{change.pk}",
            day=today,
            defaults={
                "level": Alert.Level.INFO,
                "message": f"{params['by']}: {target} {params['old']} → {params['new']}"[:300],
                "params": params,
                "read_at": None,
            },
        )


def _alert_requester(*, change: PendingChange, **_kwargs: Any) -> None:
    """Tell the one who asked for a change that it was approved or rejected."""
    target = change.target
    Alert.objects.update_or_create(
        user_id=change.requested_by_id,
        cause=f"change-decided:{change.pk}",
        day=timezone.localdate(),
        defaults={
            "level": Alert.Level.INFO if change.status == PendingChange.Status.APPROVED else Alert.Level.WARNING,
            "message": f"{target}: {change.status}"[:300],
            "params": {
                "owner": target.owner_name,
                "metric": target.metric.name,
                "by": display_name(change.decided_by),
                "status": change.status,
                "target": target.pk,
            },
            "read_at": None,
        },
    )


def connect() -> None:
    post_save.connect(_night_saved, sender=NightlyRun, dispatch_uid="live-table-night")
    target_signals.change_requested.connect(_alert_approvers, sender=PendingChange, dispatch_uid="alert-approvers")
    target_signals.change_decided.connect(_alert_requester, sender=PendingChange, dispatch_uid="alert-requester")
    target_signals.closed_month_changed.connect(
        closed_month_recompute, sender=Target, dispatch_uid="closed-month-recompute"
    )
