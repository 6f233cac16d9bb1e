"""The weekly review meeting (周会 / 执行力评估会): its writes.

Once a week, at a time the team sets, the manager goes through each rep's execution KPIs of the week
against their goals, the week's problems and their root causes, and records the corrections agreed. The page
reads the night's KPIs, so its reads and its view live in ``reports.weekly``.
"""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from meetings.models import WeeklyReview, WeeklyReviewSchedule
from org.models import Team
from org.scoping import scope_for
from salesops.transactions import entry_point


def week_of(day: dt.date) -> dt.date:
    """The Monday of ``day``'s week."""
    return day - dt.timedelta(days=day.weekday())


@entry_point
def weekly_review_save(
    *, team: Team, week_start: dt.date, by: AbstractBaseUser, root_causes: str, corrections: str
) -> WeeklyReview:
    """The team's manager saves the week's minutes: the root causes named and the corrections agreed."""
    if not scope_for(by).can_manage(team.pk):
        raise PermissionDenied
    if week_start.weekday() != 0:
        raise ValidationError({"week": _("A week starts on a Monday.")})
    if not corrections.strip():
        raise ValidationError({"corrections": _("Write the corrections agreed in the meeting.")})
    review, _created = WeeklyReview.objects.update_or_create(
        team=team,
        week_start=week_start,
        defaults={
            "root_causes": root_causes.strip(),
            "corrections": corrections.strip(),
            "saved_by": by,
            "saved_at": timezone.now(),
        },
    )
    return review


@entry_point
def weekly_review_schedule_set(
    *, team: Team, by: AbstractBaseUser, weekday: int, time: dt.time
) -> WeeklyReviewSchedule:
    """The team's manager sets the day and time of the weekly review."""
    if not scope_for(by).can_manage(team.pk):
        raise PermissionDenied
    schedule, _created = WeeklyReviewSchedule.objects.update_or_create(
        team=team, defaults={"weekday": weekday, "time": time}
    )
    schedule.full_clean()
    return schedule
