"""The night, in order: changed actuals, shards, the final step; synchronously or with the shards on workers.

Everything is set-based (one aggregate query per metric family or KPI, upserts keyed on the snapshot's
natural key) and idempotent, and each shard holds a PostgreSQL advisory lock for the night, so the
same night computed twice, or by two workers at once, leaves the same rows and no duplicates.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from org.models import Team
from reports.models import NightlyRun, NightlyShard
from reports.night.changes import actual_changes_apply, held_corrections_release
from reports.night.context import NightContext
from reports.night.failures import night_fail, stale_nights_fail
from reports.night.kpis import execution_kpis_compute
from reports.night.publish import night_publish, planner_statistics_refresh
from reports.night.rollups import daily_actual_refresh, refresh_start
from reports.night.shards import advisory_lock, commit_without_waiting, leaf_team_shards, shard_key
from reports.night.snapshots import progress_snapshots_compute
from reports.services import months_close_due
from targets.models import NightRecompute

ShardsDispatch = Callable[[dt.date, list[list[int]], dt.date], None]
"""Sends a night's shards (lists of team ids) to the workers, with the night's first day to roll up again; there
each shard is computed by ``shard_compute`` and the one that completes the night runs ``night_finish``."""


def run(
    *,
    as_of: dt.date,
    refresh_from: dt.date | None = None,
    dispatch: ShardsDispatch | None = None,
    scheduled: bool = False,
) -> int:
    """The night's steps, in order; returns its shard count.

    Without ``dispatch`` every shard and the final step run here, one after the other; with it the shards go
    to the workers (a night without shards is finished here). ``scheduled``: the nightly job's own night,
    which first fails the nights left running and closes the months due.
    """
    if scheduled:
        stale_nights_fail()  # nights left "running" by a lost worker are failed (and alerted) first
        months_close_due()  # the months ended long enough ago close by themselves, their last night frozen
    actual_changes_apply(as_of=as_of)  # records changed since the last night, however old their date
    shards = leaf_team_shards()
    start = refresh_from if refresh_from is not None else refresh_start(as_of)
    nightly_run_start(as_of=as_of, shard_count=len(shards))
    if dispatch is not None and shards:
        dispatch(as_of, shards, start)
        return len(shards)
    for team_ids in shards:
        shard_compute(as_of=as_of, team_ids=team_ids, refresh_from=start)
    night_finish(as_of=as_of, refresh_from=start)
    return len(shards)


def nightly_run_start(*, as_of: dt.date, shard_count: int) -> NightlyRun:
    """Open (or re-open) a night: running, no shard done yet."""
    with transaction.atomic():
        advisory_lock(as_of, "run")
        night, _created = NightlyRun.objects.update_or_create(
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
        night.shards.all().delete()
    return night


def shard_compute(
    *, as_of: dt.date, team_ids: Sequence[int], refresh_from: dt.date | None = None, worker: str = ""
) -> None:
    """One shard of a night: roll up its teams' new days, then its reps' and teams' snapshots and KPIs."""
    key = shard_key(team_ids)
    with transaction.atomic():
        advisory_lock(as_of, key)
        commit_without_waiting()
        night = NightlyRun.objects.get(as_of=as_of)
        ctx = NightContext(as_of)
        start = refresh_from if refresh_from is not None else refresh_start(as_of)
        if start <= as_of:
            daily_actual_refresh(team_ids=team_ids, start=start, end=as_of)
        progress_snapshots_compute(ctx, team_ids)
        execution_kpis_compute(ctx, team_ids, reps_of_teams=team_ids)
        NightlyShard.objects.update_or_create(
            run=night, key=key, defaults={"finished_at": timezone.now(), "worker": worker, "problems": ctx.problems}
        )


def night_finish(*, as_of: dt.date, refresh_from: dt.date | None = None) -> bool:
    """The final step, once every shard is done (``night_publish``), then the planner's statistics of tonight's
    rows and the past nights asked for. False when not yet."""
    if not night_publish(as_of=as_of, refresh_from=refresh_from):
        return False
    if as_of >= timezone.localdate() - dt.timedelta(days=1):
        planner_statistics_refresh()
    requested_nights_recompute()
    return True


def requested_nights_recompute() -> int:
    """Compute again the past nights a director asked for (a closed month reopened, a closed target month
    changed with a reason); returns how many. Each request is claimed once, so a retried night repeats none; a
    night that fails is alerted (``night_compute``) and asked for again, and the others still go."""
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
        run(as_of=as_of, refresh_from=refresh_from)
    except Exception as error:
        night_fail(as_of=as_of, error=f"{type(error).__name__}: {error}")
        raise
    return NightlyRun.objects.get(as_of=as_of)


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
