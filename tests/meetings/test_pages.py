from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from meetings.models import Attendance, CheckIn, Meeting, Problem, Slot
from meetings.services import checkin_submit, meetings_ensure_for_day, problem_raise
from org.models import Role
from tests.factories import CustomerFactory, MembershipFactory, ProductFactory, TeamFactory, UserFactory
from tests.meetings.factories import DAY, local
from visits.models import SaleRecord, VisitSheet

pytestmark = pytest.mark.django_db


@pytest.fixture
def on_day():
    with time_machine.travel(local(DAY, 8, 20), tick=False) as traveller:
        yield traveller


def test_the_meetings_home_shows_a_rep_check_in_buttons(company, on_day) -> None:
    meetings_ensure_for_day(day=DAY)
    response = company.client_for(company.rep_a).get(reverse("meetings:index"))
    assert response.status_code == 200
    assert 'data-testid="checkin-morning"' in response.content.decode()


def test_opening_the_meetings_home_creates_nothing_and_a_manager_creates_the_day(company, on_day) -> None:
    rep_page = company.client_for(company.rep_a).get(reverse("meetings:index")).content.decode()
    assert 'data-testid="no-meetings"' in rep_page and 'data-testid="create-meetings"' not in rep_page
    manager = company.client_for(company.manager_a)
    assert 'data-testid="create-meetings"' in manager.get(reverse("meetings:index")).content.decode()
    assert not Meeting.objects.exists()

    response = manager.post(reverse("meetings:create_day"), {"day": DAY.isoformat()}, follow=True)

    assert {(m.team_id, m.slot) for m in Meeting.objects.all()} == {(company.team_a.pk, s) for s in Slot.values}
    assert 'data-testid="dashboard-morning"' in response.content.decode()
    assert company.client_for(company.rep_a).post(reverse("meetings:create_day"), {"day": DAY}).status_code == 403


@pytest.mark.parametrize("day", ["3000-01-06", "9999-12-31", "0001-01-01", "2026-13-01", "tomorrow"])
def test_a_day_outside_the_companys_life_is_refused_in_chinese_and_creates_nothing(company, on_day, day) -> None:
    manager = company.client_for(company.manager_a)
    page = manager.get(reverse("meetings:index"), {"day": day}, HTTP_ACCEPT_LANGUAGE="zh-hans")
    api = manager.get("/api/v1/meetings/", {"date": day}, HTTP_ACCEPT_LANGUAGE="zh-hans")
    created = manager.post(reverse("meetings:create_day"), {"day": day}, HTTP_ACCEPT_LANGUAGE="zh-hans")

    assert page.status_code == 400 and "“day”" in page.content.decode()
    assert "日期" in page.content.decode()
    assert api.status_code == 400 and "日期" in api.json()["date"][0]
    assert created.status_code == 400
    assert not Meeting.objects.exists()


def test_the_accepted_days_run_from_a_year_before_the_first_member_to_a_year_after_today(company, on_day) -> None:
    manager = company.client_for(company.manager_a)
    # The company's first membership starts on 2020-01-01 (the factories' default).
    assert manager.get(reverse("meetings:index"), {"day": "2019-01-01"}).status_code == 200
    assert manager.get(reverse("meetings:index"), {"day": "2018-12-31"}).status_code == 400
    assert manager.get(reverse("meetings:index"), {"day": "2027-11-18"}).status_code == 200
    assert manager.get(reverse("meetings:index"), {"day": "2027-11-19"}).status_code == 400


def test_the_meetings_home_shows_a_manager_the_dashboards(company, on_day) -> None:
    meetings_ensure_for_day(day=DAY)
    html = company.client_for(company.manager_a).get(reverse("meetings:index")).content.decode()
    assert 'data-testid="dashboard-morning"' in html
    assert "Team B" not in html


def test_a_rep_checks_in_through_the_page_and_is_late_after_the_grace_period(company, on_day) -> None:
    meetings_ensure_for_day(day=DAY)
    morning = Meeting.objects.get(team=company.team_a, date=DAY, slot=Slot.MORNING)
    on_day.move_to(local(DAY, 8, 36))
    response = company.client_for(company.rep_a).post(
        reverse("meetings:checkin", args=[morning.pk]), {"planned_visits": "6", "planned_amount": "1500"}
    )
    assert response.status_code == 302
    checkin = CheckIn.objects.get()
    assert (checkin.attendance, checkin.planned_amount) == (Attendance.LATE, Decimal("1500"))


def test_negative_goals_show_an_error_on_the_page(company, on_day) -> None:
    meetings_ensure_for_day(day=DAY)
    morning = Meeting.objects.get(team=company.team_a, date=DAY, slot=Slot.MORNING)
    response = company.client_for(company.rep_a).post(
        reverse("meetings:checkin", args=[morning.pk]), {"planned_visits": "-2"}
    )
    assert response.status_code == 400
    assert 'data-field-error="planned_visits"' in response.content.decode()
    assert not CheckIn.objects.exists()


def test_a_rep_cannot_open_another_teams_check_in_or_any_dashboard(company, on_day) -> None:
    meetings_ensure_for_day(day=DAY)
    morning_a = Meeting.objects.get(team=company.team_a, date=DAY, slot=Slot.MORNING)
    assert company.client_for(company.rep_b).get(reverse("meetings:checkin", args=[morning_a.pk])).status_code == 404
    assert company.client_for(company.rep_a).get(reverse("meetings:dashboard", args=[morning_a.pk])).status_code == 403
    assert (
        company.client_for(company.manager_b).get(reverse("meetings:dashboard", args=[morning_a.pk])).status_code == 404
    )


def test_the_morning_dashboard_shows_goals_and_the_late_mark(company, on_day) -> None:
    meetings_ensure_for_day(day=DAY)
    morning = Meeting.objects.get(team=company.team_a, date=DAY, slot=Slot.MORNING)
    checkin_submit(meeting=morning, rep=company.rep_a, by=company.rep_a, planned_visits=7, now=local(DAY, 8, 29))
    checkin_submit(meeting=morning, rep=company.rep_a2, by=company.rep_a2, planned_visits=4, now=local(DAY, 8, 41))
    html = company.client_for(company.manager_a).get(reverse("meetings:dashboard", args=[morning.pk])).content.decode()
    assert 'hx-trigger="every 30s"' in html
    row_a2 = html[html.index('data-testid="row-rep_a2"') :]
    assert 'data-attendance="late"' in row_a2[: row_a2.index("</tr>")]
    assert ">11<" in html  # the team's planned visits
    assert f'type="date" value="{DAY}"' in html.replace('name="due_date" ', "")  # ISO date even in zh-hans


def _team_with_reps(size: int):
    team = TeamFactory()
    manager = MembershipFactory(team=team, role=Role.MANAGER).user
    meetings_ensure_for_day(day=DAY)
    customer = CustomerFactory(team=team)
    product = ProductFactory()
    reps = [MembershipFactory(team=team, role=Role.REP, user=UserFactory()).user for _ in range(size)]
    meetings_ensure_for_day(day=DAY)
    meetings = {m.slot: m for m in Meeting.objects.filter(team=team, date=DAY)}
    for slot, meeting in meetings.items():
        CheckIn.objects.bulk_create(
            [
                CheckIn(meeting=meeting, rep=rep, checked_in_at=meeting.scheduled_at, attendance="present")
                for rep in reps
            ]
        )
        del slot
    VisitSheet.objects.bulk_create(
        [
            VisitSheet(rep=rep, team=team, date=day, deadline=local(DAY, 20))
            for rep in reps
            for day in (DAY, DAY - dt.timedelta(days=1))
        ]
    )
    SaleRecord.objects.bulk_create(
        [
            SaleRecord(date=DAY, rep=rep, team=team, customer=customer, product=product, quantity=1, amount=10)
            for rep in reps
        ]
    )
    for _ in range(3):
        problem_raise(by=manager, team=team, description="x", owner=reps[0], due_date=DAY, now=local(DAY, 9))
    return manager, meetings


@pytest.mark.parametrize("slot", [Slot.MORNING, Slot.NOON, Slot.EVENING])
def test_every_dashboard_runs_the_same_number_of_queries_for_5_and_50_reps(
    company, on_day, slot, django_assert_max_num_queries
) -> None:
    counts = []
    for size in (5, 50):
        manager, meetings = _team_with_reps(size)
        client = company.client_for(manager)
        url = reverse("meetings:dashboard_live", args=[meetings[slot].pk])
        # The count includes the session, scope and navigation queries every page runs.
        with django_assert_max_num_queries(20), CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert response.status_code == 200
        assert response.content.decode().count('data-testid="row-') == size
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_a_problem_raised_on_the_noon_dashboard_is_resolved_and_shows_its_resolution_time(company, on_day) -> None:
    meetings_ensure_for_day(day=DAY)
    noon = Meeting.objects.get(team=company.team_a, date=DAY, slot=Slot.NOON)
    on_day.move_to(local(DAY, 12, 40))
    manager = company.client_for(company.manager_a)
    manager.post(
        reverse("meetings:problem_create"),
        {"meeting": noon.pk, "description": "Stock-out at Alpha Mart", "owner": company.rep_a.pk, "due_date": str(DAY)},
    )
    problem = Problem.objects.get()
    on_day.move_to(local(DAY, 17, 50))
    company.client_for(company.rep_a).post(
        reverse("meetings:problem_resolve", args=[problem.pk]), {"resolution": "Delivered"}
    )
    manager = company.client_for(company.manager_a)  # a new login: the noon session went idle
    html = manager.get(reverse("meetings:problems")).content.decode()
    assert "5 小时 10 分钟" in html  # the default language is zh-hans
    detail = manager.get(reverse("meetings:problem", args=[problem.pk])).content.decode()
    assert "5 小时 10 分钟" in detail


def test_open_problems_are_listed_first_with_their_age(company, on_day) -> None:
    problem_raise(
        by=company.manager_a,
        team=company.team_a,
        description="Old",
        owner=company.rep_a,
        due_date=DAY,
        now=local(DAY, 7),
    )
    html = company.client_for(company.manager_a).get(reverse("meetings:problems")).content.decode()
    assert "1 小时 20 分钟" in html


def test_a_manager_writes_a_coaching_note_and_the_rep_sees_it(company, on_day) -> None:
    company.client_for(company.manager_a).post(
        reverse("meetings:coaching"),
        {
            "rep": company.rep_a.pk,
            "topic": "Closing",
            "agreed_actions": "Ask for the order",
            "follow_up_date": "2026-11-25",
        },
    )
    assert "Ask for the order" in company.client_for(company.rep_a).get(reverse("meetings:coaching")).content.decode()
    assert (
        "Ask for the order" not in company.client_for(company.rep_a2).get(reverse("meetings:coaching")).content.decode()
    )


def test_a_manager_edits_the_schedule_page(company, on_day) -> None:
    meetings_ensure_for_day(day=DAY)
    client = company.client_for(company.manager_a)
    assert client.get(reverse("meetings:schedule")).status_code == 200
    from meetings.models import MeetingSchedule

    schedule = MeetingSchedule.objects.get(team=company.team_a, slot=Slot.EVENING)
    prefix = f"s{schedule.pk}"
    response = client.post(
        reverse("meetings:schedule"),
        {
            "schedule": schedule.pk,
            f"{prefix}-time": "17:30",
            f"{prefix}-grace_minutes": "5",
            f"{prefix}-close_after_minutes": "60",
            f"{prefix}-active": "on",
        },
    )
    assert response.status_code == 302
    assert Meeting.objects.get(team=company.team_a, date=DAY, slot=Slot.EVENING).scheduled_at == local(DAY, 17, 30)


def test_after_the_meeting_closes_the_page_refuses_a_check_in_until_the_manager_allows_it(company, on_day) -> None:
    meetings_ensure_for_day(day=DAY)
    morning = Meeting.objects.get(team=company.team_a, date=DAY, slot=Slot.MORNING)
    on_day.move_to(local(DAY, 9, 45))
    url = reverse("meetings:checkin", args=[morning.pk])
    rep = company.client_for(company.rep_a)
    refused = rep.post(url, {"planned_visits": "3"})
    assert refused.status_code == 400
    assert not CheckIn.objects.filter(checked_in_at__isnull=False).exists()
    company.client_for(company.manager_a).post(
        reverse("meetings:allow_late", args=[morning.pk]), {"rep": company.rep_a.pk}
    )
    assert rep.post(url, {"planned_visits": "3"}).status_code == 302
    assert CheckIn.objects.get(rep=company.rep_a).attendance == Attendance.LATE


def test_the_manager_excuses_a_rep_from_the_dashboard_and_a_reason_is_required(company, on_day) -> None:
    meetings_ensure_for_day(day=DAY)
    morning = Meeting.objects.get(team=company.team_a, date=DAY, slot=Slot.MORNING)
    manager = company.client_for(company.manager_a)
    url = reverse("meetings:excuse", args=[morning.pk])
    manager.post(url, {"rep": company.rep_a2.pk, "reason": ""})
    assert not CheckIn.objects.exists()
    manager.post(url, {"rep": company.rep_a2.pk, "reason": "Training at the distributor"})
    html = manager.get(reverse("meetings:dashboard", args=[morning.pk])).content.decode()
    assert 'data-attendance="excused"' in html and "Training at the distributor" in html


def test_the_polled_table_reads_from_the_replica_and_the_page_reads_its_own_writes(
    company, on_day, monkeypatch
) -> None:
    from meetings import selectors
    from salesops import routers

    meetings_ensure_for_day(day=DAY)
    morning = Meeting.objects.get(team=company.team_a, date=DAY, slot=Slot.MORNING)
    seen, real = [], selectors.dashboard_for

    def spy(**kwargs):
        seen.append(routers._replica_reads.get())
        return real(**kwargs)

    monkeypatch.setattr(selectors, "dashboard_for", spy)
    manager = company.client_for(company.manager_a)
    assert manager.get(reverse("meetings:dashboard_live", args=[morning.pk])).status_code == 200
    assert manager.get(reverse("meetings:dashboard", args=[morning.pk])).status_code == 200
    assert seen == [True, False]


def test_the_page_refuses_an_evening_check_in_in_the_morning_and_says_when_it_opens(company, on_day) -> None:
    meetings_ensure_for_day(day=DAY)
    evening = Meeting.objects.get(team=company.team_a, date=DAY, slot=Slot.EVENING)
    url = reverse("meetings:checkin", args=[evening.pk])
    rep = company.client_for(company.rep_a)
    page = rep.get(url).content.decode()
    assert 'data-testid="checkin-not-open"' in page
    refused = rep.post(url, {"results_visits": "4"})
    assert refused.status_code == 400
    assert "17:00" in refused.content.decode()
    assert not CheckIn.objects.filter(checked_in_at__isnull=False).exists()
    on_day.move_to(local(DAY, 17, 0))
    rep = company.client_for(company.rep_a)  # a new login: the morning's session has gone idle
    assert 'data-testid="checkin-not-open"' not in rep.get(url).content.decode()
    assert rep.post(url, {"results_visits": "4"}).status_code == 302
    assert CheckIn.objects.get(rep=company.rep_a).attendance == Attendance.PRESENT
