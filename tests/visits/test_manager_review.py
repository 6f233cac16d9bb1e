from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from visits.models import VisitReview
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


def test_a_call_back_confirms_a_visit_and_marks_the_sheet_reviewed(company, submitted_visit) -> None:
    review = manager_review.visit_review_create(
        by=company.manager_a, visit=submitted_visit, method="call_back", result="confirmed"
    )
    assert review.by == company.manager_a
    submitted_visit.sheet.refresh_from_db()
    assert submitted_visit.sheet.status == "reviewed"


def test_a_discrepancy_needs_a_note(company, submitted_visit) -> None:
    with pytest.raises(ValidationError) as error:
        manager_review.visit_review_create(
            by=company.manager_a, visit=submitted_visit, method="market_walk", result="discrepancy"
        )
    assert "note" in error.value.message_dict
    assert not VisitReview.objects.exists()


def test_a_discrepancy_is_listed_until_followed_up(company, submitted_visit) -> None:
    review = manager_review.visit_review_create(
        by=company.manager_a,
        visit=submitted_visit,
        method="market_walk",
        result="discrepancy",
        note="The shop owner says nobody came",
    )
    assert list(VisitReview.objects.discrepancies().filter(resolved_at__isnull=True)) == [review]
    manager_review.visit_review_resolve(by=company.manager_a, review=review)
    assert not VisitReview.objects.discrepancies().filter(resolved_at__isnull=True).exists()


def test_a_manager_of_another_team_cannot_verify_comment_or_reopen(company, submitted_visit) -> None:
    sheet = submitted_visit.sheet
    with pytest.raises(PermissionDenied):
        manager_review.visit_review_create(
            by=company.manager_b, visit=submitted_visit, method="call_back", result="confirmed"
        )
    with pytest.raises(PermissionDenied):
        manager_review.sheet_comment(by=company.manager_b, sheet=sheet, comment="?")
    with pytest.raises(PermissionDenied):
        manager_review.sheet_reopen(by=company.manager_b, sheet=sheet)


def test_a_rep_cannot_verify_their_own_visit(company, submitted_visit) -> None:
    with pytest.raises(PermissionDenied):
        manager_review.visit_review_create(
            by=company.rep_a, visit=submitted_visit, method="call_back", result="confirmed"
        )


def test_a_director_can_verify_any_team(company, submitted_visit) -> None:
    manager_review.visit_review_create(
        by=company.director, visit=submitted_visit, method="call_back", result="confirmed"
    )
    assert VisitReview.objects.count() == 1


def test_a_manager_comments_on_a_sheet(company, submitted_visit) -> None:
    sheet = manager_review.sheet_comment(by=company.manager_a, sheet=submitted_visit.sheet, comment="Good day")
    assert (sheet.manager_comment, sheet.commented_by) == ("Good day", company.manager_a)
