"""The polled dashboard table: rendered once per change of its data for all its viewers, 304 for a screen
that already has it, and a new version after every write that feeds it or when the minute turns."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from meetings import selectors
from meetings.models import Meeting, Slot
from meetings.services import checkin_submit, meetings_ensure_for_day
from tests.factories import CustomerFactory
from tests.meetings.factories import DAY, local
from visits.services.rep_day import sheet_open, visit_plan

pytestmark = pytest.mark.django_db


@pytest.fixture
def morning(company, on_day) -> Meeting:
    meetings_ensure_for_day(day=DAY)
    return Meeting.objects.get(team=company.team_a, date=DAY, slot=Slot.MORNING)


@pytest.fixture
def on_day():
    import time_machine

    with time_machine.travel(local(DAY, 8, 20), tick=False) as traveller:
        yield traveller


@pytest.fixture
def renders(monkeypatch) -> list:
    calls, real = [], selectors.dashboard_for

    def counting(**kwargs):
        calls.append(kwargs["meeting"].pk)
        return real(**kwargs)

    monkeypatch.setattr(selectors, "dashboard_for", counting)
    return calls


def _poll(client, meeting: Meeting, etag: str | None = None):
    headers = {"HTTP_IF_NONE_MATCH": etag} if etag else {}
    return client.get(reverse("meetings:dashboard_live", args=[meeting.pk]), **headers)


def test_a_screen_that_has_the_table_gets_304_without_the_table_being_read(
    company, morning, renders, django_assert_max_num_queries
) -> None:
    manager = company.client_for(company.manager_a)
    first = _poll(manager, morning)
    assert first.status_code == 200 and first["ETag"] and first["Cache-Control"] == "private, no-cache"
    assert 'data-testid="dashboard-table"' in first.content.decode()
    _poll(manager, morning)  # the session's user is kept from here on
    # No query: the user, the role and scope, the meeting's team and the versions are kept in the cache.
    with django_assert_max_num_queries(0):
        again = _poll(manager, morning, etag=first["ETag"])
    assert again.status_code == 304 and again["ETag"] == first["ETag"] and not again.content
    assert renders == [morning.pk]


def test_a_repeat_poll_reads_the_cache_in_three_round_trips(company, morning, monkeypatch) -> None:
    """The session, the session's user, and one read of the scope, the meeting's team and the versions."""
    from salesops.cache import ResilientRedisCache

    manager = company.client_for(company.manager_a)
    etag = _poll(manager, morning)["ETag"]
    _poll(manager, morning, etag=etag)
    reads: list[str] = []
    for name in ("get", "get_many", "add", "set", "has_key"):
        real = getattr(ResilientRedisCache, name)

        def counting(self, *args, _real=real, _name=name, **kwargs):
            reads.append(_name)
            return _real(self, *args, **kwargs)

        monkeypatch.setattr(ResilientRedisCache, name, counting)
    assert _poll(manager, morning, etag=etag).status_code == 304
    assert reads == ["get", "get", "get_many"]


def test_a_manager_taken_off_the_team_no_longer_gets_its_table(company, morning) -> None:
    from org.models import Membership

    manager = company.client_for(company.manager_a)
    etag = _poll(manager, morning)["ETag"]
    assert _poll(manager, morning, etag=etag).status_code == 304
    Membership.objects.get(user=company.manager_a, team=company.team_a).delete()
    assert _poll(manager, morning, etag=etag).status_code == 403  # no role left
    director = company.client_for(company.director)
    assert _poll(director, morning).status_code == 200


def test_a_manager_moved_to_another_team_gets_404_even_with_the_screens_version(company, morning) -> None:
    from org.models import Membership

    manager = company.client_for(company.manager_a)
    etag = _poll(manager, morning)["ETag"]
    membership = Membership.objects.get(user=company.manager_a, team=company.team_a)
    membership.team = company.team_b
    membership.save()
    assert _poll(manager, morning, etag=etag).status_code == 404


def test_a_version_naming_another_team_is_no_way_in(company, morning) -> None:
    """The ETag names its team so that a repeat poll reads the team's version with the rest; the meeting's own team
    decides who may read it, whatever the ETag says."""
    meetings_ensure_for_day(day=DAY)
    morning_b = Meeting.objects.get(team=company.team_b, date=DAY, slot=Slot.MORNING)
    etag_b = _poll(company.client_for(company.manager_b), morning_b)["ETag"]
    manager_a = company.client_for(company.manager_a)
    assert _poll(manager_a, morning_b, etag=etag_b).status_code == 404
    forged = etag_b.replace(f'"{company.team_b.pk}-', f'"{company.team_a.pk}-')
    assert _poll(manager_a, morning_b, etag=forged).status_code == 404
    own = _poll(manager_a, morning, etag=etag_b)
    assert own.status_code == 200 and own["ETag"].startswith(f'"{company.team_a.pk}-')


def test_another_teams_manager_gets_404_even_with_the_meeting_kept(company, morning) -> None:
    assert _poll(company.client_for(company.manager_a), morning).status_code == 200  # the meeting's team is kept
    assert _poll(company.client_for(company.manager_b), morning).status_code == 404
    assert _poll(company.client_for(company.rep_a), morning).status_code == 403


def test_a_deleted_meeting_is_not_found(company, morning) -> None:
    manager = company.client_for(company.manager_a)
    assert _poll(manager, morning).status_code == 200
    pk = morning.pk
    morning.delete()
    assert manager.get(reverse("meetings:dashboard_live", args=[pk])).status_code == 404


def test_every_viewer_of_the_team_gets_the_one_rendering(company, morning, renders) -> None:
    by_manager = _poll(company.client_for(company.manager_a), morning)
    by_director = _poll(company.client_for(company.director), morning)
    assert by_director.status_code == 200 and by_director.content == by_manager.content
    assert by_director["ETag"] == by_manager["ETag"]
    assert renders == [morning.pk]  # rendered once, for both


def test_a_check_in_changes_the_table_at_once(company, morning, renders) -> None:
    manager = company.client_for(company.manager_a)
    before = _poll(manager, morning)
    assert 'data-testid="row-rep_a" data-status="waiting"' in before.content.decode()
    checkin_submit(meeting=morning, rep=company.rep_a, by=company.rep_a, planned_visits=6, now=local(DAY, 8, 20))
    after = _poll(manager, morning, etag=before["ETag"])
    assert after.status_code == 200 and after["ETag"] != before["ETag"]
    assert 'data-testid="row-rep_a" data-status="present"' in after.content.decode()
    assert len(renders) == 2


def test_a_planned_visit_on_a_sheet_of_the_team_changes_the_table(company, morning) -> None:
    manager = company.client_for(company.manager_a)
    before = _poll(manager, morning)
    customer = CustomerFactory(team=company.team_a, owner=company.rep_a)
    visit_plan(by=company.rep_a, sheet=sheet_open(rep=company.rep_a, day=DAY), customer=customer)
    assert _poll(manager, morning, etag=before["ETag"]).status_code == 200


def test_another_teams_check_in_leaves_the_table_as_it_is(company, on_day) -> None:
    meetings_ensure_for_day(day=DAY)
    morning_a = Meeting.objects.get(team=company.team_a, date=DAY, slot=Slot.MORNING)
    morning_b = Meeting.objects.get(team=company.team_b, date=DAY, slot=Slot.MORNING)
    manager = company.client_for(company.manager_a)
    before = _poll(manager, morning_a)
    checkin_submit(meeting=morning_b, rep=company.rep_b, by=company.rep_b, planned_visits=2, now=local(DAY, 8, 20))
    assert _poll(manager, morning_a, etag=before["ETag"]).status_code == 304


def test_the_table_is_new_each_minute_since_the_clock_moves_it(company, morning, on_day) -> None:
    manager = company.client_for(company.manager_a)
    before = _poll(manager, morning)
    on_day.shift(dt.timedelta(minutes=1))
    assert _poll(manager, morning, etag=before["ETag"]).status_code == 200


def test_each_language_has_its_own_rendering(company, morning) -> None:
    manager = company.client_for(company.manager_a)
    english = manager.get(reverse("meetings:dashboard_live", args=[morning.pk]), HTTP_ACCEPT_LANGUAGE="en")
    chinese = manager.get(reverse("meetings:dashboard_live", args=[morning.pk]), HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert english["ETag"] != chinese["ETag"]
    assert "Planned visits" in english.content.decode() and "计划拜访" in chinese.content.decode()
