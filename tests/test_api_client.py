"""A client that nobody here wrote: openapi-python-client generates one from /api/schema/ (as a Chinese
user's browser would fetch it) and a rep's day and a manager's progress list run through it against a live
server, every answer parsed into its typed model; and redocly's recommended rules pass on the schema."""

from __future__ import annotations

import datetime as dt
import importlib
import shutil
import subprocess
import sys
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from types import ModuleType
from zoneinfo import ZoneInfo

import httpx
import pytest
import time_machine
from django.conf import settings

from reports.night.run import night_compute
from tests.factories import PASSWORD, CustomerFactory, ProductFactory
from tests.reports.fixtures import night, sales_metric  # noqa: F401 - fixtures

PACKAGE = "salesops_client"
MORNING = dt.datetime(2026, 3, 17, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))  # the day after the night of the 16th


def _generate(schema: Path, into: Path) -> None:
    config = into.parent / "client-config.yaml"
    config.write_text(f"package_name_override: {PACKAGE}\npost_hooks: []\n")
    done = subprocess.run(
        [
            str(Path(sys.executable).parent / "openapi-python-client"),
            "generate",
            "--path",
            str(schema),
            "--output-path",
            str(into),
            "--meta",
            "none",
            "--config",
            str(config),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Warning" not in done.stdout + done.stderr, done.stdout + done.stderr


@pytest.fixture
def client_package(live_server, tmp_path: Path) -> Iterator[ModuleType]:
    """The generated client, imported from a temporary folder (and forgotten afterwards)."""
    response = httpx.get(
        f"{live_server.url}/api/schema/", params={"format": "json"}, headers={"Accept-Language": "zh-hans"}
    )
    assert response.status_code == 200
    schema = tmp_path / "schema.json"
    schema.write_bytes(response.content)
    _generate(schema, tmp_path / PACKAGE)
    sys.path.insert(0, str(tmp_path))
    try:
        yield importlib.import_module(PACKAGE)
    finally:
        sys.path.remove(str(tmp_path))
        for name in [name for name in sys.modules if name == PACKAGE or name.startswith(f"{PACKAGE}.")]:
            del sys.modules[name]


def _module(package: ModuleType, name: str) -> ModuleType:
    return importlib.import_module(f"{package.__name__}.{name}")


@pytest.mark.django_db(transaction=True)
def test_a_generated_client_runs_a_reps_day_and_a_managers_progress_list(
    client_package,
    live_server,
    company,
    night,  # noqa: F811
) -> None:
    shop = CustomerFactory(code="A1", name="Alpha Mart", team=company.team_a, owner=company.rep_a)
    soda = ProductFactory(code="SODA", name="Soda", unit_price=Decimal("3.50"))
    tea = ProductFactory(code="TEA", name="Tea", unit_price=Decimal("4.00"))
    night_compute(as_of=night["as_of"])

    api = _module(client_package, "api.v1")
    models = _module(client_package, "models")
    Client = client_package.Client
    AuthenticatedClient = client_package.AuthenticatedClient

    def call(operation: str, *args, **kwargs):
        return importlib.import_module(f"{api.__name__}.{operation}").sync_detailed(*args, **kwargs)

    def signed_in(username: str):
        anonymous = Client(base_url=live_server.url, raise_on_unexpected_status=True)
        login = call("v1_auth_token_create", client=anonymous, body=models.AuthTokenRequest(username, PASSWORD))
        assert login.status_code == 200 and isinstance(login.parsed, models.TokenIssued)
        return AuthenticatedClient(
            base_url=live_server.url, token=login.parsed.token, prefix="Token", raise_on_unexpected_status=True
        )

    with time_machine.travel(MORNING, tick=True):
        anonymous = Client(base_url=live_server.url, raise_on_unexpected_status=True)
        refused = call("v1_visit_sheets_list", client=anonymous)
        assert refused.status_code == 401 and isinstance(refused.parsed, models.Error)

        rep = signed_in("rep_a")
        opened = call("v1_visit_sheets_create", client=rep, body=models.VisitSheetRequest())
        assert opened.status_code == 201 and isinstance(opened.parsed, models.VisitSheet)
        again = call("v1_visit_sheets_create", client=rep, body=models.VisitSheetRequest())
        assert again.status_code == 200 and again.parsed.id == opened.parsed.id
        sheet = opened.parsed
        assert sheet.date == MORNING.date() and isinstance(sheet.is_late, bool)

        planned = call(
            "v1_visits_create",
            client=rep,
            body=models.VisitRequest(sheet=sheet.id, customer=shop.pk, purpose=models.PurposeEnum.ORDER),
        )
        assert planned.status_code == 201 and isinstance(planned.parsed, models.Visit)
        visit = planned.parsed

        # A phone's GPS gives 7 decimals: stored to the micro-degree.
        position = models.VisitCheckInRequest(latitude="31.2304567", longitude="121.4737012", accuracy_m="8.0")
        arrived = call("v1_visits_check_in_create", visit.id, client=rep, body=position)
        assert arrived.status_code == 200 and isinstance(arrived.parsed, models.Visit), arrived.content
        assert (arrived.parsed.latitude, arrived.parsed.longitude) == ("31.230457", "121.473701")
        assert isinstance(arrived.parsed.check_in_at, dt.datetime)

        lines = [
            models.NewOrderLineRequest(product=soda.pk, quantity="2"),
            models.NewOrderLineRequest(product=tea.pk, quantity="3"),
        ]
        left = call(
            "v1_visits_check_out_create",
            visit.id,
            client=rep,
            body=models.VisitCheckOutRequest(outcome="Ordered two lines", order_lines=lines),
        )
        assert left.status_code == 200 and isinstance(left.parsed, models.Visit), left.content
        assert [type(line) for line in left.parsed.order_lines] == [models.OrderLine, models.OrderLine]
        assert sorted(line.product for line in left.parsed.order_lines) == sorted([soda.pk, tea.pk])

        submitted = call("v1_visit_sheets_submit_create", sheet.id, client=rep)
        assert submitted.status_code == 200 and isinstance(submitted.parsed, models.VisitSheet)
        assert submitted.parsed.status == models.VisitSheetStatusEnum.SUBMITTED
        twice = call("v1_visit_sheets_submit_create", sheet.id, client=rep)
        assert twice.status_code == 400 and isinstance(twice.parsed, models.ValidationError)

        manager = signed_in("manager_a")
        progress = call("v1_progress_snapshots_list", client=manager, period=models.V1ProgressSnapshotsListPeriod.MONTH)
        assert progress.status_code == 200 and isinstance(progress.parsed, models.PaginatedProgressSnapshotList)
        assert progress.parsed.count > 0
        assert all(isinstance(row, models.ProgressSnapshot) for row in progress.parsed.results)
        assert {row.owner_key for row in progress.parsed.results} >= {f"rep:{company.rep_a.pk}"}

        # A stale version: the 409 carries the sheet as it is now, typed as a sheet.
        stale = models.SheetCommentRequest(comment="Well done", version=sheet.version)
        conflict = call("v1_visit_sheets_comment_create", sheet.id, client=manager, body=stale)
        assert conflict.status_code == 409 and isinstance(conflict.parsed, models.VisitSheetConflict)
        current = conflict.parsed.current
        assert isinstance(current, models.VisitSheet) and current.id == sheet.id
        assert current.version > sheet.version and isinstance(current.is_late, bool)


def test_redocly_lints_the_schema_with_the_recommended_rules(client, tmp_path: Path) -> None:
    npx = shutil.which("npx")
    if npx is None:
        pytest.skip("npx (Node.js) is not installed")
    schema = tmp_path / "schema.yaml"
    schema.write_bytes(client.get("/api/schema/", HTTP_ACCEPT_LANGUAGE="en").content)
    done = subprocess.run(
        [npx, "--no-install", "redocly", "lint", str(schema), "--config", str(settings.BASE_DIR / "redocly.yaml")],
        capture_output=True,
        text=True,
        cwd=settings.BASE_DIR,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
