"""Send dashboard and report reads to a read replica when one is configured (DATABASE_REPLICA_URL).

Installed with ``DATABASE_ROUTERS = ["salesops.routers.ReplicaRouter"]``. Writes always go to the
primary ("default"). Reads go to "replica" when:

- the model is one the nightly job writes and only dashboards, reports and exports read (progress and
  KPI snapshots, the daily roll-up, the nights), or
- the code runs inside ``reading_from_replica()`` (a context manager and decorator for a dashboard view).

A read inside a transaction on the primary stays on the primary, so a service (or the nightly job) that
writes and reads back in one transaction always sees its own writes; a replica lags a little behind.
Without a "replica" database every read goes to "default".
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from contextvars import ContextVar

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections

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


class ReplicaRouter:
    """Reads of report snapshots (and of anything inside ``reading_from_replica``) from the replica."""

    def db_for_read(self, model, **hints) -> str | None:
        if not replica_configured() or connections[DEFAULT_DB_ALIAS].in_atomic_block:
            return DEFAULT_DB_ALIAS
        if _replica_reads.get() or model._meta.label_lower in REPLICA_MODELS:
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
