"""Data scoping of every role, in one place.

A director sees the whole tree; a manager the teams they manage and everything below; a rep only
their own records. Every selector, page, export and API viewset narrows its queryset here.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Model, Q, QuerySet
from django.utils import timezone

from org.models import Membership, Role, Team

_CACHE_ATTR = "_salesops_scope"
# Every kept scope carries the version it was computed under; a change to memberships, roles or the team tree
# sets a new version (scopes_changed), and a scope of an older one is computed again on its next use.
VERSION_KEY = "scope:version"
KEPT_SECONDS = 26 * 3600  # a scope is kept for its day (the key names the day)

_M = TypeVar("_M", bound=Model)


@dataclass(frozen=True)
class Scope:
    user_id: int | None
    role: str | None
    team_ids: frozenset[int]  # teams whose data the user may read
    managed_team_ids: frozenset[int]  # teams the user may change (a subset of team_ids)
    own_team_ids: frozenset[int]  # teams the user is a member of

    @property
    def is_director(self) -> bool:
        return self.role == Role.DIRECTOR

    @property
    def is_manager(self) -> bool:
        return self.role == Role.MANAGER

    @property
    def is_rep(self) -> bool:
        return self.role == Role.REP

    def can_read(self, team_id: int | None) -> bool:
        """Whether the team's records are visible (what ``scoped`` narrows a team's rows to)."""
        return team_id is not None and (self.is_director or team_id in self.team_ids)

    def can_manage(self, team_id: int | None) -> bool:
        return team_id is not None and (self.is_director or team_id in self.managed_team_ids)


NO_SCOPE = Scope(None, None, frozenset(), frozenset(), frozenset())


def _subtree_ids(teams: QuerySet[Team] | list[Team]) -> frozenset[int]:
    paths = [team.path for team in teams]
    if not paths:
        return frozenset()
    condition = Q()
    for path in paths:
        condition |= Q(path__startswith=path)
    return frozenset(Team.objects.filter(condition).values_list("id", flat=True))


def scopes_changed() -> None:
    """Memberships, roles or the team tree changed: every kept scope is computed again on its next use.

    Set at once (the same request reads its change) and again after the commit, so that a scope computed from the
    rows before the commit, and kept under the version of the moment, is not taken afterwards."""
    cache.set(VERSION_KEY, uuid.uuid4().hex, None)
    transaction.on_commit(lambda: cache.set(VERSION_KEY, uuid.uuid4().hex, None))


def _kept_key(user: AbstractBaseUser, day: dt.date) -> str:
    # A superuser sees everything whatever their memberships: the flag is part of the key.
    return f"scope:{user.pk}:{int(bool(getattr(user, 'is_superuser', False)))}:{day.isoformat()}"


def scope_keys(user: AbstractBaseUser | AnonymousUser) -> list[str]:
    """The cache keys ``scope_for`` reads, for a caller that reads them with its own in one round trip."""
    if not user.is_authenticated:
        return []
    return [VERSION_KEY, _kept_key(user, timezone.localdate())]


def scope_for(user: AbstractBaseUser | AnonymousUser, *, read: Mapping[str, Any] | None = None) -> Scope:
    """The user's role and visible teams today: once per user object (i.e. per request), and kept in the cache for
    the day until memberships, roles or teams change (one cache round trip instead of two or three queries; none
    when ``read`` holds what the caller read of ``scope_keys(user)``)."""
    if not user.is_authenticated or not user.is_active:
        return NO_SCOPE
    cached = getattr(user, _CACHE_ATTR, None)
    if isinstance(cached, Scope):
        return cached
    day = timezone.localdate()
    key = _kept_key(user, day)
    found = read if read is not None and key in read else cache.get_many([VERSION_KEY, key])
    version, kept = found.get(VERSION_KEY), found.get(key)
    if version is not None and kept is not None and kept[0] == version:
        scope: Scope = kept[1]
    else:
        scope = _scope_compute(user, day)
        if version is None:  # first use, or the cache lost it: a fresh version, so nothing older is taken
            cache.add(VERSION_KEY, uuid.uuid4().hex, None)
            version = cache.get(VERSION_KEY)
        if version is not None:
            cache.set(key, (version, scope), KEPT_SECONDS)
    setattr(user, _CACHE_ATTR, scope)
    return scope


def _scope_compute(user: AbstractBaseUser, day: dt.date) -> Scope:
    memberships = list(Membership.objects.active_on(day).filter(user=user).select_related("team"))
    roles = {m.role for m in memberships}
    own_team_ids = frozenset(m.team_id for m in memberships)
    # getattr: AbstractBaseUser declares no is_superuser; the project's user model has it.
    if getattr(user, "is_superuser", False) or Role.DIRECTOR in roles:
        all_ids = frozenset(Team.objects.values_list("id", flat=True))
        scope = Scope(user.pk, Role.DIRECTOR, all_ids, all_ids, own_team_ids)
    elif Role.MANAGER in roles:
        managed = _subtree_ids([m.team for m in memberships if m.role == Role.MANAGER])
        scope = Scope(user.pk, Role.MANAGER, managed | own_team_ids, managed, own_team_ids)
    elif Role.REP in roles:
        scope = Scope(user.pk, Role.REP, own_team_ids, frozenset(), own_team_ids)
    else:
        scope = NO_SCOPE
    return scope


def forget_scope(user: AbstractBaseUser) -> None:
    if hasattr(user, _CACHE_ATTR):
        delattr(user, _CACHE_ATTR)


def scoped(
    queryset: QuerySet[_M],
    user: AbstractBaseUser | AnonymousUser,
    *,
    team_field: str | None = "team",
    owner_field: str | None = "owner",
) -> QuerySet[_M]:
    """Narrow any queryset to what the user may see.

    ``team_field`` is the lookup to the record's team, ``owner_field`` to its rep (user). A record
    without a team is visible to a manager when its owner is a member of a visible team.
    """
    scope = scope_for(user)
    if scope.is_director:
        return queryset
    if scope.is_manager:
        if team_field:
            return queryset.filter(**{f"{team_field}__in": scope.team_ids})
        if owner_field:
            return queryset.filter(**{f"{owner_field}__in": member_user_ids(scope)}).distinct()
        return queryset.none()
    if scope.is_rep and owner_field:
        return queryset.filter(**{owner_field: scope.user_id})
    return queryset.none()


def member_user_ids(scope: Scope) -> QuerySet[Membership, dict[str, Any]]:
    """Ids of users with a membership today in a team the scope can read (a subquery)."""
    return Membership.objects.active_on(timezone.localdate()).filter(team_id__in=scope.team_ids).values("user_id")


def visible_teams(user: AbstractBaseUser | AnonymousUser) -> QuerySet[Team]:
    scope = scope_for(user)
    return Team.objects.filter(id__in=scope.team_ids) if not scope.is_director else Team.objects.all()


def require_role(user: AbstractBaseUser | AnonymousUser, *roles: str, read: Mapping[str, Any] | None = None) -> Scope:
    """The user's scope, or PermissionDenied when their role is not one of ``roles`` (``read``: see ``scope_for``)."""
    scope = scope_for(user, read=read)
    if scope.role is None or (roles and scope.role not in roles):
        raise PermissionDenied
    return scope
