"""The embedded PostgreSQL and Redis used when no DATABASE_URL / REDIS_URL is given."""

from __future__ import annotations

import os
import subprocess
import sys
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


@pytest.mark.slow
def test_the_embedded_servers_start_answer_and_stop(tmp_path) -> None:
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
