"""The night's final step, once every shard is done: the inner teams, ranks, alerts and escalations, then the
night is published (finished) and the morning's robots queued."""

from __future__ import annotations

import datetime as dt

from django.db import connection, transaction
from django.utils import timezone

from org import outbox
from org.models import Team
from reports import escalation
from reports.models import NightlyRun, ProgressSnapshot
from reports.night.alerts import alerts_raise
from reports.night.context import NightContext
from reports.night.kpis import execution_kpis_compute
from reports.night.rollups import daily_actual_refresh, refresh_start
from reports.night.shards import advisory_lock, commit_without_waiting, inner_team_ids, leaf_team_shards, shard_key
from reports.night.snapshots import progress_snapshots_compute


def night_publish(*, as_of: dt.date, refresh_from: dt.date | None = None) -> bool:
    """The final step, once every shard is done: inner teams, ranks, alerts; then publish. False when not yet
    (or when the night is already finished)."""
    with transaction.atomic():
        advisory_lock(as_of, "final")
        commit_without_waiting()
        # Wait for any shard still writing (in a fixed order), so the ranks see every row and no lock cycle forms.
        for team_ids in leaf_team_shards():
            advisory_lock(as_of, shard_key(team_ids))
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
