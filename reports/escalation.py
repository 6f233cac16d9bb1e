"""Escalation and archiving of alerts, run once by the night after its own alerts.

Three rules raise an alert to the manager above the rep's team and to the directors, once per cause:
a rep critical on a metric for N working days in a row (once per rep, metric and month), a rep without a
filed visit sheet for N working days in a row (once per run of missing days), and a problem open past its
due date (once per problem). N comes from ReportSettings. Alerts whose period is over are archived.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.db import transaction
from django.db.models import Count, Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from meetings.models import Problem
from org.calendar import working_dates
from org.models import Membership, Role, Team
from reports import periods
from reports.models import Alert, PeriodKind, ProgressSnapshot
from reports.night.alerts import alerts_email
from reports.night.context import NightContext
from salesops.formatting import display_name
from salesops.formulas import Status
from visits.models import VisitSheet

CRITICAL, MISSING, OVERDUE = "escalation-critical", "escalation-missing", "escalation-problem"
# The period an alert is about, by its kind: once that period is over the alert is archived. Kinds not
# listed (a pending target change) stay until read and decided.
ARCHIVE_PERIOD = {
    "progress": PeriodKind.MONTH,
    "missing-sheet": PeriodKind.WEEK,
    CRITICAL: PeriodKind.MONTH,
    MISSING: PeriodKind.MONTH,
    OVERDUE: PeriodKind.MONTH,
    "change-decided": PeriodKind.MONTH,
}
# How far back a run of working days is looked for (a long holiday holds few working days).
LOOKBACK_DAYS = 60


def escalation_text(alert: Alert) -> str:
    """The message of an escalation, in the reader's language."""
    params = alert.params
    if alert.kind == CRITICAL:
        return _("%(rep)s (%(team)s) has been critical on %(metric)s for %(days)s working days in a row.") % {
            "rep": params.get("rep", ""),
            "team": params.get("team", ""),
            "metric": _(params.get("metric", "")),
            "days": params.get("days", ""),
        }
    if alert.kind == MISSING:
        return _("%(rep)s (%(team)s) has filed no visit sheet for %(days)s working days in a row, since %(since)s.") % {
            "rep": params.get("rep", ""),
            "team": params.get("team", ""),
            "days": params.get("days", ""),
            "since": params.get("since", ""),
        }
    return _("The problem “%(problem)s” of %(team)s (owner %(owner)s) is still open; it was due on %(due)s.") % {
        "problem": params.get("problem", ""),
        "team": params.get("team", ""),
        "owner": params.get("owner", ""),
        "due": params.get("due", ""),
    }


def escalation_recipients(team_ids: set[int], day: dt.date) -> dict[int, set[int]]:
    """For each team: the managers of its nearest ancestor that has one (the manager above) and every director."""
    teams = {t.pk: t for t in Team.objects.only("id", "path", "parent_id")}
    managers: dict[int, set[int]] = defaultdict(set)
    directors: set[int] = set()
    for team_id, user_id, role in (
        Membership.objects.active_on(day)
        .filter(role__in=[Role.MANAGER, Role.DIRECTOR])
        .values_list("team_id", "user_id", "role")
    ):
        (directors if role == Role.DIRECTOR else managers[team_id]).add(user_id)
    result = {}
    for team_id in team_ids:
        above: set[int] = set()
        team = teams.get(team_id)
        parent_id = team.parent_id if team else None
        while parent_id is not None and not above:
            above = managers.get(parent_id, set())
            parent_id = teams[parent_id].parent_id if parent_id in teams else None
        result[team_id] = above | directors
    return result


def _last_working_days(as_of: dt.date, count: int) -> list[dt.date]:
    return working_dates(as_of - dt.timedelta(days=LOOKBACK_DAYS), as_of)[-count:] if count else []


def _critical_streaks(ctx: NightContext) -> list[dict]:
    """Reps critical on a metric in the month snapshots of each of the last N working days."""
    days = _last_working_days(ctx.as_of, ctx.settings.escalate_critical_days)
    if not days or days[-1] != ctx.as_of:
        return []
    streaks = (
        ProgressSnapshot.objects.filter(
            as_of__in=days, period_kind=PeriodKind.MONTH, rep__isnull=False, status=Status.CRITICAL
        )
        .values("rep_id", "metric_id")
        .annotate(nights=Count("as_of", distinct=True))
        .filter(nights=len(days))
    )
    wanted = {(s["rep_id"], s["metric_id"]) for s in streaks}
    if not wanted:
        return []
    rows = ProgressSnapshot.objects.filter(
        as_of=ctx.as_of, period_kind=PeriodKind.MONTH, rep_id__in={r for r, _m in wanted}
    ).select_related("rep", "team", "metric")
    return [
        {
            "cause": f"{CRITICAL}:{row.rep_id}:{row.metric_id}:{ctx.as_of:%Y-%m}",
            "team_id": row.team_id,
            "rep": row.rep,
            "level": Alert.Level.DANGER,
            "params": {
                "rep": display_name(row.rep),
                "team": row.team.name,
                "metric": row.metric.name,
                "days": len(days),
                "gap": str(row.gap_pp),
            },
        }
        for row in rows
        if (row.rep_id, row.metric_id) in wanted
    ]


def _missing_streaks(ctx: NightContext) -> list[dict]:
    """Reps with no submitted visit sheet on any of the last N working days (one cause per run of missing days)."""
    count = ctx.settings.escalate_missing_sheet_days
    days = _last_working_days(ctx.as_of, count)
    if len(days) < count or not days or days[-1] != ctx.as_of:
        return []
    members = list(
        Membership.objects.active_on(days[0])
        .filter(role=Role.REP, valid_from__lte=days[0])
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=ctx.as_of))
        .select_related("user", "team")
    )
    rep_ids = [m.user_id for m in members]
    last_filed = dict(
        VisitSheet.objects.filter(rep_id__in=rep_ids, submitted_at__isnull=False, date__lte=ctx.as_of)
        .values("rep_id")
        .annotate(last=Max("date"))
        .values_list("rep_id", "last")
    )
    found = []
    lookback = working_dates(ctx.as_of - dt.timedelta(days=LOOKBACK_DAYS), ctx.as_of)
    for membership in members:
        last = last_filed.get(membership.user_id)
        if last is not None and last >= days[0]:
            continue
        # The run began on the first working day after the last filed sheet (as far back as we look).
        since = next((day for day in lookback if last is None or day > last), days[0])
        found.append(
            {
                "cause": f"{MISSING}:{membership.user_id}:{since.isoformat()}",
                "team_id": membership.team_id,
                "rep": membership.user,
                "level": Alert.Level.WARNING,
                "params": {
                    "rep": display_name(membership.user),
                    "team": membership.team.name,
                    "days": sum(1 for day in lookback if day >= since),
                    "since": since.isoformat(),
                },
            }
        )
    return found


def _overdue_problems(ctx: NightContext) -> list[dict]:
    """Open problems more than the configured days past their due date."""
    due_before = ctx.as_of - dt.timedelta(days=ctx.settings.escalate_problem_overdue_days)
    problems = Problem.objects.open().filter(due_date__lt=due_before).select_related("owner", "team")
    return [
        {
            "cause": f"{OVERDUE}:{problem.pk}",
            "team_id": problem.team_id,
            "rep": problem.owner,
            "level": Alert.Level.DANGER,
            "params": {
                "problem": problem.description[:80],
                "problem_id": problem.pk,
                "team": problem.team.name,
                "owner": display_name(problem.owner) if problem.owner else "",
                "due": problem.due_date.isoformat(),
            },
        }
        for problem in problems
    ]


def alerts_escalate(ctx: NightContext) -> list[Alert]:
    """Raise the night's escalations (each cause once, ever, per recipient) and archive alerts whose period is over."""
    found = _critical_streaks(ctx) + _missing_streaks(ctx) + _overdue_problems(ctx)
    recipients = escalation_recipients({f["team_id"] for f in found}, ctx.as_of)
    existing = set(Alert.objects.filter(cause__in=[f["cause"] for f in found]).values_list("user_id", "cause"))
    new = []
    for item in found:
        for user_id in sorted(recipients.get(item["team_id"], set())):
            if (user_id, item["cause"]) in existing:
                continue
            alert = Alert(
                user_id=user_id,
                cause=item["cause"],
                day=ctx.as_of,
                level=item["level"],
                params=item["params"],
                subject_rep=item["rep"],
            )
            alert.message = str(alert.text)[:300]
            new.append(alert)
    Alert.objects.bulk_create(new, ignore_conflicts=True)
    if new and ctx.settings.email_alerts:
        transaction.on_commit(lambda: alerts_email(sorted({a.user_id for a in new}), ctx.as_of))
    alerts_archive(as_of=ctx.as_of)
    return new


def alerts_archive(*, as_of: dt.date) -> int:
    """Archive the alerts whose period (by kind, see ``ARCHIVE_PERIOD``) ended before ``as_of``'s; returns how many."""
    condition = Q()
    for kind, period in ARCHIVE_PERIOD.items():
        start, _end = periods.bounds(period, as_of)
        condition |= Q(cause__startswith=f"{kind}:", day__lt=start)
    return Alert.objects.filter(condition, archived_at__isnull=True).update(archived_at=timezone.now())
