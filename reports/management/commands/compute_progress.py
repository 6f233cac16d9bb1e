"""Compute nightly progress snapshots synchronously: one night or a backfill range."""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from reports.night.run import night_compute, nights_compute


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"{value!r} is not a date (YYYY-MM-DD)") from exc


class Command(BaseCommand):
    help = "Compute the progress snapshots, KPIs and alerts of one night (--as-of) or a range (--from/--to)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--as-of", dest="as_of", type=_date, help="the night's date (default: yesterday)")
        parser.add_argument("--from", dest="start", type=_date, help="first night of a backfill")
        parser.add_argument("--to", dest="end", type=_date, help="last night of a backfill (default: yesterday)")

    def handle(
        self,
        *args: object,
        as_of: dt.date | None = None,
        start: dt.date | None = None,
        end: dt.date | None = None,
        **options: object,
    ) -> None:
        yesterday = timezone.localdate() - dt.timedelta(days=1)
        if start is not None:
            if as_of is not None:
                raise CommandError("use either --as-of or --from/--to")
            end = end or yesterday
            if end < start:
                raise CommandError("--to is before --from")
            nights = nights_compute(start=start, end=end)
            self.stdout.write(f"computed {nights} nights from {start} to {end}")
            return
        day = as_of or yesterday
        run = night_compute(as_of=day)
        self.stdout.write(f"computed {day}: {run.status}")
