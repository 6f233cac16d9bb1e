"""The scope is kept in the cache per user and day, and computed again after a change to memberships or teams."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext

from org.models import Membership, Role, Team
from org.scoping import scope_for
from tests.factories import CustomerFactory, MembershipFactory, TeamFactory

pytestmark = pytest.mark.django_db


def fresh(user):
    """The user as the next request loads it (no scope remembered on the object)."""
    return get_user_model().objects.get(pk=user.pk)


def scope_queries(user) -> int:
    with CaptureQueriesContext(connection) as queries:
        scope_for(fresh(user))
    return len(queries)


def test_the_second_request_reads_the_scope_from_the_cache(company, customers) -> None:
    client = company.client_for(company.manager_a)
    client.get("/customers/")
    Team.objects.get(pk=company.team_a.pk).save()  # a new version: the next request computes the scope again
    with CaptureQueriesContext(connection) as first:
        assert client.get("/customers/").status_code == 200
    with CaptureQueriesContext(connection) as second:
        response = client.get("/customers/")
    assert b"Alpha Mart" in response.content and b"Beta Shop" not in response.content
    memberships = [q for q in first.captured_queries if 'FROM "org_membership"' in q["sql"]]
    assert memberships, "the first request computes the scope"
    # The memberships and the team subtree are not read again.
    assert len(second) <= len(first) - 2


def test_scope_for_reads_no_table_once_kept(company) -> None:
    scope_for(fresh(company.manager_a))
    with CaptureQueriesContext(connection) as queries:
        scope = scope_for(fresh(company.manager_a))
    assert len(queries) == 1  # loading the user in fresh(); the scope itself is from the cache
    assert scope.team_ids == {company.team_a.pk}


def test_a_new_membership_is_seen_on_the_next_request(company, customers) -> None:
    client = company.client_for(company.manager_a)
    assert b"Beta Shop" not in client.get("/customers/").content
    client.get("/customers/")  # kept
    MembershipFactory(user=company.manager_a, team=company.team_b, role=Role.MANAGER)
    assert b"Beta Shop" in client.get("/customers/").content


def test_an_ended_membership_is_seen_on_the_next_request(company, customers) -> None:
    client = company.client_for(company.rep_a)
    assert client.get("/api/v1/customers/").json()["count"] == 1
    membership = Membership.objects.get(user=company.rep_a)
    membership.valid_to = dt.date(2021, 1, 1)
    membership.save()
    assert client.get("/api/v1/customers/").status_code == 403


def test_a_role_change_is_seen_on_the_next_request(company, customers) -> None:
    assert scope_for(fresh(company.rep_a)).is_rep
    membership = Membership.objects.get(user=company.rep_a)
    membership.role = Role.MANAGER
    membership.save()
    scope = scope_for(fresh(company.rep_a))
    assert scope.is_manager and scope.managed_team_ids == {company.team_a.pk}


def test_a_deleted_membership_is_seen_on_the_next_request(company) -> None:
    assert scope_for(fresh(company.rep_b)).is_rep
    Membership.objects.filter(user=company.rep_b).get().delete()
    assert scope_for(fresh(company.rep_b)).role is None


def test_a_team_added_below_a_managed_one_is_seen_on_the_next_request(company) -> None:
    regional = MembershipFactory(team=company.region, role=Role.MANAGER).user
    before = scope_for(fresh(regional)).team_ids
    team_c = TeamFactory(name="Team C", code="team-c", parent=company.region)
    CustomerFactory(name="Gamma", team=team_c)
    after = scope_for(fresh(regional)).team_ids
    assert after == before | {team_c.pk}


def test_the_kept_scope_is_per_day(company, monkeypatch) -> None:
    from django.utils import timezone

    assert scope_for(fresh(company.manager_a)).is_manager
    membership = Membership.objects.get(user=company.manager_a)
    Membership.objects.filter(pk=membership.pk).update(valid_to=timezone.localdate())  # no signal: ends tonight
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    monkeypatch.setattr(timezone, "localdate", lambda *args: tomorrow)
    assert scope_for(fresh(company.manager_a)).role is None


def test_without_the_cache_the_scope_is_computed_each_time(company, settings) -> None:
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
    assert scope_for(fresh(company.manager_a)).is_manager
    assert scope_queries(company.manager_a) >= 3  # the user, the memberships, the team subtree
