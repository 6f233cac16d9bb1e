from __future__ import annotations

import pytest

from meetings import demo
from meetings.models import Attendance, CheckIn, CoachingNote, CorrectiveAction, Meeting, Problem
from org import demo as org_demo

pytestmark = pytest.mark.django_db


def _counts() -> dict[str, int]:
    return {
        model.__name__: model.objects.count() for model in (Meeting, CheckIn, Problem, CorrectiveAction, CoachingNote)
    }


def test_the_demo_teams_get_three_weeks_of_meetings_with_late_absent_and_excused_reps(settings) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    context: dict = {}
    org_demo.seed(context)
    demo.seed(context)
    first = _counts()
    assert first["Meeting"] >= 4 * 3 * 10
    assert CheckIn.objects.filter(attendance=Attendance.LATE).exists()
    assert CheckIn.objects.filter(attendance=Attendance.EXCUSED).exclude(excuse_reason="").exists()
    expected_rows = (
        sum(1 for _ in Meeting.objects.exclude(date=max(Meeting.objects.values_list("date", flat=True)))) * 6
    )
    assert CheckIn.objects.count() < expected_rows  # some reps were absent
    assert Problem.objects.open().exists() and Problem.objects.filter(resolved_at__isnull=False).exists()
    demo.seed(context)
    assert _counts() == first
