"""`make run`: the web server, one Celery worker and Celery Beat, stopped together on Ctrl-C.

With no DATABASE_URL / REDIS_URL it uses (and afterwards stops) the embedded PostgreSQL and Redis.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path

from org.demo_accounts import DEMO_LOGINS, DEMO_PASSWORD
from salesops import embedded

BASE_DIR = Path(__file__).resolve().parent.parent


def _wait_for(url: str, seconds: float, give_up: Callable[[], bool]) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and not give_up():
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 (our own localhost)
                return response.status == 200
        except OSError:
            time.sleep(0.5)
    return False


def main() -> int:
    started_embedded = False
    if not os.environ.get("DATABASE_URL"):
        os.environ["DATABASE_URL"] = embedded.ensure_postgres()
        started_embedded = True
    if not os.environ.get("REDIS_URL"):
        os.environ["REDIS_URL"] = embedded.ensure_redis()
        started_embedded = True
    os.environ.setdefault("DEBUG", "1")
    host, port = os.environ.get("HOST", "127.0.0.1"), os.environ.get("PORT", "8000")
    python = sys.executable
    celery = str(Path(python).parent / "celery")
    commands = {
        "web": [python, "manage.py", "runserver", f"{host}:{port}", "--noreload"],
        "worker": [celery, "-A", "salesops", "worker", "-l", "info", "-n", "worker1@%h", "--concurrency", "2"],
        "beat": [celery, "-A", "salesops", "beat", "-l", "info", "--pidfile", ""],
    }
    processes = {name: subprocess.Popen(cmd, cwd=BASE_DIR, start_new_session=True) for name, cmd in commands.items()}
    # The demo data loads beside the running servers (idempotent: a second start adds nothing), so the login
    # page answers at once; the logins work as soon as the organisation part is in (a few seconds).
    seeding = subprocess.Popen([python, "manage.py", "seed_demo"], cwd=BASE_DIR, start_new_session=True)

    stopping = False

    def stop(signum: int, frame: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)

    url = f"http://{host}:{port}/"
    try:
        if _wait_for(f"{url}healthz/", 120, give_up=lambda: stopping):
            print(f"\n  SalesOps is running at {url}", flush=True)
            print(f"  Demo logins (password {DEMO_PASSWORD}):", flush=True)
            for username, what in DEMO_LOGINS:
                print(f"    {username:<10} {what}", flush=True)
            print(f"  API docs: {url}api/docs/    Stop with Ctrl-C\n", flush=True)
        while not stopping:
            if seeding is not None and seeding.poll() is not None:
                print(f"  Demo data {'ready' if seeding.returncode == 0 else 'FAILED, see above'}.", flush=True)
                seeding = None
            for name, process in processes.items():
                if process.poll() is not None:
                    print(f"{name} exited with {process.returncode}; stopping the others", flush=True)
                    stopping = True
            time.sleep(0.5)
    finally:
        if seeding is not None and seeding.poll() is None:
            os.killpg(seeding.pid, signal.SIGTERM)
            seeding.wait(timeout=30)
        for process in processes.values():
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        deadline = time.monotonic() + 15
        for process in processes.values():
            try:
                process.wait(timeout=max(deadline - time.monotonic(), 0.1))
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
        if started_embedded:
            embedded.stop()
        print("SalesOps stopped.", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
