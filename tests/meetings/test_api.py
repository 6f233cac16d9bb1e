from __future__ import annotations

import pytest
import time_machine

from meetings.models import CheckIn, Problem, Slot
from meetings.services import problem_raise
from tests.meetings.factories import DAY, local

pytestmark = pytest.mark.django_db


@pytest.fixture
def at_morning_meeting():
    with time_machine.travel(local(DAY, 8, 32), tick=False):
        yield


def test_a_rep_checks_in_and_a_second_post_updates_the_same_check_in(company, morning, at_morning_meeting) -> None:
    client = company.client_for(company.rep_a)
    first = client.post(
        "/api/v1/checkins/",
        {"meeting": morning.pk, "planned_visits": 6, "planned_amount": "800.00"},
        "application/json",
    )
    assert first.status_code == 201, first.content
    assert first.json()["attendance"] == "present"
    second = client.post("/api/v1/checkins/", {"meeting": morning.pk, "planned_visits": 8}, "application/json")
    assert second.status_code == 200, "an update of the check-in there is, not a new one"
    assert second.json()["id"] == first.json()["id"]
    assert CheckIn.objects.get().planned_visits == 8


def test_another_teams_meeting_is_not_found_for_a_rep(company, meetings, at_morning_meeting) -> None:
    response = company.client_for(company.rep_b).post(
        "/api/v1/checkins/", {"meeting": meetings[Slot.MORNING].pk}, "application/json"
    )
    assert response.status_code == 400
    assert "meeting" in response.json()
    assert not CheckIn.objects.exists()


def test_negative_goals_get_a_clear_error(company, morning, at_morning_meeting) -> None:
    response = company.client_for(company.rep_a).post(
        "/api/v1/checkins/", {"meeting": morning.pk, "planned_amount": "-1"}, "application/json"
    )
    assert response.status_code == 400
    assert "planned_amount" in response.json()


def test_meetings_are_listed_for_the_users_teams_only(company, meetings) -> None:
    data = company.client_for(company.rep_b).get(f"/api/v1/meetings/?date={DAY}").json()
    assert {row["team"] for row in data["results"]} == {company.team_b.pk}
    assert data["count"] == 3


def test_the_manager_excuses_through_the_api_and_a_reason_is_required(company, morning) -> None:
    client = company.client_for(company.manager_a)
    url = f"/api/v1/meetings/{morning.pk}/excuse/"
    assert client.post(url, {"rep": company.rep_a.pk, "reason": ""}, "application/json").status_code == 400
    response = client.post(url, {"rep": company.rep_a.pk, "reason": "Sick"}, "application/json")
    assert response.json()["attendance"] == "excused"
    assert (
        company.client_for(company.rep_a)
        .post(url, {"rep": company.rep_a.pk, "reason": "x"}, "application/json")
        .status_code
        == 403
    )


def test_a_problem_is_raised_and_resolved_through_the_api(company, morning) -> None:
    client = company.client_for(company.manager_a)
    with time_machine.travel(local(DAY, 12, 40), tick=False):
        created = client.post(
            "/api/v1/problems/",
            {"team": company.team_a.pk, "description": "Stock-out", "owner": company.rep_a.pk, "due_date": str(DAY)},
            "application/json",
        )
    assert created.status_code == 201, created.content
    with time_machine.travel(local(DAY, 17, 40), tick=False):
        resolved = company.client_for(company.rep_a).post(
            f"/api/v1/problems/{created.json()['id']}/resolve/", {"resolution": "Restocked"}, "application/json"
        )
    assert resolved.json()["resolution_minutes"] == 300


def test_another_team_cannot_see_a_problem(company) -> None:
    problem = problem_raise(
        by=company.manager_a,
        team=company.team_a,
        description="x",
        owner=company.rep_a,
        due_date=DAY,
        now=local(DAY, 9),
    )
    assert company.client_for(company.manager_b).get(f"/api/v1/problems/{problem.pk}/").status_code == 404
    assert company.client_for(company.rep_a2).get(f"/api/v1/problems/{problem.pk}/").status_code == 404
    assert Problem.objects.count() == 1


def test_corrective_actions_are_assigned_started_and_done(company) -> None:
    problem = problem_raise(
        by=company.manager_a, team=company.team_a, description="x", owner=company.rep_a, due_date=DAY, now=local(DAY, 9)
    )
    manager, rep = company.client_for(company.manager_a), company.client_for(company.rep_a)
    created = manager.post(
        "/api/v1/corrective-actions/",
        {"problem": problem.pk, "owner": company.rep_a.pk, "description": "Call the depot"},
        "application/json",
    )
    assert created.status_code == 201, created.content
    done = rep.post(f"/api/v1/corrective-actions/{created.json()['id']}/done/")
    assert done.json()["done_at"] is not None
    assert company.client_for(company.manager_b).get("/api/v1/corrective-actions/").json()["count"] == 0


def test_a_rep_reads_only_their_own_coaching_notes(company) -> None:
    manager = company.client_for(company.manager_a)
    for rep in (company.rep_a, company.rep_a2):
        response = manager.post(
            "/api/v1/coaching-notes/",
            {"rep": rep.pk, "topic": "Closing", "agreed_actions": "Ask for the order"},
            "application/json",
        )
        assert response.status_code == 201, response.content
    assert [n["rep"] for n in company.client_for(company.rep_a).get("/api/v1/coaching-notes/").json()["results"]] == [
        company.rep_a.pk
    ]
    assert company.client_for(company.rep_a).post(
        "/api/v1/coaching-notes/", {"rep": company.rep_a.pk, "topic": "x", "agreed_actions": "y"}, "application/json"
    ).status_code in (400, 403)


def test_the_endpoints_are_in_the_openapi_schema(company) -> None:
    schema = company.client_for(company.director).get("/api/schema/").content.decode()
    for path in ("/api/v1/meetings/", "/api/v1/checkins/", "/api/v1/problems/{id}/resolve/", "/api/v1/coaching-notes/"):
        assert path in schema
    assert "/api/v1/corrective-actions/{id}/done/" in schema


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_a_check_in_before_the_window_is_refused_with_a_translated_message(company, morning, language) -> None:
    client = company.client_for(company.rep_a)
    with time_machine.travel(local(DAY, 6, 0), tick=False):
        response = client.post(
            "/api/v1/checkins/", {"meeting": morning.pk}, "application/json", HTTP_ACCEPT_LANGUAGE=language
        )
    assert response.status_code == 400
    expected = "opens at 07:30" if language == "en" else "07:30 开始签到"
    assert expected in response.json()["meeting"][0]
    assert not CheckIn.objects.exists()
