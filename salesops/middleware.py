"""Security middleware: Content-Security-Policy, idle / absolute session limits (sliding for reps), a login after a
form posted without a session, 400 for a bad query parameter."""

from __future__ import annotations

import time
from collections.abc import Callable
from urllib.parse import urlsplit, urlunsplit

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import SESSION_KEY, logout
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from org.scoping import scope_for
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


QUEUED_WRITE_HEADER = "X-Queued-Write"


def is_queued_write(request: HttpRequest) -> bool:
    """A write the phone kept while offline and sends now (static/js/offline-queue.js): it wants JSON, not pages."""
    return request.headers.get(QUEUED_WRITE_HEADER) == "1"


def _session_is_sliding(request: HttpRequest) -> bool:
    """A rep's session slides (REP_SESSION_HOURS after the last request); decided once per session."""
    sliding = request.session.get("sliding")
    if sliding is None:
        sliding = request.session["sliding"] = scope_for(request.user).is_rep
    return sliding


class SessionLimitsMiddleware:
    """Log a browser session out after SESSION_IDLE_TIMEOUT seconds without a request, and after
    SESSION_ABSOLUTE_TIMEOUT seconds since login, whichever comes first. A rep's session lasts the working day
    on a phone instead: it ends REP_SESSION_HOURS after the last request, however long ago the login was."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and hasattr(request, "session"):
            now = int(time.time())
            started = request.session.setdefault("login_at", now)
            last_seen = request.session.get("last_seen", now)
            sliding = _session_is_sliding(request)
            if sliding:
                lifetime = settings.REP_SESSION_HOURS * 3600
                expired = now - last_seen > lifetime
            else:
                expired = (
                    now - last_seen > settings.SESSION_IDLE_TIMEOUT or now - started > settings.SESSION_ABSOLUTE_TIMEOUT
                )
            if expired:
                logout(request)
                # The views answer the API, a queued write and a form posted without a session themselves.
                if request.path.startswith("/api/") or request.method == "POST":
                    return self.get_response(request)
                return redirect_to_login(request.get_full_path(), settings.LOGIN_URL_PATH)
            if now - last_seen > 60:  # write the session at most once a minute
                request.session["last_seen"] = now
                if sliding:
                    request.session.set_expiry(lifetime)
            else:
                request.session.setdefault("last_seen", now)
            return self.get_response(request)
        response = self.get_response(request)
        if (
            getattr(request, "user", None) is not None
            and request.user.is_authenticated
            and hasattr(request, "session")
            and SESSION_KEY in request.session
        ):
            # The login itself: the limits count from here, not from the next request. Not a request signed by an
            # API token (DRF sets its user on the request too): that one has no session to write, and writing one
            # would store a new session row for every call of a phone.
            now = int(time.time())
            request.session["login_at"] = request.session["last_seen"] = now
        return response


class PostWithoutSessionMiddleware:
    """A form posted without a session (it expired during a long visit) must not come back as a 405.

    Sent to the login page as it is, the browser would open the form's address after the login: a GET on an address
    that takes only POSTs. The login then leads back to the page the form was on instead; a write from the phone's
    queue gets a 401 in JSON, keeps the write and sends it after the login.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if request.method != "POST" or request.path.startswith("/api/") or response.status_code not in (301, 302):
            return response
        target = urlsplit(response.get("Location", ""))
        if target.path != settings.LOGIN_URL_PATH or request.path in (settings.LOGIN_URL_PATH, reverse("logout")):
            return response
        page = form_page(request)
        if is_queued_write(request):
            detail = _("Your session has ended. Log in again: what you entered is kept and sent then.")
            messages.info(request, detail)  # shown on the login page the phone opens next
            return JsonResponse(
                {
                    "detail": detail,
                    "login": redirect_to_login(page, settings.LOGIN_URL_PATH).url,
                },
                status=401,
            )
        return redirect_to_login(page, settings.LOGIN_URL_PATH)


def form_page(request: HttpRequest) -> str:
    """The page a posted form was on (its Referer on this site), or home."""
    referer = request.headers.get("Referer", "")
    if referer and url_has_allowed_host_and_scheme(referer, allowed_hosts={request.get_host()}):
        parts = urlsplit(referer)
        if parts.path != settings.LOGIN_URL_PATH:
            return urlunsplit(("", "", parts.path, parts.query, ""))
    return "/"


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
