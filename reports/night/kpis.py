"""Execution KPIs: plan completion, on-time filing, review quality, problem resolution, action timeliness,
meeting attendance and overdue customers, per rep and per team subtree and period of the night."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from decimal import Decimal
from statistics import median
from typing import cast

from django.db import connection, models
from django.db.models import Count, F, Q, QuerySet
from django.utils import timezone

from meetings.models import Attendance, CheckIn, CorrectiveAction, Problem
from org.models import Membership, Role
from reports.models import DailyActual, ExecutionKpiSnapshot, owner_key
from reports.night.actuals import actuals_source, rollup_params
from reports.night.context import NightContext
from reports.night.copy import Cell, Row, RowFit, SqlParams, copy_upsert
from reports.night.shards import subtree_ids
from salesops import formulas
from visits.models import VisitReview
from visits.selectors import overdue_customer_counts

Owner = tuple[int, int | None]  # (team id, rep id)
OwnerCounts = dict[Owner, dict[str, int]]  # {(team, rep): {count name: n}}
OwnerHours = dict[Owner, dict[str, list[Decimal]]]  # {(team, rep): {"hours": [resolution hours]}}
PeriodSources = dict[str, OwnerCounts | OwnerHours]  # one period's counts by KPI family ("resolution": hours)
KpiValues = dict[str, Decimal | int | None]


def _count_rows(
    ctx: NightContext,
    queryset: QuerySet[models.Model],
    team_field: str,
    rep_field: str,
    date_field: str,
    counts: dict[str, Q | None],
) -> list[OwnerCounts]:
    """Per period of the night: {(team, rep): {count name: n}}, from one aggregate query over the year to date."""
    starts = [start for _kind, start, _end in ctx.periods]
    annotations: dict[str, Count] = {}
    for index, start in enumerate(starts):
        in_period = Q(**{f"{date_field}__gte": start})
        for name, condition in counts.items():
            annotations[f"{name}_{index}"] = Count("id", filter=in_period & condition if condition else in_period)
    rows = list(queryset.values(kpi_team=F(team_field), kpi_rep=F(rep_field)).annotate(**annotations))
    return [
        {(row["kpi_team"], row["kpi_rep"]): {name: row[f"{name}_{index}"] for name in counts} for row in rows}
        for index in range(len(starts))
    ]


def _rollup_counts(ctx: NightContext, team_ids: Sequence[int], families: dict[str, str]) -> list[OwnerCounts]:
    """Per period of the night: {(team, rep): {name: n}} of the roll-up ``families`` ({name: family}).

    KPI counts kept in the roll-ups (planned visits, sheets filed on time) are read from them, so their cost
    does not grow through the year as counting the year's visits and sheets would.
    """
    names = list(families)
    counts = ", ".join(
        f"SUM(d.value) FILTER (WHERE d.family = %(family_{name})s AND d.day >= %(start_{index})s)"
        for index in range(len(ctx.periods))
        for name in names
    )
    source = actuals_source(ctx, "team_id = ANY(%(owners)s) AND family = ANY(%(families)s)")
    params: SqlParams = {
        **rollup_params(ctx),
        "owners": list(team_ids),
        "families": list(families.values()),
        **{f"family_{name}": family for name, family in families.items()},
    }
    result: list[OwnerCounts] = [{} for _ in ctx.periods]
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT d.team_id, d.rep_id, {counts} FROM ({source}) d GROUP BY 1, 2", params)
        for team_id, rep_id, *values in cursor.fetchall():
            for index in range(len(ctx.periods)):
                row = values[index * len(names) : (index + 1) * len(names)]
                result[index][team_id, rep_id] = {name: int(n or 0) for name, n in zip(names, row, strict=True)}
    return result


def _kpi_sources(ctx: NightContext, source_team_ids: Sequence[int]) -> list[PeriodSources]:
    """Per period of the night, per (team, rep), the counts of every KPI: one aggregate query per KPI family."""
    teams, as_of, year_start = list(source_team_ids), ctx.as_of, ctx.year_start
    day_end = timezone.make_aware(dt.datetime.combine(as_of + dt.timedelta(days=1), dt.time()))
    families: dict[str, list[OwnerCounts]] = {
        "planned": _rollup_counts(
            ctx,
            teams,
            {"planned": DailyActual.Family.PLANNED_VISITS, "done": DailyActual.Family.PLANNED_VISITS_DONE},
        ),
        "sheets": _rollup_counts(ctx, teams, {"on_time": DailyActual.Family.SHEETS_ON_TIME}),
        "reviews": _count_rows(
            ctx,
            VisitReview.objects.filter(visit__sheet__team_id__in=teams, visit__sheet__date__range=(year_start, as_of)),
            "visit__sheet__team_id",
            "visit__sheet__rep_id",
            "visit__sheet__date",
            {"reviewed": None, "confirmed": Q(result=VisitReview.Result.CONFIRMED)},
        ),
        "actions": _count_rows(
            ctx,
            CorrectiveAction.objects.filter(
                problem__team_id__in=teams, assigned_at__date__gte=year_start, assigned_at__lt=day_end
            ),
            "problem__team_id",
            "owner_id",
            "assigned_at__date",
            {"assigned": None, "timely": Q(started_at__lte=F("assigned_at") + dt.timedelta(hours=24))},
        ),
        "attendance": _count_rows(
            ctx,
            CheckIn.objects.filter(meeting__team_id__in=teams, meeting__date__range=(year_start, as_of)).exclude(
                attendance=Attendance.EXCUSED
            ),
            "meeting__team_id",
            "rep_id",
            "meeting__date",
            {"expected": None, "attended": Q(attendance__in=[Attendance.PRESENT, Attendance.LATE])},
        ),
    }
    aware = [timezone.make_aware(dt.datetime.combine(start, dt.time())) for _kind, start, _end in ctx.periods]
    year_from = timezone.make_aware(dt.datetime.combine(year_start, dt.time()))
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            SELECT team_id, owner_id, resolved_at, EXTRACT(EPOCH FROM resolved_at - created_at) / 3600.0
              FROM {Problem._meta.db_table}
             WHERE team_id = ANY(%s) AND resolved_at >= %s AND resolved_at < %s
            """,
            [teams, year_from, day_end],
        )
        resolution: list[OwnerHours] = [defaultdict(lambda: {"hours": []}) for _ in ctx.periods]
        for team_id, owner_id, resolved_at, hours in cursor.fetchall():
            for index, period_from in enumerate(aware):
                if resolved_at >= period_from:
                    resolution[index][(team_id, owner_id)]["hours"].append(Decimal(str(hours)))
    return [
        {**{name: rows[index] for name, rows in families.items()}, "resolution": resolution[index]}
        for index in range(len(ctx.periods))
    ]


def _rate(numerator: int, denominator: int) -> Decimal | None:
    return formulas.ratio(Decimal(numerator), Decimal(denominator)) if denominator else None


def _kpi_row(
    ctx: NightContext,
    sources: PeriodSources,
    overdue: dict[Owner, int],
    keys: Sequence[Owner],
    *,
    working_days: int,
    reps: int,
) -> KpiValues:
    """KPI values from the (team, rep) count rows in ``keys``."""

    def total(family: str, field: str) -> int:
        return sum(cast(OwnerCounts, sources[family]).get(key, {}).get(field, 0) for key in keys)

    resolution = cast(OwnerHours, sources["resolution"])
    hours = [h for key in keys for h in resolution.get(key, {}).get("hours", [])]
    return {
        "plan_completion_rate": _rate(total("planned", "done"), total("planned", "planned")),
        "on_time_filing_rate": _rate(total("sheets", "on_time"), working_days * reps),
        "quality_rate": _rate(total("reviews", "confirmed"), total("reviews", "reviewed")),
        "median_resolution_hours": Decimal(median(hours)).quantize(Decimal("0.01")) if hours else None,
        "action_timeliness": _rate(total("actions", "timely"), total("actions", "assigned")),
        "attendance_rate": _rate(total("attendance", "attended"), total("attendance", "expected")),
        "overdue_customers": sum(overdue.get(key, 0) for key in keys),
    }


KPI_KEY = ["as_of", "owner_key", "period_kind", "period_start"]
KPI_FIELDS = [
    "plan_completion_rate",
    "on_time_filing_rate",
    "quality_rate",
    "median_resolution_hours",
    "action_timeliness",
    "attendance_rate",
    "overdue_customers",
]
KPI_VALUES = ["team_id", "rep_id", "period_end", *KPI_FIELDS, "flags", "computed_at"]
KPI_FIT = RowFit(ExecutionKpiSnapshot, KPI_KEY + KPI_VALUES)


def execution_kpis_compute(ctx: NightContext, team_ids: Sequence[int], *, reps_of_teams: Sequence[int]) -> int:
    """KPI snapshots of ``team_ids`` (over their subtrees) and of the reps who are members of ``reps_of_teams``."""
    if ctx.frozen:
        return 0
    subtrees = subtree_ids(team_ids)
    source_teams = sorted(set().union(*subtrees.values()) | set(reps_of_teams)) if subtrees else list(reps_of_teams)
    members = list(
        Membership.objects.active_on(ctx.as_of)
        .filter(team_id__in=source_teams, role=Role.REP)
        .values_list("team_id", "user_id")
    )
    overdue = overdue_customer_counts(ctx.as_of, source_teams)
    rows: list[Row] = []

    def add(team_id: int, rep_id: int | None, kind: str, start: dt.date, end: dt.date, values: KpiValues) -> None:
        key = owner_key(team_id=team_id, rep_id=rep_id)
        row: list[Cell] = [
            ctx.as_of,
            key,
            kind,
            start,
            team_id,
            rep_id,
            end,
            *(values[f] for f in KPI_FIELDS),
            [],
            ctx.now,
        ]
        rows.append(KPI_FIT.fit(row))

    reps_in = {
        team_id: sum(1 for member_team, _user in members if member_team in subtree)
        for team_id, subtree in subtrees.items()
    }
    for (kind, start, end), sources in zip(ctx.periods, _kpi_sources(ctx, source_teams), strict=True):
        working_days = sum(1 for day in ctx.working if start <= day <= min(end, ctx.as_of))
        keys_of_rep: dict[int | None, list[Owner]] = defaultdict(list)
        keys_of_team: dict[int, list[Owner]] = defaultdict(list)
        for key in set().union(*(family.keys() for family in sources.values())) | set(overdue):
            keys_of_rep[key[1]].append(key)
            keys_of_team[key[0]].append(key)
        for team_id, rep_id in members:
            if team_id in reps_of_teams:
                values = _kpi_row(ctx, sources, overdue, keys_of_rep[rep_id], working_days=working_days, reps=1)
                add(team_id, rep_id, kind, start, end, values)
        for team_id, subtree in subtrees.items():
            keys = [key for member in subtree for key in keys_of_team.get(member, ())]
            values = _kpi_row(ctx, sources, overdue, keys, working_days=working_days, reps=reps_in[team_id])
            add(team_id, None, kind, start, end, values)
    copy_upsert(ExecutionKpiSnapshot._meta.db_table, KPI_KEY, KPI_VALUES, rows)
    return len(rows)
