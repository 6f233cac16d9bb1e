"""The nightly computation: daily roll-up, progress snapshots, execution KPIs, ranks, alerts, publishing.

Everything is set-based (one aggregate query per metric family or KPI, upserts keyed on the snapshot's
natural key) and idempotent, and each shard holds a PostgreSQL advisory lock for the night, so the
same night computed twice, or by two workers at once, leaves the same rows and no duplicates.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import logging
import zlib
from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Sequence
from decimal import Decimal
from statistics import median
from typing import NamedTuple

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import connection, models, transaction
from django.db.models import Count, F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from org import outbox
from org.calendar import working_dates
from org.models import Customer, Membership, Role, Team
from reports import escalation
from reports.models import (
    ActualChange,
    Alert,
    DailyActual,
    ExecutionKpiSnapshot,
    HeldCorrection,
    MonthlyActual,
    NightlyRun,
    NightlyShard,
    PeriodKind,
    ProgressSnapshot,
    ReportSettings,
    TimeBasis,
    owner_key,
)
from salesops import formulas
from salesops.formatting import display_name, long_date
from salesops.formulas import Status
from targets import breakdown
from targets.models import Metric, Target, TargetPeriod
from targets.selectors import frozen_night
from visits.models import SaleRecord, Visit, VisitReview, VisitSheet
from visits.selectors import overdue_customer_counts

logger = logging.getLogger(__name__)

ZERO = Decimal(0)
# Late-arriving data (an ERP file imported a few days late) is picked up by re-rolling this many days.
LATE_DATA_DAYS = 7
FAMILIES_OF: dict[str, tuple[str, ...]] = {
    Metric.ActualKind.SALES_AMOUNT: (DailyActual.Family.NEW_LINE_AMOUNT, DailyActual.Family.ESTABLISHED_AMOUNT),
    Metric.ActualKind.NEW_LINE_AMOUNT: (DailyActual.Family.NEW_LINE_AMOUNT,),
    Metric.ActualKind.ESTABLISHED_AMOUNT: (DailyActual.Family.ESTABLISHED_AMOUNT,),
    Metric.ActualKind.NEW_CUSTOMERS: (DailyActual.Family.NEW_CUSTOMERS,),
    Metric.ActualKind.NEW_OUTLETS: (DailyActual.Family.NEW_OUTLETS,),
    Metric.ActualKind.VISITS: (DailyActual.Family.VISITS,),
}
MONEY_FAMILIES = {DailyActual.Family.NEW_LINE_AMOUNT, DailyActual.Family.ESTABLISHED_AMOUNT}
METRIC_FAMILIES = {family for families in FAMILIES_OF.values() for family in families}


# --- periods and shards --------------------------------------------------------------------------


def month_range(day: dt.date) -> tuple[dt.date, dt.date]:
    start = day.replace(day=1)
    return start, (start + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)


def night_periods(
    as_of: dt.date, *, working_days: Collection[dt.date] | None = None
) -> list[tuple[str, dt.date, dt.date]]:
    """The periods containing ``as_of`` as (kind, start, end): month, quarter, year, week and day.

    The week runs Monday to Sunday, cut to the fiscal (calendar) year, since targets are annual. The day is
    a period only on a working day (``working_days``, when given): daily targets sit on working days only.
    """
    month_start, month_end = month_range(as_of)
    quarter_first = (as_of.month - 1) // 3 * 3 + 1
    quarter_start = dt.date(as_of.year, quarter_first, 1)
    _start, quarter_end = month_range(dt.date(as_of.year, quarter_first + 2, 1))
    year_start, year_end = dt.date(as_of.year, 1, 1), dt.date(as_of.year, 12, 31)
    monday = as_of - dt.timedelta(days=as_of.weekday())
    periods = [
        (PeriodKind.MONTH, month_start, month_end),
        (PeriodKind.QUARTER, quarter_start, quarter_end),
        (PeriodKind.YEAR, year_start, year_end),
        (PeriodKind.WEEK, max(monday, year_start), min(monday + dt.timedelta(days=6), year_end)),
    ]
    if working_days is None or as_of in working_days:
        periods.append((PeriodKind.DAY, as_of, as_of))
    return periods


DAILY_KINDS = {PeriodKind.WEEK, PeriodKind.DAY}


def leaf_team_shards(count: int | None = None) -> list[list[int]]:
    """The leaf teams (teams without child teams) in ``count`` shards of about as many reps each.

    Contiguous runs of leaf teams in tree order, so a shard mostly holds one region; a team is never
    split. Every shard pays fixed costs (a transaction, a lock, ~30 queries), so a few coarse shards
    (default: ``settings.REPORTS_NIGHT_SHARDS``, 2: one a worker) beat one per team. The inner teams are
    the final step's.
    """
    count = max(1, count or getattr(settings, "REPORTS_NIGHT_SHARDS", 2))
    parents = set(Team.objects.exclude(parent=None).values_list("parent_id", flat=True))
    leaves = [i for i in Team.objects.order_by("path").values_list("id", flat=True) if i not in parents]
    reps = dict(
        Membership.objects.active_on(timezone.localdate())
        .filter(team_id__in=leaves, role=Role.REP)
        .values("team_id")
        .annotate(n=Count("id"))
        .values_list("team_id", "n")
    )
    remaining = sum(reps.get(team_id, 0) + 1 for team_id in leaves)  # + 1: a team's own fixed cost
    shards: list[list[int]] = []
    current: list[int] = []
    weight = 0
    for index, team_id in enumerate(leaves):
        current.append(team_id)
        weight += reps.get(team_id, 0) + 1
        later_shards, later_teams = count - len(shards) - 1, len(leaves) - index - 1
        # Close the shard at its fair share of what is left, or when each later shard needs a team.
        if later_shards > 0 and (weight * (later_shards + 1) >= remaining or later_teams <= later_shards):
            shards.append(current)
            remaining -= weight
            current, weight = [], 0
    return [*shards, current] if current else shards


def inner_team_ids() -> list[int]:
    parents = set(Team.objects.exclude(parent=None).values_list("parent_id", flat=True))
    return sorted(parents)


def shard_key(team_ids: Iterable[int]) -> str:
    """The shard's team ids, comma-separated; a digest of them when that outgrows ``NightlyShard.key``."""
    ids = sorted(team_ids)
    key = ",".join(str(i) for i in ids)
    if len(key) <= NightlyShard._meta.get_field("key").max_length:
        return key
    return f"{ids[0]}-{ids[-1]}:{len(ids)}:{hashlib.sha256(key.encode()).hexdigest()}"


def _advisory_lock(as_of: dt.date, key: str) -> None:
    """Serialise work on one night's shard across processes and hosts until the transaction ends."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_advisory_xact_lock(%s, %s)", [as_of.toordinal(), zlib.crc32(key.encode()) & 0x7FFFFFFF]
        )


def _subtree_ids(team_ids: Iterable[int]) -> dict[int, set[int]]:
    """Every given team's id → the ids of its subtree (itself included), in one query."""
    teams = list(Team.objects.values_list("id", "path"))
    wanted = {team_id: path for team_id, path in teams if team_id in set(team_ids)}
    return {team_id: {i for i, p in teams if p.startswith(path)} for team_id, path in wanted.items()}


# --- the daily roll-up ---------------------------------------------------------------------------


ROLLUP_KEY = ("team_id", "rep_id", "family", "product_group")


Scope = Callable[[str, str], str]  # (team column, date column) → an SQL condition on them


def _rollup_replace(cursor, *, table: str, day_column: str, fresh: str, scope: str, params: dict) -> None:
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


def _rollups_rebuild(*, on_days: Scope, on_months: Scope, in_months: Scope, params: dict) -> None:
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
    params = {"teams": list(team_ids), "start": start, "end": end, "first": start.replace(day=1)}
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
    params = {
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
    """The first day the night rolls up again on its own: the last finished night before ``as_of`` minus a
    late-data window (the year's start when there is none). Older days whose records changed are in the change
    table (``actual_changes_apply``), whatever their date."""
    year_start = dt.date(as_of.year, 1, 1)
    previous = (
        NightlyRun.objects.filter(status=NightlyRun.Status.FINISHED, as_of__lt=as_of)
        .order_by("-as_of")
        .values_list("as_of", flat=True)
        .first()
    )
    if previous is None or previous.year != as_of.year:
        return year_start
    return max(year_start, previous - dt.timedelta(days=LATE_DATA_DAYS))


# --- changed actuals: roll them up again, recompute the closed periods they touch -----------------


class ChangesApplied(NamedTuple):
    days: int  # (team, day)s rolled up again
    nights: list[dt.date]  # past nights asked to be computed again
    held: dict[dt.date, int]  # closed month → days of corrections held until it is reopened


def _month_end_nights(first_month: dt.date, before: dt.date) -> dict[dt.date, dt.date]:
    """{month: its last finished night} of the months from ``first_month`` to the end of its year that ended
    before ``before``: the nights whose month, quarter and year to date hold a change dated in ``first_month``."""
    last = min(dt.date(first_month.year, 12, 31), before.replace(day=1) - dt.timedelta(days=1))
    nights: dict[dt.date, dt.date] = {}
    for as_of in (
        NightlyRun.objects.filter(status=NightlyRun.Status.FINISHED, as_of__range=(first_month, last))
        .order_by("as_of")
        .values_list("as_of", flat=True)
    ):
        nights[as_of.replace(day=1)] = as_of  # the latest of each month wins
    return nights


def actual_changes_apply(*, as_of: dt.date) -> ChangesApplied:
    """Roll up again every (team, day) whose raw records changed since the last night, however old, and ask
    for the past nights holding them to be computed again: the last night of each ended month from the
    change's month to its year's end (its month, its quarter, the year to date). A night that holds the frozen
    scores of a closed month is not rewritten: the change is held for it (``HeldCorrection``) and the
    directors are told, until one of them reopens the month. Tonight's periods count the change anyway."""
    from targets.models import ClosedMonth, NightRecompute

    with transaction.atomic():
        _advisory_lock(as_of, "changes")
        table = ActualChange._meta.db_table
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {table} RETURNING team_id, day")
            days = {(team_id, day) for team_id, day in cursor.fetchall()}
        if not days:
            return ChangesApplied(0, [], {})
        daily_actual_refresh_days(days=days)
        frozen = dict(ClosedMonth.objects.filter(reopened_at__isnull=True).values_list("night", "month"))
        current_month = as_of.replace(day=1)
        earliest_of_year: dict[int, dt.date] = {}
        for _team, day in days:
            if day < current_month:
                first = day.replace(day=1)
                earliest_of_year[day.year] = min(first, earliest_of_year.get(day.year, first))
        nights: set[dt.date] = set()
        held_rows = []
        for year, first_month in earliest_of_year.items():
            for month, night in _month_end_nights(first_month, current_month).items():
                month_end = month_range(month)[1]
                counted = [(team_id, day) for team_id, day in days if day.year == year and day <= month_end]
                if night not in frozen:
                    nights.add(night)
                    continue
                held_rows += [
                    HeldCorrection(night=night, month=frozen[night], team_id=team_id, day=day)
                    for team_id, day in counted
                ]
        reason = _("Actuals of this period changed after the night was computed.")
        requested = set(
            NightRecompute.objects.filter(night__in=nights, started_at__isnull=True).values_list("night", flat=True)
        )
        NightRecompute.objects.bulk_create(
            NightRecompute(night=night, reason=reason) for night in sorted(nights - requested)
        )
        HeldCorrection.objects.bulk_create(held_rows, ignore_conflicts=True)
        held: dict[dt.date, int] = defaultdict(int)
        for row in held_rows:
            held[row.month] += 1
        if held:
            _held_corrections_alert(held)
    return ChangesApplied(len(days), sorted(nights), dict(held))


def _held_corrections_alert(held: dict[dt.date, int]) -> None:
    today = timezone.localdate()
    directors = set(Membership.objects.active_on(today).filter(role=Role.DIRECTOR).values_list("user_id", flat=True))
    alerts = []
    for month, count in sorted(held.items()):
        params = {"month": f"{month:%Y-%m}", "days": count}
        for user_id in sorted(directors):
            alert = Alert(user_id=user_id, cause=f"held-correction:{month:%Y-%m}", day=today, level=Alert.Level.WARNING)
            alert.params = params
            alert.message = str(alert.text)[:300]
            alerts.append(alert)
    Alert.objects.bulk_create(alerts, ignore_conflicts=True)


def held_corrections_release(*, night: dt.date) -> int:
    """The corrections held for a frozen night that has just been computed again (its month reopened)."""
    return HeldCorrection.objects.filter(night=night, released_at__isnull=True).update(released_at=timezone.now())


# --- progress snapshots --------------------------------------------------------------------------


class NightContext:
    """What every owner of a night shares: periods, working days, thresholds, time basis."""

    def __init__(self, as_of: dt.date) -> None:
        self.as_of = as_of
        self.settings = ReportSettings.load()
        year_start, year_end = dt.date(as_of.year, 1, 1), dt.date(as_of.year, 12, 31)
        self.year_start = year_start
        self.working = set(working_dates(year_start, year_end))
        self.periods = night_periods(as_of, working_days=self.working)
        self.basis_days = self.working if self.settings.time_basis == TimeBasis.WORKING_DAYS else None
        month_start = as_of.replace(day=1)
        # The daily roll-up is read from the first day of the earliest month a day-based period touches
        # (the week may begin in the month before); the closed months before it from the monthly roll-up.
        self.daily_from = min([month_start] + [s for k, s, _e in self.periods if k in DAILY_KINDS]).replace(day=1)
        # Each month's working days in order, for the daily targets of the week and the day.
        self._month_days: dict[int, list[dt.date]] = defaultdict(list)
        for day in sorted(self.working):
            self._month_days[day.month].append(day)
        self.now = timezone.now()
        self._units: dict[tuple[dt.date, dt.date], formulas.Units] = {}
        # The targets whose numbers could not be computed, kept on the shard (or the run) that skipped them.
        self.problems: list[dict] = []
        # The last night of a closed month keeps the scores it showed: no night or backfill rewrites them.
        self.frozen = frozen_night(as_of)

    def units(self, start: dt.date, end: dt.date) -> formulas.Units:
        if (start, end) not in self._units:
            self._units[start, end] = formulas.period_units(start, end, self.as_of, working_days=self.basis_days)
        return self._units[start, end]

    def daily_target(
        self, months: dict[tuple[int, int], Decimal], start: dt.date, end: dt.date, precision: Decimal
    ) -> tuple[Decimal, Decimal]:
        """(target, planned to date) of [start, end] inside the year: the sum of the daily targets of its
        working days (each month's value split equally over its working days, as the targets app shows it),
        and of those through ``as_of``."""
        target = planned = ZERO
        for month in range(start.month, end.month + 1):
            days = self._month_days.get(month, [])
            inside = [index for index, day in enumerate(days) if start <= day <= end]
            if not inside:
                continue
            shares = breakdown.equal_split(months.get((self.as_of.year, month), ZERO), len(days), precision)
            for index in inside:
                target += shares[index]
                if days[index] <= self.as_of:
                    planned += shares[index]
        return target, planned


def _actuals_source(ctx: NightContext, owner_filter: str) -> str:
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


def _rollup_params(ctx: NightContext) -> dict:
    """The parameters of ``_actuals_source`` and of a period's ``FILTER (WHERE d.day >= %(start_<i>)s)``."""
    return {
        "year": ctx.year_start,
        "daily_from": ctx.daily_from,
        "as_of": ctx.as_of,
        **{f"start_{index}": start for index, (_kind, start, _end) in enumerate(ctx.periods)},
    }


Sums = dict[tuple[str, str], list[Decimal]]  # {(family, product group): [a sum per period of the night]}


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
    subtrees = _subtree_ids(team_ids) if team_ids else {}
    members = sorted(set().union(*subtrees.values())) if subtrees else []
    if not rep_ids and not members:
        return {}, {}
    sums = ", ".join(f"SUM(d.value) FILTER (WHERE d.day >= %(start_{index})s)" for index in range(len(ctx.periods)))
    owners = "(team_id = ANY(%(teams)s) OR rep_id = ANY(%(reps)s)) AND family = ANY(%(families)s)"
    sql = f"""
        SELECT d.team_id, d.rep_id, d.family, d.product_group, {sums}
          FROM ({_actuals_source(ctx, owners)}) d
         GROUP BY 1, 2, 3, 4
    """
    params = {
        **_rollup_params(ctx),
        "teams": members,
        "reps": list(rep_ids),
        "families": sorted(METRIC_FAMILIES),
    }
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    return _owner_sums(rows, rep_ids, subtrees)


def _owner_sums(rows, rep_ids: Sequence[int], subtrees: dict[int, set[int]]) -> tuple[dict[int, Sums], dict[int, Sums]]:
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


def a_year_before(day: dt.date) -> dt.date:
    """The same day last year (29 February → 28 February)."""
    try:
        return day.replace(year=day.year - 1)
    except ValueError:
        return day.replace(year=day.year - 1, day=28)


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


def last_year_actuals(
    ctx: NightContext, *, rep_ids: Sequence[int], team_ids: Sequence[int]
) -> tuple[dict[int, Sums], dict[int, Sums]]:
    """Last year's actuals of reps and of teams (subtrees): one sum per period of the night (the whole same
    period last year), then a last one: last year to the same day (the base of this year's growth).

    Whole months come from the monthly roll-up, the days of weeks, days and of the month of the same day
    last year from the daily one, so the cost is one year of months and a few weeks of days."""
    subtrees = _subtree_ids(team_ids) if team_ids else {}
    members = sorted(set().union(*subtrees.values())) if subtrees else []
    if not rep_ids and not members:
        return {}, {}
    as_of_ly = a_year_before(ctx.as_of)
    month_ly = as_of_ly.replace(day=1)
    spans = last_year_periods(ctx)
    params: dict = {"year": dt.date(as_of_ly.year, 1, 1), "year_end": dt.date(as_of_ly.year, 12, 31)}
    sums = []
    day_spans = [month_ly, as_of_ly]
    for index, ((kind, _start, _end), (start_ly, end_ly)) in enumerate(zip(ctx.periods, spans, strict=True)):
        params[f"start_{index}"], params[f"end_{index}"] = start_ly, end_ly
        source = "d" if kind in DAILY_KINDS else "m"
        if source == "d":
            day_spans += [start_ly, end_ly]
        sums.append(
            f"SUM(d.value) FILTER (WHERE d.src = '{source}' AND d.day BETWEEN %(start_{index})s AND %(end_{index})s)"
        )
    sums.append(
        "SUM(d.value) FILTER (WHERE (d.src = 'm' AND d.day < %(month_ly)s)"
        " OR (d.src = 'd' AND d.day BETWEEN %(month_ly)s AND %(as_of_ly)s))"
    )
    params.update(month_ly=month_ly, as_of_ly=as_of_ly, days_from=min(day_spans), days_to=max(day_spans))
    owners = "(team_id = ANY(%(teams)s) OR rep_id = ANY(%(reps)s)) AND family = ANY(%(families)s)"
    sql = f"""
        SELECT d.team_id, d.rep_id, d.family, d.product_group, {", ".join(sums)}
          FROM (SELECT 'm' AS src, month AS day, team_id, rep_id, family, product_group, value
                  FROM {MonthlyActual._meta.db_table}
                 WHERE month BETWEEN %(year)s AND %(year_end)s AND {owners}
                UNION ALL
                SELECT 'd', day, team_id, rep_id, family, product_group, value
                  FROM {DailyActual._meta.db_table}
                 WHERE day BETWEEN %(days_from)s AND %(days_to)s AND {owners}) d
         GROUP BY 1, 2, 3, 4
    """
    params.update(teams=members, reps=list(rep_ids), families=sorted(METRIC_FAMILIES))
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    return _owner_sums(rows, rep_ids, subtrees)


def metric_actual(metric: Metric, sums: Sums, period_index: int) -> Decimal:
    """A metric's actual from an owner's family sums (sales: both lines, a product group when the metric has one)."""
    total = ZERO
    for (family, group), values in sums.items():
        if family not in FAMILIES_OF.get(metric.actual_kind, ()):
            continue
        if metric.product_group and family in MONEY_FAMILIES and group != metric.product_group:
            continue
        total += values[period_index]
    return total


def _target_and_plan(ctx: NightContext, target: Target, months, kind: str, start: dt.date, end: dt.date):
    """(target value, planned to date) of one period: month sums for months, quarters and years; daily
    targets for weeks and days."""
    if kind in DAILY_KINDS:
        return ctx.daily_target(months, start, end, target.metric.precision)
    in_period = {key: value for key, value in months.items() if start.month <= key[1] <= end.month}
    planned = formulas.planned_to_date(in_period, start, end, ctx.as_of, units_of=ctx.units)
    return sum(in_period.values(), ZERO), planned


def _target_rows(ctx: NightContext, target: Target, months, sums: Sums, last_year: Sums) -> list[tuple]:
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
        row = [
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


def _snapshot_rows(ctx: NightContext, targets: Sequence[Target], months_of, actuals_of, last_year_of) -> list[tuple]:
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


class RowFit:
    """Makes every number of a row fit its column: one too large for it becomes empty (or, in a column that
    must hold a value, the largest it can) and the column's name joins the row's flags. So no value, however
    wrong its source, can fail the upsert of a shard with ``numeric field overflow``."""

    def __init__(self, model, columns: Sequence[str]) -> None:
        fields = {field.attname: field for field in model._meta.concrete_fields}
        self.flags_at = list(columns).index("flags")
        self.bounds: list[tuple[int, str, Decimal, bool]] = []
        for index, name in enumerate(columns):
            field = fields[name]
            if isinstance(field, models.DecimalField):
                quantum = Decimal(1).scaleb(-field.decimal_places)
                largest = Decimal(10) ** (field.max_digits - field.decimal_places) - quantum
                self.bounds.append((index, name, largest, field.null))

    def fit(self, row: list) -> tuple:
        flags = row[self.flags_at]
        for index, name, largest, nullable in self.bounds:
            value = row[index]
            if value is None or abs(value) <= largest:
                continue
            row[index] = None if nullable else (largest if value > 0 else -largest)
            if name not in flags:
                flags.append(name)
        return tuple(row)


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


_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _copy_text(value) -> str:
    """A value in COPY's text format (dates, aware datetimes, Decimals and booleans as ``str`` gives them)."""
    if value is None:
        return "\\N"
    if isinstance(value, str):
        return value.translate(_COPY_ESCAPES)
    if isinstance(value, list):  # an array of plain words (the flags)
        return "{" + ",".join(value) + "}"
    return str(value)


def copy_upsert(table: str, key: Sequence[str], values: Sequence[str], rows: Sequence[tuple]) -> None:
    """Upsert ``rows`` (tuples in the order ``key + values``) into ``table`` on its natural key: ``COPY`` into a
    temporary table, then one ``INSERT … SELECT … ON CONFLICT (key) DO UPDATE``: no SQL text per row and no
    model instances (a night writes ~40,000 rows)."""
    if not rows:
        return
    columns = ", ".join([*key, *values])
    staging = f"{table}_staging"
    update = ", ".join(f"{column} = EXCLUDED.{column}" for column in values)
    text = "".join("\t".join(map(_copy_text, row)) + "\n" for row in rows)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TEMPORARY TABLE IF NOT EXISTS {staging} ON COMMIT DROP "
            f"AS SELECT {columns} FROM {table} WITH NO DATA"
        )
        cursor.execute(f"TRUNCATE {staging}")
        cursor.cursor.copy_expert(f"COPY {staging} ({columns}) FROM STDIN", io.StringIO(text))
        cursor.execute(
            f"INSERT INTO {table} ({columns}) SELECT {columns} FROM {staging} "
            f"ON CONFLICT ({', '.join(key)}) DO UPDATE SET {update}"
        )


def _target_months(target_ids: Sequence[int], year: int) -> dict[int, dict[tuple[int, int], Decimal]]:
    """Every target's monthly values, {target id: {(fiscal year, month): value}}, in one query."""
    months: dict[int, dict[tuple[int, int], Decimal]] = defaultdict(dict)
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
    """Snapshots of the reps whose targets sit in ``team_ids`` and of those teams (subtree actuals); upserted."""
    if ctx.frozen:
        return 0
    targets = _night_targets(ctx, team_ids)
    months = _target_months([t.pk for t in targets], ctx.as_of.year)
    rep_targets = [t for t in targets if t.rep_id]
    team_targets = [t for t in targets if not t.rep_id]
    by_rep, by_team = owner_actuals(
        ctx, rep_ids=sorted({t.rep_id for t in rep_targets}), team_ids=sorted({t.team_id for t in team_targets})
    )
    owners = {"rep_ids": sorted({t.rep_id for t in rep_targets}), "team_ids": sorted({t.team_id for t in team_targets})}
    by_rep_ly, by_team_ly = last_year_actuals(ctx, **owners)
    months_of = lambda t: months.get(t.pk, {})  # noqa: E731
    rows = _snapshot_rows(
        ctx, rep_targets, months_of, lambda t: by_rep.get(t.rep_id, {}), lambda t: by_rep_ly.get(t.rep_id, {})
    )
    rows += _snapshot_rows(
        ctx, team_targets, months_of, lambda t: by_team.get(t.team_id, {}), lambda t: by_team_ly.get(t.team_id, {})
    )
    # A night computed again after a target was deleted: its snapshots go too.
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
    copy_upsert(ProgressSnapshot._meta.db_table, SNAPSHOT_KEY, SNAPSHOT_VALUES, rows)
    return len(rows)


# --- execution KPIs ------------------------------------------------------------------------------


def _count_rows(
    ctx: NightContext, queryset, team_field: str, rep_field: str, date_field: str, counts: dict[str, Q | None]
) -> list[dict[tuple[int, int | None], dict]]:
    """Per period of the night: {(team, rep): {count name: n}}, from one aggregate query over the year to date."""
    starts = [start for _kind, start, _end in ctx.periods]
    annotations = {}
    for index, start in enumerate(starts):
        in_period = Q(**{f"{date_field}__gte": start})
        for name, condition in counts.items():
            annotations[f"{name}_{index}"] = Count("id", filter=in_period & condition if condition else in_period)
    rows = list(queryset.values(kpi_team=F(team_field), kpi_rep=F(rep_field)).annotate(**annotations))
    return [
        {(row["kpi_team"], row["kpi_rep"]): {name: row[f"{name}_{index}"] for name in counts} for row in rows}
        for index in range(len(starts))
    ]


def _rollup_counts(
    ctx: NightContext, team_ids: Sequence[int], families: dict[str, str]
) -> list[dict[tuple[int, int | None], dict]]:
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
    source = _actuals_source(ctx, "team_id = ANY(%(owners)s) AND family = ANY(%(families)s)")
    params = {
        **_rollup_params(ctx),
        "owners": list(team_ids),
        "families": list(families.values()),
        **{f"family_{name}": family for name, family in families.items()},
    }
    result: list[dict] = [{} for _ in ctx.periods]
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT d.team_id, d.rep_id, {counts} FROM ({source}) d GROUP BY 1, 2", params)
        for team_id, rep_id, *values in cursor.fetchall():
            for index in range(len(ctx.periods)):
                row = values[index * len(names) : (index + 1) * len(names)]
                result[index][team_id, rep_id] = {name: int(n or 0) for name, n in zip(names, row, strict=True)}
    return result


def _kpi_sources(ctx: NightContext, source_team_ids: Sequence[int]) -> list[dict[str, dict]]:
    """Per period of the night, per (team, rep), the counts of every KPI: one aggregate query per KPI family."""
    from meetings.models import Attendance, CheckIn, CorrectiveAction, Problem

    teams, as_of, year_start = list(source_team_ids), ctx.as_of, ctx.year_start
    day_end = timezone.make_aware(dt.datetime.combine(as_of + dt.timedelta(days=1), dt.time()))
    families = {
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
        resolution: list[dict] = [defaultdict(lambda: {"hours": []}) for _ in ctx.periods]
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


def _kpi_row(ctx, sources, overdue, keys, *, working_days: int, reps: int) -> dict:
    """KPI values from the (team, rep) count rows in ``keys``."""

    def total(family: str, field: str) -> int:
        return sum(sources[family].get(key, {}).get(field, 0) for key in keys)

    hours = [h for key in keys for h in sources["resolution"].get(key, {}).get("hours", [])]
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
    subtrees = _subtree_ids(team_ids)
    source_teams = sorted(set().union(*subtrees.values()) | set(reps_of_teams)) if subtrees else list(reps_of_teams)
    members = list(
        Membership.objects.active_on(ctx.as_of)
        .filter(team_id__in=source_teams, role=Role.REP)
        .values_list("team_id", "user_id")
    )
    overdue = overdue_customer_counts(ctx.as_of, source_teams)
    rows = []

    def add(team_id: int, rep_id: int | None, kind: str, start: dt.date, end: dt.date, values: dict) -> None:
        key = owner_key(team_id=team_id, rep_id=rep_id)
        row = [ctx.as_of, key, kind, start, team_id, rep_id, end, *(values[f] for f in KPI_FIELDS), [], ctx.now]
        rows.append(KPI_FIT.fit(row))

    reps_in = {
        team_id: sum(1 for member_team, _user in members if member_team in subtree)
        for team_id, subtree in subtrees.items()
    }
    for (kind, start, end), sources in zip(ctx.periods, _kpi_sources(ctx, source_teams), strict=True):
        working_days = sum(1 for day in ctx.working if start <= day <= min(end, ctx.as_of))
        keys_of_rep: dict[int | None, list] = defaultdict(list)
        keys_of_team: dict[int, list] = defaultdict(list)
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


# --- the night: start, shards, final step --------------------------------------------------------


def nightly_run_start(*, as_of: dt.date, shard_count: int) -> NightlyRun:
    """Open (or re-open) a night: running, no shard done yet."""
    with transaction.atomic():
        _advisory_lock(as_of, "run")
        run, _created = NightlyRun.objects.update_or_create(
            as_of=as_of,
            defaults={
                "status": NightlyRun.Status.RUNNING,
                "shard_count": shard_count,
                "started_at": timezone.now(),
                "finished_at": None,
                "failed_at": None,
                "error": "",
                "problems": [],
            },
        )
        run.shards.all().delete()
    return run


def shard_compute(
    *, as_of: dt.date, team_ids: Sequence[int], refresh_from: dt.date | None = None, worker: str = ""
) -> None:
    """One shard of a night: roll up its teams' new days, then its reps' and teams' snapshots and KPIs."""
    key = shard_key(team_ids)
    with transaction.atomic():
        _advisory_lock(as_of, key)
        run = NightlyRun.objects.get(as_of=as_of)
        ctx = NightContext(as_of)
        start = refresh_from if refresh_from is not None else refresh_start(as_of)
        if start <= as_of:
            daily_actual_refresh(team_ids=team_ids, start=start, end=as_of)
        progress_snapshots_compute(ctx, team_ids)
        execution_kpis_compute(ctx, team_ids, reps_of_teams=team_ids)
        NightlyShard.objects.update_or_create(
            run=run, key=key, defaults={"finished_at": timezone.now(), "worker": worker, "problems": ctx.problems}
        )


def night_finish(*, as_of: dt.date, refresh_from: dt.date | None = None) -> bool:
    """The final step, once every shard is done: inner teams, ranks, alerts; then publish. False when not yet."""
    with transaction.atomic():
        _advisory_lock(as_of, "final")
        # Wait for any shard still writing (in a fixed order), so the ranks see every row and no lock cycle forms.
        for team_ids in leaf_team_shards():
            _advisory_lock(as_of, shard_key(team_ids))
        run = NightlyRun.objects.select_for_update().get(as_of=as_of)
        if run.status == NightlyRun.Status.FINISHED or run.shards.count() < run.shard_count:
            return False
        ctx = NightContext(as_of)
        inner = inner_team_ids()
        start = refresh_from if refresh_from is not None else refresh_start(as_of)
        if start <= as_of:
            daily_actual_refresh(team_ids=inner, start=start, end=as_of)
        progress_snapshots_compute(ctx, inner)
        execution_kpis_compute(ctx, inner, reps_of_teams=inner)
        if not ctx.frozen:
            snapshot_ranks_update(as_of=as_of)
            alerts_raise(ctx)
            escalation.alerts_escalate(ctx)
        run.status = NightlyRun.Status.FINISHED
        run.finished_at = timezone.now()
        run.problems = ctx.problems
        run.save(update_fields=["status", "finished_at", "problems"])
        if as_of >= timezone.localdate() - dt.timedelta(days=1):  # tonight's report, not a backfill of old nights
            outbox.enqueue("reports.tasks.robots_after_night_task", args=[as_of.isoformat()])
    if as_of >= timezone.localdate() - dt.timedelta(days=1):
        planner_statistics_refresh()
    requested_nights_recompute()
    return True


# The tables a night rewrites, which the reports read next morning.
NIGHT_OUTPUT_TABLES = (
    "reports_progresssnapshot",
    "reports_executionkpisnapshot",
    "reports_dailyactual",
    "reports_monthlyactual",
)


def planner_statistics_refresh() -> None:
    """ANALYZE what the night wrote: tens of thousands of new snapshot rows after an emptied table leave the
    planner's statistics stale, and the morning's report queries would be planned for the old table."""
    with connection.cursor() as cursor:
        for table in NIGHT_OUTPUT_TABLES:
            cursor.execute(f"ANALYZE {table}")


def requested_nights_recompute() -> int:
    """Compute again the past nights a director asked for (a closed month reopened, a closed target month
    changed with a reason); returns how many. Each request is claimed once, so a retried night repeats none; a
    night that fails is alerted (``night_compute``) and asked for again, and the others still go."""
    from targets.models import NightRecompute

    done = 0
    while True:
        with transaction.atomic():
            request = (
                NightRecompute.objects.select_for_update(skip_locked=True)
                .filter(started_at__isnull=True)
                .order_by("night", "id")
                .first()
            )
            if request is None:
                return done
            claimed = NightRecompute.objects.filter(night=request.night, started_at__isnull=True)
            claimed_ids = list(claimed.values_list("id", flat=True))
            claimed.update(started_at=timezone.now())
        try:
            night_compute(as_of=request.night)
        except Exception:
            NightRecompute.objects.filter(id__in=claimed_ids).update(started_at=None)
            return done
        NightRecompute.objects.filter(night=request.night, started_at__isnull=False, done_at__isnull=True).update(
            done_at=timezone.now()
        )
        held_corrections_release(night=request.night)
        done += 1


def night_compute(*, as_of: dt.date, refresh_from: dt.date | None = None) -> NightlyRun:
    """Compute a whole night synchronously (backfills, the management command, the demo). A night that fails
    is marked failed and the directors alerted (``night_fail``) before the error goes on."""
    try:
        actual_changes_apply(as_of=as_of)
        shards = leaf_team_shards()
        if refresh_from is None:
            refresh_from = refresh_start(as_of)
        nightly_run_start(as_of=as_of, shard_count=len(shards))
        for team_ids in shards:
            shard_compute(as_of=as_of, team_ids=team_ids, refresh_from=refresh_from)
        night_finish(as_of=as_of, refresh_from=refresh_from)
    except Exception as error:
        night_fail(as_of=as_of, error=f"{type(error).__name__}: {error}")
        raise
    return NightlyRun.objects.get(as_of=as_of)


def night_fail(*, as_of: dt.date, error: str) -> bool:
    """Mark a night that did not finish as failed and alert the directors; the reports keep showing the last
    finished night, and the night can be computed again (admin, the command). False when it had finished."""
    with transaction.atomic():
        updated = NightlyRun.objects.filter(as_of=as_of).exclude(status=NightlyRun.Status.FINISHED)
        if not updated.update(status=NightlyRun.Status.FAILED, failed_at=timezone.now(), error=error[:2000]):
            return False
        today = timezone.localdate()
        directors = Membership.objects.active_on(today).filter(role=Role.DIRECTOR).values_list("user_id", flat=True)
        params = {"night": as_of.isoformat(), "error": error[:150]}
        alerts = [
            Alert(user_id=user_id, cause=f"night-failed:{as_of}", day=today, level=Alert.Level.DANGER, params=params)
            for user_id in sorted(set(directors))
        ]
        for alert in alerts:
            alert.message = str(alert.text)[:300]
        Alert.objects.bulk_create(alerts, ignore_conflicts=True)
    logger.error("night %s failed: %s", as_of, error)
    return True


def stale_nights_fail(*, older_than: dt.timedelta | None = None) -> list[dt.date]:
    """Nights still "running" long after they started (a worker lost, a shard out of retries) are failed and
    alerted, so none stays "running" for ever; returns their dates."""
    hours = getattr(settings, "REPORTS_NIGHT_STALE_HOURS", 6)
    since = timezone.now() - (older_than if older_than is not None else dt.timedelta(hours=hours))
    stale = list(
        NightlyRun.objects.filter(status=NightlyRun.Status.RUNNING, started_at__lt=since).values_list(
            "as_of", flat=True
        )
    )
    for as_of in stale:
        night_fail(as_of=as_of, error=_("The night did not finish in time."))
    return stale


def nights_compute(*, start: dt.date, end: dt.date) -> int:
    """Backfill [start, end]: the daily roll-up once for the whole range, then each night from it."""
    if end < start:
        raise ValidationError({"end": _("The end date is before the start date.")})
    all_teams = list(Team.objects.values_list("id", flat=True))
    with transaction.atomic():
        daily_actual_refresh(team_ids=all_teams, start=dt.date(start.year, 1, 1), end=end)
    day, nights = start, 0
    while day <= end:
        night_compute(as_of=day, refresh_from=day + dt.timedelta(days=1))
        day += dt.timedelta(days=1)
        nights += 1
    planner_statistics_refresh()
    return nights


def snapshot_ranks_update(*, as_of: dt.date) -> None:
    """Rank every snapshot among its siblings (a team's reps; a parent's child teams) by achievement."""
    table, team = ProgressSnapshot._meta.db_table, Team._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            UPDATE {table} p SET rank = r.rank
              FROM (SELECT s.id, RANK() OVER (
                           PARTITION BY CASE WHEN s.rep_id IS NULL THEN 'team:' || COALESCE(t.parent_id, 0)
                                             ELSE 'rep:' || s.team_id END,
                                        s.metric_id, s.period_kind, s.period_start
                           ORDER BY s.achievement DESC NULLS LAST) AS rank
                      FROM {table} s JOIN {team} t ON t.id = s.team_id
                     WHERE s.as_of = %s) r
             WHERE p.id = r.id AND p.rank IS DISTINCT FROM r.rank
            """,
            [as_of],
        )


# --- alerts --------------------------------------------------------------------------------------

WORSE = {Status.BEHIND: {Status.AHEAD, Status.WATCH, Status.NO_TARGET, None}}
WORSE[Status.CRITICAL] = WORSE[Status.BEHIND] | {Status.BEHIND}


def _managers_of(team_ids: Iterable[int], day: dt.date) -> dict[int, list[int]]:
    managers: dict[int, list[int]] = defaultdict(list)
    for team_id, user_id in (
        Membership.objects.active_on(day)
        .filter(team_id__in=set(team_ids), role=Role.MANAGER)
        .values_list("team_id", "user_id")
    ):
        managers[team_id].append(user_id)
    return managers


def alerts_raise(ctx: NightContext) -> list[Alert]:
    """Alert the rep and their managers when a month status crosses into behind/critical or a sheet is missing."""
    as_of = ctx.as_of
    previous_night = (
        NightlyRun.objects.filter(status=NightlyRun.Status.FINISHED, as_of__lt=as_of)
        .order_by("-as_of")
        .values_list("as_of", flat=True)
        .first()
    )
    month = ProgressSnapshot.objects.filter(period_kind=PeriodKind.MONTH, rep__isnull=False)
    now_rows = list(
        month.filter(as_of=as_of, status__in=[Status.BEHIND, Status.CRITICAL]).select_related("rep", "metric")
    )
    before = {}
    if previous_night:
        before = {
            (r["rep_id"], r["metric_id"]): r["status"]
            for r in month.filter(as_of=previous_night, rep_id__in=[r.rep_id for r in now_rows]).values(
                "rep_id", "metric_id", "status"
            )
        }
    wanted: list[Alert] = []
    team_of_rep: dict[int, int] = {}

    name = display_name

    for row in now_rows:
        if before.get((row.rep_id, row.metric_id)) not in WORSE[row.status]:
            continue
        team_of_rep[row.rep_id] = row.team_id
        params = {"rep": name(row.rep), "status": row.status, "metric": row.metric.name, "gap": str(row.gap_pp)}
        level = Alert.Level.DANGER if row.status == Status.CRITICAL else Alert.Level.WARNING
        cause = f"progress:{row.rep_id}:{row.metric_id}:{row.status}"
        wanted.append(
            Alert(user_id=row.rep_id, cause=cause, day=as_of, level=level, params=params, subject_rep_id=row.rep_id)
        )
    if as_of in ctx.working:
        filed = VisitSheet.objects.filter(date=as_of, submitted_at__isnull=False).values("rep_id")
        missing = (
            Membership.objects.active_on(as_of).filter(role=Role.REP).exclude(user_id__in=filed).select_related("user")
        )
        for membership in missing:
            team_of_rep[membership.user_id] = membership.team_id
            wanted.append(
                Alert(
                    user_id=membership.user_id,
                    cause=f"missing-sheet:{membership.user_id}",
                    day=as_of,
                    level=Alert.Level.WARNING,
                    params={"rep": name(membership.user)},
                    subject_rep_id=membership.user_id,
                )
            )
    managers = _managers_of(team_of_rep.values(), as_of)
    for alert in list(wanted):
        for manager_id in managers.get(team_of_rep[alert.subject_rep_id], []):
            wanted.append(
                Alert(
                    user_id=manager_id,
                    cause=alert.cause,
                    day=as_of,
                    level=alert.level,
                    params=alert.params,
                    subject_rep_id=alert.subject_rep_id,
                )
            )
    for alert in wanted:
        alert.message = str(alert.text)[:300]
    existing = set(Alert.objects.filter(day=as_of).values_list("user_id", "cause"))
    new = [a for a in wanted if (a.user_id, a.cause) not in existing]
    Alert.objects.bulk_create(new, ignore_conflicts=True)
    if new and ctx.settings.email_alerts:
        transaction.on_commit(lambda: alerts_email([a.user_id for a in new], as_of))
    return new


def alerts_email(user_ids: Sequence[int], day: dt.date) -> None:
    """Send each user one e-mail listing the day's new alerts (Django's mail backend)."""
    from django.contrib.auth import get_user_model

    by_user: dict[int, list[str]] = defaultdict(list)
    for alert in Alert.objects.filter(day=day, user_id__in=user_ids):
        by_user[alert.user_id].append(alert.message)
    for user in get_user_model().objects.filter(id__in=by_user).exclude(email=""):
        send_mail(
            subject=_("SalesOps alerts for %(day)s") % {"day": long_date(day)},
            message="\n".join(by_user[user.pk]),
            from_email=settings.DEFAULT_FROM_EMAIL,
            recipient_list=[user.email],
            fail_silently=True,
        )


def alert_mark_read(*, user, alert_ids: Sequence[int] | None = None) -> int:
    """Mark the user's own alerts (all unread when no ids are given) as read; returns how many changed."""
    qs = Alert.objects.filter(user=user, read_at__isnull=True)
    if alert_ids is not None:
        qs = qs.filter(id__in=list(alert_ids))
    return qs.update(read_at=timezone.now())
