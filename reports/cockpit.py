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
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Count, Max, Q, QuerySet
from django.db.models.functions import TruncMonth
from django.utils import timezone

from meetings.models import Attendance, Meeting, Problem, Slot
from org.calendar import working_dates
from org.models import Membership, Role, Team
from org.scoping import scope_for, scoped, visible_teams
from reports import periods
from reports.models import (
    ExecutionKpiSnapshot,
    NightlyRun,
    PeriodKind,
    ProgressSnapshot,
    ReportSettings,
    TimeBasis,
    owner_key,
)
from reports.selectors import default_metric, kpi_list_for, latest_night, snapshot_list_for
from salesops import formulas
from salesops.formatting import display_name, month_label
from targets.models import Metric, Target, TargetPeriod
from visits.models import VisitSheet

ZERO = Decimal(0)
# The tiles' metrics, in order: the first active metric counted each way (without a product group).
TILE_KINDS = (
    Metric.ActualKind.SALES_AMOUNT,
    Metric.ActualKind.NEW_LINE_AMOUNT,
    Metric.ActualKind.NEW_CUSTOMERS,
    Metric.ActualKind.VISITS,
)
TILE_PERIODS = (PeriodKind.MONTH, PeriodKind.YEAR)
# Snapshots of teams by (owner key, metric, kind, as of): a team's own row, or its reps' rows (see _team_rows).
TeamRows = dict[tuple, list[ProgressSnapshot]]
# Open problems by age in days since raised: (lower bound, upper bound or None).
PROBLEM_AGES = ((0, 1), (2, 3), (4, 7), (8, None))


# --- the unit --------------------------------------------------------------------------------------


@dataclass
class Unit:
    """What the home shows: one team, or the several teams a manager runs side by side."""

    teams: list[Team]
    crumbs: list[Team] = field(default_factory=list)  # the visible ancestors, top first

    @property
    def team(self) -> Team | None:
        return self.teams[0] if len(self.teams) == 1 else None

    @property
    def name(self) -> str:
        return " · ".join(team.name for team in self.teams)

    @property
    def paths(self) -> Q:
        condition = Q()
        for team in self.teams:
            condition |= Q(path__startswith=team.path)
        return condition

    def subtree(self, prefix: str = "team__") -> Q:
        condition = Q()
        for team in self.teams:
            condition |= Q(**{f"{prefix}path__startswith": team.path})
        return condition


def top_teams(*, user: AbstractBaseUser) -> list[Team]:
    """The highest teams the user sees: the company for a director, the teams a manager runs."""
    teams = list(visible_teams(user).order_by("path"))
    ids = {team.pk for team in teams}
    return [team for team in teams if team.parent_id not in ids]


def crumbs_for(*, user: AbstractBaseUser, team: Team) -> list[Team]:
    """The ancestors of ``team`` the user sees, top first: the breadcrumbs back up to their home."""
    scope = scope_for(user)
    return [a for a in team.ancestors() if scope.is_director or a.pk in scope.team_ids]


def cockpit_unit(*, user: AbstractBaseUser, team: Team | None) -> Unit:
    """The unit of the home: ``team`` (already scoped by the caller) with its breadcrumbs, or the user's top."""
    tops = top_teams(user=user)
    if team is None or team in tops and len(tops) == 1:
        return Unit(teams=tops)
    return Unit(teams=[team], crumbs=crumbs_for(user=user, team=team))


# --- figures summed from snapshots --------------------------------------------------------------


@dataclass
class Figure:
    """One owner's (or a sum of owners') progress in one metric and period as of one night."""

    target: Decimal
    actual: Decimal
    planned: Decimal
    time_progress: Decimal | None
    forecast: Decimal | None
    thresholds: formulas.Thresholds

    @property
    def achievement(self) -> Decimal | None:
        return formulas.achievement(self.actual, self.target)

    @property
    def gap_pp(self) -> Decimal | None:
        return formulas.gap_pp(self.achievement, self.time_progress)

    @property
    def status(self) -> str:
        return formulas.status(self.gap_pp, self.thresholds)

    @property
    def gap_class(self) -> str:
        return f"gap-{self.status}" if self.status != formulas.Status.NO_TARGET else ""

    @property
    def gap(self) -> Decimal:
        """What is still missing to the target (never negative)."""
        return max(self.target - self.actual, ZERO)

    @property
    def plan_progress(self) -> Decimal | None:
        return formulas.plan_progress(self.planned, self.target)


def _figure_of(snapshots: list[ProgressSnapshot], thresholds: formulas.Thresholds) -> Figure | None:
    """The sum of snapshots of one metric and period (exact: Decimals); None when there are none."""
    if not snapshots:
        return None
    forecasts = [s.forecast for s in snapshots]
    return Figure(
        target=sum((s.target for s in snapshots), ZERO),
        actual=sum((s.actual for s in snapshots), ZERO),
        planned=sum((s.target * (s.plan_progress or ZERO) for s in snapshots), ZERO),
        time_progress=snapshots[0].time_progress,
        forecast=sum(forecasts, ZERO) if None not in forecasts else None,
        thresholds=thresholds,
    )


def _team_rows(rows: QuerySet[ProgressSnapshot], team_ids: list[int], metric_ids: list[int]) -> TeamRows:
    """The teams' own snapshots among ``rows`` by (owner key, metric, kind, as of). A team without a row of its
    own for a metric (a leaf team whose target was never set) gets its reps' rows of that metric instead, so its
    figure is the sum of its reps; one more query, only when such a team is there."""
    by_key: TeamRows = defaultdict(list)
    have = set()
    for s in rows.filter(rep__isnull=True, team_id__in=team_ids):
        by_key[(s.owner_key, s.metric_id, s.period_kind, s.as_of)].append(s)
        have.add((s.team_id, s.metric_id))
    lacking = {team_id for team_id in team_ids for metric_id in metric_ids if (team_id, metric_id) not in have}
    if lacking:
        for s in rows.filter(rep__isnull=False, team_id__in=lacking, metric_id__in=metric_ids):
            if (s.team_id, s.metric_id) not in have:
                by_key[(owner_key(team_id=s.team_id), s.metric_id, s.period_kind, s.as_of)].append(s)
    return by_key


def _unit_snapshots(
    by_key: TeamRows, teams: list[Team], children: dict[int, list[Team]], rest: tuple
) -> list[ProgressSnapshot]:
    """Each team's own snapshot (``rest`` = metric, kind, as of), or its child teams' when it has no target, or
    its reps' when it has neither (see ``_team_rows``)."""
    found = []
    for team in teams:
        own = by_key.get((owner_key(team_id=team.pk), *rest))
        if own:
            found += own
        else:
            found += [
                s for child in children.get(team.pk, []) for s in by_key.get((owner_key(team_id=child.pk), *rest), [])
            ]
    return found


def _change(now: Decimal | None, before: Decimal | None) -> Decimal | None:
    """The relative change from ``before`` to ``now`` (0.125 = +12.5 %), None when there is no base."""
    if now is None or before is None or before == 0:
        return None
    return (now - before) / before


@dataclass
class Comparison:
    night: dt.date | None
    figure: Figure | None

    @property
    def actual(self) -> Decimal | None:
        return self.figure.actual if self.figure else None


@dataclass
class Tile:
    metric: Metric
    period_kind: str
    label: str
    figure: Figure | None
    last_year: Comparison
    last_month: Comparison

    @property
    def change_last_year(self) -> Decimal | None:
        return _change(self.figure.actual if self.figure else None, self.last_year.actual)

    @property
    def change_last_month(self) -> Decimal | None:
        return _change(self.figure.actual if self.figure else None, self.last_month.actual)


def tile_metrics() -> list[Metric]:
    """The first active metric of each tile kind (sales, new-line sales, new customers, visits), in that order."""
    first: dict[str, Metric] = {}
    for metric in Metric.objects.filter(active=True, product_group="", actual_kind__in=TILE_KINDS).order_by(
        "position", "id"
    ):
        first.setdefault(metric.actual_kind, metric)
    return [first[kind] for kind in TILE_KINDS if kind in first]


def _comparison_nights(night: dt.date) -> dict[str, dict[str, dt.date | None]]:
    """For last year and last month: the latest published night on or before the same day that is still in
    the same month (for month-to-date) and the same year (for year-to-date) as that day."""
    days = {"last_year": periods.same_day_months_back(night, 12), "last_month": periods.same_day_months_back(night, 1)}
    earliest = min(days.values()).replace(month=1, day=1)
    nights = sorted(
        NightlyRun.objects.filter(status=NightlyRun.Status.FINISHED, as_of__range=(earliest, night)).values_list(
            "as_of", flat=True
        )
    )
    result: dict[str, dict[str, dt.date | None]] = {}
    for name, day in days.items():
        before = [n for n in nights if n <= day]
        latest = before[-1] if before else None
        result[name] = {
            PeriodKind.MONTH: latest if latest and (latest.year, latest.month) == (day.year, day.month) else None,
            PeriodKind.YEAR: latest if latest and latest.year == day.year else None,
        }
    return result


def _children_of(teams: list[Team]) -> dict[int, list[Team]]:
    children: dict[int, list[Team]] = defaultdict(list)
    for child in Team.objects.filter(parent__in=teams).order_by("name", "pk"):
        children[child.parent_id].append(child)
    return children


def cockpit_tiles(*, user: AbstractBaseUser, unit: Unit, night: dt.date, children: dict[int, list[Team]]) -> list[Tile]:
    """Month-to-date and year-to-date tiles of the unit for each tile metric, with last year and last month."""
    metrics = tile_metrics()
    compare = _comparison_nights(night)
    thresholds = ReportSettings.load().thresholds
    nights = {night} | {n for by_kind in compare.values() for n in by_kind.values() if n}
    team_ids = [t.pk for t in unit.teams] + [c.pk for t in unit.teams for c in children.get(t.pk, [])]
    rows = snapshot_list_for(user=user).filter(as_of__in=nights, metric__in=metrics, period_kind__in=TILE_PERIODS)
    by_key = _team_rows(rows, team_ids, [m.pk for m in metrics])
    tiles = []
    for kind in TILE_PERIODS:
        start, end = periods.bounds(kind, night)
        for metric in metrics:

            def figure(as_of: dt.date | None, metric: Metric = metric, kind: str = kind) -> Figure | None:
                if as_of is None:
                    return None
                snapshots = _unit_snapshots(by_key, unit.teams, children, (metric.pk, kind, as_of))
                return _figure_of(snapshots, thresholds)

            last_year, last_month = compare["last_year"][kind], compare["last_month"][kind]
            tiles.append(
                Tile(
                    metric=metric,
                    period_kind=kind,
                    label=periods.label(kind, start, end, night),
                    figure=figure(night),
                    last_year=Comparison(last_year, figure(last_year)),
                    last_month=Comparison(last_month, figure(last_month)),
                )
            )
    return tiles


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
        grandchildren = _children_of(child_teams)
        ids = [c.pk for c in child_teams] + [g.pk for c in child_teams for g in grandchildren.get(c.pk, [])]
        by_key = _team_rows(base, ids, [metric.pk])
        kpi_of = {k.team_id: k for k in kpis.filter(rep__isnull=True, team_id__in=[c.pk for c in child_teams])}
        for child in child_teams:
            month, year = (
                _figure_of(_unit_snapshots(by_key, [child], grandchildren, (metric.pk, kind, night)), thresholds)
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
                _figure_of([s] if (s := snapshots.get(rep_id, {}).get(kind)) else [], thresholds)
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
    by_key = _team_rows(rows, team_ids, [metric.pk])
    actual = []
    owners: set[tuple[int, int | None]] = set()  # (team, rep or None) of the summed snapshots
    for month in range(1, 13):
        as_of = last_nights.get(month)
        snapshots = _unit_snapshots(by_key, unit.teams, children, (metric.pk, PeriodKind.YEAR, as_of)) if as_of else []
        owners |= {(s.team_id, s.rep_id) for s in snapshots}
        found = _figure_of(snapshots, thresholds)
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
    grandchildren = _children_of(child_teams) if child_teams else {}
    team_ids = [t.pk for t in child_teams] + [g.pk for t in child_teams for g in grandchildren.get(t.pk, [])]
    by_team = _team_rows(rows, team_ids, [metric.pk]) if team_ids else {}
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
                snapshots = _unit_snapshots(by_team, [row.team], grandchildren, rest)
            else:
                snapshots = [s] if (s := by_rep.get((row.rep_id, night_of_month))) else []
            cells.append(_figure_of(snapshots, thresholds))
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
    children = _children_of(unit.teams)
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
