from __future__ import annotations

from importlib import import_module
from importlib.util import find_spec

from django.core.management.base import BaseCommand

from org.demo_accounts import DEMO_LOGINS, DEMO_PASSWORD, LOGINS_READY
from salesops.transactions import request_transaction

# Each app may add demo data in <app>/demo.py: seed(context) gets what earlier apps made.
DEMO_APPS = ("org", "targets", "visits", "meetings", "reports")


class Command(BaseCommand):
    help = "Load the demo company (idempotent: running it again adds nothing twice)."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--apps",
            nargs="+",
            choices=DEMO_APPS,
            default=list(DEMO_APPS),
            help="only these apps' demo data (default: all; later apps need the earlier ones)",
        )

    def handle(self, *args, apps: list[str], **options) -> None:
        context: dict = {}
        for app in DEMO_APPS:
            if app not in apps or not find_spec(f"{app}.demo"):
                continue
            # One transaction for each app's demo data; the services it calls run in it as they would in a request.
            with request_transaction():
                import_module(f"{app}.demo").seed(context)
            self.stdout.write(LOGINS_READY if app == "org" else f"demo data: {app} ok")
            self.stdout.flush()
        self.stdout.write(self.style.SUCCESS(f"Demo logins (password {DEMO_PASSWORD}):"))
        for username, what in DEMO_LOGINS:
            self.stdout.write(f"  {username:<10} {what}")
