"""Security middleware: Content-Security-Policy, idle / absolute session limits, 400 for a bad query parameter."""

from __future__ import annotations

import time
from collections.abc import Callable
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render

from salesops.params import BadParameter


def _tile_source() -> str:
    """The map tile server's origin for img-src (its "{s}" sub-domains as a wildcard), or nothing."""
    parts = urlsplit(settings.MAP_TILE_URL.replace("{s}", "*"))
    return f" {parts.scheme}://{parts.netloc}" if parts.scheme in ("http", "https") and parts.netloc else ""


CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        # Bootstrap and htmx set style attributes; no script may run inline.
        "style-src 'self' 'unsafe-inline'",
        f"img-src 'self' data: blob:{_tile_source()}",
        "font-src 'self' data:",
        "connect-src 'self'",
        # Workers only from the site itself or from blobs its own scripts made (the API reference's search).
        "worker-src 'self' blob:",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        response.headers.setdefault("Permissions-Policy", "geolocation=(self), camera=(self), microphone=()")
        return response


class SessionLimitsMiddleware:
    """Log a browser session out after SESSION_IDLE_TIMEOUT seconds without a request, and after
    SESSION_ABSOLUTE_TIMEOUT seconds since login, whichever comes first."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and hasattr(request, "session"):
            now = int(time.time())
            started = request.session.setdefault("login_at", now)
            last_seen = request.session.get("last_seen", now)
            if now - last_seen > settings.SESSION_IDLE_TIMEOUT or now - started > settings.SESSION_ABSOLUTE_TIMEOUT:
                logout(request)
                if request.path.startswith("/api/"):
                    return self.get_response(request)
                return redirect(f"{settings.LOGIN_URL_PATH}?next={request.path}")
            if now - last_seen > 60:  # write the session at most once a minute
                request.session["last_seen"] = now
            else:
                request.session.setdefault("last_seen", now)
        return self.get_response(request)


class BadParameterMiddleware:
    """A query parameter a view could not use answers 400 with the translated reason (JSON under /api/)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, BadParameter):
            return None
        if request.path.startswith("/api/"):
            return JsonResponse({exception.name: [exception.message]}, status=400)
        return render(request, "400.html", {"message": exception.message}, status=400)
