"""Writes of the meetings app; each checks the caller's scope. The services that views, the API and tasks call
are entry points, one transaction each (``salesops.transactions``); the parts they share run inside the caller's."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from meetings.models import (
    DEFAULT_CLOSE_AFTER_MINUTES,
    DEFAULT_GRACE_MINUTES,
    DEFAULT_TIMES,
    SLOT_FIELDS,
    Attendance,
    CheckIn,
    CoachingNote,
    CorrectiveAction,
    Meeting,
    MeetingSchedule,
    Problem,
)
from org.calendar import is_working_day
from org.models import Membership, Role, Team
from org.scoping import scope_for
from salesops.formatting import long_date
from salesops.params import date_outside_message
from salesops.transactions import entry_point

NUMBER_FIELDS = (
    "planned_visits",
    "planned_amount",
    "progress_visits",
    "progress_amount",
    "results_visits",
    "results_amount",
)


def meeting_times(*, day: dt.date, schedule: MeetingSchedule) -> tuple[dt.datetime, dt.datetime, dt.datetime]:
    """(starts, late after, closes) of the schedule's meeting on ``day``, aware in the local time zone."""
    starts = timezone.make_aware(dt.datetime.combine(day, schedule.time), timezone.get_current_timezone())
    return (
        starts,
        starts + dt.timedelta(minutes=schedule.grace_minutes),
        starts + dt.timedelta(minutes=schedule.close_after_minutes),
    )


def _schedules_for(team_ids: set[int]) -> list[MeetingSchedule]:
    """The teams' schedules; teams without one get the default morning/noon/evening schedule first."""
    MeetingSchedule.objects.bulk_create(
        [
            MeetingSchedule(
                team_id=team_id,
                slot=slot,
                time=time,
                grace_minutes=DEFAULT_GRACE_MINUTES,
                close_after_minutes=DEFAULT_CLOSE_AFTER_MINUTES,
            )
            for team_id in sorted(team_ids)
            for slot, time in DEFAULT_TIMES.items()
        ],
        ignore_conflicts=True,
    )
    return list(MeetingSchedule.objects.filter(team_id__in=team_ids, active=True))


@entry_point
def meetings_ensure_for_day(*, day: dt.date) -> int:
    """Create the day's meetings of every team with reps, on working days only; idempotent.

    Returns how many meetings were new.
    """
    return _meetings_create(day=day, team_ids=None)


def _meetings_create(*, day: dt.date, team_ids: frozenset[int] | None) -> int:
    """The day's meetings of the teams (all when None) that have reps that day; how many were new."""
    if not is_working_day(day):
        return 0
    with_reps = Membership.objects.active_on(day).filter(role=Role.REP)
    if team_ids is not None:
        with_reps = with_reps.filter(team_id__in=team_ids)
    team_ids = set(with_reps.values_list("team_id", flat=True))
    if not team_ids:
        return 0
    before = Meeting.objects.filter(date=day, team_id__in=team_ids).count()
    meetings = []
    for schedule in _schedules_for(team_ids):
        starts, late_after, closes = meeting_times(day=day, schedule=schedule)
        meetings.append(
            Meeting(
                team_id=schedule.team_id,
                date=day,
                slot=schedule.slot,
                scheduled_at=starts,
                late_after=late_after,
                closes_at=closes,
            )
        )
    Meeting.objects.bulk_create(meetings, ignore_conflicts=True)
    return Meeting.objects.filter(date=day, team_id__in=team_ids).count() - before


@entry_point
def meetings_create_for_day(*, day: dt.date, by: AbstractBaseUser) -> int:
    """A manager creates the day's meetings of their teams when the schedule job has not (yet); idempotent.

    Returns how many meetings were new.
    """
    scope = scope_for(by)
    if not (scope.is_director or scope.is_manager):
        raise PermissionDenied
    problem = date_outside_message(day)
    if problem:
        raise ValidationError({"day": problem})
    if not is_working_day(day):
        raise ValidationError({"day": _("%(day)s is not a working day: it has no meetings.") % {"day": long_date(day)}})
    return _meetings_create(day=day, team_ids=None if scope.is_director else scope.managed_team_ids)


@entry_point
def meeting_schedule_update(
    *,
    schedule: MeetingSchedule,
    by: AbstractBaseUser,
    time: dt.time,
    grace_minutes: int,
    close_after_minutes: int,
    active: bool,
    now: dt.datetime | None = None,
) -> MeetingSchedule:
    """The team's manager changes a slot's schedule; meetings of today and later that have not started follow."""
    if not scope_for(by).can_manage(schedule.team_id):
        raise PermissionDenied
    if close_after_minutes <= grace_minutes:
        raise ValidationError({"close_after_minutes": _("A meeting must close after its grace period ends.")})
    now = now or timezone.now()
    schedule.time, schedule.grace_minutes = time, grace_minutes
    schedule.close_after_minutes, schedule.active = close_after_minutes, active
    schedule.full_clean()
    schedule.save()
    upcoming = Meeting.objects.filter(
        team_id=schedule.team_id, slot=schedule.slot, date__gte=timezone.localdate(now), scheduled_at__gt=now
    )
    for meeting in upcoming.exclude(checkins__isnull=False):
        meeting.scheduled_at, meeting.late_after, meeting.closes_at = meeting_times(day=meeting.date, schedule=schedule)
        if meeting.scheduled_at > now:
            meeting.save(update_fields=["scheduled_at", "late_after", "closes_at"])
    return schedule


def _is_rep_of(rep: AbstractBaseUser, team_id: int, day: dt.date) -> bool:
    return Membership.objects.active_on(day).filter(user=rep, team_id=team_id, role=Role.REP).exists()


def _check_content(content: dict[str, Any]) -> None:
    errors = {}
    for name in NUMBER_FIELDS:
        value = content.get(name)
        if value is not None and value < 0:
            errors[name] = _("Enter zero or more.")
    if errors:
        raise ValidationError(errors)


@entry_point
def checkin_submit(
    *,
    meeting: Meeting,
    rep: AbstractBaseUser,
    by: AbstractBaseUser,
    now: dt.datetime | None = None,
    **content: Any,
) -> CheckIn:
    """Check a rep in to their team's meeting, or update the content of their check-in.

    The first check-in records the time: present up to the end of the grace period, late after it. Check-ins
    open a set time before the meeting (MEETING_CHECKIN_OPENS_MINUTES); a closed meeting takes a first check-in
    only when the manager has allowed it, and then as late.
    """
    now = now or timezone.now()
    scope = scope_for(by)
    if by.pk != rep.pk and not scope.can_manage(meeting.team_id):
        raise PermissionDenied
    if not _is_rep_of(rep, meeting.team_id, meeting.date):
        raise ValidationError({"meeting": _("You can only check in to your own team's meetings.")})
    if not meeting.is_open_yet(now):
        raise ValidationError(
            {
                "meeting": _("Check-in for this meeting opens at %(time)s, %(minutes)d minutes before it starts.")
                % {
                    "time": timezone.localtime(meeting.opens_at).strftime("%H:%M"),
                    "minutes": settings.MEETING_CHECKIN_OPENS_MINUTES,
                }
            }
        )
    content = {name: value for name, value in content.items() if name in SLOT_FIELDS[meeting.slot]}
    _check_content(content)
    # Two first check-ins at once (a double tap, a retry): the second waits on the unique row, then updates it.
    CheckIn.objects.get_or_create(meeting=meeting, rep=rep)
    checkin = CheckIn.objects.select_for_update().get(meeting=meeting, rep=rep)
    checkin.meeting = meeting  # known: the save then tells the team's live table without a query
    if checkin.checked_in_at is None and checkin.attendance != Attendance.EXCUSED:
        if meeting.is_closed(now) and checkin.late_allowed_by_id is None:
            raise ValidationError({"meeting": _("This meeting is closed. Ask your manager to allow a late check-in.")})
        checkin.checked_in_at = now
        checkin.attendance = Attendance.PRESENT if now <= meeting.late_after else Attendance.LATE
    for name, value in content.items():
        setattr(checkin, name, value)
    checkin.full_clean(validate_unique=False)
    checkin.save()
    return checkin


def _require_manager_of(by: AbstractBaseUser, meeting: Meeting, rep: AbstractBaseUser) -> None:
    if not scope_for(by).can_manage(meeting.team_id):
        raise PermissionDenied
    if not _is_rep_of(rep, meeting.team_id, meeting.date):
        raise ValidationError({"rep": _("This rep is not in the meeting's team.")})


@entry_point
def checkin_excuse(*, meeting: Meeting, rep: AbstractBaseUser, by: AbstractBaseUser, reason: str) -> CheckIn:
    """The manager excuses a rep from a meeting; a reason is required."""
    _require_manager_of(by, meeting, rep)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"excuse_reason": _("Give a reason for the excuse.")})
    checkin, _created = CheckIn.objects.select_for_update().get_or_create(meeting=meeting, rep=rep)
    checkin.attendance, checkin.excuse_reason, checkin.excused_by = Attendance.EXCUSED, reason[:300], by
    checkin.save(update_fields=["attendance", "excuse_reason", "excused_by", "updated_at"])
    return checkin


@entry_point
def checkin_allow_late(*, meeting: Meeting, rep: AbstractBaseUser, by: AbstractBaseUser) -> CheckIn:
    """The manager allows a rep to check in (as late) to a meeting that has closed."""
    _require_manager_of(by, meeting, rep)
    checkin, _created = CheckIn.objects.select_for_update().get_or_create(meeting=meeting, rep=rep)
    checkin.late_allowed_by = by
    checkin.save(update_fields=["late_allowed_by", "updated_at"])
    return checkin


def _check_owner(*, team: Team, owner: AbstractBaseUser, day: dt.date) -> None:
    is_member = Membership.objects.active_on(day).filter(user=owner, team__path__startswith=team.path).exists()
    if not is_member and not _is_manager_of(owner, team, day):
        raise ValidationError({"owner": _("The owner must be a member of this team.")})


def problem_raise_in_transaction(
    *,
    by: AbstractBaseUser,
    team: Team,
    description: str,
    owner: AbstractBaseUser,
    due_date: dt.date,
    source: str = Problem.Source.DASHBOARD,
    meeting: Meeting | None = None,
    checkin: CheckIn | None = None,
    now: dt.datetime | None = None,
) -> Problem:
    """Raise a problem in a team the user belongs to or manages, with its owner and due date, as a part of the
    caller's transaction (``problem_raise`` is the same in one of its own)."""
    now = now or timezone.now()
    scope = scope_for(by)
    if team.pk not in scope.own_team_ids and not scope.can_manage(team.pk):
        raise PermissionDenied
    description = (description or "").strip()
    if not description:
        raise ValidationError({"description": _("Describe the problem.")})
    if due_date is None:
        raise ValidationError({"due_date": _("Give a due date.")})
    if due_date < timezone.localdate(now):
        raise ValidationError({"due_date": _("The due date cannot be in the past.")})
    if scope.is_rep and owner.pk != by.pk and not _is_manager_of(owner, team, timezone.localdate(now)):
        raise ValidationError({"owner": _("A rep can give a problem to themselves or their manager.")})
    _check_owner(team=team, owner=owner, day=timezone.localdate(now))
    if checkin is not None:
        meeting = checkin.meeting
        source = Problem.Source.CHECKIN
    if meeting is not None and meeting.team_id != team.pk:
        raise ValidationError({"meeting": _("The meeting belongs to another team.")})
    return Problem.objects.create(
        team=team,
        raised_by=by,
        source=source,
        meeting=meeting,
        checkin=checkin,
        description=description,
        owner=owner,
        due_date=due_date,
        created_at=now,
    )


problem_raise = entry_point(problem_raise_in_transaction)


def _is_manager_of(user: AbstractBaseUser, team: Team, day: dt.date) -> bool:
    ancestor_ids = [int(i) for i in team.path.split("/") if i]
    return (
        Membership.objects.active_on(day)
        .filter(user=user, role__in=[Role.MANAGER, Role.DIRECTOR], team_id__in=ancestor_ids)
        .exists()
    )


def _check_problem_writer(problem: Problem, by: AbstractBaseUser) -> None:
    if problem.owner_id != by.pk and not scope_for(by).can_manage(problem.team_id):
        raise PermissionDenied


@entry_point
def problem_resolve(
    *, problem: Problem, by: AbstractBaseUser, resolution: str, now: dt.datetime | None = None
) -> Problem:
    """The owner (or the team's manager) records how a problem was resolved; its resolution time is kept."""
    _check_problem_writer(problem, by)
    problem = Problem.objects.select_for_update().get(pk=problem.pk)
    if problem.resolved_at is not None:
        raise ValidationError({"resolution": _("This problem is already resolved.")})
    resolution = (resolution or "").strip()
    if not resolution:
        raise ValidationError({"resolution": _("Say how the problem was resolved.")})
    now = now or timezone.now()
    problem.resolved_at, problem.resolved_by, problem.resolution = max(now, problem.created_at), by, resolution
    problem.save(update_fields=["resolved_at", "resolved_by", "resolution"])
    return problem


@entry_point
def corrective_action_add(
    *,
    problem: Problem,
    by: AbstractBaseUser,
    owner: AbstractBaseUser,
    description: str,
    now: dt.datetime | None = None,
) -> CorrectiveAction:
    """Assign a corrective action for an open problem."""
    _check_problem_writer(problem, by)
    if problem.resolved_at is not None:
        raise ValidationError({"problem": _("This problem is already resolved.")})
    description = (description or "").strip()
    if not description:
        raise ValidationError({"description": _("Describe the action.")})
    day = timezone.localdate(now or timezone.now())
    if scope_for(by).is_rep and owner.pk != by.pk and not _is_manager_of(owner, problem.team, day):
        raise ValidationError({"owner": _("A rep can give an action to themselves or their manager.")})
    _check_owner(team=problem.team, owner=owner, day=day)
    return CorrectiveAction.objects.create(
        problem=problem, owner=owner, description=description, assigned_at=now or timezone.now()
    )


def _check_action_writer(action: CorrectiveAction, by: AbstractBaseUser) -> None:
    if action.owner_id != by.pk and not scope_for(by).can_manage(action.problem.team_id):
        raise PermissionDenied


@entry_point
def corrective_action_start(
    *, action: CorrectiveAction, by: AbstractBaseUser, now: dt.datetime | None = None
) -> CorrectiveAction:
    """Mark an action as started (the execution KPI counts starting within 24 h of assignment)."""
    _check_action_writer(action, by)
    if action.started_at is None:
        action.started_at = max(now or timezone.now(), action.assigned_at)
        action.save(update_fields=["started_at"])
    return action


@entry_point
def corrective_action_done(
    *, action: CorrectiveAction, by: AbstractBaseUser, now: dt.datetime | None = None
) -> CorrectiveAction:
    """Mark an action as done (and started, if it was not yet)."""
    _check_action_writer(action, by)
    now = max(now or timezone.now(), action.assigned_at)
    action.started_at = action.started_at or now
    action.done_at = action.done_at or now
    action.save(update_fields=["started_at", "done_at"])
    return action


@entry_point
def coaching_note_create(
    *,
    by: AbstractBaseUser,
    rep: AbstractBaseUser,
    topic: str,
    agreed_actions: str,
    follow_up_date: dt.date | None = None,
) -> CoachingNote:
    """A manager records a one-on-one coaching note for a rep of a team they manage."""
    scope = scope_for(by)
    if scope.is_rep or scope.role is None:
        raise PermissionDenied
    membership = (
        Membership.objects.active_on(timezone.localdate())
        .filter(user=rep, role=Role.REP, team_id__in=scope.managed_team_ids)
        .first()
    )
    if membership is None:
        raise ValidationError({"rep": _("Choose a rep of a team you manage.")})
    errors = {}
    if not (topic or "").strip():
        errors["topic"] = _("Give a topic.")
    if not (agreed_actions or "").strip():
        errors["agreed_actions"] = _("Write down the agreed actions.")
    if follow_up_date is not None and follow_up_date < timezone.localdate():
        errors["follow_up_date"] = _("The follow-up date cannot be in the past.")
    if errors:
        raise ValidationError(errors)
    return CoachingNote.objects.create(
        team_id=membership.team_id,
        manager=by,
        rep=rep,
        topic=topic.strip(),
        agreed_actions=agreed_actions.strip(),
        follow_up_date=follow_up_date,
    )
