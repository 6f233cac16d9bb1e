"""`make run` prints the demo logins only once they work: the demo loader says when its users are in, and the
launcher waits for that line before printing them."""

from __future__ import annotations

import subprocess
import sys
import threading

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.test import RequestFactory

from org.demo_accounts import DEMO_LOGINS, DEMO_PASSWORD, LOGINS_READY
from salesops import launcher


class Watching:
    """A stdout that tries every demo login the moment the loader says the logins are ready."""

    def __init__(self) -> None:
        self.logins_at_ready: list[bool] | None = None

    def write(self, text: str) -> None:
        if text.strip() == LOGINS_READY and self.logins_at_ready is None:
            request = RequestFactory().post("/accounts/login/")
            self.logins_at_ready = [
                authenticate(request, username=username, password=DEMO_PASSWORD) is not None
                for username, _what in DEMO_LOGINS
            ]

    def flush(self) -> None:
        pass


@pytest.mark.django_db
def test_the_loader_says_the_logins_are_ready_only_when_they_work(settings) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    watching = Watching()
    call_command("seed_demo", apps=["org"], stdout=watching)
    assert watching.logins_at_ready == [True] * len(DEMO_LOGINS)


def test_the_launcher_waits_for_that_line_and_leaves_out_the_loaders_own_list(capsys) -> None:
    script = (
        "import sys, time\n"
        "print('demo data: settings ok', flush=True)\n"
        "sys.stdin.readline()\n"  # holds until the test has checked that nothing is ready yet
        f"print({LOGINS_READY!r}, flush=True)\n"
        "sys.stdin.readline()\n"
        "print('Demo logins (password x):'); print('  director   everything')\n"
    )
    loader = subprocess.Popen([sys.executable, "-c", script], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    ready = threading.Event()
    relay = threading.Thread(target=launcher._relay_seeding, args=(loader, ready), daemon=True)
    relay.start()
    assert not ready.wait(1)
    loader.stdin.write("\n")
    loader.stdin.flush()
    assert ready.wait(10)
    loader.stdin.write("\n")
    loader.stdin.close()
    relay.join(10)
    loader.wait(10)
    printed = capsys.readouterr().out
    assert "demo data: settings ok" in printed and LOGINS_READY in printed
    assert "Demo logins" not in printed and "everything" not in printed
