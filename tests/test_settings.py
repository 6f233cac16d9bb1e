from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

import pytest
from django.core.exceptions import ImproperlyConfigured

from salesops.settings import env_bool, env_int

ROOT = Path(__file__).resolve().parent.parent


def test_a_wrong_boolean_names_the_accepted_values(monkeypatch) -> None:
    monkeypatch.setenv("DEBUG", "maybe")
    with pytest.raises(ImproperlyConfigured, match="1/0, true/false"):
        env_bool("DEBUG", False)


def test_a_boolean_accepts_the_usual_spellings(monkeypatch) -> None:
    for raw, expected in [("1", True), ("yes", True), ("ON", True), ("0", False), ("false", False), ("", False)]:
        monkeypatch.setenv("X_FLAG", raw)
        assert env_bool("X_FLAG", not expected) is expected


def test_a_secret_can_come_from_a_file(monkeypatch, tmp_path) -> None:
    secret = tmp_path / "conn"
    secret.write_text("42\n")
    monkeypatch.setenv("CONN_MAX_AGE_FILE", str(secret))
    assert env_int("CONN_MAX_AGE", 0) == 42


def test_time_zone_languages_and_database_health_checks(settings) -> None:
    assert os.environ.get("TIME_ZONE", "Asia/Shanghai") == settings.TIME_ZONE
    assert settings.LANGUAGE_CODE == "zh-hans"
    assert [code for code, _ in settings.LANGUAGES] == ["zh-hans", "en"]
    assert settings.DATABASES["default"]["CONN_HEALTH_CHECKS"] is True
    assert settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"


def test_check_deploy_with_production_settings_reports_no_errors_or_warnings(db) -> None:
    # against the (migrated) test database, as a deployment runs it against its migrated database
    from django.db import connection

    db = connection.settings_dict
    host = quote(db["HOST"] or "localhost", safe="")
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"} | {
        "DATABASE_URL": f"postgres://{db['USER']}@{host}:{db['PORT'] or 5432}/{db['NAME']}",
        "DEBUG": "0",
        "SECURE": "1",
        "SECRET_KEY": "x" * 20 + "-production-like-secret-key-of-fifty-chars-",
        "ALLOWED_HOSTS": "sales.example.com",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, env["DATABASE_URL"] + result.stdout + result.stderr
    assert "no issues" in result.stdout
