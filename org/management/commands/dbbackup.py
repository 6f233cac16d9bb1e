from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandParser

from org.backup import backup


class Command(BaseCommand):
    help = "Dump the configured PostgreSQL database (pg_dump, custom format)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--output", type=Path, default=Path("var/backup.dump"))

    def handle(self, *args, output: Path, **options) -> None:
        path = backup(output)
        self.stdout.write(self.style.SUCCESS(f"backup written to {path} ({path.stat().st_size} bytes)"))
