"""Reads shared by the report pages, exports, API and alerts; every one goes through org.scoping.

Dashboards read only published nights: the latest as-of whose NightlyRun is finished.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Count, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from org.models import Team
from org.scoping import scope_for, scoped, visible_teams
from reports.models import (
    Alert,
    ExecutionKpiSnapshot,
    HeldCorrection,
    NightlyRun,
    ProgressSnapshot,
    ReportSettings,
)
from salesops import formulas
from salesops.formatting import display_name
from targets.models import ClosedMonth, Metric
from targets.selectors import closed_month_of

ZERO = Decimal(0)
KPI_FIELDS = (
    "plan_completion_rate",
    "on_time_filing_rate",
    "quality_rate",
    "median_resolution_hours",
    "action_timeliness",
    "attendance_rate",
    "overdue_customers",
)


def latest_night(*, on_or_before: dt.date | None = None) -> dt.date | None:
    """The latest published (finished) night, optionally not after a date.

    In a closed month, from its frozen night on, that frozen night: a closed month shows the figures it was
    closed with, even when a later night of the month was computed after the close or a backfill has the
    frozen night open."""
    runs = NightlyRun.objects.filter(status=NightlyRun.Status.FINISHED)
    if on_or_before is not None:
        closed = closed_month_of(on_or_before.replace(day=1))
        if closed is not None and closed.night <= on_or_before:
            return closed.night
        runs = runs.filter(as_of__lte=on_or_before)
    return runs.order_by("-as_of").values_list("as_of", flat=True).first()


def _shown_nights() -> QuerySet[NightlyRun]:
    """The nights whose rows may be shown: the finished ones and the frozen nights of closed months (never
    rewritten, so shown even while a backfill has one open)."""
    frozen = ClosedMonth.objects.filter(reopened_at__isnull=True).values("night")
    return NightlyRun.objects.filter(Q(status=NightlyRun.Status.FINISHED) | Q(as_of__in=frozen)).values("as_of")


def snapshot_list_for(*, user: AbstractBaseUser | AnonymousUser) -> QuerySet[ProgressSnapshot]:
    """Snapshots of published nights the user may see (a rep: only their own)."""
    qs = ProgressSnapshot.objects.filter(as_of__in=_shown_nights()).select_related("team", "rep", "metric")
    return scoped(qs, user, team_field="team", owner_field="rep")


def kpi_list_for(*, user: AbstractBaseUser | AnonymousUser) -> QuerySet[ExecutionKpiSnapshot]:
    qs = ExecutionKpiSnapshot.objects.filter(as_of__in=_shown_nights()).select_related("team", "rep")
    return scoped(qs, user, team_field="team", owner_field="rep")


def alert_list_for(*, user: AbstractBaseUser | AnonymousUser) -> QuerySet[Alert]:
    """The user's own alerts, newest first."""
    if not user.is_authenticated:
        return Alert.objects.none()
    return Alert.objects.filter(user=user).order_by("-day", "-created_at")


ALERT_KINDS = {
    "progress": ("progress",),
    "missing-sheet": ("missing-sheet",),
    "escalation": ("escalation-critical", "escalation-missing", "escalation-problem"),
    "targets": ("pending-change", "change-decided"),
}
LEVEL_ORDER = {Alert.Level.DANGER: 0, Alert.Level.WARNING: 1, Alert.Level.INFO: 2}


@dataclass
class AlertGroup:
    """Alerts of one cause (e.g. every rep behind on sales) or of one rep, shown as one expandable row."""

    key: str
    alerts: list[Alert] = field(default_factory=list)

    @property
    def level(self) -> str:
        return min((a.level for a in self.alerts), key=lambda level: LEVEL_ORDER.get(level, 3))

    @property
    def unread(self) -> int:
        return sum(1 for a in self.alerts if a.read_at is None)

    @property
    def reps(self) -> int:
        return len({a.subject_rep_id for a in self.alerts if a.subject_rep_id})

    @property
    def last_day(self) -> dt.date:
        return max(a.day for a in self.alerts)

    @property
    def ids(self) -> str:
        return ",".join(str(a.pk) for a in self.alerts)

    @property
    def label(self) -> str:
        from django.utils.translation import gettext, ngettext

        first = self.alerts[0]
        if self.key.startswith("rep:"):
            return display_name(first.subject_rep) if first.subject_rep else gettext("Others")
        count, kind = self.reps or len(self.alerts), first.kind
        values = {"count": count, "metric": gettext(first.params.get("metric", ""))}
        if kind == "progress" and first.params.get("status") == formulas.Status.CRITICAL:
            return (
                ngettext("%(count)s rep critical on %(metric)s", "%(count)s reps critical on %(metric)s", count)
                % values
            )
        if kind == "progress":
            return ngettext("%(count)s rep behind on %(metric)s", "%(count)s reps behind on %(metric)s", count) % values
        if kind == "missing-sheet":
            return (
                ngettext("%(count)s rep without a visit sheet", "%(count)s reps without a visit sheet", count) % values
            )
        if kind == "escalation-critical":
            return (
                ngettext(
                    "Escalated: %(count)s rep critical day after day",
                    "Escalated: %(count)s reps critical day after day",
                    count,
                )
                % values
            )
        if kind == "escalation-missing":
            return (
                ngettext(
                    "Escalated: %(count)s rep without sheets day after day",
                    "Escalated: %(count)s reps without sheets day after day",
                    count,
                )
                % values
            )
        if kind == "escalation-problem":
            count = len({a.cause for a in self.alerts})
            return ngettext(
                "Escalated: %(count)s problem past due", "Escalated: %(count)s problems past due", count
            ) % {"count": count}
        count = len(self.alerts)
        return ngettext("%(count)s change of a target", "%(count)s changes of targets", count) % {"count": count}


def _group_key(alert: Alert, by: str) -> str:
    if by == "rep":
        return f"rep:{alert.subject_rep_id or 0}"
    if alert.kind == "progress":
        return f"progress:{alert.params.get('metric', '')}:{alert.params.get('status', '')}"
    return alert.kind


def alert_groups(
    *, user: AbstractBaseUser, by: str = "cause", kind: str = "", level: str = "", state: str = "current"
) -> list[AlertGroup]:
    """The user's alerts grouped by cause (or by rep), filtered by kind, level and state (current = not archived,
    unread, archived, all); the most serious and newest groups first."""
    alerts = alert_list_for(user=user).select_related("subject_rep")
    if kind in ALERT_KINDS:
        condition = Q()
        for prefix in ALERT_KINDS[kind]:
            condition |= Q(cause__startswith=f"{prefix}:")
        alerts = alerts.filter(condition)
    if level in Alert.Level.values:
        alerts = alerts.filter(level=level)
    if state == "unread":
        alerts = alerts.filter(read_at__isnull=True, archived_at__isnull=True)
    elif state == "archived":
        alerts = alerts.filter(archived_at__isnull=False)
    elif state != "all":
        alerts = alerts.filter(archived_at__isnull=True)
    groups: dict[str, AlertGroup] = {}
    for alert in alerts:
        key = _group_key(alert, by)
        groups.setdefault(key, AlertGroup(key)).alerts.append(alert)
    return sorted(
        groups.values(), key=lambda g: (LEVEL_ORDER.get(g.level, 3), -g.last_day.toordinal(), -g.unread, g.key)
    )


def unread_alert_count(*, user: AbstractBaseUser | AnonymousUser) -> int:
    if not user.is_authenticated:
        return 0
    return Alert.objects.filter(user=user, read_at__isnull=True, archived_at__isnull=True).count()


def report_metrics() -> list[Metric]:
    """Metrics that have targets, in tab order."""
    return list(Metric.objects.filter(active=True, targets__isnull=False).distinct().order_by("position", "id"))


def default_metric() -> Metric | None:
    chosen = ReportSettings.load().scorecard_metric
    if chosen:
        return chosen
    metrics = report_metrics()
    return metrics[0] if metrics else Metric.objects.filter(active=True).order_by("position", "id").first()


def default_team(*, user: AbstractBaseUser) -> Team | None:
    """The team a manager runs (the first they manage), or the top of what the user can see."""
    scope = scope_for(user)
    teams = visible_teams(user).order_by("path")
    own = teams.filter(id__in=scope.own_team_ids).first()
    return own or teams.first()


def closed_month_list() -> QuerySet[ClosedMonth]:
    """Every month close (closed or reopened), newest month first, with ``held_corrections``: the days of a team
    whose actuals changed after the close and wait for a reopening."""
    held = (
        HeldCorrection.objects.filter(night=OuterRef("night"), released_at__isnull=True)
        .order_by()
        .values("night")
        .annotate(n=Count("id"))
        .values("n")
    )
    return (
        ClosedMonth.objects.select_related("closed_by", "reopened_by")
        .annotate(held_corrections=Coalesce(Subquery(held), 0))
        .order_by("-month")
    )
