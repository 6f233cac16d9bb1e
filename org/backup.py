"""pg_dump / pg_restore of the configured database (`make backup`, `make restore`)."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from django.conf import settings


def _client(name: str) -> str:
    # The embedded server's own client tools first (same major version), then the PATH.
    import pgserver  # only for the embedded server's client tools

    bundled = Path(pgserver.__file__).parent / "pginstall" / "bin" / name
    if bundled.exists():
        return str(bundled)
    found = shutil.which(name)
    if not found:
        raise FileNotFoundError(f"{name} is not installed")
    return found


def _connection_args(db: dict) -> tuple[list[str], dict[str, str]]:
    args = ["-U", db["USER"] or "postgres"]
    if db.get("HOST"):
        args += ["-h", db["HOST"]]
    if db.get("PORT"):
        args += ["-p", str(db["PORT"])]
    env = os.environ.copy()
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = db["PASSWORD"]
    return args, env


def backup(output: Path, *, alias: str = "default", database: dict | None = None) -> Path:
    """Write a custom-format dump (compressed, restorable table by table) of the database."""
    db = database or settings.DATABASES[alias]
    args, env = _connection_args(db)
    output.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [_client("pg_dump"), *args, "--format=custom", "--no-owner", "--file", str(output), db["NAME"]],
        check=True,
        env=env,
        capture_output=True,
    )
    return output


def restore(source: Path, *, alias: str = "default", database: dict | None = None) -> None:
    """Replace the database's contents with a dump made by backup()."""
    db = database or settings.DATABASES[alias]
    args, env = _connection_args(db)
    subprocess.run(
        [
            _client("pg_restore"),
            *args,
            "--clean",
            "--if-exists",
            "--no-owner",
            "--single-transaction",
            "--exit-on-error",
            "-d",
            db["NAME"],
            str(source),
        ],
        check=True,
        env=env,
        capture_output=True,
    )
