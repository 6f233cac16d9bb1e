"""Reopening a sheet and recording a review leave an audit event."""

from __future__ import annotations

import pytest

from org.models import AuditEvent
from visits.services import manager_review, rep_day

pytestmark = pytest.mark.django_db


@pytest.fixture
def submitted_visit(company, clock, shops):
    sheet = rep_day.sheet_open(rep=company.rep_a)
    visit = rep_day.visit_plan(by=company.rep_a, sheet=sheet, customer=shops["a1"])
    rep_day.visit_check_in(by=company.rep_a, visit=visit)
    rep_day.visit_check_out(by=company.rep_a, visit=visit, outcome="Order taken")
    rep_day.sheet_submit(by=company.rep_a, sheet=sheet)
    visit.refresh_from_db()
    return visit


def test_a_review_result_is_audited(company, submitted_visit) -> None:
    manager_review.visit_review_create(
        by=company.manager_a, visit=submitted_visit, method="market_walk", result="discrepancy", note="Shop closed"
    )
    event = AuditEvent.objects.get(action="review_recorded")
    assert event.actor_username == "manager_a"
    assert "discrepancy" in event.summary and "Shop closed" in event.summary


def test_a_reopened_sheet_is_audited(company, submitted_visit) -> None:
    manager_review.sheet_reopen(by=company.manager_a, sheet=submitted_visit.sheet, comment="Add the afternoon visits")
    event = AuditEvent.objects.get(action="sheet_reopened")
    assert event.object_id == str(submitted_visit.sheet.pk) and "afternoon" in event.summary


def test_a_refused_reopen_leaves_no_audit_event(company, submitted_visit) -> None:
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        manager_review.sheet_reopen(by=company.manager_b, sheet=submitted_visit.sheet)
    assert not AuditEvent.objects.filter(action="sheet_reopened").exists()


def test_a_discrepancy_raises_a_problem_for_the_rep_to_follow_up(company, submitted_visit) -> None:
    from meetings.models import Problem

    manager_review.visit_review_create(
        by=company.manager_a, visit=submitted_visit, method="market_walk", result="discrepancy", note="Shop closed"
    )
    problem = Problem.objects.get()
    assert problem.source == Problem.Source.REVIEW
    assert problem.owner == company.rep_a and problem.team == company.team_a
    assert "Alpha Mart" in problem.description and "Shop closed" in problem.description
    assert problem.resolved_at is None


def test_a_confirmed_visit_raises_no_problem(company, submitted_visit) -> None:
    from meetings.models import Problem

    manager_review.visit_review_create(
        by=company.manager_a, visit=submitted_visit, method="call_back", result="confirmed"
    )
    assert not Problem.objects.exists()
