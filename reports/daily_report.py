"""The daily report and a rep's drill-down (burn-up, gap trend, team ranking), read from the published nights;
every read goes through org.scoping."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import F, Q, Sum

from org.calendar import working_dates
from org.models import Team
from reports.models import (
    DailyActual,
    ExecutionKpiSnapshot,
    PeriodKind,
    ProgressSnapshot,
    ReportSettings,
    TimeBasis,
)
from reports.night.families import FAMILIES_OF, MONEY_FAMILIES
from reports.night.periods import DAILY_KINDS
from reports.selectors import (
    ZERO,
    kpi_list_for,
    latest_night,
    snapshot_list_for,
)
from salesops import formulas
from targets import profiles
from targets.models import Metric, Target

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
