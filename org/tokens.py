"""API tokens: issued at a token login, one per device, stored as a hash, expiring, revocable."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework import authentication, exceptions

from org.models import ApiToken
from org.scoping import scope_for
from salesops.transactions import entry_point

# A last-used time is written at most this often, so that a busy phone does not write on every request.
LAST_USED_EVERY = dt.timedelta(minutes=5)


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


@entry_point
def api_token_issue(
    *, user: AbstractBaseUser, device: str = "", now: dt.datetime | None = None
) -> tuple[ApiToken, str]:
    """A new token for the user's device; returns it with its key, which is shown only this once."""
    now = now or timezone.now()
    key = secrets.token_hex(20)
    token = ApiToken.objects.create(
        user=user,
        key_hash=_hash(key),
        prefix=key[:8],
        device=device[:200],
        expires_at=now + dt.timedelta(days=settings.API_TOKEN_DAYS),
    )
    return token, key


@entry_point
def api_token_revoke(*, token: ApiToken, by: AbstractBaseUser) -> None:
    """The token's owner or a director ends a token."""
    if token.user_id != by.pk and not scope_for(by).is_director:
        raise PermissionDenied
    token.delete()


def api_tokens_end(*, user_id: int) -> int:
    """End every token of the user (a password change, a deactivation); how many were ended."""
    ended, _by_model = ApiToken.objects.filter(user_id=user_id).delete()
    return ended


class ApiTokenAuthentication(authentication.TokenAuthentication):
    """``Authorization: Token <key>``; an expired token or one of an inactive user is refused."""

    model = ApiToken

    def authenticate_credentials(self, key: str):
        now = timezone.now()
        token = ApiToken.objects.select_related("user").filter(key_hash=_hash(key)).first()
        if token is None or not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        if token.expires_at <= now:
            token.delete()
            raise exceptions.AuthenticationFailed(_("This token has expired: log in again."))
        if token.last_used_at is None or now - token.last_used_at > LAST_USED_EVERY:
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        return token.user, token
