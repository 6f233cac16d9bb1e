"""Data scoping of every role, in one place.

A director sees the whole tree; a manager the teams they manage and everything below; a rep only
their own records. Every selector, page, export and API viewset narrows its queryset here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypeVar

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.exceptions import PermissionDenied
from django.db.models import Model, Q, QuerySet
from django.utils import timezone

from org.models import Membership, Role, Team

_CACHE_ATTR = "_salesops_scope"
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


def scope_for(user: AbstractBaseUser | AnonymousUser) -> Scope:
    """The user's role and visible teams today; computed once per user object (i.e. per request)."""
    if not user.is_authenticated or not user.is_active:
        return NO_SCOPE
    cached = getattr(user, _CACHE_ATTR, None)
    if isinstance(cached, Scope):
        return cached
    memberships = list(Membership.objects.active_on(timezone.localdate()).filter(user=user).select_related("team"))
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
    setattr(user, _CACHE_ATTR, scope)
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


def require_role(user: AbstractBaseUser | AnonymousUser, *roles: str) -> Scope:
    """The user's scope, or PermissionDenied when their role is not one of ``roles``."""
    scope = scope_for(user)
    if scope.role is None or (roles and scope.role not in roles):
        raise PermissionDenied
    return scope
