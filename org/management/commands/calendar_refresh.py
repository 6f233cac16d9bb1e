from __future__ import annotations

from django.core.management.base import BaseCommand

from org import services


class Command(BaseCommand):
    help = (
        "Refresh the work calendar from the installed chinese-calendar and holidays packages: every day no "
        "director set, of every year from 2020 through next year (runs after every migrate; run it after "
        "upgrading either package)."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--year", type=int, action="append", help="only this year (may be repeated)")
        parser.add_argument("--overwrite", action="store_true", help="also reset the days a director set or imported")

    def handle(self, *args, year: list[int] | None, overwrite: bool, **options) -> None:
        years = year or services.calendar_refresh_years()
        for row in services.calendar_seed(years=years, overwrite=overwrite):
            self.stdout.write(
                f"{row.year}: {row.source}, {row.changed} day(s) refreshed, {row.kept} kept as a director set them"
            )
