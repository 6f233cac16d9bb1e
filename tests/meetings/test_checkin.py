from __future__ import annotations

import datetime as dt
import threading
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection

from meetings.models import Attendance, CheckIn, Slot
from meetings.selectors import attendance_of
from meetings.services import checkin_allow_late, checkin_excuse, checkin_submit
from tests.meetings.factories import DAY, local

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        ((8, 10, 0), Attendance.PRESENT),
        ((8, 30, 0), Attendance.PRESENT),
        ((8, 35, 0), Attendance.PRESENT),  # the last second of the grace period
        ((8, 35, 1), Attendance.LATE),
        ((9, 29, 59), Attendance.LATE),
    ],
)
def test_attendance_is_derived_at_the_edges_of_the_grace_period(company, morning, moment, expected) -> None:
    with time_machine.travel(local(DAY, *moment), tick=False):
        checkin = checkin_submit(meeting=morning, rep=company.rep_a, by=company.rep_a, planned_visits=6)
    assert checkin.attendance == expected
    assert checkin.checked_in_at == local(DAY, *moment)


def test_a_rep_without_a_check_in_is_absent_once_the_meeting_closes(company, morning) -> None:
    assert attendance_of(meeting=morning, checkin=None, now=local(DAY, 9, 29, 59)) == ""
    assert attendance_of(meeting=morning, checkin=None, now=local(DAY, 9, 30)) == Attendance.ABSENT


def test_checking_in_after_the_meeting_closed_is_refused(company, morning) -> None:
    with time_machine.travel(local(DAY, 9, 30), tick=False), pytest.raises(ValidationError) as error:
        checkin_submit(meeting=morning, rep=company.rep_a, by=company.rep_a, planned_visits=6)
    assert "meeting" in error.value.message_dict
    assert not CheckIn.objects.exists()


def test_after_the_manager_allows_it_a_closed_meeting_takes_a_late_check_in(company, morning) -> None:
    checkin_allow_late(meeting=morning, rep=company.rep_a, by=company.manager_a)
    checkin = checkin_submit(
        meeting=morning, rep=company.rep_a, by=company.rep_a, planned_visits=4, now=local(DAY, 10, 15)
    )
    assert checkin.attendance == Attendance.LATE
    assert checkin.late_allowed_by == company.manager_a


def test_a_rep_cannot_allow_themselves_a_late_check_in(company, morning) -> None:
    with pytest.raises(PermissionDenied):
        checkin_allow_late(meeting=morning, rep=company.rep_a, by=company.rep_a)


def test_checking_in_twice_updates_the_content_and_keeps_the_first_time(company, morning) -> None:
    checkin_submit(meeting=morning, rep=company.rep_a, by=company.rep_a, planned_visits=5, now=local(DAY, 8, 31))
    again = checkin_submit(
        meeting=morning,
        rep=company.rep_a,
        by=company.rep_a,
        planned_visits=7,
        planned_amount=Decimal("1200.50"),
        now=local(DAY, 8, 50),
    )
    assert CheckIn.objects.count() == 1
    assert (again.planned_visits, again.planned_amount) == (7, Decimal("1200.50"))
    assert (again.checked_in_at, again.attendance) == (local(DAY, 8, 31), Attendance.PRESENT)


def test_checking_in_to_another_teams_meeting_is_refused(company, morning) -> None:
    with pytest.raises(ValidationError) as error:
        checkin_submit(meeting=morning, rep=company.rep_b, by=company.rep_b, now=local(DAY, 8, 30))
    assert "meeting" in error.value.message_dict
    assert not CheckIn.objects.exists()


def test_a_rep_cannot_check_in_a_colleague(company, morning) -> None:
    with pytest.raises(PermissionDenied):
        checkin_submit(meeting=morning, rep=company.rep_a2, by=company.rep_a, now=local(DAY, 8, 30))


def test_negative_goals_are_refused_and_nothing_is_stored(company, morning) -> None:
    with pytest.raises(ValidationError) as error:
        checkin_submit(
            meeting=morning,
            rep=company.rep_a,
            by=company.rep_a,
            planned_visits=-1,
            planned_amount=Decimal("-5"),
            now=local(DAY, 8, 30),
        )
    assert set(error.value.message_dict) == {"planned_visits", "planned_amount"}
    assert not CheckIn.objects.exists()


def test_each_slot_keeps_only_its_own_content(company, meetings) -> None:
    checkin = checkin_submit(
        meeting=meetings[Slot.NOON],
        rep=company.rep_a,
        by=company.rep_a,
        progress_visits=3,
        blockers="Stock-out at Alpha Mart",
        planned_visits=99,
        now=local(DAY, 12, 30),
    )
    checkin.refresh_from_db()
    assert (checkin.progress_visits, checkin.blockers, checkin.planned_visits) == (3, "Stock-out at Alpha Mart", None)


def test_the_manager_excuses_a_rep_with_a_reason(company, morning) -> None:
    checkin = checkin_excuse(meeting=morning, rep=company.rep_a2, by=company.manager_a, reason="Customer training")
    assert (checkin.attendance, checkin.excuse_reason, checkin.excused_by) == (
        Attendance.EXCUSED,
        "Customer training",
        company.manager_a,
    )
    assert attendance_of(meeting=morning, checkin=checkin, now=local(DAY, 10)) == Attendance.EXCUSED


def test_an_excuse_without_a_reason_is_refused(company, morning) -> None:
    with pytest.raises(ValidationError) as error:
        checkin_excuse(meeting=morning, rep=company.rep_a2, by=company.manager_a, reason="  ")
    assert "excuse_reason" in error.value.message_dict
    assert not CheckIn.objects.exists()


def test_another_teams_manager_cannot_excuse(company, morning) -> None:
    with pytest.raises(PermissionDenied):
        checkin_excuse(meeting=morning, rep=company.rep_a2, by=company.manager_b, reason="Sick")


def test_a_manager_may_check_in_a_rep_of_their_team(company, morning) -> None:
    checkin = checkin_submit(meeting=morning, rep=company.rep_a2, by=company.manager_a, now=local(DAY, 8, 40))
    assert checkin.attendance == Attendance.LATE
    assert dt.timedelta(0) < checkin.checked_in_at - morning.late_after


@pytest.mark.django_db(transaction=True)
def test_simultaneous_first_check_ins_keep_one_row_and_raise_nothing(company, morning) -> None:
    start, errors = threading.Barrier(8), []

    def check_in(visits: int) -> None:
        try:
            start.wait(timeout=10)
            checkin_submit(
                meeting=morning, rep=company.rep_a, by=company.rep_a, now=local(DAY, 8, 20), planned_visits=visits
            )
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=check_in, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert errors == []
    checkin = CheckIn.objects.get(meeting=morning, rep=company.rep_a)
    assert checkin.attendance == Attendance.PRESENT and checkin.planned_visits in range(8)


@pytest.mark.parametrize(
    ("moment", "opens"),
    [
        ((7, 29, 59), False),  # a second before the window: the meeting starts at 08:30, check-ins open at 07:30
        ((7, 30, 0), True),  # the first moment of the window
        ((9, 29, 59), True),  # the last second before the close
        ((9, 30, 0), False),  # closed
    ],
)
def test_a_meeting_takes_check_ins_only_from_an_hour_before_until_it_closes(company, morning, moment, opens) -> None:
    at = local(DAY, *moment)
    if opens:
        checkin = checkin_submit(meeting=morning, rep=company.rep_a, by=company.rep_a, planned_visits=3, now=at)
        assert checkin.checked_in_at == at
    else:
        with pytest.raises(ValidationError) as error:
            checkin_submit(meeting=morning, rep=company.rep_a, by=company.rep_a, planned_visits=3, now=at)
        assert "meeting" in error.value.message_dict
        assert not CheckIn.objects.exists()


def test_an_evening_check_in_in_the_morning_is_refused_with_the_opening_time(company, meetings, settings) -> None:
    settings.MEETING_CHECKIN_OPENS_MINUTES = 30
    with pytest.raises(ValidationError) as error:
        checkin_submit(meeting=meetings[Slot.EVENING], rep=company.rep_a, by=company.rep_a, now=local(DAY, 8, 20))
    assert "17:30" in error.value.message_dict["meeting"][0]
    assert not CheckIn.objects.exists()
    later = checkin_submit(meeting=meetings[Slot.EVENING], rep=company.rep_a, by=company.rep_a, now=local(DAY, 17, 30))
    assert later.attendance == Attendance.PRESENT


def test_a_manager_allowing_a_late_check_in_does_not_open_the_meeting_early(company, morning) -> None:
    checkin_allow_late(meeting=morning, rep=company.rep_a, by=company.manager_a)
    with pytest.raises(ValidationError):
        checkin_submit(meeting=morning, rep=company.rep_a, by=company.rep_a, now=local(DAY, 7, 0))
