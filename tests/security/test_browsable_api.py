"""Production serves the API as JSON only; the browsable API exists only with DEBUG=1, and even then renders no
form or filter whose choices would load whole tables."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.renderers import JSONRenderer
from rest_framework.views import APIView

from salesops.renderers import BrowsableAPIRenderer
from tests.factories import CustomerFactory, ProductFactory

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
LISTS = ("/api/v1/order-lines/", "/api/v1/visit-reviews/", "/api/v1/visits/", "/api/v1/checkins/")


def renderers_with(debug: str) -> str:
    code = (
        "from rest_framework.settings import api_settings;"
        " print([r.__name__ for r in api_settings.DEFAULT_RENDERER_CLASSES])"
    )
    env = {**os.environ, "DEBUG": debug, "DJANGO_SETTINGS_MODULE": "salesops.settings"}
    result = subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return result.stdout.strip()


def test_production_renders_json_only_and_development_adds_the_browsable_api() -> None:
    assert renderers_with("0") == "['JSONRenderer']"
    assert renderers_with("1") == "['JSONRenderer', 'BrowsableAPIRenderer']"


def test_with_debug_off_a_browser_asking_for_html_gets_no_browsable_api(world) -> None:
    client = world.company.client_for(world.company.rep_a)
    for path in LISTS:
        assert client.get(path, {"format": "api"}).status_code == 404
        browser = client.get(path, HTTP_ACCEPT="text/html,application/xhtml+xml,*/*;q=0.8")
        assert browser.status_code == 200 and browser["Content-Type"] == "application/json"
        assert client.get(path, HTTP_ACCEPT="text/html").status_code == 406


def test_the_development_browsable_api_loads_no_choices(world, monkeypatch) -> None:
    # The views read their renderers when their classes are built: give them the development set.
    monkeypatch.setattr(APIView, "renderer_classes", [JSONRenderer, BrowsableAPIRenderer])
    client = world.company.client_for(world.company.manager_a)

    def rendered(path: str) -> tuple[int, str]:
        with CaptureQueriesContext(connection) as captured:
            response = client.get(path, {"format": "api"})
        assert response.status_code == 200 and "text/html" in response["Content-Type"]
        return len(captured), response.content.decode()

    {path: rendered(path) for path in LISTS}  # the session and the caches warm up
    before = {path: rendered(path)[0] for path in LISTS}
    CustomerFactory.create_batch(30, team=world.company.team_a, owner=world.company.rep_a, name="Choice Shop")
    ProductFactory.create_batch(30, name="Choice Soda")
    after = {path: rendered(path) for path in LISTS}
    assert {path: count for path, (count, _html) in after.items()} == before  # nothing grows with related tables
    for path, (_count, html) in after.items():
        assert "Choice Shop" not in html and "Choice Soda" not in html, path
        assert html.count("<option") < 10, path
