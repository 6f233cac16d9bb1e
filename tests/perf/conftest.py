"""Two teams of different sizes with a working day's worth of everything, for the query budgets."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.test import Client

from meetings import services as meeting_services
from meetings.models import CheckIn, CoachingNote, CorrectiveAction, Meeting, Problem
from org.models import Customer, Membership, Product, Role, Team
from reports.models import Alert
from reports.night.run import night_compute
from salesops.transactions import request_transaction
from targets.models import Metric, RampCheckpoint, RampPlan, Target, TargetPeriod
from tests.factories import PASSWORD, MembershipFactory, TeamFactory, UserFactory
from visits.models import OrderLine, SaleRecord, Visit, VisitReview, VisitSheet

SHANGHAI = ZoneInfo("Asia/Shanghai")
TODAY = dt.date(2026, 11, 18)  # a Wednesday and a working day
YESTERDAY = dt.date(2026, 11, 17)
NOW = dt.datetime(2026, 11, 18, 16, 0, tzinfo=SHANGHAI)
SIZES = (5, 50)


@dataclass
class SizedTeam:
    team: Team
    manager: object
    reps: list = field(default_factory=list)

    def client_for(self, user) -> Client:
        client = Client()
        client.force_login(user)
        return client


def _metrics() -> list[Metric]:
    shipped = [
        ("sales", "Sales amount", "money", "sales_amount"),
        ("new-line-sales", "New-line sales amount", "money", "new_line_amount"),
        ("visits", "Visits", "count", "visits"),
    ]
    return [
        Metric.objects.get_or_create(code=code, defaults={"name": name, "unit": unit, "actual_kind": kind})[0]
        for code, name, unit, kind in shipped
    ]


def _fill_team(region: Team, size: int, products: list[Product], metrics: list[Metric]) -> SizedTeam:
    """A team of ``size`` reps, each with customers, two days of sheets, visits, orders, reviews and targets."""
    team = TeamFactory(name=f"Team of {size}", code=f"team-of-{size}", parent=region)
    manager = MembershipFactory(user=UserFactory(username=f"manager_{size}"), team=team, role=Role.MANAGER).user
    sized = SizedTeam(team=team, manager=manager)
    user_model = get_user_model()
    users = user_model.objects.bulk_create(
        [user_model(username=f"rep_{size}_{i:02d}", first_name="Rep", last_name=f"{i:02d}") for i in range(size)]
    )
    for user in users:
        user.set_password(PASSWORD)
    user_model.objects.bulk_update(users, ["password"])
    Membership.objects.bulk_create(
        [Membership(user=u, team=team, role=Role.REP, valid_from=dt.date(2026, 1, 1)) for u in users]
    )
    sized.reps = users
    customers = Customer.objects.bulk_create(
        [
            Customer(
                code=f"C-{size}-{i}-{k}",
                name=f"Customer {size}/{i}/{k}",
                team=team,
                owner=u,
                tier="AB"[k],
                first_order_date=YESTERDAY if k == 0 else dt.date(2025, 5, 1),
            )
            for i, u in enumerate(users)
            for k in range(2)
        ]
    )
    sheets = VisitSheet.objects.bulk_create(
        [
            VisitSheet(
                rep=u,
                team=team,
                date=day,
                status="submitted",
                deadline=dt.datetime.combine(day, dt.time(21), SHANGHAI),
                submitted_at=dt.datetime.combine(day, dt.time(19), SHANGHAI),
            )
            for u in users
            for day in (YESTERDAY, TODAY)
        ]
    )
    visits = Visit.objects.bulk_create(
        [
            Visit(
                sheet=sheet,
                customer=customers[i // 2 * 2 + k],
                check_in_at=dt.datetime.combine(sheet.date, dt.time(9 + k), SHANGHAI),
                check_out_at=dt.datetime.combine(sheet.date, dt.time(9 + k, 30), SHANGHAI),
            )
            for i, sheet in enumerate(sheets)
            for k in range(2)
        ]
    )
    sales = SaleRecord.objects.bulk_create(
        [
            SaleRecord(
                date=visit.sheet.date,
                rep=visit.sheet.rep,
                team=team,
                customer=visit.customer,
                product=products[k],
                quantity=Decimal(3),
                amount=Decimal("360.00"),
                source="visit",
            )
            for visit in visits
            for k in range(2)
        ]
    )
    OrderLine.objects.bulk_create(
        [
            OrderLine(
                visit=visits[i // 2], product=sale.product, quantity=sale.quantity, amount=sale.amount, sale_record=sale
            )
            for i, sale in enumerate(sales)
        ]
    )
    VisitReview.objects.bulk_create(
        [
            VisitReview(visit=visit, by=manager, method="call_back", result="discrepancy", note="Shop was closed")
            for visit in visits[::4]
        ]
    )
    team_targets = Target.objects.bulk_create(
        [
            Target(
                team=team,
                metric=m,
                fiscal_year=2026,
                annual_value=Decimal(120000) * size,
                status="approved",
                approved_at=NOW,
            )
            for m in metrics
        ]
    )
    rep_targets = Target.objects.bulk_create(
        [
            Target(
                team=team,
                rep=u,
                metric=m,
                parent=parent,
                fiscal_year=2026,
                annual_value=Decimal(120000),
                status="approved",
                approved_at=NOW,
            )
            for u in users
            for m, parent in zip(metrics, team_targets, strict=True)
        ]
    )
    TargetPeriod.objects.bulk_create(
        [
            TargetPeriod(target=t, month=month, value=t.annual_value / 12)
            for t in team_targets + rep_targets
            for month in range(1, 13)
        ]
    )
    # Every fifth rep is new and has a 30/60/90-day ramp plan.
    plans = RampPlan.objects.bulk_create(
        [RampPlan(rep=u, team=team, start_date=dt.date(2026, 10, 1)) for u in users[::5]]
    )
    RampCheckpoint.objects.bulk_create(
        [
            RampCheckpoint(plan=p, day=day, visits=day * 4, amount=Decimal(day * 1000))
            for p in plans
            for day in (30, 60, 90)
        ]
    )
    problems = Problem.objects.bulk_create(
        [
            Problem(team=team, raised_by=manager, description="Stock-out", owner=u, due_date=TODAY, created_at=NOW)
            for u in users
        ]
    )
    CorrectiveAction.objects.bulk_create(
        [CorrectiveAction(problem=p, owner=p.owner, description="Restock", assigned_at=NOW) for p in problems]
    )
    CoachingNote.objects.bulk_create([CoachingNote(team=team, manager=manager, rep=u, topic="Opening") for u in users])
    Alert.objects.bulk_create(
        [Alert(user=manager, cause=f"missing-sheet:{u.pk}", day=TODAY, message="Missing", subject_rep=u) for u in users]
    )
    return sized


@pytest.fixture(scope="module")
def sized_teams(django_db_setup, django_db_blocker) -> Iterator[dict[int, SizedTeam]]:
    """Built once per module inside a transaction that is rolled back at the end (tests run in savepoints); the
    services it calls run in it as in a request's own transaction."""
    with django_db_blocker.unblock():
        outer = request_transaction()
        outer.__enter__()
        try:
            yield _build()
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


@pytest.fixture
def teams(sized_teams, db) -> dict[int, SizedTeam]:
    return sized_teams


def _build() -> dict[int, SizedTeam]:
    """A team of 5 and a team of 50 reps under one region, with meetings, check-ins and last night's reports."""
    with time_machine.travel(NOW, tick=False):
        company = TeamFactory(name="Company", code="company", kind=Team.Kind.COMPANY)
        region = TeamFactory(name="East", code="east", kind=Team.Kind.REGION, parent=company)
        MembershipFactory(user=UserFactory(username="director"), team=company, role=Role.DIRECTOR)
        products = Product.objects.bulk_create(
            [
                Product(code="P-NEW", name="New tea", group="Drinks", is_new_line=True, unit_price=Decimal(120)),
                Product(code="P-OLD", name="Old tea", group="Drinks", is_new_line=False, unit_price=Decimal(120)),
            ]
        )
        metrics = _metrics()
        sized = {size: _fill_team(region, size, products, metrics) for size in SIZES}
        meeting_services.meetings_ensure_for_day(day=TODAY)
        CheckIn.objects.bulk_create(
            [
                CheckIn(meeting=meeting, rep=rep, checked_in_at=meeting.scheduled_at, attendance="present")
                for meeting in Meeting.objects.filter(date=TODAY, slot="morning")
                for rep in sized[5 if meeting.team_id == sized[5].team.pk else 50].reps
            ]
        )
        night_compute(as_of=YESTERDAY)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return sized
