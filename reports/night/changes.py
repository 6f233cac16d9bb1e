"""Changed actuals: the (team, day)s whose records changed are rolled up again and the past nights holding them
asked to be computed again; a closed month's frozen night holds the correction instead (``HeldCorrection``)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import NamedTuple

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from org.models import Membership, Role
from reports.models import ActualChange, Alert, HeldCorrection, NightlyRun
from reports.night.periods import month_range
from reports.night.rollups import daily_actual_refresh_days
from reports.night.shards import advisory_lock
from targets.models import ClosedMonth, NightRecompute


class ChangesApplied(NamedTuple):
    days: int  # (team, day)s rolled up again
    nights: list[dt.date]  # past nights asked to be computed again
    held: dict[dt.date, int]  # closed month → days of corrections held until it is reopened


def _month_end_nights(first_month: dt.date, before: dt.date) -> dict[dt.date, dt.date]:
    """{month: its last finished night} of the months from ``first_month`` to the end of its year that ended
    before ``before``: the nights whose month, quarter and year to date hold a change dated in ``first_month``."""
    last = min(dt.date(first_month.year, 12, 31), before.replace(day=1) - dt.timedelta(days=1))
    nights: dict[dt.date, dt.date] = {}
    for as_of in (
        NightlyRun.objects.filter(status=NightlyRun.Status.FINISHED, as_of__range=(first_month, last))
        .order_by("as_of")
        .values_list("as_of", flat=True)
    ):
        nights[as_of.replace(day=1)] = as_of  # the latest of each month wins
    return nights


def actual_changes_apply(*, as_of: dt.date) -> ChangesApplied:
    """Roll up again every (team, day) whose raw records changed since the last night, however old, and ask
    for the past nights holding them to be computed again: the last night of each ended month from the
    change's month to its year's end (its month, its quarter, the year to date). A night that holds the frozen
    scores of a closed month is not rewritten: the change is held for it (``HeldCorrection``) and the
    directors are told, until one of them reopens the month. Tonight's periods count the change anyway."""
    with transaction.atomic():
        advisory_lock(as_of, "changes")
        table = ActualChange._meta.db_table
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {table} RETURNING team_id, day")
            days = {(team_id, day) for team_id, day in cursor.fetchall()}
        if not days:
            return ChangesApplied(0, [], {})
        daily_actual_refresh_days(days=days)
        frozen = dict(ClosedMonth.objects.filter(reopened_at__isnull=True).values_list("night", "month"))
        current_month = as_of.replace(day=1)
        earliest_of_year: dict[int, dt.date] = {}
        for _team, day in days:
            if day < current_month:
                first = day.replace(day=1)
                earliest_of_year[day.year] = min(first, earliest_of_year.get(day.year, first))
        nights: set[dt.date] = set()
        held_rows = []
        for year, first_month in earliest_of_year.items():
            for month, night in _month_end_nights(first_month, current_month).items():
                month_end = month_range(month)[1]
                counted = [(team_id, day) for team_id, day in days if day.year == year and day <= month_end]
                if night not in frozen:
                    nights.add(night)
                    continue
                held_rows += [
                    HeldCorrection(night=night, month=frozen[night], team_id=team_id, day=day)
                    for team_id, day in counted
                ]
        reason = _("Actuals of this period changed after the night was computed.")
        requested = set(
            NightRecompute.objects.filter(night__in=nights, started_at__isnull=True).values_list("night", flat=True)
        )
        NightRecompute.objects.bulk_create(
            NightRecompute(night=night, reason=reason) for night in sorted(nights - requested)
        )
        HeldCorrection.objects.bulk_create(held_rows, ignore_conflicts=True)
        held: dict[dt.date, int] = defaultdict(int)
        for row in held_rows:
            held[row.month] += 1
        if held:
            _held_corrections_alert(held)
    return ChangesApplied(len(days), sorted(nights), dict(held))


def _held_corrections_alert(held: dict[dt.date, int]) -> None:
    today = timezone.localdate()
    directors = set(Membership.objects.active_on(today).filter(role=Role.DIRECTOR).values_list("user_id", flat=True))
    alerts = []
    for month, count in sorted(held.items()):
        params = {"month": f"{month:%Y-%m}", "days": count}
        for user_id in sorted(directors):
            alert = Alert(user_id=user_id, cause=f"held-correction:{month:%Y-%m}", day=today, level=Alert.Level.WARNING)
            alert.params = params
            alert.message = str(alert.text)[:300]
            alerts.append(alert)
    Alert.objects.bulk_create(alerts, ignore_conflicts=True)


def held_corrections_release(*, night: dt.date) -> int:
    """The corrections held for a frozen night that has just been computed again (its month reopened)."""
    return HeldCorrection.objects.filter(night=night, released_at__isnull=True).update(released_at=timezone.now())
