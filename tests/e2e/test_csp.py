"""Every page in each role's navigation loads under the Content-Security-Policy without a violation or a
script error, on the demo company's data."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from tests.e2e.conftest import login, screenshot
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db(transaction=True)


def test_navigation_pages_pass_the_content_security_policy(new_page, settings) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    with open("/dev/null", "w") as quiet:
        call_command("seed_demo", stdout=quiet)
    visited = 0
    for username in ["director", "manager1", "rep01"]:
        user = get_user_model().objects.get(username=username)
        user.set_password(PASSWORD)
        user.save()
        page = new_page(locale="zh-CN")
        violations: list[str] = []
        errors: list[str] = []
        page.on(
            "console", lambda msg, v=violations: v.append(msg.text) if "Content Security Policy" in msg.text else None
        )
        page.on("pageerror", lambda error, e=errors: e.append(str(error)))
        login(page, username, PASSWORD)
        links = page.eval_on_selector_all(
            "[data-testid=main-nav] a.nav-link", "els => els.map(e => e.getAttribute('href'))"
        )
        assert len(links) >= 4
        for href in links:
            response = page.goto(href)
            assert response.status == 200, (username, href)
            screenshot(page, f"nav-{username}-{href.strip('/').replace('/', '-') or 'home'}")
            visited += 1
        assert violations == [], (username, violations)
        assert errors == [], (username, errors)
    assert visited >= 15
