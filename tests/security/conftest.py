"""A world of two teams with one object of every kind each, and a request runner that sees every write."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from decimal import Decimal

import pytest
from django.core.files.base import ContentFile
from django.db import connection, transaction
from django.test import Client
from django.utils import timezone

from meetings.models import CheckIn, CoachingNote, CorrectiveAction, Meeting, Problem, Slot
from org.tokens import api_token_issue
from reports.models import (
    Alert,
    ExecutionKpiSnapshot,
    NightlyRun,
    PeriodKind,
    ProgressSnapshot,
    ProgressStatus,
    ReportSettings,
    Robot,
    owner_key,
)
from salesops.transactions import request_transaction
from targets.models import DistributionProfile, Metric, RampPlan, Target, TargetPeriod
from tests.factories import CustomerFactory, ProductFactory
from tests.targets.conftest import ensure_shipped_data
from tests.visits.factories import OrderLineFactory, VisitFactory, VisitReviewFactory, VisitSheetFactory
from visits.models import SaleRecord, VisitPhoto, VisitReview, VisitSettings

ROLES = ("anonymous", "rep_a", "rep_b", "manager_a", "manager_b", "director")
# Tables a refused request may still write: the audit trail of the refusal, the session, login throttling.
LOG_TABLES = ("org_auditevent", "django_session")


@dataclass
class Side:
    """One team's objects: team A's are rep_a's and manager_a's own, team B's those of rep_b and manager_b."""

    team: object
    manager: object
    rep: object
    objects: dict = field(default_factory=dict)
    markers: tuple = ()  # strings that only this side's records show


@dataclass
class World:
    company: object
    a: Side
    b: Side
    shared: dict

    def side_of(self, role: str) -> Side | None:
        return self.a if role.endswith("_a") else self.b if role.endswith("_b") else None


def _target(team, rep, metric, value: str, *, approved_by=None, parent=None) -> Target:
    target = Target.objects.create(
        team=team,
        rep=rep,
        metric=metric,
        fiscal_year=timezone.localdate().year,
        annual_value=Decimal(value),
        parent=parent,
        **(
            {"status": Target.Status.APPROVED, "approved_by": approved_by, "approved_at": timezone.now()}
            if approved_by
            else {}
        ),
    )
    TargetPeriod.objects.bulk_create(
        TargetPeriod(target=target, month=m, value=Decimal(value) / 12) for m in range(1, 13)
    )
    return target


def _side(company, team, manager, rep, letter: str, shared: dict) -> Side:
    today = timezone.localdate()
    first, last = ("Anna", "Alder") if letter == "a" else ("Bruno", "Zorbas")
    rep.first_name, rep.last_name = first, last
    rep.save(update_fields=["first_name", "last_name"])
    customer = CustomerFactory(code=f"SEC-{letter}", name=f"Secret Outlet {letter.upper()}", team=team, owner=rep)
    metric = shared["metric"]
    team_target = _target(team, None, metric, "120000", approved_by=company.director)
    target = _target(team, rep, metric, "60000", parent=team_target)
    sheet = VisitSheetFactory(rep=rep, team=team, date=today)
    visit = VisitFactory(sheet=sheet, customer=customer)
    photo = VisitPhoto(visit=visit, sha256=f"{letter * 64}", taken_at=timezone.now())
    photo.file.save(f"shelf-{letter}.png", ContentFile(b"\x89PNG\r\n\x1a\n"), save=True)
    line = OrderLineFactory(visit=visit, product=shared["product"])
    review = VisitReviewFactory(visit=visit, by=manager, result=VisitReview.Result.DISCREPANCY, note=f"review {letter}")
    sale = SaleRecord.objects.create(
        date=today,
        rep=rep,
        team=team,
        customer=customer,
        product=shared["product"],
        quantity=1,
        amount=Decimal("10"),
        external_id=f"SEC-SALE-{letter}",
    )
    meeting = Meeting.objects.create(
        team=team,
        date=today,
        slot=Slot.MORNING,
        scheduled_at=timezone.make_aware(dt.datetime.combine(today, dt.time(8, 30))),
        late_after=timezone.make_aware(dt.datetime.combine(today, dt.time(8, 35))),
        closes_at=timezone.make_aware(dt.datetime.combine(today, dt.time(9, 30))),
    )
    checkin = CheckIn.objects.create(meeting=meeting, rep=rep)
    problem = Problem.objects.create(
        team=team,
        raised_by=manager,
        description=f"Secret problem {letter}",
        owner=rep,
        due_date=today,
        created_at=timezone.now(),
        meeting=meeting,
    )
    action = CorrectiveAction.objects.create(
        problem=problem, owner=rep, description=f"Secret action {letter}", assigned_at=timezone.now()
    )
    note = CoachingNote.objects.create(
        team=team, manager=manager, rep=rep, topic=f"Secret coaching {letter}", agreed_actions="more visits"
    )
    ramp = RampPlan.objects.create(rep=rep, team=team, start_date=today)
    snapshot = ProgressSnapshot.objects.create(
        team=team,
        rep=rep,
        owner_key=owner_key(rep_id=rep.pk),
        as_of=today,
        metric=metric,
        period_kind=PeriodKind.MONTH,
        period_start=today.replace(day=1),
        period_end=today,
        target=Decimal("100"),
        actual=Decimal("50"),
        status=ProgressStatus.choices[0][0],
        computed_at=timezone.now(),
    )
    kpi = ExecutionKpiSnapshot.objects.create(
        team=team,
        rep=rep,
        owner_key=owner_key(rep_id=rep.pk),
        as_of=today,
        period_kind=PeriodKind.MONTH,
        period_start=today.replace(day=1),
        period_end=today,
        computed_at=timezone.now(),
    )
    alert = Alert.objects.create(user=rep, cause=f"secret-{letter}", day=today, message="x", subject_rep=rep)
    robot = group_robot(team, manager)
    objects = {
        "team": team,
        "member": rep.memberships.get(),
        "rep": rep,
        "customer": customer,
        "target": target,
        "team_target": team_target,
        "sheet": sheet,
        "visit": visit,
        "photo": photo,
        "order_line": line,
        "review": review,
        "sale": sale,
        "meeting": meeting,
        "checkin": checkin,
        "problem": problem,
        "action": action,
        "note": note,
        "ramp": ramp,
        "snapshot": snapshot,
        "kpi": kpi,
        "alert": alert,
        "robot": robot,
        "token": api_token_issue(user=rep, device=f"phone-{letter}")[0],
    }
    return Side(
        team=team,
        manager=manager,
        rep=rep,
        objects=objects,
        markers=(customer.name, f"{first} {last}", problem.description, note.topic, team.name),
    )


def group_robot(team, manager) -> Robot:
    return Robot.objects.create(
        team=team,
        kind=Robot.Kind.WECOM,
        name=f"Robot of {team.name}",
        webhook_url="https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=secret",
        created_by=manager,
    )


@pytest.fixture
def world(company, settings, tmp_path) -> World:
    settings.MEDIA_ROOT = str(tmp_path)
    ensure_shipped_data()
    ReportSettings.load(), VisitSettings.load()  # the singletons pages create on first read
    shared = {
        "metric": Metric.objects.get(code="sales"),
        "product": ProductFactory(code="SEC-P", name="Secret Soda"),
        "profile": DistributionProfile.objects.first(),
        "date": timezone.localdate(),
    }
    NightlyRun.objects.create(
        as_of=shared["date"], status=NightlyRun.Status.FINISHED, started_at=timezone.now(), finished_at=timezone.now()
    )
    a = _side(company, company.team_a, company.manager_a, company.rep_a, "a", shared)
    b = _side(company, company.team_b, company.manager_b, company.rep_b, "b", shared)
    return World(company=company, a=a, b=b, shared=shared)


@pytest.fixture
def clients(world) -> dict[str, Client]:
    """One logged-in client per role (and one anonymous), created once."""
    result = {"anonymous": Client()}
    for role in ROLES[1:]:
        client = Client()
        client.force_login(getattr(world.company, role))
        result[role] = client
    return result


def write_counts() -> dict[str, int]:
    """Rows this transaction inserted, updated or deleted so far, per table (one query)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname, n_tup_ins + n_tup_upd + n_tup_del FROM pg_stat_xact_user_tables"
            " WHERE n_tup_ins + n_tup_upd + n_tup_del > 0"
        )
        return {
            name: count for name, count in cursor.fetchall() if name not in LOG_TABLES and not name.startswith("axes")
        }


def send(client: Client, method: str, url: str, data=None, *, api: bool, watch: bool = True):
    """One request in a transaction that is rolled back; returns (response, tables written when ``watch``).

    The block is opened as the request's own transaction, so the services the request calls run in it as they
    would in a request that stores its answer (an entry point's durable block becomes a savepoint)."""
    with request_transaction():
        before = write_counts() if watch else {}
        kwargs = {}
        if data is not None:
            kwargs = {"data": json.dumps(data), "content_type": "application/json"} if api else {"data": data}
        response = getattr(client, method.lower())(url, **kwargs)
        after = write_counts() if watch else {}
        transaction.set_rollback(True)
    written = sorted(name for name, count in after.items() if count != before.get(name, 0))
    return response, written
