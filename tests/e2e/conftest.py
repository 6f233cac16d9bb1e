"""Playwright (sync API) driving Debian's Chromium against pytest-django's live server."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

# Playwright's sync API keeps an event loop in the main thread; the test code's ORM calls are still sync.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def browsers() -> Iterator:
    """One Chromium per language, started when first asked for: the browser's own controls (a date field's
    年/月/日, a file chooser) speak its language, which on Linux comes from the environment, not the page."""
    from playwright.sync_api import sync_playwright

    executable = os.environ.get("CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    if not executable:
        pytest.fail("Chromium is not installed: run `make browsers` (apt-get install chromium fonts-noto-cjk)")
    with sync_playwright() as playwright:
        started: dict[str, object] = {}

        def launch(language: str):
            if language not in started:
                code = "zh-CN" if language == "zh" else "en-US"
                environment = {**os.environ, "LANGUAGE": code.replace("-", "_")}
                started[language] = playwright.chromium.launch(
                    executable_path=executable, headless=True, args=[*CHROMIUM_ARGS, f"--lang={code}"], env=environment
                )
            return started[language]

        yield launch
        for browser in started.values():
            browser.close()


@pytest.fixture
def new_page(browsers, live_server):
    """Open pages in a fresh context: ``new_page(locale="en", viewport=(390, 844))``."""
    contexts = []

    def make(*, locale: str = "zh-CN", viewport: tuple[int, int] = (1366, 900), **options):
        # ``options`` go to the context as they are: is_mobile, has_touch, permissions, geolocation …
        context = browsers("en" if locale.startswith("en") else "zh").new_context(
            locale=locale,
            viewport={"width": viewport[0], "height": viewport[1]},
            extra_http_headers={"Accept-Language": "en" if locale.startswith("en") else "zh-Hans"},
            base_url=live_server.url,
            **options,
        )
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


PHONE = (390, 844)
SHANGHAI = (31.2304, 121.4737)  # a position in the demo company's city


@pytest.fixture
def phone(new_page):
    """A 390×844 touch phone with the position allowed: ``phone(locale)`` or ``phone(locale, latitude, longitude)``
    gives a page."""

    def make(locale: str, latitude: float = SHANGHAI[0], longitude: float = SHANGHAI[1]):
        return new_page(
            locale=locale,
            viewport=PHONE,
            is_mobile=True,
            has_touch=True,
            device_scale_factor=2,
            permissions=["geolocation"],
            geolocation={"latitude": latitude, "longitude": longitude, "accuracy": 15},
        )

    return make


def login(page, username: str, password: str) -> None:
    page.goto("/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button[type=submit]")
    page.wait_for_selector("[data-testid=navbar] [data-testid=user-menu]")


def screenshot(page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
