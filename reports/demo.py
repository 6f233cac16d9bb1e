"""Demo history: the nightly computation over the demo year so far.

The daily roll-up is built once for the whole year; then the month-ends and the last 30 nights are
computed from it (a dense enough history for the trend and the charts, in seconds). Nights already
published are skipped, so a second run adds nothing.
"""

from __future__ import annotations

import datetime as dt

from django.db import connection, transaction
from django.utils import timezone

from org.models import Team
from reports.models import NightlyRun
from reports.night.periods import month_range
from reports.night.rollups import daily_actual_refresh
from reports.night.run import night_compute

RECENT_NIGHTS = 30


def demo_nights(today: dt.date) -> list[dt.date]:
    """Every month-end of this year before today's month, then the last 30 nights up to yesterday."""
    yesterday = today - dt.timedelta(days=1)
    year_start = dt.date(yesterday.year, 1, 1)
    nights = set()
    for month in range(1, yesterday.month):
        nights.add(month_range(dt.date(yesterday.year, month, 1))[1])
    for back in range(RECENT_NIGHTS):
        day = yesterday - dt.timedelta(days=back)
        if day >= year_start:
            nights.add(day)
    return sorted(nights)


ANALYZED_TABLES = (
    "org_customer",
    "org_membership",
    "visits_visitsheet",
    "visits_visit",
    "visits_visitreview",
    "visits_salerecord",
    "targets_target",
    "targets_targetperiod",
    "meetings_meeting",
    "meetings_checkin",
    "meetings_problem",
)


def seed(context: dict) -> None:
    nights = demo_nights(timezone.localdate())
    done = set(NightlyRun.objects.filter(status=NightlyRun.Status.FINISHED).values_list("as_of", flat=True))
    todo = [night for night in nights if night not in done]
    if not todo:
        return
    # The demo has just bulk-loaded a year of sheets, visits and sales: refresh the planner's statistics
    # first, or PostgreSQL plans the nightly aggregates for empty tables (nested loops over 20,000 rows).
    with connection.cursor() as cursor:
        for table in ANALYZED_TABLES:
            cursor.execute(f"ANALYZE {table}")
    with transaction.atomic():
        daily_actual_refresh(
            team_ids=list(Team.objects.values_list("id", flat=True)), start=dt.date(todo[0].year, 1, 1), end=todo[-1]
        )
    for night in todo:
        night_compute(as_of=night, refresh_from=night + dt.timedelta(days=1))
