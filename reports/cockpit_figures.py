"""The cockpit's unit and its figures: which teams a unit holds, the night's snapshots of its subtree summed
into figures, and the tiles comparing them with earlier nights."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Q, QuerySet

from org.models import Team
from org.scoping import scope_for, visible_teams
from reports import periods
from reports.models import (
    NightlyRun,
    PeriodKind,
    ProgressSnapshot,
    ReportSettings,
    owner_key,
)
from reports.selectors import snapshot_list_for
from salesops import formulas
from targets.models import Metric

ZERO = Decimal(0)
# The tiles' metrics, in order: the first active metric counted each way (without a product group).
TILE_KINDS = (
    Metric.ActualKind.SALES_AMOUNT,
    Metric.ActualKind.NEW_LINE_AMOUNT,
    Metric.ActualKind.NEW_CUSTOMERS,
    Metric.ActualKind.VISITS,
)
TILE_PERIODS = (PeriodKind.MONTH, PeriodKind.YEAR)
# Snapshots of teams by (owner key, metric, kind, as of): a team's own row, or its reps' rows (see team_rows).
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


def figure_of(snapshots: list[ProgressSnapshot], thresholds: formulas.Thresholds) -> Figure | None:
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


def team_rows(rows: QuerySet[ProgressSnapshot], team_ids: list[int], metric_ids: list[int]) -> TeamRows:
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


def unit_snapshots(
    by_key: TeamRows, teams: list[Team], children: dict[int, list[Team]], rest: tuple
) -> list[ProgressSnapshot]:
    """Each team's own snapshot (``rest`` = metric, kind, as of), or its child teams' when it has no target, or
    its reps' when it has neither (see ``team_rows``)."""
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


def children_of(teams: list[Team]) -> dict[int, list[Team]]:
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
    by_key = team_rows(rows, team_ids, [m.pk for m in metrics])
    tiles = []
    for kind in TILE_PERIODS:
        start, end = periods.bounds(kind, night)
        for metric in metrics:

            def figure(as_of: dt.date | None, metric: Metric = metric, kind: str = kind) -> Figure | None:
                if as_of is None:
                    return None
                snapshots = unit_snapshots(by_key, unit.teams, children, (metric.pk, kind, as_of))
                return figure_of(snapshots, thresholds)

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
