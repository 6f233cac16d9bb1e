from __future__ import annotations

import pytest

from meetings.models import Meeting, Slot
from meetings.services import meetings_ensure_for_day
from tests.meetings.factories import DAY


@pytest.fixture
def meetings(company) -> dict[str, Meeting]:
    """Team A's three meetings on DAY (08:30, 12:30, 18:00; 5 minutes' grace; closing after an hour)."""
    meetings_ensure_for_day(day=DAY)
    return {m.slot: m for m in Meeting.objects.filter(team=company.team_a, date=DAY)}


@pytest.fixture
def morning(meetings) -> Meeting:
    return meetings[Slot.MORNING]
