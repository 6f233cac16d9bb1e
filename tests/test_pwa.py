"""The app installs to a phone's home screen: a web app manifest with its icons, and an offline start page."""

from __future__ import annotations

import json

import pytest
from django.contrib.staticfiles import finders
from django.test import Client
from PIL import Image

from salesops.pwa import THEME_COLOR

pytestmark = pytest.mark.django_db


def test_the_manifest_names_the_app_its_start_page_and_standalone_display() -> None:
    response = Client().get("/manifest.webmanifest", HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/manifest+json"
    manifest = json.loads(response.content)
    assert manifest["name"] == "SalesOps"
    assert manifest["short_name"] == "SalesOps"
    assert manifest["start_url"] == "/"
    assert manifest["display"] == "standalone"
    assert manifest["theme_color"] == THEME_COLOR
    assert manifest["lang"] == "en"


def test_the_manifest_is_in_the_language_the_phone_asks_for() -> None:
    english = json.loads(Client().get("/manifest.webmanifest", HTTP_ACCEPT_LANGUAGE="en").content)
    chinese = json.loads(Client().get("/manifest.webmanifest", HTTP_ACCEPT_LANGUAGE="zh-Hans").content)

    assert chinese["lang"] == "zh-hans"
    assert chinese["description"] != english["description"]
    assert any("\u4e00" <= char <= "\u9fff" for char in chinese["description"])


def test_the_manifest_icons_are_pngs_of_the_sizes_they_claim_with_a_maskable_one() -> None:
    manifest = json.loads(Client().get("/manifest.webmanifest").content)

    sizes = set()
    for icon in manifest["icons"]:
        path = finders.find(icon["src"].removeprefix("/static/"))
        assert path, icon["src"]
        with Image.open(path) as image:
            assert image.format == "PNG"
            assert f"{image.width}x{image.height}" == icon["sizes"]
        sizes.add((icon["sizes"], icon["purpose"]))
    assert {("192x192", "any"), ("512x512", "any"), ("512x512", "maskable")} <= sizes


def test_every_page_links_the_manifest_and_the_theme_colour(company) -> None:
    for client, address in [(Client(), "/accounts/login/"), (company.client_for(company.rep_a), "/reports/my-day/")]:
        html = client.get(address).content.decode()

        assert '<link rel="manifest" href="/manifest.webmanifest">' in html
        assert f'<meta name="theme-color" content="{THEME_COLOR}">' in html


@pytest.mark.parametrize(("language", "text"), [("en", "No connection"), ("zh-Hans", "没有网络")])
def test_the_offline_page_opens_without_login_in_the_phones_language(language: str, text: str) -> None:
    response = Client().get("/offline/", HTTP_ACCEPT_LANGUAGE=language)

    assert response.status_code == 200
    assert text in response.content.decode()
    assert b'data-testid="try-again"' in response.content
