"""A worker killed in the middle of the nightly job: the shard is re-delivered to another worker, the night
ends with exactly the rows of an uninterrupted run, and dashboards never see the half-done night."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import zlib
from pathlib import Path

import psycopg2
import pytest
from django.db import connection

from reports import selectors
from reports.models import ExecutionKpiSnapshot, NightlyRun, ProgressSnapshot
from reports.night.run import night_compute
from reports.night.shards import shard_key
from reports.tasks import nightly_progress_task
from tests.utils import database_url_for_subprocess

ROOT = Path(__file__).resolve().parents[2]
pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

SNAPSHOT_FIELDS = [
    "owner_key",
    "metric_id",
    "period_kind",
    "period_start",
    "target",
    "actual",
    "achievement",
    "time_progress",
    "plan_progress",
    "gap_pp",
    "status",
    "forecast",
    "required_daily_rate",
    "rank",
]


def rows(as_of) -> list[tuple]:
    return list(
        ProgressSnapshot.objects.filter(as_of=as_of).order_by(*SNAPSHOT_FIELDS[:4]).values_list(*SNAPSHOT_FIELDS)
    )


def kpi_rows(as_of) -> list[tuple]:
    fields = [f.name for f in ExecutionKpiSnapshot._meta.fields if f.name not in ("id", "computed_at")]
    return list(ExecutionKpiSnapshot.objects.filter(as_of=as_of).order_by("pk").values_list(*fields).order_by(*fields))


def start_worker(name: str) -> subprocess.Popen:
    env = os.environ | {
        "DATABASE_URL": database_url_for_subprocess(),
        "CELERY_TASK_ALWAYS_EAGER": "0",
        "CELERY_VISIBILITY_TIMEOUT": "3",
        "CELERY_UNACKED_RESTORE_INTERVAL": "1",
        "CELERY_UNACKED_RESTORE_THROTTLE": "1",
    }
    celery = str(Path(sys.executable).parent / "celery")
    return subprocess.Popen(
        [celery, "-A", "salesops", "worker", "-l", "warning", "-P", "solo", "-c", "1", "-n", f"{name}@%h"],
        cwd=ROOT,
        env=env,
        start_new_session=True,
    )


def wait_for(condition, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.25)
    raise AssertionError(f"timed out waiting for {what}")


def shard_waits_for_lock() -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
            " AND query LIKE '%%pg_advisory_xact_lock%%'"
        )
        return cursor.fetchone()[0] > 0


def test_a_killed_worker_leaves_no_partial_night_and_the_rerun_gives_the_same_rows(company, night) -> None:
    as_of = night["as_of"]
    night_compute(as_of=as_of)
    expected, expected_kpis = rows(as_of), kpi_rows(as_of)
    assert expected
    ProgressSnapshot.objects.filter(as_of=as_of).delete()
    ExecutionKpiSnapshot.objects.filter(as_of=as_of).delete()
    NightlyRun.objects.filter(as_of=as_of).delete()

    # Hold the last shard's (team B's) lock from another connection: the worker computes team A's shard, then
    # blocks inside team B's, mid-transaction.
    db = connection.settings_dict
    blocker = psycopg2.connect(dbname=db["NAME"], user=db["USER"], host=db["HOST"] or None, port=db["PORT"] or None)
    key = shard_key([company.team_b.pk])
    blocker.cursor().execute(
        "SELECT pg_advisory_xact_lock(%s, %s)", [as_of.toordinal(), zlib.crc32(key.encode()) & 0x7FFFFFFF]
    )
    first = start_worker("killed")
    second = None
    try:
        nightly_progress_task.delay(as_of.isoformat())
        wait_for(shard_waits_for_lock, 60, "the worker to reach team B's shard")
        assert not NightlyRun.objects.filter(as_of=as_of, status=NightlyRun.Status.FINISHED).exists()
        assert selectors.latest_night() != as_of
        wait_for(lambda: ProgressSnapshot.objects.filter(as_of=as_of).exists(), 30, "team A's shard to be written")
        # rows of the half-done night exist, but no dashboard or API read shows them
        assert not selectors.snapshot_list_for(user=company.director).filter(as_of=as_of).exists()
        os.killpg(first.pid, signal.SIGKILL)
        first.wait(timeout=30)
        blocker.rollback()  # the lock goes; the killed worker's transaction was rolled back by PostgreSQL

        assert not NightlyRun.objects.filter(as_of=as_of, status=NightlyRun.Status.FINISHED).exists()
        second = start_worker("rescuer")
        wait_for(
            lambda: NightlyRun.objects.filter(as_of=as_of, status=NightlyRun.Status.FINISHED).exists(),
            90,
            "the re-delivered shard to finish the night",
        )
        assert rows(as_of) == expected
        assert kpi_rows(as_of) == expected_kpis
        assert selectors.latest_night() == as_of
        assert selectors.snapshot_list_for(user=company.director).filter(as_of=as_of).count() == len(expected)
    finally:
        blocker.close()
        for process in (first, second):
            if process is not None and process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
                process.wait(timeout=30)
