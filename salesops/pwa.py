"""Installing the app to a phone's home screen: the web app manifest and the page shown when offline."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.urls import reverse
from django.utils.translation import get_language, get_language_bidi
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control

THEME_COLOR = "#0d6efd"  # Bootstrap's primary blue, the navigation bar's colour (also in includes/app_head.html)
BACKGROUND_COLOR = "#ffffff"


@cache_control(max_age=3600, public=True)
def manifest(request: HttpRequest) -> JsonResponse:
    """The web app manifest (W3C Web App Manifest) in the language the browser asks for."""
    icons = [
        {"src": static("icons/icon-192.png"), "sizes": "192x192", "type": "image/png", "purpose": "any"},
        {"src": static("icons/icon-512.png"), "sizes": "512x512", "type": "image/png", "purpose": "any"},
        {"src": static("icons/icon-maskable-512.png"), "sizes": "512x512", "type": "image/png", "purpose": "maskable"},
    ]
    data = {
        "id": reverse("home"),
        "name": "SalesOps",
        "short_name": "SalesOps",
        "description": _("Targets, visit sheets and daily meetings of the sales team"),
        "lang": get_language(),
        "dir": "rtl" if get_language_bidi() else "ltr",
        "start_url": reverse("home"),
        "scope": "/",
        "display": "standalone",
        "orientation": "portrait",
        "theme_color": THEME_COLOR,
        "background_color": BACKGROUND_COLOR,
        "icons": icons,
    }
    return JsonResponse(
        data, content_type="application/manifest+json", json_dumps_params={"ensure_ascii": False, "indent": 2}
    )


def offline(request: HttpRequest) -> HttpResponse:
    """The start page shown when the phone has no network; it needs no login and no data."""
    return render(request, "offline.html")
