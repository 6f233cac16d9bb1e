"""Run by test_real_replica.py against a real primary and its streaming replica (DATABASE_REPLICA_URL set);
not collected by the suite itself (the file name has no test_ prefix).

Replay on the replica is paused to make the lag visible: what the report API answers then was read from the
replica, what a page shows after its own write was read from the primary."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import time

import pytest
from django.db import close_old_connections, connections
from django.urls import reverse

from reports.models import ProgressSnapshot
from reports.night.run import night_compute
from tests.factories import CustomerFactory
from tests.reports.fixtures import AS_OF, night, sales_metric  # noqa: F401 (fixtures)
from visits.services.rep_day import sheet_open

pytestmark = [
    pytest.mark.skipif(not os.environ.get("DATABASE_REPLICA_URL"), reason="needs a real replica"),
    pytest.mark.django_db(transaction=True, databases=["default", "replica"]),
]
NEXT_NIGHT = AS_OF + dt.timedelta(days=1)


def _one(alias: str, sql: str, params: list | None = None):
    with connections[alias].cursor() as cursor:
        cursor.execute(sql, params or [])
        return cursor.fetchone()[0]


def _replica_caught_up() -> None:
    target = _one("default", "SELECT pg_current_wal_lsn()::text")
    for _ in range(400):
        if _one("replica", "SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", [target]):
            return
        time.sleep(0.05)
    raise AssertionError("the replica did not catch up in 20 s")


def _count(client, as_of: dt.date) -> int:
    # What a server does at each request's start (Django's test client leaves it out): drop obsolete
    # connections and check reused ones again.
    close_old_connections()
    response = client.get("/api/v1/progress-snapshots/", {"as_of": as_of.isoformat()})
    assert response.status_code == 200, response.content
    return response.json()["count"]


def test_reports_read_the_replica_pages_read_their_own_writes_and_a_stopped_replica_falls_back(
    company,
    night,  # noqa: F811
) -> None:
    assert _one("replica", "SELECT pg_is_in_recovery()") is True  # a real standby, not a second name for one
    director = company.client_for(company.director)
    night_compute(as_of=AS_OF)
    _replica_caught_up()
    first = ProgressSnapshot.objects.using("default").filter(as_of=AS_OF).count()
    assert first > 0 and _count(director, AS_OF) == first

    _one("replica", "SELECT pg_wal_replay_pause()::text")
    night_compute(as_of=NEXT_NIGHT)
    written = ProgressSnapshot.objects.using("default").filter(as_of=NEXT_NIGHT).count()
    assert written > 0
    # The report API reads the replica, which has not replayed the second night yet.
    assert _count(director, NEXT_NIGHT) == 0

    # A rep's write and the page after it: read from the primary, so the rep sees what they just did.
    rep = company.client_for(company.rep_a)
    sheet = sheet_open(rep=company.rep_a)
    customer = CustomerFactory(name="王芳便利店", team=company.team_a, owner=company.rep_a)
    response = rep.post(
        reverse("visits:plan", args=[sheet.pk]), {"customer": customer.pk, "purpose": "follow_up"}, follow=True
    )
    assert response.status_code == 200 and "王芳便利店" in response.content.decode()

    _one("replica", "SELECT pg_wal_replay_resume()::text")
    _replica_caught_up()
    assert _count(director, NEXT_NIGHT) == written

    # The replica goes away: the next requests read the primary instead of failing.
    subprocess.run(json.loads(os.environ["REPLICA_STOP_COMMAND"]), check=True, capture_output=True)
    assert _count(director, NEXT_NIGHT) == written
    assert _count(director, AS_OF) == first
