from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from meetings.models import Problem, Slot
from meetings.selectors import problem_list_for
from meetings.services import (
    checkin_submit,
    coaching_note_create,
    corrective_action_add,
    corrective_action_done,
    corrective_action_start,
    problem_raise,
    problem_resolve,
)
from tests.meetings.factories import DAY, local

pytestmark = pytest.mark.django_db


def _raise(company, *, at: dt.datetime, **kwargs) -> Problem:
    fields = {
        "by": company.manager_a,
        "team": company.team_a,
        "description": "Alpha Mart is out of stock",
        "owner": company.rep_a,
        "due_date": DAY,
        "now": at,
    }
    return problem_raise(**(fields | kwargs))


def test_a_problem_raised_at_noon_and_resolved_in_the_evening_keeps_its_resolution_time(company, meetings) -> None:
    problem = _raise(company, at=local(DAY, 12, 40), meeting=meetings[Slot.NOON])
    assert problem.is_open and problem.resolution_time is None
    problem_resolve(problem=problem, by=company.rep_a, resolution="Delivered 20 cases", now=local(DAY, 14, 25))
    problem.refresh_from_db()
    assert problem.resolution_time == dt.timedelta(hours=1, minutes=45)
    assert problem.resolved_by == company.rep_a


def test_a_problem_raised_from_a_check_in_is_linked_to_its_meeting(company, meetings) -> None:
    checkin = checkin_submit(
        meeting=meetings[Slot.NOON], rep=company.rep_a, by=company.rep_a, blockers="No stock", now=local(DAY, 12, 30)
    )
    problem = _raise(company, at=local(DAY, 12, 35), by=company.rep_a, checkin=checkin)
    assert (problem.source, problem.meeting) == (Problem.Source.CHECKIN, meetings[Slot.NOON])


def test_a_problem_needs_a_description_and_an_owner_of_the_team(company) -> None:
    with pytest.raises(ValidationError) as error:
        _raise(company, at=local(DAY, 9), description=" ")
    assert "description" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        _raise(company, at=local(DAY, 9), owner=company.rep_b)
    assert "owner" in error.value.message_dict
    assert not Problem.objects.exists()


def test_another_teams_manager_cannot_raise_or_resolve(company) -> None:
    with pytest.raises(PermissionDenied):
        _raise(company, at=local(DAY, 9), by=company.manager_b)
    problem = _raise(company, at=local(DAY, 9))
    with pytest.raises(PermissionDenied):
        problem_resolve(problem=problem, by=company.manager_b, resolution="x", now=local(DAY, 10))


def test_a_resolution_must_say_how_and_happens_once(company) -> None:
    problem = _raise(company, at=local(DAY, 9))
    with pytest.raises(ValidationError):
        problem_resolve(problem=problem, by=company.rep_a, resolution="", now=local(DAY, 10))
    problem_resolve(problem=problem, by=company.rep_a, resolution="Done", now=local(DAY, 10))
    with pytest.raises(ValidationError):
        problem_resolve(problem=problem, by=company.rep_a, resolution="Again", now=local(DAY, 11))


def test_the_list_shows_open_problems_first_the_oldest_on_top(company) -> None:
    resolved = _raise(company, at=local(DAY, 8), description="resolved")
    problem_resolve(problem=resolved, by=company.manager_a, resolution="ok", now=local(DAY, 9))
    newer = _raise(company, at=local(DAY, 11), description="newer open")
    older = _raise(company, at=local(DAY, 10), description="older open")
    assert list(problem_list_for(user=company.manager_a)) == [older, newer, resolved]


def test_a_rep_sees_problems_they_own_or_raised_and_no_other_team_sees_them(company) -> None:
    mine = _raise(company, at=local(DAY, 8))
    colleague = _raise(company, at=local(DAY, 8), owner=company.rep_a2)
    assert list(problem_list_for(user=company.rep_a)) == [mine]
    assert set(problem_list_for(user=company.rep_a2)) == {colleague}
    assert not problem_list_for(user=company.manager_b).exists()
    assert problem_list_for(user=company.director).count() == 2


def test_corrective_actions_record_assignment_start_and_done(company) -> None:
    problem = _raise(company, at=local(DAY, 12, 40))
    action = corrective_action_add(
        problem=problem, by=company.manager_a, owner=company.rep_a, description="Call the depot", now=local(DAY, 12, 45)
    )
    corrective_action_start(action=action, by=company.rep_a, now=local(DAY, 13, 0))
    corrective_action_done(action=action, by=company.rep_a, now=local(DAY, 14, 0))
    action.refresh_from_db()
    assert (action.assigned_at, action.started_at, action.done_at) == (
        local(DAY, 12, 45),
        local(DAY, 13, 0),
        local(DAY, 14, 0),
    )
    with pytest.raises(PermissionDenied):
        corrective_action_start(action=action, by=company.rep_a2)


def test_a_manager_records_a_coaching_note_for_their_own_rep_only(company) -> None:
    note = coaching_note_create(
        by=company.manager_a, rep=company.rep_a, topic="Opening new outlets", agreed_actions="Two cold calls a day"
    )
    assert note.team == company.team_a
    with pytest.raises(ValidationError):
        coaching_note_create(by=company.manager_a, rep=company.rep_b, topic="x", agreed_actions="y")
    with pytest.raises(PermissionDenied):
        coaching_note_create(by=company.rep_a, rep=company.rep_a2, topic="x", agreed_actions="y")
