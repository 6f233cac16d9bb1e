"""Login throttling for every login that comes over HTTP (django-axes)."""

from __future__ import annotations

from axes.backends import AxesStandaloneBackend
from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _


class ThrottledLoginBackend(AxesStandaloneBackend):
    """Axes' lockout check for HTTP logins; a login without a request (a shell, a test client) is not throttled."""

    def authenticate(
        self, request: HttpRequest | None, username: str | None = None, password: str | None = None, **kwargs
    ):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)


def lockout_response(
    request: HttpRequest, response=None, credentials: dict | None = None, *args, **kwargs
) -> HttpResponse:
    """The page (or JSON for the API) a locked-out login gets: what happened and for how long."""
    minutes = round(settings.AXES_COOLOFF_TIME * 60)
    message = _(
        "Too many failed logins: this account is locked for %(minutes)s minutes. "
        "Try again later, or ask your manager to unlock it."
    ) % {"minutes": minutes}
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": message}, status=429)
    return render(request, "registration/locked_out.html", {"message": message}, status=429)
