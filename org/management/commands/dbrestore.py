from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from org.backup import restore


class Command(BaseCommand):
    help = "Replace the configured database's contents with a dump made by `dbbackup` (one transaction)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--input", type=Path, default=Path("var/backup.dump"))
        parser.add_argument("--yes", action="store_true", help="do not ask for confirmation")

    def handle(self, *args, input: Path, yes: bool, **options) -> None:
        if not input.exists():
            raise CommandError(f"{input} does not exist")
        if not yes and input_is_interactive() and input_answer() != "yes":
            raise CommandError("restore cancelled")
        restore(input)
        self.stdout.write(self.style.SUCCESS(f"restored from {input}"))


def input_is_interactive() -> bool:
    import sys

    return sys.stdin.isatty()


def input_answer() -> str:
    return input("This replaces every row of the database. Type 'yes' to go on: ").strip()
