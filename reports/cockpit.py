"""Reads of the director's and manager's home (the cockpit): a unit's whole subtree from the night's snapshots.

A unit is one team (the company, a region, a team) or, for a manager of several teams, the set of the
teams they run. Its figures are the night's snapshots of those teams (each one's actual is already its
subtree's sum); a team without a target of its own sums its child teams' snapshots, or its reps' when it has
no child teams with targets either. Every read is a fixed number of queries, however many teams the subtree
holds.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Count, Max, Q
from django.db.models.functions import TruncMonth
from django.utils import timezone

from meetings.models import Attendance, Meeting, Problem, Slot
from org.calendar import working_dates
from org.models import Membership, Role, Team
from org.scoping import scoped
from reports import periods
from reports.cockpit_figures import (
    PROBLEM_AGES,
    TILE_PERIODS,
    ZERO,
    Figure,
    Unit,
    children_of,
    cockpit_tiles,
    cockpit_unit,
    figure_of,
    team_rows,
    unit_snapshots,
)
from reports.models import (
    ExecutionKpiSnapshot,
    NightlyRun,
    PeriodKind,
    ReportSettings,
    TimeBasis,
)
from reports.selectors import default_metric, kpi_list_for, latest_night, snapshot_list_for
from salesops import formulas
from salesops.formatting import display_name, month_label
from targets.models import Metric, Target, TargetPeriod
from visits.models import VisitSheet

# --- the ranking of the child units ---------------------------------------------------------------


@dataclass
class RankRow:
    name: str
    team: Team | None  # a child team: its home is one click down
    rep_id: int | None  # a rep: their drill-down
    month: Figure | None
    year: Figure | None
    kpi: ExecutionKpiSnapshot | None
    rank: int = 0


def cockpit_ranking(
    *, user: AbstractBaseUser, unit: Unit, night: dt.date, metric: Metric, children: dict[int, list[Team]]
) -> tuple[list[RankRow], str]:
    """The unit's child units (its teams, or a team's reps) by month achievement, best first; and what they are
    ("teams" or "reps")."""
    thresholds = ReportSettings.load().thresholds
    child_teams = [c for t in unit.teams for c in children.get(t.pk, [])] if unit.team else list(unit.teams)
    base = snapshot_list_for(user=user).filter(as_of=night, metric=metric, period_kind__in=TILE_PERIODS)
    kpis = kpi_list_for(user=user).filter(as_of=night, period_kind=PeriodKind.MONTH)
    rows: list[RankRow] = []
    if child_teams:
        grandchildren = children_of(child_teams)
        ids = [c.pk for c in child_teams] + [g.pk for c in child_teams for g in grandchildren.get(c.pk, [])]
        by_key = team_rows(base, ids, [metric.pk])
        kpi_of = {k.team_id: k for k in kpis.filter(rep__isnull=True, team_id__in=[c.pk for c in child_teams])}
        for child in child_teams:
            month, year = (
                figure_of(unit_snapshots(by_key, [child], grandchildren, (metric.pk, kind, night)), thresholds)
                for kind in TILE_PERIODS
            )
            rows.append(RankRow(child.name, child, None, month, year, kpi_of.get(child.pk)))
        kind_of_rows = "teams"
    else:
        team = unit.team
        snapshots = defaultdict(dict)
        for s in base.filter(rep__isnull=False, team=team):
            snapshots[s.rep_id][s.period_kind] = s
        kpi_of = {k.rep_id: k for k in kpis.filter(rep__isnull=False, team=team)}
        reps = {
            m.user_id: m.user
            for m in Membership.objects.active_on(night).filter(team=team, role=Role.REP).select_related("user")
        }
        for s_by_kind in snapshots.values():
            reps.setdefault(next(iter(s_by_kind.values())).rep_id, next(iter(s_by_kind.values())).rep)
        for rep_id, rep in reps.items():
            month, year = (
                figure_of([s] if (s := snapshots.get(rep_id, {}).get(kind)) else [], thresholds)
                for kind in TILE_PERIODS
            )
            rows.append(RankRow(display_name(rep), None, rep_id, month, year, kpi_of.get(rep_id)))
        kind_of_rows = "reps"
    rows.sort(
        key=lambda r: (-(r.month.achievement if r.month and r.month.achievement is not None else Decimal(-1)), r.name)
    )
    for index, row in enumerate(rows, start=1):
        row.rank = index
    return rows, kind_of_rows


# --- the trend pictures -----------------------------------------------------------------------------


def _last_night_of_months(night: dt.date) -> dict[int, dt.date]:
    """{month: its latest published night}, for the months of ``night``'s year through ``night``."""
    rows = (
        NightlyRun.objects.filter(status=NightlyRun.Status.FINISHED, as_of__range=(dt.date(night.year, 1, 1), night))
        .annotate(month=TruncMonth("as_of"))
        .values("month")
        .annotate(last=Max("as_of"))
        .values_list("month", "last")
    )
    return {month.month: last for month, last in rows}


def cockpit_burn_up(
    *, user: AbstractBaseUser, unit: Unit, night: dt.date, metric: Metric, children: dict[int, list[Team]]
) -> dict:
    """The year of the unit by month: cumulative actual (each month's last night; this month through ``night``),
    cumulative plan (the targets' months) and the time line (target × time progress at each month's end)."""
    thresholds = ReportSettings.load().thresholds
    year = night.year
    last_nights = _last_night_of_months(night)
    team_ids = [t.pk for t in unit.teams] + [c.pk for t in unit.teams for c in children.get(t.pk, [])]
    rows = snapshot_list_for(user=user).filter(
        as_of__in=last_nights.values(), metric=metric, period_kind=PeriodKind.YEAR
    )
    by_key = team_rows(rows, team_ids, [metric.pk])
    actual = []
    owners: set[tuple[int, int | None]] = set()  # (team, rep or None) of the summed snapshots
    for month in range(1, 13):
        as_of = last_nights.get(month)
        snapshots = unit_snapshots(by_key, unit.teams, children, (metric.pk, PeriodKind.YEAR, as_of)) if as_of else []
        owners |= {(s.team_id, s.rep_id) for s in snapshots}
        found = figure_of(snapshots, thresholds)
        actual.append(float(found.actual) if found else None)
    if not owners:  # no night yet this year: the plan of the unit's own targets (or its children's)
        owners = {(t.pk, None) for t in unit.teams}
    teams_summed = [team_id for team_id, rep_id in owners if rep_id is None]
    reps_summed = Q()
    for team_id, rep_id in owners:
        if rep_id is not None:
            reps_summed |= Q(team_id=team_id, rep_id=rep_id)
    months = defaultdict(lambda: ZERO)
    for month, value in TargetPeriod.objects.filter(
        target__in=Target.objects.filter(fiscal_year=year, metric=metric).filter(
            Q(rep=None, team_id__in=teams_summed) | (reps_summed if reps_summed else Q(pk__in=[]))
        )
    ).values_list("month", "value"):
        months[month] += value
    target = sum(months.values(), ZERO)
    start, end = dt.date(year, 1, 1), dt.date(year, 12, 31)
    basis = set(working_dates(start, end)) if ReportSettings.load().time_basis == TimeBasis.WORKING_DAYS else None
    plan, time_line, cumulative = [], [], ZERO
    for month in range(1, 13):
        cumulative += months[month]
        plan.append(float(cumulative))
        share = formulas.time_progress(
            formulas.period_units(start, end, formulas.month_end(dt.date(year, month, 1)), working_days=basis)
        )
        time_line.append(float(target * (share or ZERO)))
    return {"labels": [month_label(m) for m in range(1, 13)], "actual": actual, "plan": plan, "time": time_line}


@dataclass
class HeatRow:
    name: str
    team: Team | None
    rep_id: int | None
    cells: list[Figure | None]


def cockpit_heat(*, user: AbstractBaseUser, unit: Unit, night: dt.date, metric: Metric, ranking: list[RankRow]) -> dict:
    """Each child unit's month achievement for every month of the year so far (the month's last night)."""
    thresholds = ReportSettings.load().thresholds
    last_nights = _last_night_of_months(night)
    rows = snapshot_list_for(user=user).filter(
        as_of__in=last_nights.values(), metric=metric, period_kind=PeriodKind.MONTH
    )
    child_teams = [r.team for r in ranking if r.team]
    grandchildren = children_of(child_teams) if child_teams else {}
    team_ids = [t.pk for t in child_teams] + [g.pk for t in child_teams for g in grandchildren.get(t.pk, [])]
    by_team = team_rows(rows, team_ids, [metric.pk]) if team_ids else {}
    rep_ids = [r.rep_id for r in ranking if r.rep_id is not None]
    by_rep = {(s.rep_id, s.as_of): s for s in rows.filter(rep_id__in=rep_ids)} if rep_ids else {}
    months = sorted(last_nights)
    heat = []
    for row in ranking:
        cells = []
        for month in months:
            night_of_month = last_nights[month]
            if row.team is not None:
                rest = (metric.pk, PeriodKind.MONTH, night_of_month)
                snapshots = unit_snapshots(by_team, [row.team], grandchildren, rest)
            else:
                snapshots = [s] if (s := by_rep.get((row.rep_id, night_of_month))) else []
            cells.append(figure_of(snapshots, thresholds))
        heat.append(HeatRow(row.name, row.team, row.rep_id, cells))
    return {"months": [month_label(m) for m in months], "rows": heat}


# --- today in the subtree ---------------------------------------------------------------------------


def cockpit_today(*, user: AbstractBaseUser, unit: Unit, day: dt.date | None = None) -> dict:
    """Missing sheets, open problems by age, and meetings with their attendance, today, over the unit's subtree."""
    day = day or timezone.localdate()
    missing: list[Membership] = []
    if working_dates(day, day):
        filed = VisitSheet.objects.filter(date=day, submitted_at__isnull=False).values("rep_id")
        missing = list(
            scoped(
                Membership.objects.active_on(day).filter(unit.subtree(), role=Role.REP),
                user,
                team_field="team",
                owner_field="user",
            )
            .exclude(user_id__in=filed)
            .select_related("user", "team")
            .order_by("team__path", "user__username")
        )
    problems = scoped(Problem.objects.open(), user, team_field="team", owner_field="owner").filter(unit.subtree())
    now = timezone.now()
    buckets = {}
    for low, high in PROBLEM_AGES:
        condition = Q(created_at__lte=now - dt.timedelta(days=low))
        if high is not None:
            condition &= Q(created_at__gt=now - dt.timedelta(days=high + 1))
        buckets[f"age_{low}"] = Count("id", filter=condition)
    ages = problems.aggregate(total=Count("id"), overdue=Count("id", filter=Q(due_date__lt=day)), **buckets)
    oldest = list(problems.select_related("owner", "team").order_by("created_at")[:5])
    meetings = (
        scoped(Meeting.objects.filter(date=day), user, team_field="team", owner_field=None)
        .filter(unit.subtree())
        .values("slot")
        .annotate(
            meetings=Count("id", distinct=True),
            present=Count("checkins", filter=Q(checkins__attendance=Attendance.PRESENT)),
            late=Count("checkins", filter=Q(checkins__attendance=Attendance.LATE)),
            absent=Count("checkins", filter=Q(checkins__attendance=Attendance.ABSENT)),
            excused=Count("checkins", filter=Q(checkins__attendance=Attendance.EXCUSED)),
            expected=Count("checkins"),
        )
        .order_by("slot")
    )
    return {
        "day": day,
        "missing_sheets": missing,
        "problem_ages": [{"low": low, "high": high, "count": ages[f"age_{low}"]} for low, high in PROBLEM_AGES],
        "problems_total": ages["total"],
        "problems_overdue": ages["overdue"],
        "oldest_problems": oldest,
        "meetings": [{**row, "label": Slot(row["slot"]).label} for row in meetings],
    }


def cockpit(*, user: AbstractBaseUser, team: Team | None, as_of: dt.date | None = None) -> dict:
    """Everything of the home of ``team`` (or of the user's top teams), as of the last night up to ``as_of``."""
    unit = cockpit_unit(user=user, team=team)
    night = latest_night(on_or_before=as_of)
    metric = default_metric()
    result: dict = {"unit": unit, "night": night, "metric": metric, **cockpit_today(user=user, unit=unit)}
    if night is None or metric is None:
        return result
    children = children_of(unit.teams)
    ranking, ranking_of = cockpit_ranking(user=user, unit=unit, night=night, metric=metric, children=children)
    kpis = list(
        kpi_list_for(user=user).filter(as_of=night, period_kind=PeriodKind.MONTH, rep__isnull=True, team__in=unit.teams)
    )
    month_start, month_end = periods.bounds(PeriodKind.MONTH, night)
    year_start, year_end = periods.bounds(PeriodKind.YEAR, night)
    result.update(
        tiles=cockpit_tiles(user=user, unit=unit, night=night, children=children),
        ranking=ranking,
        ranking_of=ranking_of,
        kpis=kpis,
        month_label=periods.label(PeriodKind.MONTH, month_start, month_end, night),
        year_label=periods.label(PeriodKind.YEAR, year_start, year_end, night),
        charts={"burnUp": cockpit_burn_up(user=user, unit=unit, night=night, metric=metric, children=children)},
        heat=cockpit_heat(user=user, unit=unit, night=night, metric=metric, ranking=ranking),
    )
    return result
