"""Progress snapshots: one row per target and period of the night (target, actual, progress, forecasts, flags)."""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import NamedTuple, cast

from django.db import DatabaseError, connection, transaction

from reports.models import PeriodKind, ProgressSnapshot, owner_key
from reports.night.actuals import last_year_actuals, owner_actuals
from reports.night.context import NightContext
from reports.night.copy import Cell, Row, RowFit, copy_upsert
from reports.night.families import ZERO, Sums, metric_actual
from reports.night.periods import DAILY_KINDS
from reports.night.snapshot_sql import snapshots_upsert
from salesops import formulas
from targets.models import Metric, Target, TargetPeriod

logger = logging.getLogger(__name__)

Months = dict[tuple[int, int], Decimal]  # a target's monthly values, {(fiscal year, month): value}


def _target_and_plan(
    ctx: NightContext, target: NightTarget, months: Months, kind: str, start: dt.date, end: dt.date
) -> tuple[Decimal, Decimal]:
    """(target value, planned to date) of one period: month sums for months, quarters and years; daily
    targets for weeks and days."""
    if kind in DAILY_KINDS:
        return ctx.daily_target(months, start, end, target.metric.precision)
    in_period = {key: value for key, value in months.items() if start.month <= key[1] <= end.month}
    planned = formulas.planned_to_date(in_period, start, end, ctx.as_of, units_of=ctx.units)
    return sum(in_period.values(), ZERO), planned


def _target_rows(ctx: NightContext, target: NightTarget, months: Months, sums: Sums, last_year: Sums) -> list[Row]:
    """The snapshot rows of one target, one per period of the night, in the order of ``SNAPSHOT_COLUMNS``."""
    rows = []
    key = owner_key(team_id=target.team_id, rep_id=target.rep_id)
    year_index = next(i for i, (kind, _s, _e) in enumerate(ctx.periods) if kind == PeriodKind.YEAR)
    growth = None
    if last_year:
        to_date_ly = metric_actual(target.metric, last_year, len(ctx.periods))
        growth = formulas.growth(metric_actual(target.metric, sums, year_index), to_date_ly)
    for index, (kind, start, end) in enumerate(ctx.periods):
        target_value, planned = _target_and_plan(ctx, target, months, kind, start, end)
        units = ctx.units(start, end)
        numbers = formulas.progress(
            target=target_value,
            actual=metric_actual(target.metric, sums, index),
            planned=planned,
            units=units,
            thresholds=ctx.settings.thresholds,
            precision=target.metric.precision,
        )
        row: list[Cell] = [
            ctx.as_of,
            key,
            target.metric_id,
            kind,
            start,
            target.team_id,
            target.rep_id,
            end,
            numbers.target,
            numbers.actual,
            numbers.achievement,
            numbers.time_progress,
            units.elapsed,
            units.total,
            numbers.plan_progress,
            numbers.gap_pp,
            numbers.status,
            numbers.forecast,
            numbers.forecast_seasonal,
            formulas.last_year_forecast(
                metric_actual(target.metric, last_year, index) if last_year else None,
                growth,
                target.metric.precision,
            ),
            numbers.required_daily_rate,
            list(numbers.flags),
            ctx.now,
        ]
        rows.append(SNAPSHOT_FIT.fit(row))
    return rows


def _snapshot_rows(
    ctx: NightContext,
    targets: Sequence[NightTarget],
    months_of: Callable[[NightTarget], Months],
    actuals_of: Callable[[NightTarget], Sums],
    last_year_of: Callable[[NightTarget], Sums],
) -> list[Row]:
    """The snapshot rows of ``targets``; a target whose numbers cannot be computed is skipped and noted in
    ``ctx.problems``, so it never stops the shard."""
    rows = []
    for target in targets:
        try:
            rows.extend(_target_rows(ctx, target, months_of(target), actuals_of(target), last_year_of(target)))
        except Exception as error:
            logger.exception("night %s: target %s skipped", ctx.as_of, target.pk)
            ctx.problems.append({"target": target.pk, "error": f"{type(error).__name__}: {error}"[:300]})
    return rows


# The natural key first, then the values an upsert replaces (``rank`` is the final step's).
SNAPSHOT_KEY = ["as_of", "owner_key", "metric_id", "period_kind", "period_start"]
SNAPSHOT_VALUES = [
    "team_id",
    "rep_id",
    "period_end",
    "target",
    "actual",
    "achievement",
    "time_progress",
    "days_elapsed",
    "days_total",
    "plan_progress",
    "gap_pp",
    "status",
    "forecast",
    "forecast_seasonal",
    "forecast_last_year",
    "required_daily_rate",
    "flags",
    "computed_at",
]
SNAPSHOT_COLUMNS = SNAPSHOT_KEY + SNAPSHOT_VALUES
SNAPSHOT_FIT = RowFit(ProgressSnapshot, SNAPSHOT_COLUMNS)


def _target_months(target_ids: Sequence[int], year: int) -> dict[int, Months]:
    """Every target's monthly values, {target id: {(fiscal year, month): value}}, in one query."""
    months: dict[int, Months] = defaultdict(dict)
    for target_id, month, value in TargetPeriod.objects.filter(target_id__in=target_ids).values_list(
        "target_id", "month", "value"
    ):
        months[target_id][year, month] = value
    return months


class NightTarget(NamedTuple):
    """What the night needs of a target (rows, not model instances: a company has thousands)."""

    pk: int
    team_id: int
    rep_id: int | None
    metric_id: int
    metric: Metric


def _night_targets(ctx: NightContext, team_ids: Sequence[int]) -> list[NightTarget]:
    metrics = {metric.pk: metric for metric in Metric.objects.all()}
    rows = Target.objects.filter(fiscal_year=ctx.as_of.year, team_id__in=team_ids).values_list(
        "pk", "team_id", "rep_id", "metric_id"
    )
    return [NightTarget(pk, team_id, rep_id, metric_id, metrics[metric_id]) for pk, team_id, rep_id, metric_id in rows]


def progress_snapshots_compute(ctx: NightContext, team_ids: Sequence[int]) -> int:
    """Snapshots of the reps whose targets sit in ``team_ids`` and of those teams (subtree actuals), computed
    and upserted by one statement (``snapshot_sql``); should PostgreSQL refuse it, row by row here instead,
    where a target that cannot be computed is skipped and noted. Returns the rows written."""
    if ctx.frozen:
        return 0
    _deleted_targets_forget(ctx, team_ids)
    try:
        with transaction.atomic():
            return snapshots_upsert(ctx, team_ids)
    except DatabaseError:
        logger.exception("night %s: snapshots of teams %s computed row by row", ctx.as_of, list(team_ids))
    rows = progress_snapshot_rows(ctx, team_ids)
    copy_upsert(ProgressSnapshot._meta.db_table, SNAPSHOT_KEY, [*SNAPSHOT_VALUES, "rank"], _with_rep_ranks(rows))
    return len(rows)


def _deleted_targets_forget(ctx: NightContext, team_ids: Sequence[int]) -> None:
    """A night computed again after a target was deleted: its snapshots go too."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            DELETE FROM {ProgressSnapshot._meta.db_table} s
             WHERE s.as_of = %s AND s.team_id = ANY(%s)
               AND NOT EXISTS (SELECT 1 FROM {Target._meta.db_table} t
                                WHERE t.fiscal_year = %s AND t.team_id = s.team_id AND t.metric_id = s.metric_id
                                  AND t.rep_id IS NOT DISTINCT FROM s.rep_id)
            """,
            [ctx.as_of, list(team_ids), ctx.as_of.year],
        )


def progress_snapshot_rows(ctx: NightContext, team_ids: Sequence[int]) -> list[Row]:
    """The snapshot rows of the targets in ``team_ids`` computed here through ``salesops.formulas``, one target
    at a time (in the order of ``SNAPSHOT_COLUMNS``, without the rank): the reference of ``snapshot_sql``."""
    targets = _night_targets(ctx, team_ids)
    months = _target_months([t.pk for t in targets], ctx.as_of.year)
    rep_targets = [t for t in targets if t.rep_id]
    team_targets = [t for t in targets if not t.rep_id]
    owners = {
        "rep_ids": sorted({cast(int, t.rep_id) for t in rep_targets}),
        "team_ids": sorted({t.team_id for t in team_targets}),
    }
    by_rep, by_team = owner_actuals(ctx, **owners)
    by_rep_ly, by_team_ly = last_year_actuals(ctx, **owners)
    months_of: Callable[[NightTarget], Months] = lambda t: months.get(t.pk, {})  # noqa: E731
    rows = _snapshot_rows(
        ctx,
        rep_targets,
        months_of,
        lambda t: by_rep.get(cast(int, t.rep_id), {}),
        lambda t: by_rep_ly.get(cast(int, t.rep_id), {}),
    )
    rows += _snapshot_rows(
        ctx, team_targets, months_of, lambda t: by_team.get(t.team_id, {}), lambda t: by_team_ly.get(t.team_id, {})
    )
    return rows


_TEAM_AT, _REP_AT = SNAPSHOT_COLUMNS.index("team_id"), SNAPSHOT_COLUMNS.index("rep_id")
_ACHIEVEMENT_AT = SNAPSHOT_COLUMNS.index("achievement")
_PERIOD_AT = [SNAPSHOT_COLUMNS.index(name) for name in ("metric_id", "period_kind", "period_start")]


def _with_rep_ranks(rows: Sequence[Row]) -> list[Row]:
    """The rows with their rank appended: a rep's among the reps of their team (all of them are in the shard: a
    team is never split) by achievement, as ``snapshot_ranks_update`` ranks them (``RANK()``, best first, no
    achievement last), so the final step rewrites none of the reps' rows; a team's is the final step's (its
    siblings may sit in other shards)."""
    groups: dict[tuple[object, ...], list[int]] = defaultdict(list)
    for index, row in enumerate(rows):
        if row[_REP_AT] is not None:
            groups[(row[_TEAM_AT], *(row[i] for i in _PERIOD_AT))].append(index)
    ranks: list[int | None] = [None] * len(rows)
    for members in groups.values():
        values = [cast(Decimal | None, rows[i][_ACHIEVEMENT_AT]) for i in members]
        achieved = sorted((value for value in values if value is not None), reverse=True)
        better: dict[Decimal, int] = {}
        for position, found in enumerate(achieved):
            better.setdefault(found, position)
        for i, value in zip(members, values, strict=True):
            ranks[i] = (len(achieved) if value is None else better[value]) + 1
    return [(*row, rank) for row, rank in zip(rows, ranks, strict=True)]
