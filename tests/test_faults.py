"""Faults a real deployment sees: the database restarting under a running web server."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.slow


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get_status(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def embedded(command: str, env: dict) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "salesops.embedded", command],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return result.stdout


def test_requests_succeed_after_postgresql_restarts_without_restarting_the_app(tmp_path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"} | {"SALESOPS_VAR_DIR": str(tmp_path / "var")}
    env["REDIS_URL"] = os.environ["REDIS_URL"]
    exports = embedded("env", env)
    database_url = exports.split("DATABASE_URL='")[1].split("'")[0]
    port = free_port()
    server_env = env | {"DATABASE_URL": database_url, "DEBUG": "0", "CONN_MAX_AGE": "600"}
    gunicorn = str(Path(sys.executable).parent / "gunicorn")
    server = subprocess.Popen(
        [gunicorn, "salesops.wsgi", "-b", f"127.0.0.1:{port}", "-w", "1", "--timeout", "30"],
        cwd=ROOT,
        env=server_env,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}/healthz/"
    try:
        for _ in range(120):
            try:
                if get_status(url) == 200:
                    break
            except OSError:
                time.sleep(0.25)
        assert get_status(url) == 200  # a persistent connection is now open in the worker

        embedded("stop", env)
        assert get_status(url) == 503  # database down: a clear 503, the server keeps running
        embedded("env", env)

        assert get_status(url) == 200
        assert get_status(url) == 200
        assert server.poll() is None
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
        embedded("stop", env)
