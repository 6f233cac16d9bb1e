"""The nightly job through a real Celery worker process and the real Redis broker."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from reports.models import NightlyRun, NightlyShard, ProgressSnapshot
from reports.tasks import nightly_progress_task
from tests.utils import database_url_for_subprocess

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def worker(transactional_db):
    env = os.environ.copy()
    env["DATABASE_URL"] = database_url_for_subprocess()
    env["CELERY_TASK_ALWAYS_EAGER"] = "0"
    celery = str(Path(sys.executable).parent / "celery")
    process = subprocess.Popen(
        [celery, "-A", "salesops", "worker", "-l", "warning", "-P", "solo", "-c", "1", "-n", "reports@%h"],
        cwd=ROOT,
        env=env,
        start_new_session=True,
    )
    try:
        yield process
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)


@pytest.mark.slow
def test_a_real_worker_computes_and_publishes_the_night(company, night, worker) -> None:
    nightly_progress_task.delay(night["as_of"].isoformat())
    deadline = time.monotonic() + 60
    finished = False
    while time.monotonic() < deadline and not finished:
        assert worker.poll() is None, "the worker exited"
        finished = NightlyRun.objects.filter(as_of=night["as_of"], status=NightlyRun.Status.FINISHED).exists()
        time.sleep(0.5)
    assert finished, "the night was not published within 60 s"
    workers = list(NightlyShard.objects.filter(run__as_of=night["as_of"]).values_list("worker", flat=True))
    assert len(workers) == 2  # team A and team B
    assert all(worker.startswith("reports@") for worker in workers)  # the node that computed each shard
    assert ProgressSnapshot.objects.filter(as_of=night["as_of"]).count() == 4 * 5  # 4 owners × 5 periods
    rep_month = ProgressSnapshot.objects.get(owner_key=f"rep:{company.rep_a.pk}", period_kind="month")
    assert str(rep_month.actual) == "90000.00"
