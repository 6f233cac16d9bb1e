"""A real streaming replica: a primary and a standby made by ``pg_basebackup -R`` (pgserver's PostgreSQL
binaries, on Unix sockets in a temporary directory, apart from any other server), and the app run against
the pair in a child pytest (replica_journey.py): reports read the replica, pages read their own writes, a
stopped replica falls back to the primary."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from urllib.parse import quote

import pytest

ROOT = Path(__file__).resolve().parents[2]
JOURNEY = Path(__file__).with_name("replica_journey.py")


def _as_postgres_user() -> list[str]:
    # PostgreSQL refuses to run as root; pgserver runs it as its own "pgserver" user then.
    return ["runuser", "-u", "pgserver", "--"] if os.geteuid() == 0 else []


def _cluster_dir(path: Path) -> Path:
    path.mkdir(mode=0o700)
    if os.geteuid() == 0:
        shutil.chown(path, "pgserver")
    return path


@pytest.fixture(scope="module")
def primary_and_replica() -> dict:
    pgserver = pytest.importorskip("pgserver")
    if os.geteuid() == 0:
        from pgserver.utils import ensure_user_exists

        ensure_user_exists("pgserver")
    # Not under pytest's own temporary directory: that one is private to this user, and PostgreSQL runs as
    # another user when the tests run as root.
    base = Path(tempfile.mkdtemp(prefix="salesops-replica-"))
    base.chmod(0o755)
    bin_dir = Path(pgserver.__file__).parent / "pginstall" / "bin"
    as_pg = _as_postgres_user()
    primary, standby = _cluster_dir(base / "primary"), _cluster_dir(base / "standby")
    sockets = {name: _cluster_dir(base / f"{name}-socket") for name in ("primary", "standby")}

    def pg(program: str, *args: str) -> None:
        subprocess.run([*as_pg, str(bin_dir / program), *args], check=True, capture_output=True)

    def pg_ctl(data: Path, name: str, port: int) -> tuple[list[str], list[str]]:
        options = f"-k {sockets[name]} -c listen_addresses= -p {port}"
        log = str(data / "server.log")
        start = [*as_pg, str(bin_dir / "pg_ctl"), "-D", str(data), "-w", "-l", log, "-o", options, "start"]
        return start, [*as_pg, str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"]

    pg("initdb", "-D", str(primary), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync")
    start_primary, stop_primary = pg_ctl(primary, "primary", 5434)
    subprocess.run(start_primary, check=True, capture_output=True)
    pg("createdb", "-h", str(sockets["primary"]), "-p", "5434", "-U", "postgres", "salesops")
    # A fast checkpoint: the default spreads it over minutes.
    pg("pg_basebackup", "-D", str(standby), "-R", "-X", "stream", "--checkpoint=fast", "-h", str(sockets["primary"]),
       "-p", "5434", "-U", "postgres")  # fmt: skip
    start_standby, stop_standby = pg_ctl(standby, "standby", 5435)
    subprocess.run(start_standby, check=True, capture_output=True)
    yield {
        "DATABASE_URL": f"postgres://postgres@{quote(str(sockets['primary']), safe='')}:5434/salesops",
        "DATABASE_REPLICA_URL": f"postgres://postgres@{quote(str(sockets['standby']), safe='')}:5435/salesops",
        "REPLICA_STOP_COMMAND": json.dumps(stop_standby),
    }
    for stop in (stop_standby, stop_primary):
        subprocess.run(stop, capture_output=True)
    shutil.rmtree(base, ignore_errors=True)


def test_the_app_against_a_real_primary_and_streaming_replica(primary_and_replica) -> None:
    env = {**os.environ, **primary_and_replica, "SALESOPS_REDIS_MOVED": "1", "REPLICA_RETRY_SECONDS": "30"}
    env.pop("PYTEST_XDIST_WORKER", None)
    child = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:xdist", "-p", "no:cacheprovider", "-q", "--create-db",
         str(JOURNEY)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert child.returncode == 0, child.stdout[-6000:] + child.stderr[-3000:]
    assert "1 passed" in child.stdout
