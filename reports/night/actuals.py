"""A night's actuals: period-to-date and last year's sums per metric family of reps and of team subtrees,
read from the monthly and daily roll-ups in one aggregate query each."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

from django.db import connection

from reports.models import DailyActual, MonthlyActual
from reports.night.context import NightContext
from reports.night.copy import SqlParams
from reports.night.families import METRIC_FAMILIES, ZERO, Sums
from reports.night.periods import DAILY_KINDS, a_year_before, month_range
from reports.night.shards import subtree_ids


def actuals_source(ctx: NightContext, owner_filter: str) -> str:
    """The roll-up rows of the year to ``as_of`` as (day, team_id, rep_id, family, product_group, value): the
    closed months before ``ctx.daily_from`` from the monthly roll-up (dated their first day), the days since
    from the daily one.

    ``owner_filter`` is a condition on ``team_id`` / ``rep_id`` applied to both.
    """
    return f"""
        SELECT month AS day, team_id, rep_id, family, product_group, value
          FROM {MonthlyActual._meta.db_table}
         WHERE month >= %(year)s AND month < %(daily_from)s AND {owner_filter}
        UNION ALL
        SELECT day, team_id, rep_id, family, product_group, value
          FROM {DailyActual._meta.db_table}
         WHERE day BETWEEN %(daily_from)s AND %(as_of)s AND {owner_filter}
    """


def rollup_params(ctx: NightContext) -> SqlParams:
    """The parameters of ``actuals_source`` and of a period's ``FILTER (WHERE d.day >= %(start_<i>)s)``."""
    return {
        "year": ctx.year_start,
        "daily_from": ctx.daily_from,
        "as_of": ctx.as_of,
        **{f"start_{index}": start for index, (_kind, start, _end) in enumerate(ctx.periods)},
    }


def _add_sums(into: Sums, key: tuple[str, str], values: Sequence[Decimal]) -> None:
    current = into.get(key)
    into[key] = list(values) if current is None else [a + b for a, b in zip(current, values, strict=True)]


def owner_actuals(
    ctx: NightContext, *, rep_ids: Sequence[int], team_ids: Sequence[int]
) -> tuple[dict[int, Sums], dict[int, Sums]]:
    """Period-to-date actuals per metric family of reps and of teams (their whole subtrees).

    One aggregate query, a ``SUM … FILTER`` per period, over the roll-up rows of the reps and of every team
    of the subtrees (a shard's reps and teams are mostly the same rows, read once), grouped by team and rep;
    the reps' and the subtrees' sums are added up here: exact, since they are Decimals.
    """
    subtrees = subtree_ids(team_ids) if team_ids else {}
    members = sorted(set().union(*subtrees.values())) if subtrees else []
    if not rep_ids and not members:
        return {}, {}
    sums = ", ".join(f"SUM(d.value) FILTER (WHERE d.day >= %(start_{index})s)" for index in range(len(ctx.periods)))
    owners = "(team_id = ANY(%(teams)s) OR rep_id = ANY(%(reps)s)) AND family = ANY(%(families)s)"
    sql = f"""
        SELECT d.team_id, d.rep_id, d.family, d.product_group, {sums}
          FROM ({actuals_source(ctx, owners)}) d
         GROUP BY 1, 2, 3, 4
    """
    params: SqlParams = {
        **rollup_params(ctx),
        "teams": members,
        "reps": list(rep_ids),
        "families": sorted(METRIC_FAMILIES),
    }
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    return _owner_sums(rows, rep_ids, subtrees)


def _owner_sums(
    rows: Iterable[tuple[Any, ...]], rep_ids: Sequence[int], subtrees: dict[int, set[int]]
) -> tuple[dict[int, Sums], dict[int, Sums]]:
    """Rows of (team_id, rep_id, family, product_group, *sums) added up per rep and per team's subtree."""
    wanted_reps = set(rep_ids)
    by_rep: dict[int, Sums] = defaultdict(dict)
    by_member: dict[int, Sums] = defaultdict(dict)
    for team_id, rep_id, family, group, *values in rows:
        values = [value or ZERO for value in values]
        if rep_id in wanted_reps:
            _add_sums(by_rep[rep_id], (family, group), values)
        _add_sums(by_member[team_id], (family, group), values)
    by_team: dict[int, Sums] = {}
    for team_id, subtree in subtrees.items():
        total: Sums = {}
        for member in sorted(subtree):
            for key, values in by_member.get(member, {}).items():
                _add_sums(total, key, values)
        if total:
            by_team[team_id] = total
    return by_rep, by_team


def last_year_periods(ctx: NightContext) -> list[tuple[dt.date, dt.date]]:
    """Each period of the night a year earlier: whole months for months, quarters and years, the same dates
    for weeks and days."""
    spans = []
    for kind, start, end in ctx.periods:
        start_ly, end_ly = a_year_before(start), a_year_before(end)
        if kind not in DAILY_KINDS:
            end_ly = month_range(end_ly)[1]
        spans.append((start_ly, end_ly))
    return spans


def last_year_source(ctx: NightContext, owners: str, prefix: str = "") -> tuple[list[str], str, SqlParams]:
    """Last year's sums of the night as SQL: one ``SUM … FILTER`` per period of the night (the whole same period
    last year), then a last one, last year to the same day (the base of this year's growth); the roll-up rows
    they read as ``d`` (``owners`` is a condition on ``team_id`` / ``rep_id``); and their parameters, named
    with ``prefix``.

    Whole months come from the monthly roll-up, the days of weeks, days and of the month of the same day
    last year from the daily one, so the cost is one year of months and a few weeks of days."""
    as_of_ly = a_year_before(ctx.as_of)
    month_ly = as_of_ly.replace(day=1)
    spans = last_year_periods(ctx)
    params: SqlParams = {
        f"{prefix}year": dt.date(as_of_ly.year, 1, 1),
        f"{prefix}year_end": dt.date(as_of_ly.year, 12, 31),
    }
    sums = []
    day_spans = [month_ly, as_of_ly]
    for index, ((kind, _start, _end), (start_ly, end_ly)) in enumerate(zip(ctx.periods, spans, strict=True)):
        params[f"{prefix}start_{index}"], params[f"{prefix}end_{index}"] = start_ly, end_ly
        source = "d" if kind in DAILY_KINDS else "m"
        if source == "d":
            day_spans += [start_ly, end_ly]
        sums.append(
            f"SUM(d.value) FILTER (WHERE d.src = '{source}'"
            f" AND d.day BETWEEN %({prefix}start_{index})s AND %({prefix}end_{index})s)"
        )
    sums.append(
        f"SUM(d.value) FILTER (WHERE (d.src = 'm' AND d.day < %({prefix}month_ly)s)"
        f" OR (d.src = 'd' AND d.day BETWEEN %({prefix}month_ly)s AND %({prefix}as_of_ly)s))"
    )
    params.update(
        {
            f"{prefix}month_ly": month_ly,
            f"{prefix}as_of_ly": as_of_ly,
            f"{prefix}days_from": min(day_spans),
            f"{prefix}days_to": max(day_spans),
        }
    )
    source_sql = f"""
        SELECT 'm' AS src, month AS day, team_id, rep_id, family, product_group, value
          FROM {MonthlyActual._meta.db_table}
         WHERE month BETWEEN %({prefix}year)s AND %({prefix}year_end)s AND {owners}
        UNION ALL
        SELECT 'd', day, team_id, rep_id, family, product_group, value
          FROM {DailyActual._meta.db_table}
         WHERE day BETWEEN %({prefix}days_from)s AND %({prefix}days_to)s AND {owners}
    """
    return sums, source_sql, params


def last_year_actuals(
    ctx: NightContext, *, rep_ids: Sequence[int], team_ids: Sequence[int]
) -> tuple[dict[int, Sums], dict[int, Sums]]:
    """Last year's actuals of reps and of teams (subtrees): one sum per period of the night (the whole same
    period last year), then a last one: last year to the same day (``last_year_source``)."""
    subtrees = subtree_ids(team_ids) if team_ids else {}
    members = sorted(set().union(*subtrees.values())) if subtrees else []
    if not rep_ids and not members:
        return {}, {}
    owners = "(team_id = ANY(%(teams)s) OR rep_id = ANY(%(reps)s)) AND family = ANY(%(families)s)"
    sums, source, params = last_year_source(ctx, owners)
    sql = f"""
        SELECT d.team_id, d.rep_id, d.family, d.product_group, {", ".join(sums)}
          FROM ({source}) d
         GROUP BY 1, 2, 3, 4
    """
    params.update(teams=members, reps=list(rep_ids), families=sorted(METRIC_FAMILIES))
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    return _owner_sums(rows, rep_ids, subtrees)
