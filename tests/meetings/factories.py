"""Factories of the meetings app."""

from __future__ import annotations

import datetime as dt

import factory
from django.utils import timezone

from meetings.models import Meeting, Problem, Slot

DAY = dt.date(2026, 11, 18)  # a Wednesday, a working day


def local(day: dt.date, hour: int, minute: int = 0, second: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime(day.year, day.month, day.day, hour, minute, second))


class MeetingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Meeting

    date = DAY
    slot = Slot.MORNING
    scheduled_at = factory.LazyAttribute(lambda m: local(m.date, 8, 30))
    late_after = factory.LazyAttribute(lambda m: m.scheduled_at + dt.timedelta(minutes=5))
    closes_at = factory.LazyAttribute(lambda m: m.scheduled_at + dt.timedelta(minutes=60))


class ProblemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Problem

    description = factory.Sequence(lambda n: f"Problem {n}")
    due_date = DAY
    created_at = factory.LazyFunction(timezone.now)
