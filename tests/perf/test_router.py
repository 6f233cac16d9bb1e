"""The replica router: report reads go to the replica when one is configured, writes always to the primary."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.db import router, transaction
from django.test import override_settings

from reports.models import Alert, DailyActual, ExecutionKpiSnapshot, NightlyRun, ProgressSnapshot
from salesops.routers import ReplicaRouter, reading_from_replica
from visits.models import Visit

ROUTERS = ["salesops.routers.ReplicaRouter"]
pytestmark = pytest.mark.filterwarnings("ignore:Overriding setting DATABASES")


def with_replica():
    return override_settings(
        DATABASE_ROUTERS=ROUTERS, DATABASES={**settings.DATABASES, "replica": dict(settings.DATABASES["default"])}
    )


def test_without_a_replica_every_read_and_write_goes_to_the_primary() -> None:
    with override_settings(DATABASE_ROUTERS=ROUTERS):
        assert router.db_for_read(ProgressSnapshot) == "default"
        assert router.db_for_read(Visit) == "default"
        assert router.db_for_write(ProgressSnapshot) == "default"


@pytest.mark.parametrize("model", [ProgressSnapshot, ExecutionKpiSnapshot, DailyActual, NightlyRun])
def test_report_snapshots_are_read_from_the_replica(model) -> None:
    with with_replica():
        assert router.db_for_read(model) == "replica"
        assert router.db_for_write(model) == "default"


def test_other_models_are_read_from_the_primary_outside_a_dashboard() -> None:
    with with_replica():
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
