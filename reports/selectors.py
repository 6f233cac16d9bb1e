"""Reads shared by the report pages, exports, API and alerts; every one goes through org.scoping.

Dashboards read only published nights: the latest as-of whose NightlyRun is finished.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import F, Q, QuerySet, Sum
from django.utils import timezone

from org.calendar import working_dates
from org.models import Membership, Role, Team
from org.scoping import scope_for, scoped, visible_teams
from reports.models import (
    Alert,
    DailyActual,
    ExecutionKpiSnapshot,
    ForecastMethod,
    NightlyRun,
    PeriodKind,
    ProgressSnapshot,
    ReportSettings,
    TimeBasis,
)
from reports.night.families import FAMILIES_OF, MONEY_FAMILIES
from reports.night.periods import DAILY_KINDS
from salesops import formulas
from salesops.formatting import display_name, sorted_by_name
from targets import profiles
from targets.models import ClosedMonth, Metric, Target
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


# --- the daily report ----------------------------------------------------------------------------

SORTS = {
    "name": ("owner_key",),
    "target": ("target",),
    "actual": ("actual",),
    "achievement": ("achievement",),
    "time_progress": ("time_progress",),
    "gap": ("gap_pp",),
    "forecast": ("forecast",),
    "required_daily_rate": ("required_daily_rate",),
    "rank": ("rank",),
}


@dataclass
class ReportRow:
    snapshot: ProgressSnapshot
    kpi: ExecutionKpiSnapshot | None

    @property
    def name(self) -> str:
        return self.snapshot.owner_name


@dataclass
class DailyReport:
    team: Team
    metric: Metric
    period_kind: str
    as_of: dt.date | None
    sort: str
    total: ProgressSnapshot | None
    total_kpi: ExecutionKpiSnapshot | None
    rows: list[ReportRow] = field(default_factory=list)


def _order(sort: str) -> list:
    descending = sort.startswith("-")
    name = sort.lstrip("-")
    fields = SORTS.get(name, SORTS["gap"])
    if name == "name":
        key = F("rep__username")
        return [key.desc() if descending else key.asc(), F("team__name").asc()]
    return [F(f).desc(nulls_last=True) if descending else F(f).asc(nulls_last=True) for f in fields] + ["owner_key"]


def daily_report(
    *,
    user: AbstractBaseUser,
    team: Team,
    metric: Metric,
    period_kind: str = PeriodKind.MONTH,
    sort: str = "gap",
    as_of: dt.date | None = None,
) -> DailyReport:
    """One row per member of ``team`` (its reps, or its child teams) on a metric and period; constant queries."""
    night = latest_night(on_or_before=as_of)
    report = DailyReport(team, metric, period_kind, night, sort if sort.lstrip("-") in SORTS else "gap", None, None)
    if night is None:
        return report
    base = snapshot_list_for(user=user).filter(as_of=night, metric=metric, period_kind=period_kind)
    members = base.filter(Q(rep__isnull=False, team=team) | Q(rep__isnull=True, team__parent=team))
    snapshots = list(members.order_by(*_order(report.sort)))
    report.total = base.filter(team=team, rep__isnull=True).first()
    keys = [s.owner_key for s in snapshots] + [f"team:{team.pk}"]
    kpis = {
        k.owner_key: k for k in kpi_list_for(user=user).filter(as_of=night, period_kind=period_kind, owner_key__in=keys)
    }
    report.rows = [ReportRow(s, kpis.get(s.owner_key)) for s in snapshots]
    report.total_kpi = kpis.get(f"team:{team.pk}")
    return report


# --- a rep's drill-down --------------------------------------------------------------------------


def _family_filter(metric: Metric) -> Q:
    condition = Q(family__in=FAMILIES_OF.get(metric.actual_kind, ()))
    if metric.product_group:
        condition &= ~Q(family__in=MONEY_FAMILIES) | Q(product_group=metric.product_group)
    return condition


def burn_up(*, snapshot: ProgressSnapshot) -> dict:
    """Per day of the snapshot's period: cumulative actual (through as-of), cumulative plan, straight time line."""
    start, end, as_of = snapshot.period_start, snapshot.period_end, snapshot.as_of
    days = [start + dt.timedelta(days=i) for i in range((end - start).days + 1)]
    owner = {"rep_id": snapshot.rep_id} if snapshot.rep_id else {"team__path__startswith": snapshot.team.path}
    daily = dict(
        DailyActual.objects.filter(_family_filter(snapshot.metric), day__range=(start, as_of), **owner)
        .values("day")
        .annotate(total=Sum("value"))
        .values_list("day", "total")
    )
    target = Target.objects.filter(metric=snapshot.metric, fiscal_year=start.year)
    target = target.filter(rep_id=snapshot.rep_id) if snapshot.rep_id else target.filter(team=snapshot.team, rep=None)
    months = {(start.year, p.month): p.value for t in target.prefetch_related("periods") for p in t.periods.all()}
    months = {k: v for k, v in months.items() if start.month <= k[1] <= end.month}
    basis = set(working_dates(start, end)) if ReportSettings.load().time_basis == TimeBasis.WORKING_DAYS else None
    daily_targets: dict[dt.date, Decimal] = {}
    if snapshot.period_kind in DAILY_KINDS:  # a week or a day: the plan is the sum of the daily targets
        for (year, month), value in months.items():
            daily_targets.update(profiles.daily_split(value, year, month, snapshot.metric.precision))
    cumulative, planned, actual, plan, time_line = ZERO, ZERO, [], [], []
    for day in days:
        cumulative += daily.get(day, ZERO)
        actual.append(float(cumulative) if day <= as_of else None)
        if snapshot.period_kind in DAILY_KINDS:
            planned += daily_targets.get(day, ZERO)
            plan.append(float(planned))
        else:
            plan.append(float(formulas.planned_to_date(months, start, end, day, working_days=basis)))
        share = formulas.time_progress(formulas.period_units(start, end, day, working_days=basis)) or ZERO
        time_line.append(float(snapshot.target * share))
    return {"labels": [d.isoformat() for d in days], "actual": actual, "plan": plan, "time": time_line}


def gap_trend(*, user: AbstractBaseUser, snapshot: ProgressSnapshot, days: int = 30) -> dict:
    """The owner's gap (pp) in the same kind of period over the last ``days`` published nights."""
    rows = (
        snapshot_list_for(user=user)
        .filter(
            owner_key=snapshot.owner_key,
            metric=snapshot.metric,
            period_kind=snapshot.period_kind,
            as_of__gt=snapshot.as_of - dt.timedelta(days=days),
            as_of__lte=snapshot.as_of,
        )
        .order_by("as_of")
        .values_list("as_of", "gap_pp")
    )
    return {
        "labels": [d.isoformat() for d, _g in rows],
        "gap": [float(g) if g is not None else None for _d, g in rows],
    }


def team_ranking(*, user: AbstractBaseUser, snapshot: ProgressSnapshot) -> dict:
    """The snapshot's siblings (a team's reps) by achievement, best first."""
    siblings = snapshot_list_for(user=user).filter(
        as_of=snapshot.as_of, metric=snapshot.metric, period_kind=snapshot.period_kind
    )
    if snapshot.rep_id:
        siblings = siblings.filter(team=snapshot.team, rep__isnull=False)
    else:
        siblings = siblings.filter(team__parent=snapshot.team.parent, rep__isnull=True)
    rows = list(siblings.order_by(F("achievement").desc(nulls_last=True), "owner_key"))
    return {
        "labels": [r.owner_name for r in rows],
        "achievement": [float(formulas.percent(r.achievement) or 0) for r in rows],
        "highlight": [r.owner_key == snapshot.owner_key for r in rows],
    }


# --- the monthly scorecard -----------------------------------------------------------------------


@dataclass
class ScoreRow:
    rep_name: str
    rep_id: int
    team_name: str
    achievement: Decimal | None
    kpis: dict[str, Decimal | None]
    score: Decimal
    rank: int = 0


def scorecard(
    *,
    user: AbstractBaseUser,
    team: Team,
    metric: Metric | None,
    as_of: dt.date | None = None,
    month: dt.date | None = None,
    period_kind: str = PeriodKind.MONTH,
) -> dict:
    """Per rep of the team's subtree: a weighted score of the period's achievement (capped at 120 %) and KPIs.

    For a ``month`` that is closed the scores are read from its frozen night; otherwise from its latest night
    (on or before ``as_of`` when given). Another period than the month is read from the night of ``as_of``.
    """
    closed = None
    snapshot_rows, kpi_rows = snapshot_list_for(user=user), kpi_list_for(user=user)
    if period_kind != PeriodKind.MONTH:
        month = None
    if month is not None:
        month = month.replace(day=1)
        closed = closed_month_of(month)
        month_end = formulas.month_bounds(month.year, month.month)[1]
        as_of = min(as_of, month_end) if as_of is not None and as_of >= month else month_end
    if closed is not None:
        # The frozen rows, even while a backfill has that night open: no night rewrites them.
        night = closed.night
        snapshot_rows = scoped(
            ProgressSnapshot.objects.select_related("team", "rep"), user, team_field="team", owner_field="rep"
        )
        kpi_rows = scoped(
            ExecutionKpiSnapshot.objects.select_related("team", "rep"), user, team_field="team", owner_field="rep"
        )
    else:
        night = latest_night(on_or_before=as_of)
        if night is not None and month is not None and night < month:
            night = None  # no night of that month
    result: dict = {
        "as_of": night,
        "closed": closed,
        "rows": [],
        "stars": [],
        "weights": ReportSettings.load().weights,
    }
    if night is None or metric is None:
        return result
    subtree = Team.objects.filter(path__startswith=team.path).values("id")
    snapshots = {
        s.rep_id: s
        for s in snapshot_rows.filter(
            as_of=night, metric=metric, period_kind=period_kind, rep__isnull=False, team_id__in=subtree
        )
    }
    kpis = {
        k.rep_id: k
        for k in kpi_rows.filter(as_of=night, period_kind=period_kind, rep__isnull=False, team_id__in=subtree)
    }
    weights = result["weights"]
    weight_sum = sum(weights.values()) or 1
    rows = []
    for rep_id in sorted(set(snapshots) | set(kpis)):
        snapshot, kpi = snapshots.get(rep_id), kpis.get(rep_id)
        source = snapshot or kpi
        achieved = snapshot.achievement if snapshot else None
        values = {name: getattr(kpi, name) if kpi else None for name in KPI_FIELDS}
        parts = {"achievement": min(achieved or ZERO, Decimal("1.2"))}
        parts.update({name: values[name] or ZERO for name in weights if name != "achievement"})
        score = sum((Decimal(weights[name]) * parts[name] for name in weights), ZERO) * 100 / weight_sum
        rows.append(
            ScoreRow(
                rep_name=display_name(source.rep),
                rep_id=rep_id,
                team_name=source.team.name,
                achievement=achieved,
                kpis=values,
                score=score.quantize(Decimal("0.1")),
            )
        )
    rows.sort(key=lambda r: (-r.score, r.rep_name))
    for index, row in enumerate(rows, start=1):
        row.rank = index
    result["rows"] = rows
    stars = []
    for name in ("plan_completion_rate", "on_time_filing_rate", "quality_rate", "action_timeliness", "attendance_rate"):
        candidates = [r for r in rows if r.kpis[name]]
        if candidates:
            best = max(r.kpis[name] for r in candidates)
            stars.append({"kpi": name, "value": best, "reps": [r.rep_name for r in candidates if r.kpis[name] == best]})
    result["stars"] = stars
    return result


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
    from targets.selectors import my_targets

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
    from meetings.models import CheckIn, Meeting
    from targets.selectors import my_targets
    from visits.models import VisitSettings, VisitSheet
    from visits.selectors import next_visit, sheet_summaries

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
    from targets import selectors as target_selectors

    plans = target_selectors.ramp_plans_for(user=user).filter(start_date__gte=day - dt.timedelta(days=120))
    if team is not None:
        plans = plans.filter(team__path__startswith=team.path)
    plans = list(plans)
    progress = target_selectors.ramp_progress_many(plans=plans, day=day)
    return [(plan, progress[plan.pk]) for plan in plans]


def my_team(*, user: AbstractBaseUser, team: Team, day: dt.date | None = None) -> dict:
    """A manager's team today: who is ahead/behind, missing sheets, open problems, today's meetings."""
    from meetings.models import Meeting, Problem
    from visits.models import VisitSheet

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


# --- forecast errors -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ForecastError:
    """One method's mean absolute percentage error over ended months, and how many nights' forecasts count."""

    method: str
    label: str
    mape: Decimal | None
    count: int
    is_default: bool


def forecast_errors(snapshots: QuerySet[ProgressSnapshot], *, before: dt.date, months: int = 12) -> list[ForecastError]:
    """Each method's error on the month snapshots of ``snapshots`` (already scoped) whose month ended before
    ``before``, the last ``months`` of them: every night's forecast of a month against the month's final actual
    (its last night), the last night itself left out (its forecast is the actual)."""
    month_rows = snapshots.filter(period_kind=PeriodKind.MONTH, period_end__lt=before)
    finals = {
        (key, metric_id, start): actual
        for key, metric_id, start, actual in month_rows.filter(as_of=F("period_end")).values_list(
            "owner_key", "metric_id", "period_start", "actual"
        )
    }
    recent = sorted({start for _key, _metric, start in finals}, reverse=True)[:months]
    methods = [method.value for method in ForecastMethod]
    pairs: dict[str, list[tuple[Decimal | None, Decimal]]] = {method: [] for method in methods}
    rows = month_rows.filter(as_of__lt=F("period_end"), period_start__in=recent).values_list(
        "owner_key", "metric_id", "period_start", *methods
    )
    for key, metric_id, start, *forecasts in rows:
        final = finals.get((key, metric_id, start))
        if final is None:
            continue
        for method, value in zip(methods, forecasts, strict=True):
            pairs[method].append((value, final))
    default = ReportSettings.load().forecast_method
    errors = []
    for method in ForecastMethod:
        mape, count = formulas.mape(pairs[method.value])
        errors.append(ForecastError(method.value, method.label, mape, count, method.value == default))
    return errors


def owner_forecast_errors(*, user: AbstractBaseUser, snapshot: ProgressSnapshot) -> list[ForecastError]:
    """The errors of the owner and metric of ``snapshot`` (the drill-down's table)."""
    scoped_rows = snapshot_list_for(user=user).filter(owner_key=snapshot.owner_key, metric_id=snapshot.metric_id)
    return forecast_errors(scoped_rows, before=snapshot.as_of)


def company_forecast_errors(*, as_of: dt.date) -> list[ForecastError]:
    """The errors of the top units (the evidence beside the company's choice of method in the admin)."""
    top = ProgressSnapshot.objects.filter(rep__isnull=True, team__parent__isnull=True)
    return forecast_errors(top, before=as_of)
