"""The embedded PostgreSQL and Redis used when no DATABASE_URL / REDIS_URL is given."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

SCRIPT = """
import psycopg2, redis, dj_database_url
from salesops import embedded
url = embedded.ensure_postgres()
assert embedded.ensure_postgres() == url  # a second call reuses the running server
cfg = dj_database_url.parse(url)
conn = psycopg2.connect(dbname=cfg["NAME"], user=cfg["USER"], host=cfg["HOST"])
cur = conn.cursor(); cur.execute("SELECT current_database(), version()"); name, version = cur.fetchone()
conn.close()
redis_url = embedded.ensure_redis()
client = redis.Redis.from_url(redis_url)
client.set("k", "v")
print(name, version.split()[1], client.get("k").decode())
embedded.stop()
"""


@pytest.fixture
def server_dir() -> Iterator[Path]:
    """A directory for embedded servers outside pytest's own temporary root, which a new pytest session (such as
    the one `make test` starts below) makes private again, and which PostgreSQL's own user could no longer enter."""
    path = Path(tempfile.mkdtemp(prefix="salesops-embedded-"))
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.mark.slow
def test_the_embedded_servers_start_answer_and_stop(server_dir) -> None:
    tmp_path = server_dir
    env = os.environ | {"SALESOPS_VAR_DIR": str(tmp_path / "var")}
    env.pop("DATABASE_URL", None)
    env.pop("REDIS_URL", None)
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT], cwd=ROOT, env=env, capture_output=True, text=True, timeout=180
    )
    assert result.returncode == 0, result.stderr[-3000:]
    name, version, value = result.stdout.split()
    assert name == "salesops" and int(version.split(".")[0]) >= 15 and value == "v"
    assert not (tmp_path / "var" / "pgdata" / "postmaster.pid").exists()


def _clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "SALESOPS_VAR_DIR")}
    for name in ("PYTEST_XDIST_WORKER", "SALESOPS_REDIS_MOVED", "MAKEFLAGS", "MFLAGS", "MAKELEVEL"):
        env.pop(name, None)  # nothing of the session (or the `make test`) that runs this test
    return env | extra


def _python(script: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True, timeout=180
    )


START = """
from salesops import embedded
print(embedded.ensure_postgres()); print(embedded.ensure_redis())
"""

ANSWERS = """
import sys, psycopg2, redis, dj_database_url
cfg = dj_database_url.parse(sys.argv[1])
conn = psycopg2.connect(dbname=cfg["NAME"], user=cfg["USER"], host=cfg["HOST"], connect_timeout=5)
cur = conn.cursor(); cur.execute("SELECT 1"); assert cur.fetchone() == (1,)
assert redis.Redis.from_url(sys.argv[2], socket_timeout=5).ping()
print("answers")
"""

STOP = "from salesops import embedded; embedded.stop()"


@pytest.mark.slow
def test_the_suites_teardown_leaves_a_running_instance_alone(server_dir) -> None:
    """`make test` beside `make run` (both on embedded servers): the tests' own servers start under their own
    directory and are stopped at the end, and the running instance's servers keep answering."""
    app_env = _clean_env(SALESOPS_VAR_DIR=str(server_dir / "app"))
    started = _python(START, app_env)
    assert started.returncode == 0, started.stderr[-3000:]
    database_url, redis_url = started.stdout.split()
    try:
        tests_dir = server_dir / "tests"
        # Its own temporary root: a new pytest session makes pytest's shared one private again.
        inner = f"--collect-only -q -p no:cacheprovider --basetemp={server_dir / 'pytest'} tests/test_embedded.py"
        make = subprocess.run(
            [
                "make", "-o", "install", "-o", "browsers", "test", "TEST_WORKERS=0", f"TEST_VAR_DIR={tests_dir}",
                f"PYTEST_ARGS={inner}",
            ],
            cwd=ROOT, env=_clean_env(), capture_output=True, text=True, timeout=300,
        )  # fmt: skip
        assert make.returncode == 0, make.stdout[-3000:] + make.stderr[-3000:]
        assert (tests_dir / "pgdata" / "PG_VERSION").exists()  # the tests ran on servers of their own
        assert not (tests_dir / "pgdata" / "postmaster.pid").exists()  # which the teardown stopped
        answers = subprocess.run(
            [sys.executable, "-c", ANSWERS, database_url, redis_url], cwd=ROOT, capture_output=True, text=True
        )
        assert answers.stdout.strip() == "answers", answers.stderr[-3000:]
    finally:
        _python(STOP, app_env)


def _healthz(port: int) -> int:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz/", timeout=5) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code
    except OSError:
        return 0


def _until(port: int, status: int, seconds: float) -> list[int]:
    seen = []
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        seen.append(_healthz(port))
        if seen[-1] == status:
            break
        time.sleep(0.5)
    return seen


@pytest.mark.slow
def test_a_running_app_reconnects_when_its_servers_come_back(server_dir) -> None:
    env = _clean_env(SALESOPS_VAR_DIR=str(server_dir / "app"))
    started = _python(START, env)
    assert started.returncode == 0, started.stderr[-3000:]
    database_url, redis_url = started.stdout.split()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    web = subprocess.Popen(
        [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
        cwd=ROOT,
        env=env | {"DATABASE_URL": database_url, "REDIS_URL": redis_url},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        assert _until(port, 200, 60)[-1] == 200
        _python(STOP, env)
        assert _until(port, 503, 10)[-1] == 503  # the web process stays up and says so
        assert _python(START, env).returncode == 0
        assert _until(port, 200, 30)[-1] == 200  # and answers again by itself, not restarted
        assert web.poll() is None
    finally:
        web.terminate()
        web.wait(timeout=30)
        _python(STOP, env)
