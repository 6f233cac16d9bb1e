"""Helpers for tests that start other processes against the test database."""

from __future__ import annotations

from urllib.parse import quote


def database_url_for_subprocess() -> str:
    """A DATABASE_URL for the database the tests run on (works for TCP hosts and unix-socket directories)."""
    from django.db import connection

    db = connection.settings_dict
    password = f":{quote(db['PASSWORD'], safe='')}" if db.get("PASSWORD") else ""
    host = quote(db["HOST"] or "localhost", safe="")
    port = f":{db['PORT']}" if db.get("PORT") else ""
    return f"postgres://{db['USER']}{password}@{host}{port}/{db['NAME']}"
