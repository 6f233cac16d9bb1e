"""Fixtures shared by the whole suite: a small company tree with every role."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.test import Client

from org.models import Role, Team
from tests.factories import PASSWORD, CustomerFactory, MembershipFactory, TeamFactory, UserFactory


@pytest.fixture(autouse=True, scope="session")
def _fresh_cache() -> None:
    """Each run starts with an empty cache: keys kept by an earlier run (whose ids the new test database
    reuses) must not answer this one."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture(autouse=True)
def _fast_password_hasher(settings) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@dataclass
class Company:
    """company → region → team A, team B; a director, a manager and two reps in A, one each in B."""

    company: Team
    region: Team
    team_a: Team
    team_b: Team
    director: object
    manager_a: object
    manager_b: object
    rep_a: object
    rep_a2: object
    rep_b: object

    def client_for(self, user) -> Client:
        client = Client()
        assert client.login(username=user.username, password=PASSWORD)
        return client


@pytest.fixture
def company(db) -> Company:
    root = TeamFactory(name="Company", code="company", kind=Team.Kind.COMPANY)
    region = TeamFactory(name="East", code="east", kind=Team.Kind.REGION, parent=root)
    team_a = TeamFactory(name="Team A", code="team-a", parent=region)
    team_b = TeamFactory(name="Team B", code="team-b", parent=region)
    people = {}
    for username, team, role in [
        ("director", root, Role.DIRECTOR),
        ("manager_a", team_a, Role.MANAGER),
        ("manager_b", team_b, Role.MANAGER),
        ("rep_a", team_a, Role.REP),
        ("rep_a2", team_a, Role.REP),
        ("rep_b", team_b, Role.REP),
    ]:
        people[username] = MembershipFactory(user=UserFactory(username=username), team=team, role=role).user
    return Company(company=root, region=region, team_a=team_a, team_b=team_b, **people)


@pytest.fixture
def customers(company: Company) -> dict:
    return {
        "a": CustomerFactory(name="Alpha Mart", team=company.team_a, owner=company.rep_a),
        "a2": CustomerFactory(name="Apex Store", team=company.team_a, owner=company.rep_a2),
        "b": CustomerFactory(name="Beta Shop", team=company.team_b, owner=company.rep_b),
    }
