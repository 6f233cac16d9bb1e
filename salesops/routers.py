"""Send dashboard and report reads to a read replica when one is configured (DATABASE_REPLICA_URL).

Installed with ``DATABASE_ROUTERS = ["salesops.routers.ReplicaRouter"]``. Writes always go to the
primary ("default"). Reads go to "replica" when:

- the model is one the nightly job writes and only dashboards, reports and exports read (progress and
  KPI snapshots, the daily roll-up, the nights) and the read is made while serving a web request
  (``ReplicaReadsMiddleware``) — the nightly job, Celery tasks and commands read their own writes on the
  primary — or
- the code runs inside ``reading_from_replica()`` (a context manager and decorator for a dashboard view).

A read inside a transaction on the primary stays on the primary, so a service (or the nightly job) that
writes and reads back in one transaction always sees its own writes; a replica lags a little behind.
Without a "replica" database every read goes to "default"; so does every read while the replica cannot be
reached (stopped, restarting, failed over): the router tries it again after ``REPLICA_RETRY_SECONDS``.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Iterator
from contextvars import ContextVar

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections

logger = logging.getLogger(__name__)

REPLICA = "replica"
# app_label.model_name of the models read by dashboards and reports and written only by the nightly job.
REPLICA_MODELS = frozenset(
    {
        "reports.progresssnapshot",
        "reports.executionkpisnapshot",
        "reports.dailyactual",
        "reports.nightlyrun",
        "reports.nightlyshard",
    }
)
_replica_reads: ContextVar[bool] = ContextVar("replica_reads", default=False)
_serving_request: ContextVar[bool] = ContextVar("serving_request", default=False)


class ReplicaReadsMiddleware:
    """Marks the serving of a web request: only then are report models read from the replica by model."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request):
        token = _serving_request.set(True)
        try:
            return self.get_response(request)
        finally:
            _serving_request.reset(token)


@contextlib.contextmanager
def reading_from_replica() -> Iterator[None]:
    """Within this block (or a view decorated with it) every read outside a transaction goes to the replica."""
    token = _replica_reads.set(True)
    try:
        yield
    finally:
        _replica_reads.reset(token)


def replica_configured() -> bool:
    return REPLICA in settings.DATABASES


_down = threading.local()  # per thread, as Django's connections are: when this thread's replica last failed


def replica_available() -> bool:
    """Whether the replica answers: an open connection is checked once per request; without one, a connection
    is tried at most once per retry interval."""
    connection = connections[REPLICA]
    if connection.connection is not None:
        # Django's own once-per-request health check of a reused connection, made here so that a replica
        # gone since the last request sends the reads to the primary instead of failing the request.
        if connection.health_check_done or connection.is_usable():
            connection.health_check_done = True
            return True
        connection.close()
    if time.monotonic() < getattr(_down, "until", 0.0):
        return False
    try:
        connection.ensure_connection()
    except DatabaseError:
        _down.until = time.monotonic() + settings.REPLICA_RETRY_SECONDS
        logger.warning(
            "The read replica cannot be reached; reading from the primary for %ss.", settings.REPLICA_RETRY_SECONDS
        )
        return False
    return True


class ReplicaRouter:
    """Reads of report snapshots (and of anything inside ``reading_from_replica``) from the replica."""

    def db_for_read(self, model, **hints) -> str | None:
        if not replica_configured() or connections[DEFAULT_DB_ALIAS].in_atomic_block:
            return DEFAULT_DB_ALIAS
        by_model = _serving_request.get() and model._meta.label_lower in REPLICA_MODELS
        if (_replica_reads.get() or by_model) and replica_available():
            return REPLICA
        return DEFAULT_DB_ALIAS

    def db_for_write(self, model, **hints) -> str:
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints) -> bool | None:
        # The replica holds the same rows as the primary: objects from either may be related.
        databases = {DEFAULT_DB_ALIAS, REPLICA}
        if obj1._state.db in databases and obj2._state.db in databases:
            return True
        return None

    def allow_migrate(self, db: str, app_label: str, model_name: str | None = None, **hints) -> bool:
        # A replica follows the primary's schema by streaming replication; never migrate it directly.
        return db != REPLICA
