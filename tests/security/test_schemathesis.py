"""Every operation of /api/schema/, fuzzed for each signed-in role: no 5xx, and every answer matches the schema."""

from __future__ import annotations

import datetime as dt
import importlib
from decimal import Decimal

import pytest
import schemathesis
from django.apps import apps
from django.test.client import ClientHandler
from django.utils import timezone
from hypothesis import HealthCheck, Phase, settings
from schemathesis.checks import not_a_server_error
from schemathesis.config import SchemathesisConfig
from schemathesis.specs.openapi.checks import response_schema_conformance

from meetings.models import Slot
from org.models import WorkCalendarDay
from org.services import calendar_seed
from org.tokens import api_token_issue
from targets.models import Metric, Target, TargetPeriod
from tests.factories import CustomerFactory, ProductFactory
from tests.meetings.factories import MeetingFactory, ProblemFactory, local
from tests.visits.factories import OrderLineFactory, VisitFactory, VisitReviewFactory, VisitSheetFactory

pytestmark = pytest.mark.django_db

# 88 operations x 3 roles within about three minutes on two cores: 12 examples take ~75 s when the machine is
# quiet (25 took 3.5 minutes). Generated cases only: the coverage phase sends a hundred boundary cases per
# operation and takes ten times longer.
EXAMPLES_PER_OPERATION = 12
CONFIG = SchemathesisConfig.from_dict({"phases": {"coverage": {"enabled": False}}})
ROLES = ["director", "manager_a", "rep_a"]


def application(environ: dict, start_response):
    """The site as a WSGI application, served the way Django's test client serves it: the database
    connection stays open across requests, so that every call runs inside the test's transaction."""
    response = HANDLER(environ)
    headers = list(response.items()) + [("Set-Cookie", c.output(header="")) for c in response.cookies.values()]
    start_response(f"{response.status_code} {response.reason_phrase}", headers)
    return [b"".join(response) if response.streaming else response.content]


HANDLER = ClientHandler(enforce_csrf_checks=True)


@pytest.fixture
def api_schema(db):
    return schemathesis.openapi.from_wsgi("/api/schema/?format=json", application, config=CONFIG)


def ship_reference_rows() -> None:
    """Metrics, profiles and the working calendar, which a flushing test elsewhere may have removed."""
    importlib.import_module("targets.migrations.0002_shipped_metrics").ship(apps, None)
    years = [y for y in (2025, 2026) if not WorkCalendarDay.objects.filter(date__year=y).exists()]
    if years:
        calendar_seed(years=years)


def seed_a_little_of_everything(company) -> None:
    """One row of each resource per team, so that detail routes have ids to hit."""
    ship_reference_rows()
    product = ProductFactory(code="FUZZ", name="Fuzz soda", unit_price=Decimal("3.50"))
    today = timezone.localdate()
    for team, rep, manager in [
        (company.team_a, company.rep_a, company.manager_a),
        (company.team_b, company.rep_b, company.manager_b),
    ]:
        customer = CustomerFactory(team=team, owner=rep)
        sheet = VisitSheetFactory(rep=rep, team=team, date=today)
        visit = VisitFactory(sheet=sheet, customer=customer)
        OrderLineFactory(visit=visit, product=product)
        VisitReviewFactory(visit=visit, by=manager)
        metric = Metric.objects.get(code="sales")
        target = Target.objects.create(
            team=team, rep=rep, metric=metric, fiscal_year=today.year, annual_value=Decimal("1200")
        )
        TargetPeriod.objects.bulk_create(
            TargetPeriod(target=target, month=m, value=Decimal("100")) for m in range(1, 13)
        )
        meeting = MeetingFactory(team=team, date=today, slot=Slot.MORNING, scheduled_at=local(today, 8, 30))
        ProblemFactory(team=team, raised_by=rep, owner=rep, meeting=meeting, due_date=today + dt.timedelta(days=3))


def real_id_for(client_headers: dict, client, path: str) -> str | None:
    """The id of the first row the caller can see in the list the detail route belongs to."""
    collection = path.split("{")[0]
    key = (client_headers["HTTP_AUTHORIZATION"], collection)
    if key not in KNOWN_IDS:
        KNOWN_IDS[key] = first_id(client.get(collection, **client_headers))
    return KNOWN_IDS[key]


KNOWN_IDS: dict[tuple[str, str], str | None] = {}


def first_id(response) -> str | None:
    if response.status_code != 200:
        return None
    body = response.json()
    rows = body.get("results", body) if isinstance(body, dict) else body
    return str(rows[0]["id"]) if rows and isinstance(rows[0], dict) and "id" in rows[0] else None


@pytest.fixture(params=ROLES)
def signed_in(request, company):
    # The lazy schema names each operation's sub-test through ``node._nodeid``, which pytest 9 no longer has.
    request.node._nodeid = request.node.nodeid
    seed_a_little_of_everything(company)
    user = getattr(company, request.param)
    _token, key = api_token_issue(user=user)
    return {"Authorization": f"Token {key}"}


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@pytest.mark.usefixtures("signed_in")
@settings(
    max_examples=EXAMPLES_PER_OPERATION,
    derandomize=True,
    deadline=None,
    database=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)
def test_every_api_operation_survives_fuzzed_input_for_each_role(case, signed_in, client) -> None:
    # Half of the detail calls go to a row the caller can see, the other half to whatever id was generated.
    if "id" in (case.path_parameters or {}) and len(str(case.path_parameters["id"])) % 2 == 0:
        real = real_id_for({"HTTP_AUTHORIZATION": signed_in["Authorization"]}, client, case.path)
        if real is not None:
            case.path_parameters["id"] = real
    # The test transport does not undo a gzip answer: ask for the body as it is.
    case.call_and_validate(
        headers={**signed_in, "Accept-Encoding": "identity"}, checks=[not_a_server_error, response_schema_conformance]
    )
