from __future__ import annotations

import datetime as dt
from importlib import import_module

import pytest
import time_machine
from django.utils import timezone

from meetings.models import Meeting, MeetingSchedule, Slot
from meetings.services import meeting_schedule_update, meetings_ensure_for_day
from meetings.tasks import meetings_generate_task
from org.services import calendar_seed
from tests.meetings.factories import DAY, local

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def official_calendar() -> None:
    """China's 2025 calendar (a browser test's flush may have emptied the table of a reused test database)."""
    calendar_seed(years=[2025])


MAKE_UP_SATURDAY = dt.date(2025, 10, 11)
NATIONAL_DAY = dt.date(2025, 10, 1)


def test_a_working_day_gets_three_meetings_for_each_team_with_reps(company) -> None:
    assert meetings_ensure_for_day(day=DAY) == 6
    team_a = Meeting.objects.filter(team=company.team_a, date=DAY).order_by("scheduled_at")
    assert [(m.slot, timezone.localtime(m.scheduled_at).time()) for m in team_a] == [
        (Slot.MORNING, dt.time(8, 30)),
        (Slot.NOON, dt.time(12, 30)),
        (Slot.EVENING, dt.time(18, 0)),
    ]
    # Teams without reps (the company, the region) get none.
    assert set(Meeting.objects.values_list("team", flat=True)) == {company.team_a.pk, company.team_b.pk}


def test_generating_twice_adds_nothing(company) -> None:
    meetings_ensure_for_day(day=DAY)
    assert meetings_ensure_for_day(day=DAY) == 0
    assert Meeting.objects.count() == 6
    assert MeetingSchedule.objects.count() == 6


def test_a_make_up_saturday_gets_meetings(company) -> None:
    assert meetings_ensure_for_day(day=MAKE_UP_SATURDAY) == 6


def test_a_holiday_and_an_ordinary_sunday_get_none(company) -> None:
    assert meetings_ensure_for_day(day=NATIONAL_DAY) == 0
    assert meetings_ensure_for_day(day=dt.date(2026, 11, 22)) == 0
    assert not Meeting.objects.exists()


def test_an_inactive_slot_gets_no_meeting(company) -> None:
    meetings_ensure_for_day(day=DAY - dt.timedelta(days=1))
    noon = MeetingSchedule.objects.get(team=company.team_a, slot=Slot.NOON)
    noon.active = False
    noon.save()
    meetings_ensure_for_day(day=DAY)
    assert set(Meeting.objects.filter(team=company.team_a, date=DAY).values_list("slot", flat=True)) == {
        Slot.MORNING,
        Slot.EVENING,
    }


def test_the_task_generates_the_day_given_or_today(company) -> None:
    assert meetings_generate_task(DAY.isoformat()) == 6
    with time_machine.travel(local(DAY + dt.timedelta(days=1), 0, 5), tick=False):
        assert meetings_generate_task() == 6


def test_the_migration_schedules_the_task_with_beat_every_morning_once() -> None:
    from django.apps import apps
    from django_celery_beat.models import PeriodicTask

    schedule = import_module("meetings.migrations.0002_beat_generate_meetings").schedule
    PeriodicTask.objects.filter(task="meetings.tasks.meetings_generate_task").delete()
    schedule(apps, None)
    schedule(apps, None)
    task = PeriodicTask.objects.get(task="meetings.tasks.meetings_generate_task")
    assert (task.crontab.hour, task.crontab.minute, task.enabled) == ("0", "5", True)


def test_a_manager_moves_the_morning_meeting_and_todays_meeting_follows(company) -> None:
    meetings_ensure_for_day(day=DAY)
    schedule = MeetingSchedule.objects.get(team=company.team_a, slot=Slot.MORNING)
    meeting_schedule_update(
        schedule=schedule,
        by=company.manager_a,
        time=dt.time(9, 0),
        grace_minutes=10,
        close_after_minutes=45,
        active=True,
        now=local(DAY, 7, 0),
    )
    meeting = Meeting.objects.get(team=company.team_a, date=DAY, slot=Slot.MORNING)
    assert meeting.scheduled_at == local(DAY, 9, 0)
    assert meeting.late_after == local(DAY, 9, 10)
    assert meeting.closes_at == local(DAY, 9, 45)


def test_another_teams_manager_cannot_change_the_schedule(company) -> None:
    from django.core.exceptions import PermissionDenied

    meetings_ensure_for_day(day=DAY)
    schedule = MeetingSchedule.objects.get(team=company.team_a, slot=Slot.MORNING)
    with pytest.raises(PermissionDenied):
        meeting_schedule_update(
            schedule=schedule,
            by=company.manager_b,
            time=dt.time(9),
            grace_minutes=5,
            close_after_minutes=60,
            active=True,
        )


def test_a_meeting_must_close_after_its_grace_period(company) -> None:
    from django.core.exceptions import ValidationError

    meetings_ensure_for_day(day=DAY)
    schedule = MeetingSchedule.objects.get(team=company.team_a, slot=Slot.MORNING)
    with pytest.raises(ValidationError) as error:
        meeting_schedule_update(
            schedule=schedule,
            by=company.manager_a,
            time=dt.time(9),
            grace_minutes=30,
            close_after_minutes=30,
            active=True,
        )
    assert "close_after_minutes" in error.value.message_dict
