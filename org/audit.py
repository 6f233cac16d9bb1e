"""The audit log: one function writes it, signals and views call it."""

from __future__ import annotations

import logging

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import models
from django.http import HttpRequest

from org.models import AuditEvent
from salesops.client_ip import client_ip

logger = logging.getLogger("salesops.audit")


def client_address(request: HttpRequest | None) -> str | None:
    if request is None:
        return None
    return client_ip(request)


def audit_record(
    *,
    action: str,
    actor: AbstractBaseUser | AnonymousUser | None = None,
    request: HttpRequest | None = None,
    obj: models.Model | None = None,
    summary: str = "",
    username: str = "",
) -> AuditEvent:
    """Append one event; ``actor`` defaults to the request's user."""
    if actor is None and request is not None:
        actor = getattr(request, "user", None)
    user = actor if actor is not None and actor.is_authenticated else None
    event = AuditEvent.objects.create(
        actor=user,
        actor_username=(user.get_username() if user else username)[:150],
        action=action,
        object_type=obj._meta.label if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        summary=summary[:500],
        ip_address=client_address(request),
        user_agent=(request.META.get("HTTP_USER_AGENT", "") if request else "")[:300],
        path=(request.path if request else "")[:300],
    )
    logger.debug("audit %s %s %s", event.actor_username, action, summary)
    return event
