"""Fixtures of the targets tests: a team with four reps, and the shipped metrics."""

from __future__ import annotations

import datetime as dt
import importlib
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.apps import apps

from org.models import Role, Team, WorkCalendarDay
from org.services import calendar_seed
from targets.models import Metric
from tests.factories import MembershipFactory, TeamFactory, UserFactory


def ensure_shipped_data() -> None:
    """The rows migrations ship (metrics, profiles, China's calendar), which a flushing test may have removed."""
    importlib.import_module("targets.migrations.0002_shipped_metrics").ship(apps, None)
    years = [year for year in (2025, 2026) if not WorkCalendarDay.objects.filter(date__year=year).exists()]
    if years:
        calendar_seed(years=years)


@pytest.fixture(autouse=True)
def _shipped_data(db) -> None:
    ensure_shipped_data()


@pytest.fixture(autouse=True)
def _early_in_2026():
    """Which months have closed depends on the date: these tests run on 5 January 2026 (no 2026 month closed)
    unless they travel elsewhere."""
    with time_machine.travel(dt.datetime(2026, 1, 5, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai")), tick=True):
        yield


@dataclass
class SalesTeam:
    company: Team
    region: Team
    team: Team
    director: object
    regional_manager: object
    manager: object
    reps: list
    outsider_manager: object
    outsider_team: Team


def make_sales_team() -> SalesTeam:
    company = TeamFactory(name="Company", code="co", kind=Team.Kind.COMPANY)
    region = TeamFactory(name="East", code="east", kind=Team.Kind.REGION, parent=company)
    team = TeamFactory(name="Shanghai 1", code="sh1", parent=region)
    other = TeamFactory(name="Hangzhou", code="hz", parent=region)

    def member(username: str, where: Team, role: str):
        return MembershipFactory(user=UserFactory(username=username), team=where, role=role).user

    return SalesTeam(
        company=company,
        region=region,
        team=team,
        director=member("boss", company, Role.DIRECTOR),
        regional_manager=member("east_lead", region, Role.MANAGER),
        manager=member("sh_lead", team, Role.MANAGER),
        reps=[member(f"sh_rep{i}", team, Role.REP) for i in range(1, 5)],
        outsider_manager=member("hz_lead", other, Role.MANAGER),
        outsider_team=other,
    )


@pytest.fixture
def sales_team(db) -> SalesTeam:
    """company → East → Shanghai 1 (a manager and four reps) and Hangzhou (another manager)."""
    return make_sales_team()


@pytest.fixture
def sales() -> Metric:
    return Metric.objects.get(code="sales")
