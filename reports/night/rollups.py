"""The daily and monthly roll-ups of the raw records (sales, new customers and outlets, visits, sheets).

Rebuilt set-based for a range of days or for exact (team, day)s; rows that did not change are not written.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Collection, Sequence

from django.db import connection
from django.db.backends.utils import CursorWrapper

from org.models import Customer
from reports.models import DailyActual, MonthlyActual, NightlyRun
from reports.night.copy import SqlParams
from reports.night.periods import month_range
from visits.models import SaleRecord, Visit, VisitSheet

ROLLUP_KEY = ("team_id", "rep_id", "family", "product_group")


Scope = Callable[[str, str], str]  # (team column, date column) → an SQL condition on them


def _rollup_replace(
    cursor: CursorWrapper, *, table: str, day_column: str, fresh: str, scope: str, params: SqlParams
) -> None:
    """Make the roll-up rows of ``table`` that ``scope`` (a condition on ``r``) covers equal to ``fresh``, in one
    statement.

    Rows no longer produced are deleted, new ones inserted, changed values updated, and unchanged rows
    (most of them: the days already rolled up last night) are left alone, so they cost no write.
    """
    key = ", ".join((day_column, *ROLLUP_KEY))
    # Plain equalities (an empty rep as 0, never an id), so the anti-join can hash.
    matches = " AND ".join(
        f"COALESCE(f.{column}, 0) = COALESCE(r.{column}, 0)" if column == "rep_id" else f"f.{column} = r.{column}"
        for column in (day_column, *ROLLUP_KEY)
    )
    cursor.execute(
        f"""
        WITH fresh ({key}, value) AS ({fresh}),
        gone AS (
            DELETE FROM {table} r
             WHERE {scope}
               AND NOT EXISTS (SELECT 1 FROM fresh f WHERE {matches})
        )
        INSERT INTO {table} ({key}, value) SELECT {key}, value FROM fresh
        ON CONFLICT ({key}) DO UPDATE SET value = EXCLUDED.value
         WHERE {table}.value IS DISTINCT FROM EXCLUDED.value
        """,
        params,
    )


def _daily_fresh(on_days: Scope) -> str:
    """The daily roll-up rows, from the raw records, of the (team, day)s ``on_days`` covers."""
    sale, product = SaleRecord._meta.db_table, "org_product"
    customer, visit, sheet = Customer._meta.db_table, Visit._meta.db_table, VisitSheet._meta.db_table
    return f"""
        SELECT s.date, s.team_id, s.rep_id,
               CASE WHEN p.is_new_line THEN 'new_line_amount' ELSE 'established_amount' END,
               p."group", SUM(s.amount)
          FROM {sale} s JOIN {product} p ON p.id = s.product_id
         WHERE {on_days("s.team_id", "s.date")}
         GROUP BY 1, 2, 3, 4, 5
        UNION ALL
        SELECT c.first_order_date, c.team_id, c.owner_id, 'new_customers', '', COUNT(*)
          FROM {customer} c
         WHERE {on_days("c.team_id", "c.first_order_date")}
         GROUP BY 1, 2, 3
        UNION ALL
        SELECT c.first_order_date, c.team_id, c.owner_id, 'new_outlets', '', COUNT(*)
          FROM {customer} c
         WHERE c.kind = %(outlet)s AND {on_days("c.team_id", "c.first_order_date")}
         GROUP BY 1, 2, 3
        UNION ALL
        SELECT g.date, g.team_id, g.rep_id, u.family, '', u.n
          FROM (SELECT sh.date, sh.team_id, sh.rep_id,
                       COUNT(*) FILTER (WHERE v.check_in_at IS NOT NULL) AS visits,
                       COUNT(*) FILTER (WHERE v.planned) AS planned,
                       COUNT(*) FILTER (WHERE v.planned AND v.check_out_at IS NOT NULL) AS planned_done
                  FROM {visit} v JOIN {sheet} sh ON sh.id = v.sheet_id
                 WHERE {on_days("sh.team_id", "sh.date")}
                 GROUP BY 1, 2, 3) g
         CROSS JOIN LATERAL (VALUES ('visits', g.visits), ('planned_visits', g.planned),
                                    ('planned_visits_done', g.planned_done)) u (family, n)
         WHERE u.n > 0
        UNION ALL
        SELECT sh.date, sh.team_id, sh.rep_id, 'sheets_on_time', '', COUNT(*)
          FROM {sheet} sh
         WHERE {on_days("sh.team_id", "sh.date")} AND sh.submitted_at IS NOT NULL AND NOT sh.is_late
         GROUP BY 1, 2, 3
        """


def _rollups_rebuild(*, on_days: Scope, on_months: Scope, in_months: Scope, params: SqlParams) -> None:
    """Rebuild the daily roll-up of the (team, day)s ``on_days`` covers, then the monthly one of the (team,
    month)s ``on_months`` covers (a condition on a month column), summed from every day ``in_months`` covers."""
    table, monthly = DailyActual._meta.db_table, MonthlyActual._meta.db_table
    params = {**params, "outlet": Customer.Kind.OUTLET}
    with connection.cursor() as cursor:
        _rollup_replace(
            cursor,
            table=table,
            day_column="day",
            fresh=_daily_fresh(on_days),
            scope=on_days("r.team_id", "r.day"),
            params=params,
        )
        # The months touched, summed again from the daily roll-up (every day of them, not only the new ones).
        fresh = f"""
            SELECT date_trunc('month', day)::date, team_id, rep_id, family, product_group, SUM(value)
              FROM {table}
             WHERE {in_months("team_id", "day")}
             GROUP BY 1, 2, 3, 4, 5
        """
        _rollup_replace(
            cursor,
            table=monthly,
            day_column="month",
            fresh=fresh,
            scope=on_months("r.team_id", "r.month"),
            params=params,
        )


def daily_actual_refresh(*, team_ids: Sequence[int], start: dt.date, end: dt.date) -> None:
    """Rebuild the daily roll-up of the given teams' records for [start, end], then the months it touches."""
    if end < start or not team_ids:
        return
    params: SqlParams = {"teams": list(team_ids), "start": start, "end": end, "first": start.replace(day=1)}
    params["last"] = month_range(end)[1]
    _rollups_rebuild(
        on_days=lambda team, day: f"{team} = ANY(%(teams)s) AND {day} BETWEEN %(start)s AND %(end)s",
        on_months=lambda team, month: f"{team} = ANY(%(teams)s) AND {month} BETWEEN %(first)s AND %(last)s",
        in_months=lambda team, day: f"{team} = ANY(%(teams)s) AND {day} BETWEEN %(first)s AND %(last)s",
        params=params,
    )


def daily_actual_refresh_days(*, days: Collection[tuple[int, dt.date]]) -> None:
    """Rebuild the daily roll-up of exactly the given (team id, day)s, then the (team, month)s they fall in."""
    if not days:
        return
    pairs = sorted(set(days))
    months = sorted({(team_id, day.replace(day=1)) for team_id, day in pairs})
    params: SqlParams = {
        "pair_teams": [team_id for team_id, _day in pairs],
        "pair_days": [day for _team, day in pairs],
        "month_teams": [team_id for team_id, _month in months],
        "month_firsts": [month for _team, month in months],
    }
    pair_rows = "unnest(%(pair_teams)s::bigint[], %(pair_days)s::date[]) p (team, day)"
    month_rows = "unnest(%(month_teams)s::bigint[], %(month_firsts)s::date[]) m (team, first)"
    _rollups_rebuild(
        on_days=lambda team, day: f"EXISTS (SELECT 1 FROM {pair_rows} WHERE p.team = {team} AND p.day = {day})",
        on_months=lambda team, month: (
            f"EXISTS (SELECT 1 FROM {month_rows} WHERE m.team = {team} AND m.first = {month})"
        ),
        in_months=lambda team, day: (
            f"EXISTS (SELECT 1 FROM {month_rows} WHERE m.team = {team} AND {day} >= m.first "
            f"AND {day} < (m.first + interval '1 month')::date)"
        ),
        params=params,
    )


def refresh_start(as_of: dt.date) -> dt.date:
    """The first day the night rolls up on its own: the day after the last finished night before ``as_of`` (the
    year's start when there is none). The days before it are rolled up already, and those whose records changed
    since are in the change table (``actual_changes_apply``, filled by triggers), whatever their date: rolling
    up a window of older days again, as before the triggers, found nothing more and cost most of the
    roll-up's time."""
    year_start = dt.date(as_of.year, 1, 1)
    previous = (
        NightlyRun.objects.filter(status=NightlyRun.Status.FINISHED, as_of__lt=as_of)
        .order_by("-as_of")
        .values_list("as_of", flat=True)
        .first()
    )
    if previous is None or previous.year != as_of.year:
        return year_start
    return max(year_start, previous + dt.timedelta(days=1))
