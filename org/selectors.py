"""Reads shared by pages, API and reports; every one goes through org.scoping."""

from __future__ import annotations

import calendar as pycalendar
import datetime as dt
from collections.abc import Iterable

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Q, QuerySet
from django.utils import timezone

from org.calendar import day_name, package_day, package_source, package_versions
from org.models import (
    AuditEvent,
    Customer,
    Membership,
    Product,
    Role,
    Team,
    WorkCalendarDay,
    WorkCalendarYear,
)
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


def membership_on(memberships: Iterable[Membership], day: dt.date) -> Membership | None:
    """Of the given memberships, the one active on ``day`` (the latest start wins); no query."""
    on_day = [m for m in memberships if m.valid_from <= day and (m.valid_to is None or m.valid_to >= day)]
    return max(on_day, key=lambda m: m.valid_from) if on_day else None


def rep_membership_on(user: AbstractBaseUser, day: dt.date) -> Membership | None:
    """The user's rep membership on ``day`` (the latest start wins), with its team."""
    return (
        Membership.objects.active_on(day)
        .filter(user=user, role=Role.REP)
        .select_related("team")
        .order_by("-valid_from")
        .first()
    )


def rep_team_on(user: AbstractBaseUser, day: dt.date) -> Team | None:
    """The team the user is a rep of on ``day``; the one rule every app asks."""
    membership = rep_membership_on(user, day)
    return membership.team if membership else None


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


def calendar_year(*, year: int) -> WorkCalendarYear:
    """The year's source (official, imported or estimated); a year not refreshed yet goes by the packages."""
    stored = WorkCalendarYear.objects.select_related("imported_by").filter(year=year).first()
    return stored or WorkCalendarYear(year=year, source=package_source(year), package_versions=package_versions())


def estimated_calendar_years(*, years: Iterable[int]) -> list[int]:
    """Those of the years whose working days are still an estimate (no published arrangement yet)."""
    years = set(years)
    stored = dict(WorkCalendarYear.objects.filter(year__in=years).values_list("year", "source"))
    sources = {year: stored.get(year) or package_source(year) for year in years}
    return sorted(year for year, source in sources.items() if source == WorkCalendarYear.Source.ESTIMATED)


def calendar_months(*, year: int) -> list[dict]:
    """The year's twelve months as weeks of day cells, with each month's working days and named days."""
    days = calendar_days(year=year)
    months = []
    for month in range(1, 13):
        weeks = []
        for week in pycalendar.Calendar().monthdatescalendar(year, month):
            cells = []
            for day in week:
                row = days.get(day) or package_day(day)
                name = day_name(holiday=row.holiday, note=getattr(row, "note", ""))
                cells.append(
                    {
                        "date": day,
                        "in_month": day.month == month,
                        "working": row.is_working,
                        "kind": row.kind,
                        "name": name,
                    }
                )
            weeks.append(cells)
        in_month = [cell for week in weeks for cell in week if cell["in_month"]]
        months.append(
            {
                "month": dt.date(year, month, 1),
                "weeks": weeks,
                "working_days": sum(cell["working"] for cell in in_month),
                "named": _named_runs(in_month),
            }
        )
    return months


def _named_runs(cells: list[dict]) -> list[dict]:
    """Consecutive days with the same name and kind, as one line each (1–3 元旦, 14 春节 make-up day)."""
    runs: list[dict] = []
    for cell in cells:
        if not cell["name"] and cell["kind"] not in (WorkCalendarDay.Kind.MAKEUP, WorkCalendarDay.Kind.COMPANY):
            continue
        last = runs[-1] if runs else None
        if (
            last
            and (last["name"], last["kind"]) == (cell["name"], cell["kind"])
            and cell["date"] - last["last"] == dt.timedelta(days=1)
        ):
            last["last"] = cell["date"]
        else:
            runs.append({"first": cell["date"], "last": cell["date"], "name": cell["name"], "kind": cell["kind"]})
    return runs


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
