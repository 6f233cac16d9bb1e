"""Fields only a manager may set, and teams nobody may write into by naming them, whatever the payload says.

Each case sends a request that tries to overreach and checks the one thing that must not happen (a row in
someone else's name, an approved target, a review result by a rep). A refusal (4xx) or a silently ignored
field both pass; the forbidden row must not exist afterwards.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.db.models import QuerySet
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from meetings.models import CheckIn, CoachingNote, CorrectiveAction, Problem
from org.models import Customer
from reports.models import Alert
from targets.models import RampPlan, Target
from tests.security.conftest import World
from tests.visits.factories import VisitSheetFactory
from visits.models import SaleRecord, Visit, VisitReview, VisitSheet


@dataclass(frozen=True)
class Overreach:
    """``who`` sends ``payload`` to ``url``; afterwards ``forbidden`` must hold no more rows than before."""

    name: str
    who: str
    url: Callable[[World], str]
    payload: Callable[[World], dict]
    forbidden: Callable[[World], QuerySet]
    api: bool = True
    method: str = "post"

    def __str__(self) -> str:
        return self.name


def tomorrow() -> dt.date:
    return timezone.localdate() + dt.timedelta(days=1)


def customer_fields(w: World, team, owner) -> dict:
    return {"code": "NEW-1", "name": "New Outlet", "kind": "outlet", "tier": "B", "team": team.pk, "owner": owner.pk}


def target_fields(w: World, team, rep) -> dict:
    return {
        "metric": w.shared["metric"].pk,
        "fiscal_year": timezone.localdate().year + 1,
        "annual_value": "1000",
        "team": team.pk,
        "rep": rep.pk if rep else None,
    }


def approved(qs: QuerySet) -> QuerySet:
    return qs.filter(status=Target.Status.APPROVED)


def c(w: World):
    return w.company


REP_CASES = [
    # approval status of a target
    Overreach(
        "a rep's target stays a draft when the rep patches its status",
        "rep_a",
        lambda w: reverse("target-detail", args=[w.a.objects["target"].pk]),
        lambda w: {"status": "approved", "approved_by": c(w).manager_a.pk, "annual_value": "1"},
        lambda w: approved(Target.objects.filter(pk=w.a.objects["target"].pk)),
        method="patch",
    ),
    Overreach(
        "a rep cannot create an approved target for themselves",
        "rep_a",
        lambda w: reverse("target-list"),
        lambda w: {**target_fields(w, c(w).team_a, c(w).rep_a), "status": "approved"},
        lambda w: Target.objects.filter(rep=c(w).rep_a, fiscal_year=timezone.localdate().year + 1),
    ),
    Overreach(
        "a rep cannot approve a target on the grid page",
        "rep_a",
        lambda w: reverse("targets:approve", args=[w.a.objects["target"].pk]),
        lambda w: {},
        lambda w: approved(Target.objects.filter(pk=w.a.objects["target"].pk)),
        api=False,
    ),
    # review results
    Overreach(
        "a rep cannot record a review result on their own visit",
        "rep_a",
        lambda w: reverse("visit-review-list"),
        lambda w: {"visit": w.a.objects["visit"].pk, "method": "call_back", "result": "confirmed", "by": c(w).rep_a.pk},
        lambda w: VisitReview.objects.filter(visit=w.a.objects["visit"], result="confirmed"),
    ),
    Overreach(
        "a rep cannot record a review result on the page",
        "rep_a",
        lambda w: reverse("visits:review", args=[w.a.objects["visit"].pk]),
        lambda w: {"method": "call_back", "result": "confirmed"},
        lambda w: VisitReview.objects.filter(visit=w.a.objects["visit"], result="confirmed"),
        api=False,
    ),
    Overreach(
        "a rep cannot mark the discrepancy on their visit as followed up",
        "rep_a",
        lambda w: reverse("visit-review-resolve", args=[w.a.objects["review"].pk]),
        lambda w: {"resolved_at": timezone.now().isoformat()},
        lambda w: VisitReview.objects.filter(pk=w.a.objects["review"].pk, resolved_at__isnull=False),
    ),
    # someone else as owner
    Overreach(
        "a rep's new customer is theirs whoever the payload names as owner",
        "rep_a",
        lambda w: reverse("customer-list"),
        lambda w: customer_fields(w, c(w).team_a, c(w).rep_a2),
        lambda w: Customer.objects.filter(code="NEW-1").exclude(owner=c(w).rep_a),
    ),
    Overreach(
        "a rep cannot hand their customer to a teammate",
        "rep_a",
        lambda w: reverse("customer-detail", args=[w.a.objects["customer"].pk]),
        lambda w: {"owner": c(w).rep_a2.pk},
        lambda w: Customer.objects.filter(pk=w.a.objects["customer"].pk, owner=c(w).rep_a2),
        method="patch",
    ),
    Overreach(
        "a rep's new customer on the page is theirs whoever the form names as owner",
        "rep_a",
        lambda w: reverse("org:customer_create"),
        lambda w: customer_fields(w, c(w).team_a, c(w).rep_a2),
        lambda w: Customer.objects.filter(code="NEW-1").exclude(owner=c(w).rep_a),
        api=False,
    ),
    Overreach(
        "a rep cannot hand their customer to a teammate on the page",
        "rep_a",
        lambda w: reverse("org:customer_edit", args=[w.a.objects["customer"].pk]),
        lambda w: {**customer_fields(w, c(w).team_a, c(w).rep_a2), "code": "SEC-a"},
        lambda w: Customer.objects.filter(pk=w.a.objects["customer"].pk).exclude(owner=c(w).rep_a),
        api=False,
    ),
    Overreach(
        "a rep cannot set a target for a teammate",
        "rep_a",
        lambda w: reverse("target-list"),
        lambda w: target_fields(w, c(w).team_a, c(w).rep_a2),
        lambda w: Target.objects.filter(rep=c(w).rep_a2, fiscal_year=timezone.localdate().year + 1),
    ),
    Overreach(
        "a rep's new sheet is theirs whoever the payload names",
        "rep_a2",
        lambda w: reverse("visit-sheet-list"),
        lambda w: {"rep": c(w).rep_a.pk, "team": c(w).team_b.pk, "status": "submitted", "manager_comment": "fine"},
        lambda w: VisitSheet.objects.filter(rep=c(w).rep_a2).exclude(
            team=c(w).team_a, status="draft", manager_comment=""
        ),
    ),
    Overreach(
        "a rep opening a sheet again changes nobody else's sheet",
        "rep_a2",
        lambda w: reverse("visit-sheet-list"),
        lambda w: {"rep": c(w).rep_a.pk},
        lambda w: VisitSheet.objects.filter(rep=c(w).rep_a).exclude(pk=w.a.objects["sheet"].pk),
    ),
    Overreach(
        "a rep cannot excuse themselves from a meeting through their check-in",
        "rep_a",
        lambda w: reverse("checkin-list"),
        lambda w: {"meeting": w.a.objects["meeting"].pk, "attendance": "excused", "excused_by": c(w).manager_a.pk},
        lambda w: CheckIn.objects.filter(rep=c(w).rep_a, attendance="excused"),
    ),
    Overreach(
        "a rep cannot mark another rep's alerts as read",
        "rep_a",
        lambda w: reverse("alert-mark-read"),
        lambda w: {"ids": [w.b.objects["alert"].pk]},
        lambda w: Alert.objects.filter(pk=w.b.objects["alert"].pk, read_at__isnull=False),
    ),
    Overreach(
        "a rep cannot mark another rep's alerts as read on the page",
        "rep_a",
        lambda w: reverse("reports:alerts_read"),
        lambda w: {"alert": [w.b.objects["alert"].pk]},
        lambda w: Alert.objects.filter(pk=w.b.objects["alert"].pk, read_at__isnull=False),
        api=False,
    ),
    Overreach(
        "a rep cannot plan a visit on a teammate's sheet",
        "rep_a",
        lambda w: reverse("visit-list"),
        lambda w: {"sheet": teammate_sheet(w).pk, "customer": w.a.objects["customer"].pk},
        lambda w: Visit.objects.filter(sheet__rep=c(w).rep_a2),
    ),
    Overreach(
        "a rep cannot plan a visit on a teammate's sheet on the page",
        "rep_a",
        lambda w: reverse("visits:plan", args=[teammate_sheet(w).pk]),
        lambda w: {"customer": w.a.objects["customer"].pk},
        lambda w: Visit.objects.filter(sheet__rep=c(w).rep_a2),
        api=False,
    ),
    Overreach(
        "a rep cannot check a teammate in to the meeting",
        "rep_a",
        lambda w: reverse("checkin-list"),
        lambda w: {"meeting": w.a.objects["meeting"].pk, "rep": c(w).rep_a2.pk},
        lambda w: CheckIn.objects.filter(rep=c(w).rep_a2),
    ),
    Overreach(
        "a rep cannot give a problem to a teammate",
        "rep_a",
        lambda w: reverse("problem-list"),
        lambda w: {
            "team": c(w).team_a.pk,
            "description": "Shelf empty",
            "owner": c(w).rep_a2.pk,
            "due_date": tomorrow().isoformat(),
            "meeting": w.a.objects["meeting"].pk,
        },
        lambda w: Problem.objects.filter(owner=c(w).rep_a2),
    ),
    Overreach(
        "a rep cannot give a problem to a teammate on the page",
        "rep_a",
        lambda w: reverse("meetings:problem_create"),
        lambda w: {
            "checkin": w.a.objects["checkin"].pk,
            "description": "Shelf empty",
            "owner": c(w).rep_a2.pk,
            "due_date": tomorrow().isoformat(),
        },
        lambda w: Problem.objects.filter(owner=c(w).rep_a2),
        api=False,
    ),
    Overreach(
        "a rep cannot give an action on their problem to a teammate",
        "rep_a",
        lambda w: reverse("corrective-action-list"),
        lambda w: {"problem": w.a.objects["problem"].pk, "owner": c(w).rep_a2.pk, "description": "Refill"},
        lambda w: CorrectiveAction.objects.filter(owner=c(w).rep_a2),
    ),
    Overreach(
        "a rep cannot give an action on their problem to a teammate on the page",
        "rep_a",
        lambda w: reverse("meetings:action_create", args=[w.a.objects["problem"].pk]),
        lambda w: {"owner": c(w).rep_a2.pk, "description": "Refill"},
        lambda w: CorrectiveAction.objects.filter(owner=c(w).rep_a2),
        api=False,
    ),
    Overreach(
        "a rep cannot write a coaching note",
        "rep_a",
        lambda w: reverse("coaching-note-list"),
        lambda w: {"rep": c(w).rep_a.pk, "topic": "Self praise", "agreed_actions": "none", "manager": c(w).rep_a.pk},
        lambda w: CoachingNote.objects.filter(topic="Self praise"),
    ),
]


def teammate_sheet(w: World) -> VisitSheet:
    return VisitSheet.objects.get_or_create(
        rep=w.company.rep_a2,
        date=timezone.localdate(),
        defaults={"team": w.company.team_a, "deadline": VisitSheetFactory.build().deadline},
    )[0]


MANAGER_CASES = [
    Overreach(
        "a manager cannot create a customer in another team",
        "manager_a",
        lambda w: reverse("customer-list"),
        lambda w: customer_fields(w, c(w).team_b, c(w).rep_b),
        lambda w: Customer.objects.filter(code="NEW-1"),
    ),
    Overreach(
        "a manager cannot create a customer in another team on the page",
        "manager_a",
        lambda w: reverse("org:customer_create"),
        lambda w: customer_fields(w, c(w).team_b, c(w).rep_b),
        lambda w: Customer.objects.filter(code="NEW-1"),
        api=False,
    ),
    Overreach(
        "a manager cannot move their customer to another team",
        "manager_a",
        lambda w: reverse("customer-detail", args=[w.a.objects["customer"].pk]),
        lambda w: {"team": c(w).team_b.pk, "owner": c(w).rep_b.pk},
        lambda w: Customer.objects.filter(pk=w.a.objects["customer"].pk, team=c(w).team_b),
        method="patch",
    ),
    Overreach(
        "a manager cannot set a target of another team",
        "manager_a",
        lambda w: reverse("target-list"),
        lambda w: target_fields(w, c(w).team_b, None),
        lambda w: Target.objects.filter(team=c(w).team_b, fiscal_year=timezone.localdate().year + 1),
    ),
    Overreach(
        "a manager cannot set a target of another team's rep",
        "manager_a",
        lambda w: reverse("target-list"),
        lambda w: target_fields(w, c(w).team_a, c(w).rep_b),
        lambda w: Target.objects.filter(rep=c(w).rep_b, fiscal_year=timezone.localdate().year + 1),
    ),
    Overreach(
        "a manager cannot set another team's target on the grid",
        "manager_a",
        lambda w: reverse("targets:cell"),
        lambda w: {"team": c(w).team_b.pk, "owner": f"rep:{c(w).rep_b.pk}", "month": 0, "value": "5"},
        lambda w: Target.objects.filter(team=c(w).team_b).exclude(
            pk__in=[w.b.objects["target"].pk, w.b.objects["team_target"].pk]
        ),
        api=False,
    ),
    Overreach(
        "a manager cannot give another team's rep a ramp plan",
        "manager_a",
        lambda w: reverse("ramp-plan-list"),
        lambda w: {"rep": c(w).rep_b.pk, "checkpoints": [{"day": 30, "visits": 10, "new_customers": 1, "amount": "1"}]},
        lambda w: RampPlan.objects.filter(rep=c(w).rep_b).exclude(pk=w.b.objects["ramp"].pk),
    ),
    Overreach(
        "a manager cannot review another team's visit",
        "manager_a",
        lambda w: reverse("visit-review-list"),
        lambda w: {"visit": w.b.objects["visit"].pk, "method": "call_back", "result": "confirmed"},
        lambda w: VisitReview.objects.filter(visit=w.b.objects["visit"], result="confirmed"),
    ),
    Overreach(
        "a manager cannot plan a visit on another team's sheet",
        "manager_a",
        lambda w: reverse("visit-list"),
        lambda w: {"sheet": w.b.objects["sheet"].pk, "customer": w.a.objects["customer"].pk},
        lambda w: Visit.objects.filter(sheet=w.b.objects["sheet"]).exclude(pk=w.b.objects["visit"].pk),
    ),
    Overreach(
        "a manager cannot plan a visit at another team's customer",
        "manager_a",
        lambda w: reverse("visit-list"),
        lambda w: {"sheet": w.a.objects["sheet"].pk, "customer": w.b.objects["customer"].pk},
        lambda w: Visit.objects.filter(customer=w.b.objects["customer"]).exclude(pk=w.b.objects["visit"].pk),
    ),
    Overreach(
        "a rep cannot plan a visit at another team's customer",
        "rep_a",
        lambda w: reverse("visit-list"),
        lambda w: {"sheet": w.a.objects["sheet"].pk, "customer": w.b.objects["customer"].pk},
        lambda w: Visit.objects.filter(customer=w.b.objects["customer"]).exclude(pk=w.b.objects["visit"].pk),
    ),
    Overreach(
        "a manager cannot allocate their team's target to another team's rep",
        "manager_a",
        lambda w: reverse("target-allocation", args=[w.a.objects["team_target"].pk]),
        lambda w: {"method": "equal", "children": [f"rep:{c(w).rep_b.pk}"]},
        lambda w: Target.objects.filter(rep=c(w).rep_b).exclude(pk=w.b.objects["target"].pk),
    ),
    Overreach(
        "a manager cannot import sales of another team's rep",
        "manager_a",
        lambda w: reverse("sale-record-import-lines"),
        lambda w: {
            "rows": [
                {
                    "external_id": "X-1",
                    "date": timezone.localdate().isoformat(),
                    "rep": c(w).rep_b.username,
                    "customer": w.b.objects["customer"].code,
                    "product": w.shared["product"].code,
                    "quantity": "1",
                    "amount": "5",
                }
            ]
        },
        lambda w: SaleRecord.objects.filter(external_id="X-1"),
    ),
    Overreach(
        "a manager cannot check another team's rep in",
        "manager_a",
        lambda w: reverse("checkin-list"),
        lambda w: {"meeting": w.b.objects["meeting"].pk, "rep": c(w).rep_b.pk},
        lambda w: CheckIn.objects.filter(rep=c(w).rep_b).exclude(pk=w.b.objects["checkin"].pk),
    ),
    Overreach(
        "a manager cannot excuse another team's rep from their own meeting",
        "manager_a",
        lambda w: reverse("meeting-excuse", args=[w.a.objects["meeting"].pk]),
        lambda w: {"rep": c(w).rep_b.pk, "reason": "ill"},
        lambda w: CheckIn.objects.filter(rep=c(w).rep_b, attendance="excused"),
    ),
    Overreach(
        "a manager cannot excuse another team's rep on the page",
        "manager_a",
        lambda w: reverse("meetings:excuse", args=[w.a.objects["meeting"].pk]),
        lambda w: {"rep": c(w).rep_b.pk, "reason": "ill"},
        lambda w: CheckIn.objects.filter(rep=c(w).rep_b, attendance="excused"),
        api=False,
    ),
    Overreach(
        "a manager cannot allow another team's rep in late",
        "manager_a",
        lambda w: reverse("meeting-allow-late", args=[w.a.objects["meeting"].pk]),
        lambda w: {"rep": c(w).rep_b.pk},
        lambda w: CheckIn.objects.filter(rep=c(w).rep_b, late_allowed_by__isnull=False),
    ),
    Overreach(
        "a manager cannot raise a problem in another team",
        "manager_a",
        lambda w: reverse("problem-list"),
        lambda w: {
            "team": c(w).team_b.pk,
            "description": "Shelf empty",
            "owner": c(w).rep_b.pk,
            "due_date": tomorrow().isoformat(),
        },
        lambda w: Problem.objects.filter(team=c(w).team_b).exclude(pk=w.b.objects["problem"].pk),
    ),
    Overreach(
        "a manager cannot give their team's problem to another team's rep",
        "manager_a",
        lambda w: reverse("problem-list"),
        lambda w: {
            "team": c(w).team_a.pk,
            "description": "Shelf empty",
            "owner": c(w).rep_b.pk,
            "due_date": tomorrow().isoformat(),
        },
        lambda w: Problem.objects.filter(owner=c(w).rep_b).exclude(pk=w.b.objects["problem"].pk),
    ),
    Overreach(
        "a manager cannot add an action to another team's problem",
        "manager_a",
        lambda w: reverse("corrective-action-list"),
        lambda w: {"problem": w.b.objects["problem"].pk, "owner": c(w).rep_b.pk, "description": "Refill"},
        lambda w: CorrectiveAction.objects.filter(problem=w.b.objects["problem"]).exclude(pk=w.b.objects["action"].pk),
    ),
    Overreach(
        "a manager cannot give an action of their problem to another team's rep",
        "manager_a",
        lambda w: reverse("corrective-action-list"),
        lambda w: {"problem": w.a.objects["problem"].pk, "owner": c(w).rep_b.pk, "description": "Refill"},
        lambda w: CorrectiveAction.objects.filter(owner=c(w).rep_b).exclude(pk=w.b.objects["action"].pk),
    ),
    Overreach(
        "a manager cannot write a coaching note for another team's rep",
        "manager_a",
        lambda w: reverse("coaching-note-list"),
        lambda w: {"rep": c(w).rep_b.pk, "topic": "Poaching", "agreed_actions": "move"},
        lambda w: CoachingNote.objects.filter(topic="Poaching"),
    ),
    Overreach(
        "a manager cannot write a coaching note for another team's rep on the page",
        "manager_a",
        lambda w: reverse("meetings:coaching"),
        lambda w: {"rep": c(w).rep_b.pk, "topic": "Poaching", "agreed_actions": "move"},
        lambda w: CoachingNote.objects.filter(topic="Poaching"),
        api=False,
    ),
]


def _send(client, case: Overreach, world: World):
    payload = case.payload(world)
    if case.api:
        return getattr(client, case.method)(case.url(world), json.dumps(payload), content_type="application/json")
    return getattr(client, case.method)(case.url(world), payload)


@pytest.mark.parametrize("case", REP_CASES + MANAGER_CASES, ids=str)
def test_an_overreaching_request_changes_nothing_it_may_not(case: Overreach, world: World, clients: dict) -> None:
    if case.who not in clients:
        clients[case.who] = Client()
        clients[case.who].force_login(getattr(world.company, case.who))
    before = case.forbidden(world).count()
    response = _send(clients[case.who], case, world)
    assert response.status_code < 500, response.content[:500]
    assert case.forbidden(world).count() == before, f"{case.name}: {response.status_code} {response.content[:300]!r}"


def test_the_cases_do_something_when_the_caller_may(world: World, clients: dict) -> None:
    """The same payloads, sent within the caller's rights, are accepted: the refusals above are not accidents."""
    w = world
    as_rep = clients["rep_a"]
    response = as_rep.post(
        reverse("customer-list"),
        json.dumps(customer_fields(w, c(w).team_a, c(w).rep_a)),
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    for owner in (c(w).rep_a, c(w).manager_a):
        response = as_rep.post(
            reverse("corrective-action-list"),
            json.dumps({"problem": w.a.objects["problem"].pk, "owner": owner.pk, "description": "Refill"}),
            content_type="application/json",
        )
        assert response.status_code == 201, response.content
    response = clients["manager_a"].post(
        reverse("coaching-note-list"),
        json.dumps({"rep": c(w).rep_a.pk, "topic": "Poaching", "agreed_actions": "move"}),
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    response = clients["manager_a"].post(
        reverse("target-list"), json.dumps(target_fields(w, c(w).team_a, c(w).rep_a)), content_type="application/json"
    )
    assert response.status_code == 201, response.content
    assert response.json()["status"] == Target.Status.DRAFT


def test_another_users_idempotency_key_replays_nothing_of_theirs(world: World, clients: dict) -> None:
    """Keys are per user: the same key from someone else runs their own request, never replays the first."""
    w = world
    first = clients["rep_a"].post(
        reverse("customer-list"),
        json.dumps(customer_fields(w, c(w).team_a, c(w).rep_a)),
        content_type="application/json",
        headers={"Idempotency-Key": "shared-key-1"},
    )
    assert first.status_code == 201, first.content
    second = clients["rep_b"].post(
        reverse("customer-list"),
        json.dumps({**customer_fields(w, c(w).team_b, c(w).rep_b), "code": "NEW-2", "name": "Other Outlet"}),
        content_type="application/json",
        headers={"Idempotency-Key": "shared-key-1"},
    )
    assert second.status_code == 201, second.content
    assert second.json()["id"] != first.json()["id"]
    assert "New Outlet" not in second.content.decode()
    assert Customer.objects.get(code="NEW-2").owner == c(w).rep_b
