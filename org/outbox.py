"""Enqueue Celery tasks after commit, surviving a broker outage.

A web request never fails because Redis is down: the task is kept in PendingTask and sent again by
flush_pending() (every minute by Beat, and after the next successful enqueue).
"""

from __future__ import annotations

import logging
from typing import Any

from django.db import transaction

from org.models import PendingTask
from salesops import celery  # its app is read at each call, so it can be swapped (the tests do)

logger = logging.getLogger("salesops.outbox")


def _broker_url() -> str:
    return celery.app.conf.broker_url or ""


def _broker_answers(url: str) -> bool:
    """A quick ping without retries: redis-py and kombu would otherwise retry for seconds per request."""
    if not url.startswith(("redis://", "rediss://", "redis+socket://", "unix://")):
        return True
    import redis  # loaded only when the broker is Redis
    from redis.backoff import NoBackoff
    from redis.retry import Retry

    quick = {"socket_connect_timeout": 0.3, "socket_timeout": 0.5, "retry": Retry(NoBackoff(), 0)}
    try:
        if url.startswith("redis+socket://"):
            client = redis.Redis(unix_socket_path=url.removeprefix("redis+socket://"), **quick)
        else:
            client = redis.Redis.from_url(url, **quick)
        return bool(client.ping())
    except (redis.RedisError, OSError):
        return False


def _send(task_name: str, args: list, kwargs: dict) -> None:
    if not _broker_answers(_broker_url()):
        raise ConnectionError(f"the broker at {_broker_url()} does not answer")
    celery.app.send_task(task_name, args=args, kwargs=kwargs, retry=False)


def enqueue(task_name: str, *, args: list | tuple = (), kwargs: dict[str, Any] | None = None) -> None:
    """Send the task once the current transaction commits; keep it for later if the broker is down."""
    args, kwargs = list(args), dict(kwargs or {})

    def send() -> None:
        try:
            _send(task_name, args, kwargs)
        except Exception as error:
            logger.warning("enqueue of %s failed, kept for later: %s", task_name, error)
            PendingTask.objects.create(task_name=task_name, args=args, kwargs=kwargs, last_error=str(error)[:500])
            return
        if PendingTask.objects.exists():
            flush_pending()

    transaction.on_commit(send)


def flush_pending(limit: int = 500) -> int:
    """Send kept tasks in order; stops at the first failure. Returns how many were sent."""
    sent = 0
    with transaction.atomic():
        for pending in PendingTask.objects.select_for_update(skip_locked=True).order_by("id")[:limit]:
            try:
                _send(pending.task_name, pending.args, pending.kwargs)
            except Exception as error:
                pending.attempts += 1
                pending.last_error = str(error)[:500]
                pending.save(update_fields=["attempts", "last_error"])
                logger.warning("resend of %s failed: %s", pending.task_name, error)
                break
            pending.delete()
            sent += 1
    return sent
