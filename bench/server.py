"""What the load benchmarks share: the site under gunicorn in the production configuration on 127.0.0.1 (DEBUG=0,
bench.settings, static files collected for whitenoise), and the machine's load average beside each figure."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def load_average() -> str:
    """``/proc/loadavg`` as it reads now (the 1, 5 and 15 minute averages, the running and all tasks, the last pid)."""
    return Path("/proc/loadavg").read_text().strip()


def load_one_minute() -> str:
    return load_average().split()[0]


def production_environment(**extra: str) -> dict[str, str]:
    """The environment of the benchmark's gunicorn (and its collectstatic): production settings plus the floor view.
    The static files are collected under var/ (or ``BENCH_STATIC_ROOT``), never into the checkout's STATIC_ROOT,
    whose stale copies would then be served to the test suite's pages."""
    return {
        **os.environ,
        "BENCH_STATIC_ROOT": os.environ.get("BENCH_STATIC_ROOT", str(ROOT / "var" / "bench-static")),
        "DEBUG": "0",
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "ALLOWED_HOSTS": "127.0.0.1",
        "LOG_LEVEL": "WARNING",
        **extra,
    }


def static_collect(env: dict[str, str]) -> None:
    subprocess.run([sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)


def _wait_until_up(url: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    sys.exit("gunicorn did not answer")


@contextmanager
def gunicorn_running(
    *,
    port: int,
    workers: int,
    env: dict[str, str],
    ready_path: str = "/bench/floor/",
    timeout: float = 60,
    threads: int = 0,
) -> Iterator[str]:
    """gunicorn with ``workers`` sync workers on 127.0.0.1:``port`` until the block ends; yields the base URL once
    ``ready_path`` answers 200. Stopped with its whole process group.

    With ``threads``, gthread workers of that many threads instead: they wait for a connection's request without
    holding a thread, as the buffering proxy in front of production's sync workers does (a sync worker alone holds a
    client's idle connection until its request arrives)."""
    base = f"http://127.0.0.1:{port}"
    gunicorn = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "salesops.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--log-level",
            "warning",
            # gthread workers keep an idle connection 75 s, as a proxy's upstream keep-alive does (gunicorn's default
            # of 2 s would close it during a client's think time).
            *(["--worker-class", "gthread", "--threads", str(threads), "--keep-alive", "75"] if threads else []),
        ],
        cwd=ROOT,
        env=env,
        start_new_session=True,
    )
    try:
        _wait_until_up(f"{base}{ready_path}", timeout)
        yield base
    finally:
        os.killpg(gunicorn.pid, signal.SIGTERM)
        gunicorn.wait(timeout=30)
