"""Progress snapshots in one statement: every target × period of a shard computed and upserted by PostgreSQL.

The numbers are ``salesops.formulas.progress`` (and the forecasts beside it) written in SQL, with the same
results to the last digit (``tests/reports/test_snapshot_sql.py`` compares them on hand-worked and random
cases). Two things make that so:

- a ratio rounded once (achievement, time and plan progress, the seasonal forecast, the required daily rate)
  is the exact quotient rounded half up, as ``Decimal`` gives it: the numerator is taken to 40 decimals before
  the division, so PostgreSQL's own rounding of the quotient can never move it across a half (plan progress
  too: ``Decimal``'s planned to date is within 10⁻²⁷ of the exact one, and a quotient of sums of cents is never
  that close to a half without being on it, where ``Decimal``'s planned is exact);
- a number ``Decimal`` rounds twice (the run-rate forecast ``A / elapsed × total`` and the last-year forecast
  ``period last year × growth``) is computed with ``Decimal``'s intermediate roundings (28 significant
  digits, half even: ``_decimal_stages``), since the exact value differs from it on real cases (11 visits
  in 6 of 21 days: exactly 38.5, ``Decimal`` says 38).
"""

from __future__ import annotations

from collections.abc import Sequence

from django.db import connection, models

from reports.models import ProgressSnapshot
from reports.night.actuals import actuals_source, last_year_source, rollup_params
from reports.night.context import NightContext
from reports.night.copy import SqlParams
from reports.night.families import METRIC_FAMILIES, MONEY_FAMILIES
from reports.night.periods import DAILY_KINDS
from reports.night.shards import subtree_ids
from salesops import formulas
from targets.models import Metric, Target, TargetPeriod
from targets.profiles import FAMILIES_OF

DECIMAL_DIGITS = 28  # the significant digits of Python's default decimal context
EXACT_PLACES = 40  # decimals a numerator is given before a division rounded once


def _pow10(exponent: str) -> str:
    """10 ** ``exponent`` (an integer SQL expression), exactly."""
    return f"('1e' || ({exponent}))::numeric"


def _exact(numerator: str, denominator: str) -> str:
    """``numerator / denominator`` to ``EXACT_PLACES`` decimals, to be rounded once."""
    return f"(round({numerator}, {EXACT_PLACES}) / ({denominator}))"


def _decimal_stages(source: str, tag: str, quotients: Sequence[tuple[str, str, str]]) -> tuple[str, str]:
    """CTEs adding to the rows of ``source`` a column per (name, numerator, denominator) of ``quotients``:
    ``Decimal(numerator) / Decimal(denominator)`` as Python's default context computes it (the exact quotient
    rounded to 28 significant digits, half even); NULL when either is NULL or the denominator is 0. The
    numerator and denominator are expressions on the row ``x``. Returns (the CTEs, the name of the last).

    The decimal exponent is the float logarithm's, made exact by comparison; the digits are the integer
    quotient of the numerator shifted to 28 of them, rounded by the remainder."""
    first = DECIMAL_DIGITS - 1
    exponents, shifted, values = [], [], []
    for name, numerator, denominator in quotients:
        top, bottom = f"({numerator})::numeric", f"({denominator})::numeric"
        n, d = f"abs({top})", f"abs(NULLIF({bottom}, 0))"
        guess = f"(CASE WHEN {n} = 0 THEN 0 ELSE floor(log({n}::float8) - log({d}::float8))::int END)"
        exponents.append(
            f"{guess} - ({n} < {d} * {_pow10(guess)})::int + ({n} >= {d} * {_pow10(f'{guess} + 1')})::int"
            f" AS {name}_exponent"
        )
        shifted.append(f"{n} * {_pow10(f'{first} - x.{name}_exponent')} AS {name}_shifted")
        digits, rest = f"div(x.{name}_shifted, {d})", f"(x.{name}_shifted - div(x.{name}_shifted, {d}) * {d})"
        values.append(
            f"sign({top}) * sign({bottom}) * ({digits} + CASE WHEN 2 * {rest} > {d}"
            f" OR (2 * {rest} = {d} AND mod({digits}, 2) = 1) THEN 1 ELSE 0 END)"
            f" * {_pow10(f'x.{name}_exponent - {first}')} AS {name}"
        )
    ctes = f"""
{tag}_exponent AS MATERIALIZED (SELECT x.*, {", ".join(exponents)} FROM {source} x),
{tag}_shifted AS MATERIALIZED (SELECT x.*, {", ".join(shifted)} FROM {tag}_exponent x),
{tag} AS MATERIALIZED (SELECT x.*, {", ".join(values)} FROM {tag}_shifted x),"""
    return ctes, tag


def _largest(field: str) -> str:
    """The largest value ``ProgressSnapshot.<field>`` holds, as a SQL literal (``RowFit``'s bound)."""
    column = ProgressSnapshot._meta.get_field(field)
    assert isinstance(column, models.DecimalField)
    digits, places = column.max_digits, column.decimal_places
    return f"{10 ** (digits - places)} - 1e-{places}" if places else f"{10**digits - 1}"


# The columns RowFit may have to fit, in the order of SNAPSHOT_COLUMNS (the others cannot overflow: the
# ratios are capped at RATIO_LIMIT, time progress is at most 1); target and actual must hold a value.
_REQUIRED_FIT = ("target", "actual")
_NULLABLE_FIT = ("forecast", "forecast_seasonal", "forecast_last_year", "required_daily_rate")


def _metric_sums(families: str, totals: str) -> str:
    """Each target's period sums of its metric's families (sales of its product group, when it has one)."""
    return f"""
    SELECT t.id AS target_id, ARRAY[{totals}] AS sums
      FROM targets t
      JOIN kind_families kf ON kf.actual_kind = t.actual_kind
      JOIN {families} f ON f.side = t.side AND f.owner = t.owner AND f.family = kf.family
                      AND (t.product_group = '' OR NOT kf.money OR f.product_group = t.product_group)
     GROUP BY 1
"""


def _values(rows: Sequence[tuple[object, ...]], name: str, types: Sequence[str], params: SqlParams) -> str:
    """A ``VALUES`` list of ``rows`` with their cells as parameters named ``{name}_<row>_<column>``."""
    lines = []
    for r, row in enumerate(rows):
        cells = []
        for c, (value, sql_type) in enumerate(zip(row, types, strict=True)):
            params[f"{name}_{r}_{c}"] = value  # type: ignore[assignment]
            cells.append(f"%({name}_{r}_{c})s::{sql_type}")
        lines.append(f"({', '.join(cells)})")
    return ", ".join(lines)


def _daily_parts(ctx: NightContext) -> list[tuple[int, int, int, int, int, int]]:
    """For each day-based period and month it touches: (period number, month, the month's working days, the
    indexes of the period's first and last of them, the index of the last through ``as_of``): what a month's
    daily targets (``breakdown.daily_targets``: the first days take the units left over) give the period."""
    parts = []
    for index, (kind, start, end) in enumerate(ctx.periods, start=1):
        if kind not in DAILY_KINDS:
            continue
        for month in range(start.month, end.month + 1):
            days = ctx.month_days(month)
            inside = [i for i, day in enumerate(days) if start <= day <= end]
            if not inside:
                continue
            through = [i for i in inside if days[i] <= ctx.as_of]
            parts.append((index, month, len(days), inside[0], inside[-1], through[-1] if through else inside[0] - 1))
    return parts


def progress_numbers_sql(source: str) -> str:
    """The CTEs, the last named ``f``, that compute ``formulas.progress`` and the forecasts of every row of
    ``source``: rows with ``target``, ``actual``, ``places`` (of the metric's precision), ``elapsed`` and
    ``total`` (units), planned to date as ``planned_numerator / planned_denominator``, and ``year_actual``,
    ``last_year_period``, ``last_year_to_date`` (the last-year forecast's). The thresholds are the parameters
    ``ahead``, ``watch`` and ``behind``."""
    limit = formulas.RATIO_LIMIT
    # Decimal's steps: A / elapsed, then × total; this year's growth, then last year's period × it
    rates_ctes, rates = _decimal_stages(
        "capped", "rates", [("rate", "x.actual", "x.elapsed"), ("growth", "x.year_actual", "x.last_year_to_date")]
    )
    forecasts_ctes, forecasts = _decimal_stages(
        rates, "forecasts", [("run_rate", "x.rate * x.total", "1"), ("last_year", "x.last_year_period * x.growth", "1")]
    )
    return f"""
ratios AS MATERIALIZED (
    SELECT x.*,
           CASE WHEN x.target = 0 THEN NULL ELSE round({_exact("x.actual", "x.target")}, 6) END AS achievement_raw,
           CASE WHEN x.target = 0 THEN NULL
                ELSE round({_exact("x.planned_numerator", "x.planned_denominator * x.target")}, 6)
           END AS plan_raw,
           CASE WHEN x.total <= 0 THEN NULL
                ELSE least(greatest(round({_exact("x.elapsed::numeric", "x.total")}, 6), 0), 1) END AS time_progress
      FROM {source} x
),
capped AS MATERIALIZED (
    SELECT r.*,
           CASE WHEN abs(r.achievement_raw) > {limit} THEN sign(r.achievement_raw) * {limit}
                ELSE r.achievement_raw END AS achievement,
           COALESCE(abs(r.achievement_raw) > {limit}, false) AS achievement_capped,
           CASE WHEN abs(r.plan_raw) > {limit} THEN sign(r.plan_raw) * {limit} ELSE r.plan_raw END AS plan_progress,
           COALESCE(abs(r.plan_raw) > {limit}, false) AS plan_capped
      FROM ratios r
),
{rates_ctes}
{forecasts_ctes}
numbers AS MATERIALIZED (
    SELECT c.*,
           round((c.achievement - c.time_progress) * 100, 2) AS gap_pp,
           CASE WHEN c.elapsed <= 0 THEN NULL ELSE round(c.run_rate, c.places) END AS forecast,
           CASE WHEN c.plan_progress IS NULL OR c.plan_progress = 0 THEN NULL
                ELSE round({_exact("c.actual", "c.plan_progress")}, c.places) END AS forecast_seasonal,
           CASE WHEN c.growth IS NULL THEN NULL ELSE round(c.last_year, c.places) END AS forecast_last_year,
           CASE WHEN greatest(c.target - c.actual, 0) = 0 THEN round(0, c.places)
                WHEN c.total - c.elapsed <= 0 THEN NULL
                ELSE round({_exact("greatest(c.target - c.actual, 0)", "c.total - c.elapsed")}, c.places)
           END AS required_daily_rate
      FROM {forecasts} c
),
f AS (
    SELECT n.*,
           CASE WHEN n.gap_pp IS NULL THEN '{formulas.Status.NO_TARGET}'
                WHEN n.gap_pp >= %(ahead)s THEN '{formulas.Status.AHEAD}'
                WHEN n.gap_pp >= %(watch)s THEN '{formulas.Status.WATCH}'
                WHEN n.gap_pp >= %(behind)s THEN '{formulas.Status.BEHIND}'
                ELSE '{formulas.Status.CRITICAL}' END AS status
      FROM numbers n
)
"""


def snapshot_upsert_sql(ctx: NightContext, team_ids: Sequence[int]) -> tuple[str, SqlParams]:
    """The statement that computes and upserts the snapshots of the targets in ``team_ids`` (reps and teams),
    with its parameters."""
    params: SqlParams = {
        **rollup_params(ctx),
        "fiscal_year": ctx.as_of.year,
        "shard_teams": list(team_ids),
        "families": sorted(METRIC_FAMILIES),
        "as_of_month": ctx.as_of.month,
        "month_ended": ctx.as_of == formulas.month_end(ctx.as_of),
    }
    month_units = ctx.units(ctx.as_of.replace(day=1), formulas.month_end(ctx.as_of))
    params.update(month_elapsed=month_units.elapsed, month_total=month_units.total)
    thresholds = ctx.settings.thresholds
    params.update(ahead=thresholds.ahead, watch=thresholds.watch, behind=thresholds.behind)
    periods = []
    for index, (kind, start, end) in enumerate(ctx.periods, start=1):
        units = ctx.units(start, end)
        periods.append((index, str(kind), start, end, units.elapsed, units.total, kind in DAILY_KINDS))
    periods_sql = _values(periods, "p", ["int", "text", "date", "date", "int", "int", "bool"], params)
    parts = _daily_parts(ctx)
    parts_sql = (
        _values(parts, "dp", ["int"] * 6, params) if parts else "(NULL::int, NULL::int, 1, 0, -1, -1)"
    )  # no day-based period: one row that matches none
    kind_families = [
        (kind, family, family in MONEY_FAMILIES) for kind, families in FAMILIES_OF.items() for family in families
    ]
    families_sql = _values(kind_families, "kf", ["text", "text", "bool"], params)
    owners_of_targets = Target.objects.filter(fiscal_year=ctx.as_of.year, team_id__in=team_ids)
    owner_rows = list(owners_of_targets.values_list("team_id", "rep_id").distinct())
    params["reps"] = sorted({rep for _team, rep in owner_rows if rep})
    subtrees = subtree_ids(sorted({team for team, rep in owner_rows if not rep}))
    pairs = sorted((team, member) for team, members in subtrees.items() for member in members)
    params.update(subtree_team=[t for t, _m in pairs], subtree_member=[m for _t, m in pairs])
    params["members"] = sorted({m for _t, m in pairs})
    params["now"] = ctx.now
    owners = "(team_id = ANY(%(members)s) OR rep_id = ANY(%(reps)s)) AND family = ANY(%(families)s)"
    year_sums = ", ".join(
        f"SUM(d.value) FILTER (WHERE d.day >= %(start_{i})s) AS s{i}" for i in range(len(ctx.periods))
    )
    year_totals = ", ".join(f"SUM(f.s{i})" for i in range(len(ctx.periods)))
    ly_filters, ly_source, ly_params = last_year_source(ctx, owners, prefix="ly_")
    ly_sums = ", ".join(f"{column} AS s{i}" for i, column in enumerate(ly_filters))
    ly_totals = ", ".join(f"SUM(f.s{i})" for i in range(len(ly_filters)))
    params.update(ly_params)
    year_index = next(i for i, (kind, _s, _e) in enumerate(ctx.periods, start=1) if kind == "year")
    ly_to_date = len(ctx.periods) + 1
    table = ProgressSnapshot._meta.db_table
    fit = {name: _largest(name) for name in (*_REQUIRED_FIT, *_NULLABLE_FIT)}
    flags = ", ".join(
        [
            "CASE WHEN f.achievement_capped THEN 'achievement' END",
            "CASE WHEN f.plan_capped THEN 'plan_progress' END",
            *(f"CASE WHEN abs(f.{name}) > {fit[name]} THEN '{name}' END" for name in _REQUIRED_FIT),
            *(f"CASE WHEN abs(f.{name}) > {fit[name]} THEN '{name}' END" for name in _NULLABLE_FIT),
        ]
    )
    required = {
        name: f"CASE WHEN abs(f.{name}) > {fit[name]} THEN sign(f.{name}) * ({fit[name]}) ELSE f.{name} END"
        for name in _REQUIRED_FIT
    }
    nullable = {name: f"CASE WHEN abs(f.{name}) > {fit[name]} THEN NULL ELSE f.{name} END" for name in _NULLABLE_FIT}
    numbers_sql = progress_numbers_sql("inputs")
    sql = f"""
WITH periods (i, kind, pstart, pend, elapsed, total, daily) AS (VALUES {periods_sql}),
daily_parts (i, month, days, first_day, last_day, last_done) AS (VALUES {parts_sql}),
kind_families (actual_kind, family, money) AS (VALUES {families_sql}),
targets AS (
    SELECT t.id, t.team_id, t.rep_id, t.metric_id, m.actual_kind, m.product_group,
           CASE WHEN m.unit = '{Metric.Unit.MONEY}' THEN 2 ELSE 0 END AS places,
           CASE WHEN t.rep_id IS NULL THEN 'team' ELSE 'rep' END AS side, COALESCE(t.rep_id, t.team_id) AS owner
      FROM {Target._meta.db_table} t JOIN {Metric._meta.db_table} m ON m.id = t.metric_id
     WHERE t.fiscal_year = %(fiscal_year)s AND t.team_id = ANY(%(shard_teams)s)
),
subtrees AS (SELECT * FROM unnest(%(subtree_team)s::int[], %(subtree_member)s::int[]) AS s (team_id, member_id)),
year_owned AS (
    SELECT d.team_id, d.rep_id, d.family, d.product_group, {year_sums}
      FROM ({actuals_source(ctx, owners)}) d GROUP BY 1, 2, 3, 4
),
ly_owned AS (
    SELECT d.team_id, d.rep_id, d.family, d.product_group, {ly_sums}
      FROM ({ly_source}) d GROUP BY 1, 2, 3, 4
),
-- a rep's rows, and a team's: every row of its subtree
year_family AS (
    SELECT 'rep' AS side, o.rep_id AS owner, o.* FROM year_owned o WHERE o.rep_id = ANY(%(reps)s)
    UNION ALL
    SELECT 'team', s.team_id, o.* FROM year_owned o JOIN subtrees s ON s.member_id = o.team_id
),
ly_family AS (
    SELECT 'rep' AS side, o.rep_id AS owner, o.* FROM ly_owned o WHERE o.rep_id = ANY(%(reps)s)
    UNION ALL
    SELECT 'team', s.team_id, o.* FROM ly_owned o JOIN subtrees s ON s.member_id = o.team_id
),
-- a target's actual: its metric's families (sales of its product group, when it has one)
year_metric AS ({_metric_sums("year_family", year_totals)}),
ly_metric AS ({_metric_sums("ly_family", ly_totals)}),
months AS (
    SELECT tp.target_id, tp.month, tp.value FROM {TargetPeriod._meta.db_table} tp
     WHERE tp.target_id IN (SELECT id FROM targets)
),
month_targets AS (
    SELECT mv.target_id, p.i, SUM(mv.value) AS target,
           COALESCE(SUM(mv.value) FILTER (WHERE mv.month < %(as_of_month)s
                                             OR (mv.month = %(as_of_month)s AND %(month_ended)s)), 0) AS done,
           SUM(mv.value) FILTER (WHERE mv.month = %(as_of_month)s AND NOT %(month_ended)s) AS current
      FROM months mv JOIN periods p ON NOT p.daily
                                   AND mv.month BETWEEN extract(month FROM p.pstart) AND extract(month FROM p.pend)
     GROUP BY 1, 2
),
day_targets AS (
    SELECT t.id AS target_id, dp.i,
           SUM((greatest(dp.last_day - dp.first_day + 1, 0) * sp.base
                + greatest(least(dp.last_day, sp.extra - 1) - dp.first_day + 1, 0)) * sp.unit) AS target,
           SUM((greatest(dp.last_done - dp.first_day + 1, 0) * sp.base
                + greatest(least(dp.last_done, sp.extra - 1) - dp.first_day + 1, 0)) * sp.unit) AS planned
      FROM targets t
      JOIN daily_parts dp ON dp.i IS NOT NULL
      LEFT JOIN months mv ON mv.target_id = t.id AND mv.month = dp.month
      CROSS JOIN LATERAL (SELECT round(COALESCE(mv.value, 0), t.places) * {_pow10("t.places")} AS units,
                                 {_pow10("-t.places")} AS unit) su
      -- Python's divmod: the floor share, and what is left over for the first days
      CROSS JOIN LATERAL (SELECT div(su.units, dp.days) - (mod(su.units, dp.days) < 0)::int AS base) sb
      CROSS JOIN LATERAL (SELECT su.unit, sb.base, su.units - sb.base * dp.days AS extra) sp
     GROUP BY 1, 2
),
inputs AS MATERIALIZED (
    SELECT t.id, t.team_id, t.rep_id, t.metric_id, t.places, p.i, p.kind, p.pstart, p.pend, p.elapsed, p.total,
           CASE WHEN p.daily THEN COALESCE(dt.target, 0) ELSE COALESCE(mt.target, 0) END AS target,
           COALESCE(ym.sums[p.i], 0) AS actual,
           -- planned to date as a fraction: (done × month total + current × month elapsed) / month total
           CASE WHEN p.daily THEN COALESCE(dt.planned, 0)
                WHEN mt.current IS NULL OR %(month_total)s = 0 THEN COALESCE(mt.done, 0)
                ELSE mt.done * %(month_total)s + mt.current * %(month_elapsed)s END AS planned_numerator,
           CASE WHEN p.daily OR mt.current IS NULL OR %(month_total)s = 0 THEN 1
                ELSE %(month_total)s END AS planned_denominator,
           COALESCE(ym.sums[{year_index}], 0) AS year_actual,
           COALESCE(lm.sums[p.i], 0) AS last_year_period,
           COALESCE(lm.sums[{ly_to_date}], 0) AS last_year_to_date
      FROM targets t CROSS JOIN periods p
      LEFT JOIN month_targets mt ON mt.target_id = t.id AND mt.i = p.i
      LEFT JOIN day_targets dt ON dt.target_id = t.id AND dt.i = p.i
      LEFT JOIN year_metric ym ON ym.target_id = t.id
      LEFT JOIN ly_metric lm ON lm.target_id = t.id
),
{numbers_sql}
INSERT INTO {table} (as_of, owner_key, metric_id, period_kind, period_start, team_id, rep_id, period_end,
                     target, actual, achievement, time_progress, days_elapsed, days_total, plan_progress, gap_pp,
                     status, forecast, forecast_seasonal, forecast_last_year, required_daily_rate, flags,
                     computed_at, rank)
SELECT %(as_of)s, CASE WHEN f.rep_id IS NULL THEN 'team:' || f.team_id ELSE 'rep:' || f.rep_id END,
       f.metric_id, f.kind, f.pstart, f.team_id, f.rep_id, f.pend,
       {required["target"]}, {required["actual"]}, f.achievement, f.time_progress, f.elapsed, f.total,
       f.plan_progress, f.gap_pp, f.status, {nullable["forecast"]}, {nullable["forecast_seasonal"]},
       {nullable["forecast_last_year"]}, {nullable["required_daily_rate"]},
       array_remove(ARRAY[{flags}]::varchar[], NULL), %(now)s,
       CASE WHEN f.rep_id IS NOT NULL
            THEN rank() OVER (PARTITION BY f.team_id, f.rep_id IS NULL, f.metric_id, f.kind, f.pstart
                                  ORDER BY f.achievement DESC NULLS LAST) END
  FROM f
ON CONFLICT (as_of, owner_key, metric_id, period_kind, period_start) DO UPDATE SET
       team_id = EXCLUDED.team_id, rep_id = EXCLUDED.rep_id, period_end = EXCLUDED.period_end,
       target = EXCLUDED.target, actual = EXCLUDED.actual, achievement = EXCLUDED.achievement,
       time_progress = EXCLUDED.time_progress, days_elapsed = EXCLUDED.days_elapsed,
       days_total = EXCLUDED.days_total, plan_progress = EXCLUDED.plan_progress, gap_pp = EXCLUDED.gap_pp,
       status = EXCLUDED.status, forecast = EXCLUDED.forecast, forecast_seasonal = EXCLUDED.forecast_seasonal,
       forecast_last_year = EXCLUDED.forecast_last_year, required_daily_rate = EXCLUDED.required_daily_rate,
       flags = EXCLUDED.flags, computed_at = EXCLUDED.computed_at, rank = EXCLUDED.rank
"""
    return sql, params


def snapshots_upsert(ctx: NightContext, team_ids: Sequence[int]) -> int:
    """Compute and upsert the snapshots of the targets in ``team_ids`` in one statement; returns the rows."""
    sql, params = snapshot_upsert_sql(ctx, team_ids)
    with connection.cursor() as cursor:
        # One statement of many small expressions: compiling it costs more than it saves; hash its groups.
        cursor.execute("SELECT current_setting('jit'), current_setting('work_mem')")
        jit, work_mem = cursor.fetchone()
        cursor.execute("SELECT set_config('jit', 'off', true), set_config('work_mem', '64MB', true)")
        cursor.execute(sql, params)
        rows: int = cursor.rowcount
        cursor.execute("SELECT set_config('jit', %s, true), set_config('work_mem', %s, true)", [jit, work_mem])
        return rows
