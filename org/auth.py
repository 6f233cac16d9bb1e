"""Login throttling for every login that comes over HTTP (django-axes), and the signed-in user kept in the cache."""

from __future__ import annotations

from axes.backends import AxesStandaloneBackend
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY
from django.contrib.auth.backends import ModelBackend
from django.core.cache import cache
from django.db import transaction
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


# A kept user is dropped by every save or delete of it (org/signals.py); the timeout only bounds what is kept.
USER_KEPT_SECONDS = 3600


def _kept_user_key(user_id: object) -> str:
    return f"auth:user:{user_id}"


def kept_user_forget(user_id: int) -> None:
    """The user changed (password, activity, flags): every process reads it again on its next request.

    Dropped at once and again after the commit, so that a copy read from the rows before the commit is not kept."""
    cache.delete(_kept_user_key(user_id))
    transaction.on_commit(lambda: cache.delete(_kept_user_key(user_id)))


class KeptUserBackend(ModelBackend):
    """The model backend whose ``get_user`` (run by every signed-in request) reads the user from the cache: one
    cache round trip instead of a query. Django still checks the session's hash against the kept user's password,
    and the kept copy goes with every save of the user, so a password change or a deactivation ends the other
    sessions on their next request as before. Without the cache the user is read from the table."""

    def get_user(self, user_id):
        key = _kept_user_key(user_id)
        user = cache.get(key)
        if user is None:
            user = super().get_user(user_id)
            if user is not None:
                cache.set(key, user, USER_KEPT_SECONDS)
            return user
        return user if self.user_can_authenticate(user) else None


KEPT_USER_BACKEND = "org.auth.KeptUserBackend"
MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"


def sessions_of_the_model_backend(get_response):
    """A session signed in before the user was kept names the plain model backend, which is no longer listed:
    it is moved to the kept-user backend on its next request, so nobody is signed out by the change (a rep's
    queued writes would otherwise wait for a new login)."""

    def middleware(request: HttpRequest) -> HttpResponse:
        if request.session.get(BACKEND_SESSION_KEY) == MODEL_BACKEND:
            request.session[BACKEND_SESSION_KEY] = KEPT_USER_BACKEND
        return get_response(request)

    return middleware


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
