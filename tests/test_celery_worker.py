"""A real Celery worker process against the configured broker answers a ping."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from salesops.celery import app

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.slow
def test_a_worker_starts_and_answers_inspect_ping() -> None:
    celery = str(Path(sys.executable).parent / "celery")
    worker = subprocess.Popen(
        [celery, "-A", "salesops", "worker", "-l", "warning", "-n", "pingtest@%h", "--concurrency", "1", "-P", "solo"],
        cwd=ROOT,
        env=os.environ.copy(),
        start_new_session=True,
    )
    try:
        replies: list = []
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not replies:
            replies = app.control.ping(timeout=1.0, destination=None)
            replies = [r for r in replies if any(name.startswith("pingtest@") for name in r)]
        assert replies, "the worker did not answer within 60 s"
        assert list(replies[0].values())[0] == {"ok": "pong"}
    finally:
        os.killpg(worker.pid, signal.SIGTERM)
        worker.wait(timeout=30)
