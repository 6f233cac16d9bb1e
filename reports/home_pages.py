"""The home pages of a rep (my day) and a manager (my team): the month's progress, the alerts folded, the ramp plans."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth.models import AbstractBaseUser
from django.utils import timezone

from meetings.models import CheckIn, Meeting, Problem
from org.calendar import working_dates
from org.models import Membership, Role, Team
from org.scoping import scoped
from reports.daily_report import daily_report
from reports.models import (
    Alert,
    PeriodKind,
    ProgressSnapshot,
    ReportSettings,
    TimeBasis,
)
from reports.selectors import (
    alert_list_for,
    default_metric,
    latest_night,
    snapshot_list_for,
)
from salesops import formulas
from salesops.formatting import sorted_by_name
from targets import selectors as target_selectors
from targets.models import Metric
from targets.selectors import my_targets
from visits.models import VisitSettings, VisitSheet
from visits.selectors import next_visit, sheet_summaries

# --- home pages ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class MonthRow:
    """A metric of the rep's month on the home page: the latest night's snapshot of the month when there is one,
    else the month's target with today's time progress (actuals come with the first night of the month), with
    last month's snapshot beside it then."""

    metric: Metric
    target: Decimal | None
    time_progress: Decimal | None
    snapshot: ProgressSnapshot | None = None
    previous: ProgressSnapshot | None = None


@dataclass(frozen=True)
class MonthProgress:
    month: dt.date  # the month's first day
    night: dt.date | None  # the night the figures are from; None while no night of the month has run
    rows: list[MonthRow]
    previous_month: dt.date | None = None  # shown beside the new month when its figures are not in yet
    previous_night: dt.date | None = None

    @property
    def previous_final(self) -> bool:
        """Whether last month's figures are its final ones (from its last day's night)."""
        return bool(self.previous_night and self.previous_month) and self.previous_night >= formulas.month_end(
            self.previous_month
        )


def month_progress(*, user: AbstractBaseUser, day: dt.date, targets: list | None = None) -> MonthProgress:
    """A rep's own month on ``day``: the latest night's figures of ``day``'s month. Before the month's first
    night (on its first day), the new month's targets with today's time progress and last month's figures."""

    month_start = day.replace(day=1)
    mine = (
        snapshot_list_for(user=user)
        .filter(rep=user, period_kind=PeriodKind.MONTH)
        .order_by("metric__position", "metric_id")
    )
    night = latest_night(on_or_before=day)
    current = list(mine.filter(as_of=night, period_start=month_start)) if night else []
    if current:
        rows = [MonthRow(s.metric, s.target, s.time_progress, snapshot=s) for s in current]
        return MonthProgress(month=month_start, night=night, rows=rows)

    previous_month = (month_start - dt.timedelta(days=1)).replace(day=1)
    previous_night = latest_night(on_or_before=month_start - dt.timedelta(days=1))
    previous = {}
    if previous_night:
        previous = {s.metric_id: s for s in mine.filter(as_of=previous_night, period_start=previous_month)}
    basis = None
    if ReportSettings.load().time_basis == TimeBasis.WORKING_DAYS:
        basis = set(working_dates(month_start, formulas.month_end(month_start)))
    units = formulas.period_units(month_start, formulas.month_end(month_start), day, working_days=basis)
    share = formulas.time_progress(units)
    targets = my_targets(user=user, day=day) if targets is None else targets
    metrics = {t.target.metric_id: (t.target.metric, t.month) for t in targets}
    for snapshot in previous.values():
        metrics.setdefault(snapshot.metric_id, (snapshot.metric, None))
    rows = [
        MonthRow(metric, target, share, previous=previous.get(metric.pk))
        for metric, target in sorted(metrics.values(), key=lambda item: (item[0].position, item[0].pk))
    ]
    return MonthProgress(
        month=month_start,
        night=None,
        rows=rows,
        previous_month=previous_month if previous else None,
        previous_night=previous_night if previous else None,
    )


@dataclass(frozen=True)
class FoldedAlerts:
    """Alerts of one cause folded into one line: the latest of them, how many there are and the first one's day."""

    latest: Alert
    count: int
    first_day: dt.date


def alerts_folded(alerts: list[Alert]) -> list[FoldedAlerts]:
    """Fold alerts (newest first) of the same cause into one group each, the group of the newest first."""
    by_cause: dict[str, list[Alert]] = {}
    for alert in alerts:
        by_cause.setdefault(alert.cause, []).append(alert)
    return [FoldedAlerts(latest=items[0], count=len(items), first_day=items[-1].day) for items in by_cause.values()]


HOME_ALERT_GROUPS = 6
HOME_ALERTS_READ = 200  # unread alerts folded on the home page, newest first


def my_day(*, user: AbstractBaseUser, day: dt.date | None = None) -> dict:
    """A rep's day: today's sheet and next visit, meetings due, the month's progress vs time, today's targets
    and unread alerts folded by cause."""

    day = day or timezone.localdate()
    targets = my_targets(user=user, day=day)
    sheet = sheet_summaries(VisitSheet.objects.filter(rep=user, date=day)).first()
    team_ids = Membership.objects.active_on(day).filter(user=user, role=Role.REP).values("team_id")
    checked = CheckIn.objects.filter(rep=user, meeting__date=day, checked_in_at__isnull=False).values("meeting_id")
    unread = alert_list_for(user=user).filter(read_at__isnull=True)
    groups = alerts_folded(list(unread[:HOME_ALERTS_READ]))
    return {
        "day": day,
        "sheet": sheet,
        "next_visit": next_visit(sheet=sheet) if sheet and sheet.status == VisitSheet.Status.DRAFT else None,
        "check_in_rules": VisitSettings.load(),
        "meetings": list(
            Meeting.objects.filter(team_id__in=team_ids, date=day).exclude(id__in=checked).order_by("scheduled_at")
        ),
        "targets": targets,
        "month": month_progress(user=user, day=day, targets=targets),
        "alert_groups": groups[:HOME_ALERT_GROUPS],
        "alert_groups_more": max(len(groups) - HOME_ALERT_GROUPS, 0),
        "ramp_plans": _ramp_plans(user=user, team=None, day=day),
    }


def _ramp_plans(*, user: AbstractBaseUser, team: Team | None, day: dt.date) -> list[tuple]:
    """New reps' 30/60/90-day checkpoints the user may see, in the team when given (plans still running or
    ended in the last 30 days)."""

    plans = target_selectors.ramp_plans_for(user=user).filter(start_date__gte=day - dt.timedelta(days=120))
    if team is not None:
        plans = plans.filter(team__path__startswith=team.path)
    plans = list(plans)
    progress = target_selectors.ramp_progress_many(plans=plans, day=day)
    return [(plan, progress[plan.pk]) for plan in plans]


def my_team(*, user: AbstractBaseUser, team: Team, day: dt.date | None = None) -> dict:
    """A manager's team today: who is ahead/behind, missing sheets, open problems, today's meetings."""

    day = day or timezone.localdate()
    metric = default_metric()
    report = daily_report(user=user, team=team, metric=metric, sort="gap") if metric else None
    reps = (
        Membership.objects.active_on(day)
        .filter(team=team, role=Role.REP)
        .select_related("user")
        .order_by("user__username")
    )
    filed = set(
        VisitSheet.objects.filter(team=team, date=day, submitted_at__isnull=False).values_list("rep_id", flat=True)
    )
    return {
        "day": day,
        "team": team,
        "report": report,
        "missing_sheets": sorted_by_name(m.user for m in reps if m.user_id not in filed),
        "open_problems": list(
            scoped(Problem.objects.open().select_related("owner"), user, team_field="team", owner_field="owner")
            .filter(team=team)
            .order_by("due_date")[:10]
        ),
        "meetings": list(Meeting.objects.filter(team=team, date=day).order_by("scheduled_at")),
        "alerts": list(alert_list_for(user=user).filter(read_at__isnull=True)[:10]),
        "ramp_plans": _ramp_plans(user=user, team=team, day=day),
    }
