"""The client's address: the one function that login lockout (axes), the audit log and API throttling read."""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest
from rest_framework.throttling import AnonRateThrottle


def _address(text: str) -> str | None:
    try:
        return str(ipaddress.ip_address(text.strip()))
    except ValueError:
        return None


def client_ip(request: HttpRequest) -> str | None:
    """The address of whoever sent the request, seen through ``PROXY_COUNT`` trusted proxies.

    Each trusted proxy appends the address it was reached from to X-Forwarded-For, so the client is the
    PROXY_COUNT-th entry from the right; anything further left was written by the client and is not believed.
    With no proxy in front (PROXY_COUNT=0) the header is ignored. A header that is not an address (a request
    that went round the proxy) falls back to the connection's address.
    """
    remote = _address(request.META.get("REMOTE_ADDR") or "")
    proxies = settings.PROXY_COUNT
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if proxies <= 0 or not forwarded:
        return remote
    hops = [hop for hop in forwarded.split(",") if hop.strip()]
    if not hops:
        return remote
    return _address(hops[-min(proxies, len(hops))]) or remote


class ClientAddressThrottle(AnonRateThrottle):
    """DRF's per-address throttle, counting by the same client address as the lockout and the audit log."""

    def get_ident(self, request) -> str:
        return client_ip(request) or ""


class TokenLoginThrottle(ClientAddressThrottle):
    """Token logins per client address (axes locks one username from one address; this bounds trying many)."""

    scope = "token_login"
