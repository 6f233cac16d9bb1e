"""Reads shared by pages, API and reports; every one goes through org.scoping."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Q, QuerySet
from django.utils import timezone

from org.models import AuditEvent, Customer, Membership, Product, Role, Team, WorkCalendarDay
from org.scoping import scope_for, scoped, visible_teams

User = get_user_model()


def team_list_for(*, user: AbstractBaseUser | AnonymousUser) -> QuerySet[Team]:
    """Teams the user may read, in tree order."""
    return visible_teams(user).select_related("parent").order_by("path")


def membership_list_for(*, user: AbstractBaseUser | AnonymousUser, day: dt.date | None = None) -> QuerySet[Membership]:
    """Memberships active on ``day`` (default today) that the user may see; a rep sees their own."""
    day = day or timezone.localdate()
    qs = Membership.objects.active_on(day).select_related("user", "team")
    return scoped(qs, user, team_field="team", owner_field="user")


def reps_of(*, team: Team, day: dt.date | None = None) -> QuerySet:
    """Users who are reps in the team or below on ``day``."""
    day = day or timezone.localdate()
    rep_ids = (
        Membership.objects.active_on(day).filter(team__path__startswith=team.path, role=Role.REP).values("user_id")
    )
    return User.objects.filter(id__in=rep_ids).order_by("username")


def rep_choices_for(*, user: AbstractBaseUser | AnonymousUser) -> QuerySet:
    """Reps a manager/director may assign work to; for a rep, just themselves."""
    scope = scope_for(user)
    if scope.is_rep:
        return User.objects.filter(pk=user.pk)
    rep_ids = (
        Membership.objects.active_on(timezone.localdate())
        .filter(role=Role.REP, team_id__in=scope.team_ids)
        .values("user_id")
    )
    return User.objects.filter(id__in=rep_ids).order_by("username")


def customer_list_for(
    *, user: AbstractBaseUser | AnonymousUser, search: str = "", team_id: int | None = None
) -> QuerySet[Customer]:
    """Customers the user may see, optionally searched by name/code/address and narrowed to a team."""
    qs = scoped(Customer.objects.select_related("team", "owner"), user, team_field="team", owner_field="owner")
    if search:
        qs = qs.filter(Q(name__icontains=search) | Q(code__icontains=search) | Q(address__icontains=search))
    if team_id:
        qs = qs.filter(team_id=team_id)
    return qs.order_by("name")


def product_list(*, active_only: bool = True) -> QuerySet[Product]:
    """The product catalogue; the same for every role."""
    qs = Product.objects.all()
    return qs.filter(active=True) if active_only else qs


def calendar_days(*, year: int) -> dict[dt.date, WorkCalendarDay]:
    return {day.date: day for day in WorkCalendarDay.objects.filter(date__year=year)}


def audit_events(
    *, text: str = "", action: str = "", start: dt.date | None = None, end: dt.date | None = None
) -> QuerySet[AuditEvent]:
    """The audit log, newest first, searched by user/summary/path/address text, action and UTC dates."""
    qs = AuditEvent.objects.all()
    if text:
        qs = qs.filter(
            Q(actor_username__icontains=text)
            | Q(summary__icontains=text)
            | Q(path__icontains=text)
            | Q(object_id=text)
            | Q(ip_address__startswith=text if text[:1].isdigit() else "-")
        )
    if action:
        qs = qs.filter(action=action)
    if start:
        qs = qs.filter(at__date__gte=start)
    if end:
        qs = qs.filter(at__date__lte=end)
    return qs.order_by("-at", "-id")
