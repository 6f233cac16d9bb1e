"""What every owner of a night shares: its periods, working days, thresholds, time basis, daily targets."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal

from django.utils import timezone

from org.calendar import working_dates
from reports.models import ReportSettings, TimeBasis
from reports.night.families import ZERO
from reports.night.periods import DAILY_KINDS, night_periods
from salesops import formulas
from targets import breakdown
from targets.selectors import frozen_night


class NightContext:
    """What every owner of a night shares: periods, working days, thresholds, time basis."""

    def __init__(self, as_of: dt.date) -> None:
        self.as_of = as_of
        self.settings = ReportSettings.load()
        year_start, year_end = dt.date(as_of.year, 1, 1), dt.date(as_of.year, 12, 31)
        self.year_start = year_start
        self.working = set(working_dates(year_start, year_end))
        self.periods = night_periods(as_of, working_days=self.working)
        self.basis_days = self.working if self.settings.time_basis == TimeBasis.WORKING_DAYS else None
        month_start = as_of.replace(day=1)
        # The daily roll-up is read from the first day of the earliest month a day-based period touches
        # (the week may begin in the month before); the closed months before it from the monthly roll-up.
        self.daily_from = min([month_start] + [s for k, s, _e in self.periods if k in DAILY_KINDS]).replace(day=1)
        # Each month's working days in order, for the daily targets of the week and the day.
        self._month_days: dict[int, list[dt.date]] = defaultdict(list)
        for day in sorted(self.working):
            self._month_days[day.month].append(day)
        self.now = timezone.now()
        self._units: dict[tuple[dt.date, dt.date], formulas.Units] = {}
        # The targets whose numbers could not be computed, kept on the shard (or the run) that skipped them.
        self.problems: list[dict[str, int | str]] = []
        # The last night of a closed month keeps the scores it showed: no night or backfill rewrites them.
        self.frozen = frozen_night(as_of)

    def units(self, start: dt.date, end: dt.date) -> formulas.Units:
        if (start, end) not in self._units:
            self._units[start, end] = formulas.period_units(start, end, self.as_of, working_days=self.basis_days)
        return self._units[start, end]

    def month_days(self, month: int) -> list[dt.date]:
        """The working days of ``month`` of the night's year, in order."""
        return self._month_days.get(month, [])

    def daily_target(
        self, months: dict[tuple[int, int], Decimal], start: dt.date, end: dt.date, precision: Decimal
    ) -> tuple[Decimal, Decimal]:
        """(target, planned to date) of [start, end] inside the year: the sum of the daily targets of its
        working days (each month's value split equally over its working days, as the targets app shows it),
        and of those through ``as_of``."""
        target = planned = ZERO
        for month in range(start.month, end.month + 1):
            days = self._month_days.get(month, [])
            if not any(start <= day <= end for day in days):
                continue
            shares = breakdown.daily_targets(months.get((self.as_of.year, month), ZERO), days, precision)
            for day, share in shares.items():
                if start <= day <= end:
                    target += share
                    if day <= self.as_of:
                        planned += share
        return target, planned
