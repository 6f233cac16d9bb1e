"""The weekly review meeting: the week's KPIs per rep against the goals, the week's problems, the minutes."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from meetings.models import Problem, WeeklyReview
from reports.models import ExecutionKpiSnapshot, NightlyRun, PeriodKind

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")
URL = "/meetings/weekly/"


@pytest.fixture
def week(company) -> dict:
    """The week of 9 March 2026, computed on the night of Friday the 13th."""
    NightlyRun.objects.create(as_of=dt.date(2026, 3, 13), status="finished", started_at=timezone.now())
    for rep, plan, timeliness, quality, hours in [
        (company.rep_a, "0.90", "1", "0.99", "3.5"),  # misses plan completion and resolution time
        (company.rep_a2, "0.97", "1", "0.985", "1.5"),  # meets every goal
    ]:
        ExecutionKpiSnapshot.objects.create(
            as_of=dt.date(2026, 3, 13),
            owner_key=f"rep:{rep.pk}",
            team=company.team_a,
            rep=rep,
            period_kind=PeriodKind.WEEK,
            period_start=dt.date(2026, 3, 9),
            period_end=dt.date(2026, 3, 15),
            plan_completion_rate=D(plan),
            action_timeliness=D(timeliness),
            quality_rate=D(quality),
            median_resolution_hours=D(hours),
            computed_at=timezone.now(),
        )
    for day, text in [(3, "Last week's problem"), (10, "Shelf lost at Alpha Mart")]:
        Problem.objects.create(
            team=company.team_a,
            raised_by=company.manager_a,
            owner=company.rep_a,
            description=text,
            due_date=dt.date(2026, 3, day + 2),
            created_at=dt.datetime(2026, 3, day, 9, tzinfo=SHANGHAI),
        )
    return {"query": f"?team={company.team_a.pk}&week=2026-03-11"}


def test_the_week_shows_each_reps_kpis_against_the_goals(company, week) -> None:
    page = company.client_for(company.manager_a).get(URL + week["query"])
    assert page.status_code == 200 and page.context["week_start"] == dt.date(2026, 3, 9)
    missed = {row.name: row.missed for row in page.context["rows"]}
    assert sorted(missed.values()) == [0, 2]
    assert [p.description for p in page.context["problems"]] == ["Shelf lost at Alpha Mart"]
    assert page.context["held_at"] == dt.datetime(2026, 3, 13, 16, 0)  # Friday 16:00 until the team sets a time


def test_the_manager_saves_the_minutes_and_sets_the_time(company, week) -> None:
    client = company.client_for(company.manager_a)
    post = {"team": company.team_a.pk, "week": "2026-03-11", "minutes-root_causes": "Late stock"}
    empty = client.post(URL, {**post, "minutes-corrections": " "}, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert empty.status_code == 400 and 'data-field-error="corrections"' in empty.content.decode()
    assert not WeeklyReview.objects.exists()
    for corrections in ("Call back every A customer", "Call back every A and B customer"):
        assert client.post(URL, {**post, "minutes-corrections": corrections}).status_code == 302
    review = WeeklyReview.objects.get()
    assert (review.week_start, review.corrections, review.saved_by) == (
        dt.date(2026, 3, 9),
        "Call back every A and B customer",
        company.manager_a,
    )
    schedule = {"action": "schedule", "team": company.team_a.pk, "week": "2026-03-09"}
    assert client.post(URL, {**schedule, "schedule-weekday": "9", "schedule-time": "09:30"}).status_code == 400
    assert client.post(URL, {**schedule, "schedule-weekday": "0", "schedule-time": "09:30"}).status_code == 302
    page = client.get(URL + week["query"])
    assert page.context["held_at"] == dt.datetime(2026, 3, 9, 9, 30)
    assert "Call back every A and B customer" in page.content.decode()


def test_only_the_teams_leaders_open_and_write_the_review(company, week) -> None:
    assert company.client_for(company.rep_a).get(URL + week["query"]).status_code == 403
    assert company.client_for(company.manager_b).get(URL + week["query"]).status_code == 404
    other = company.client_for(company.manager_b).post(
        URL, {"team": company.team_a.pk, "week": "2026-03-09", "minutes-corrections": "x"}
    )
    assert other.status_code == 404 and not WeeklyReview.objects.exists()
    assert company.client_for(company.director).get(URL + week["query"]).status_code == 200
