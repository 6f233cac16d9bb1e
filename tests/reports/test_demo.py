"""The demo history: month-ends plus the last 30 nights, and nothing more on a second run."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from reports import demo
from reports.models import NightlyRun, ProgressSnapshot

pytestmark = pytest.mark.django_db


def test_the_demo_nights_are_month_ends_and_the_last_30_days() -> None:
    nights = demo.demo_nights(dt.date(2026, 3, 17))
    assert nights[:2] == [dt.date(2026, 1, 31), dt.date(2026, 2, 15)]
    assert nights[-1] == dt.date(2026, 3, 16)
    assert len(nights) == 30 + 1  # Jan 31 is older than 30 days; Feb 28 is inside them


def test_seeding_twice_adds_nothing(company, night) -> None:
    with time_machine.travel(dt.datetime(2026, 3, 17, 9, 0), tick=False):
        demo.seed({"company": company.company})
        runs, snapshots = NightlyRun.objects.count(), ProgressSnapshot.objects.count()
        assert runs == 31
        rep_a = ProgressSnapshot.objects.get(
            as_of=dt.date(2026, 3, 16), owner_key=f"rep:{company.rep_a.pk}", period_kind="month"
        )
        assert str(rep_a.actual) == "90000.00"
        demo.seed({"company": company.company})
        assert (NightlyRun.objects.count(), ProgressSnapshot.objects.count()) == (runs, snapshots)
