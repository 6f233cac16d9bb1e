"""The replica router: report reads go to the replica when one is configured, writes always to the primary."""

from __future__ import annotations

import contextlib
from unittest import mock

import pytest
from django.conf import settings
from django.db import connections, router, transaction
from django.test import override_settings

from reports.models import Alert, DailyActual, ExecutionKpiSnapshot, NightlyRun, ProgressSnapshot
from salesops import routers
from salesops.routers import ReplicaRouter, reading_from_replica
from visits.models import Visit

ROUTERS = ["salesops.routers.ReplicaRouter"]
pytestmark = pytest.mark.filterwarnings("ignore:Overriding setting DATABASES")


@contextlib.contextmanager
def with_replica():
    """A replica in the settings that answers (tests/perf/test_real_replica.py runs a real one)."""
    replica = dict(settings.DATABASES["default"])
    with (
        override_settings(DATABASE_ROUTERS=ROUTERS, DATABASES={**settings.DATABASES, "replica": replica}),
        mock.patch.object(routers, "replica_available", return_value=True),
    ):
        yield


def test_without_a_replica_every_read_and_write_goes_to_the_primary() -> None:
    with override_settings(DATABASE_ROUTERS=ROUTERS):
        assert router.db_for_read(ProgressSnapshot) == "default"
        assert router.db_for_read(Visit) == "default"
        assert router.db_for_write(ProgressSnapshot) == "default"


@contextlib.contextmanager
def serving_a_request():
    token = routers._serving_request.set(True)
    try:
        yield
    finally:
        routers._serving_request.reset(token)


@pytest.mark.parametrize("model", [ProgressSnapshot, ExecutionKpiSnapshot, DailyActual, NightlyRun])
def test_report_snapshots_are_read_from_the_replica_by_a_web_request(model) -> None:
    with with_replica(), serving_a_request():
        assert router.db_for_read(model) == "replica"
        assert router.db_for_write(model) == "default"


@pytest.mark.parametrize("model", [ProgressSnapshot, NightlyRun])
def test_the_nightly_job_and_other_tasks_read_report_models_from_the_primary(model) -> None:
    """Outside a web request (Celery, commands) the night reads back the rows it has just written."""
    with with_replica():
        assert router.db_for_read(model) == "default"


def test_the_middleware_marks_only_the_request_it_serves() -> None:
    seen = []
    middleware = routers.ReplicaReadsMiddleware(lambda request: seen.append(routers._serving_request.get()))
    middleware(object())
    assert seen == [True] and routers._serving_request.get() is False


def test_other_models_are_read_from_the_primary_outside_a_dashboard() -> None:
    with with_replica(), serving_a_request():
        assert router.db_for_read(Visit) == "default"
        assert router.db_for_read(Alert) == "default"  # read back right after a rep marks it read


def test_a_dashboard_block_reads_every_model_from_the_replica_and_still_writes_to_the_primary() -> None:
    with with_replica(), reading_from_replica():
        assert router.db_for_read(Visit) == "replica"
        assert router.db_for_write(Visit) == "default"
    with with_replica():
        assert router.db_for_read(Visit) == "default"


@pytest.mark.django_db
def test_reads_inside_a_transaction_stay_on_the_primary_so_a_job_sees_its_own_writes() -> None:
    with with_replica(), transaction.atomic(), reading_from_replica():
        assert router.db_for_read(DailyActual) == "default"
        assert router.db_for_read(Visit) == "default"


def test_the_replica_is_never_migrated() -> None:
    assert ReplicaRouter().allow_migrate("replica", "reports") is False
    assert ReplicaRouter().allow_migrate("default", "reports") is True


@pytest.fixture
def unreachable_replica(django_db_blocker):
    """A "replica" connection to a port where nothing listens."""
    django_db_blocker.unblock()
    connections.settings["replica"] = {**connections.settings["default"], "PORT": "1", "HOST": "127.0.0.1"}
    connections.settings["replica"]["OPTIONS"] = {"connect_timeout": 1}
    try:
        with override_settings(DATABASES={**settings.DATABASES, "replica": connections.settings["replica"]}):
            yield
    finally:
        with contextlib.suppress(Exception):
            connections["replica"].close()
        del connections.settings["replica"]
        with contextlib.suppress(AttributeError):
            delattr(connections._connections, "replica")
        routers._down.until = 0.0
        django_db_blocker.restore()


def test_an_unreachable_replica_sends_the_reads_to_the_primary_and_is_retried_after_the_interval(
    unreachable_replica,
) -> None:
    with (
        serving_a_request(),
        override_settings(REPLICA_RETRY_SECONDS=30),
        mock.patch.object(routers.time, "monotonic", return_value=1000.0),
    ):
        assert ReplicaRouter().db_for_read(ProgressSnapshot) == "default"
        with mock.patch.object(connections["replica"], "ensure_connection") as attempt:
            assert ReplicaRouter().db_for_read(ProgressSnapshot) == "default"
            attempt.assert_not_called()  # within the interval: not even tried
    with (
        serving_a_request(),
        mock.patch.object(routers.time, "monotonic", return_value=1031.0),
        mock.patch.object(connections["replica"], "ensure_connection") as attempt,
    ):
        assert ReplicaRouter().db_for_read(ProgressSnapshot) == "replica"  # it answers again
        attempt.assert_called_once()
