"""Writes of the org app; each function is one transaction and checks the caller's scope."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from org.audit import audit_record
from org.calendar import official_calendar
from org.models import AuditEvent, Customer, Membership, Role, Team, WorkCalendarDay
from org.scoping import scope_for

CUSTOMER_FIELDS = (
    "code",
    "name",
    "kind",
    "tier",
    "team",
    "owner",
    "contact_name",
    "phone",
    "address",
    "latitude",
    "longitude",
    "position_datum",
    "check_in_radius_m",
    "first_order_date",
)


def _check_customer_scope(*, by: AbstractBaseUser, team: Team | None, owner: AbstractBaseUser | None) -> None:
    scope = scope_for(by)
    errors: dict[str, str] = {}
    if team is None:
        errors["team"] = _("Choose a team.")
    elif scope.is_rep:
        if team.pk not in scope.own_team_ids:
            errors["team"] = _("You can only add customers to your own team.")
        if owner is not None and owner.pk != by.pk:
            errors["owner"] = _("A rep can only own customers themselves.")
    elif not scope.can_manage(team.pk):
        errors["team"] = _("You do not manage this team.")
    if team is not None and owner is not None and "owner" not in errors:
        is_member = (
            Membership.objects.active_on(timezone.localdate())
            .filter(user=owner, team__path__startswith=team.path, role=Role.REP)
            .exists()
        )
        if not is_member:
            errors["owner"] = _("The owner must be a rep of this team.")
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def customer_create(*, by: AbstractBaseUser, **fields: Any) -> Customer:
    """Create a customer in a team the user may manage (a rep: in their own team, owned by them)."""
    scope = scope_for(by)
    if scope.role is None:
        raise PermissionDenied
    if scope.is_rep:
        fields["owner"] = by
    _check_customer_scope(by=by, team=fields.get("team"), owner=fields.get("owner"))
    customer = Customer(**{k: v for k, v in fields.items() if k in CUSTOMER_FIELDS})
    customer.full_clean()
    customer.save()
    return customer


@transaction.atomic
def customer_update(*, by: AbstractBaseUser, customer: Customer, **fields: Any) -> Customer:
    """Change a customer the user may manage; a rep may change only contact details of their own."""
    scope = scope_for(by)
    if scope.is_rep:
        if customer.owner_id != by.pk:
            raise PermissionDenied
        fields.pop("team", None)
        fields.pop("owner", None)
    elif not scope.can_manage(customer.team_id):
        raise PermissionDenied
    for name, value in fields.items():
        if name in CUSTOMER_FIELDS:
            setattr(customer, name, value)
    _check_customer_scope(by=by, team=customer.team, owner=customer.owner)
    customer.full_clean()
    customer.save()
    return customer


@transaction.atomic
def calendar_day_set(*, by: AbstractBaseUser, date: dt.date, is_working: bool, note: str = "") -> WorkCalendarDay:
    """A director marks a day as working or not (e.g. a company day off or an extra working day)."""
    if not scope_for(by).is_director:
        raise PermissionDenied
    try:  # the calendar covers the years the company plans for, not 0001 or 9999
        MinValueValidator(dt.date(2000, 1, 1))(date)
        MaxValueValidator(dt.date(2099, 12, 31))(date)
    except ValidationError as error:
        raise ValidationError({"date": error.messages}) from None
    if is_working:
        kind = WorkCalendarDay.Kind.WORKDAY if date.weekday() < 5 else WorkCalendarDay.Kind.MAKEUP
    else:
        kind = WorkCalendarDay.Kind.WEEKEND if date.weekday() >= 5 and not note else WorkCalendarDay.Kind.COMPANY
    day, _created = WorkCalendarDay.objects.update_or_create(
        date=date, defaults={"is_working": is_working, "kind": kind, "note": note, "updated_by": by}
    )
    audit_record(
        action=AuditEvent.Action.CALENDAR_CHANGED,
        actor=by,
        obj=day,
        summary=f"{date}: {'working' if is_working else 'not working'} {note}".strip(),
    )
    return day


@transaction.atomic
def calendar_seed(*, years: list[int], overwrite: bool = False) -> int:
    """Load China's official holidays and make-up working days for the years; returns rows written.

    Days a director has edited are kept unless ``overwrite`` is given.
    """
    written = 0
    for year in years:
        existing = set(
            WorkCalendarDay.objects.filter(date__year=year, updated_by__isnull=False).values_list("date", flat=True)
        )
        rows = [
            WorkCalendarDay(date=day, is_working=working, kind=kind, note=note)
            for day, working, kind, note in official_calendar(year)
            if overwrite or day not in existing
        ]
        WorkCalendarDay.objects.bulk_create(
            rows,
            update_conflicts=True,
            unique_fields=["date"],
            update_fields=["is_working", "kind", "note"],
        )
        written += len(rows)
    return written
