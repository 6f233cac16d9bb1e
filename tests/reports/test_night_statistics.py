"""The night leaves the planner's statistics current for the tables it wrote (issue: reports planned for an
emptied table ran ~3x slower until an ANALYZE)."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.db import connection

from reports.models import ProgressSnapshot
from reports.night.run import night_compute
from tests.reports.fixtures import AS_OF

pytestmark = pytest.mark.django_db


def _planner_rows(table: str) -> float:
    with connection.cursor() as cursor:
        cursor.execute("SELECT reltuples FROM pg_class WHERE relname = %s", [table])
        return cursor.fetchone()[0]


def test_tonights_night_analyzes_the_snapshots_it_wrote(company, night) -> None:
    with time_machine.travel(dt.datetime.combine(AS_OF + dt.timedelta(days=1), dt.time(2)), tick=False):
        night_compute(as_of=AS_OF)
    written = ProgressSnapshot.objects.count()
    assert written > 0
    assert _planner_rows("reports_progresssnapshot") == written
