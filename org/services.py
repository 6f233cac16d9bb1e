"""Writes of the org app; each checks the caller's scope. The services that views, the API and tasks call are
entry points, one transaction each (``salesops.transactions``); the parts they share run inside the caller's."""

from __future__ import annotations

import datetime as dt
from typing import Any, NamedTuple

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from org.audit import audit_record
from org.calendar import day_name, package_calendar, package_day, package_source, package_versions
from org.calendar_import import parse_arrangement
from org.models import AuditEvent, Customer, Membership, Role, Team, WorkCalendarDay, WorkCalendarYear
from org.scoping import scope_for
from salesops.transactions import entry_point

FIRST_CALENDAR_YEAR = 2020  # the first year the calendar is seeded for
FIRST_ORDER_DATE_MIN = dt.date(1900, 1, 1)

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


def customer_create_in_transaction(*, by: AbstractBaseUser, **fields: Any) -> Customer:
    """Create a customer in a team the user may manage (a rep: in their own team, owned by them), as a part of
    the caller's transaction (``customer_create`` is the same in one of its own)."""
    scope = scope_for(by)
    if scope.role is None:
        raise PermissionDenied
    if scope.is_rep:
        fields["owner"] = by
    _check_customer_scope(by=by, team=fields.get("team"), owner=fields.get("owner"))
    customer = Customer(**{k: v for k, v in fields.items() if k in CUSTOMER_FIELDS})
    customer.full_clean()
    customer.save()
    if fields.get("first_order_date") is not None:  # a customer who ordered before the system knew them
        _customer_first_order_set(
            by=by, customer=customer, date=fields["first_order_date"], reason=fields.get("first_order_date_reason", "")
        )
    return customer


customer_create = entry_point(customer_create_in_transaction)


@entry_point
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
    # The stored date, whatever a form already wrote on the instance: only customer_first_order_set changes it.
    stored = Customer.objects.select_for_update().values_list("first_order_date", flat=True).get(pk=customer.pk)
    customer.first_order_date = stored
    for name, value in fields.items():
        if name in CUSTOMER_FIELDS:
            setattr(customer, name, value)
    _check_customer_scope(by=by, team=customer.team, owner=customer.owner)
    customer.full_clean()
    customer.save()
    if "first_order_date" in fields and fields["first_order_date"] != stored:
        _customer_first_order_set(
            by=by, customer=customer, date=fields["first_order_date"], reason=fields.get("first_order_date_reason", "")
        )
    return customer


def _customer_first_order_set(
    *, by: AbstractBaseUser, customer: Customer, date: dt.date | None, reason: str
) -> Customer:
    """A manager of the customer's team corrects its first order date, with a reason kept in the audit log.

    Otherwise the date comes only from the customer's first order (a visit's order line or an ERP sale), so that
    the night's new customers are customers who really ordered.
    """
    if not scope_for(by).can_manage(customer.team_id):
        raise PermissionDenied
    errors: dict[str, str] = {}
    if date is not None and not FIRST_ORDER_DATE_MIN <= date <= timezone.localdate():
        errors["first_order_date"] = _("Enter a day between 1900 and today.")
    if not reason.strip():
        errors["first_order_date_reason"] = _("Say why the first order date is changed.")
    if errors:
        raise ValidationError(errors)
    before = customer.first_order_date
    customer.first_order_date = date
    customer.save(update_fields=["first_order_date", "updated_at"])
    audit_record(
        action=AuditEvent.Action.FIRST_ORDER_SET,
        actor=by,
        obj=customer,
        summary=f"{customer.code}: {before or '-'} → {date or '-'}: {reason.strip()}",
    )
    return customer


customer_first_order_set = entry_point(_customer_first_order_set)


@entry_point
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
        date=date,
        defaults={"is_working": is_working, "kind": kind, "holiday": "", "note": note, "updated_by": by},
    )
    audit_record(
        action=AuditEvent.Action.CALENDAR_CHANGED,
        actor=by,
        obj=day,
        summary=f"{date}: {'working' if is_working else 'not working'} {note}".strip(),
    )
    return day


class YearRefresh(NamedTuple):
    year: int
    source: str
    changed: int
    kept: int


def _calendar_year_sourced(year: int, *, overwrite: bool) -> WorkCalendarYear:
    """The year's row with its source by the installed packages (an import stands until official data)."""
    calendar_year, _created = WorkCalendarYear.objects.select_for_update().get_or_create(
        year=year, defaults={"source": package_source(year)}
    )
    source = package_source(year)
    if source == WorkCalendarYear.Source.ESTIMATED and calendar_year.source == WorkCalendarYear.Source.IMPORTED:
        source = WorkCalendarYear.Source.ESTIMATED if overwrite else WorkCalendarYear.Source.IMPORTED
    calendar_year.source = source
    calendar_year.package_versions = package_versions()
    calendar_year.refreshed_at = timezone.now()
    calendar_year.save()
    return calendar_year


@entry_point
def calendar_seed(*, years: list[int], overwrite: bool = False) -> list[YearRefresh]:
    """Load the years' days from the installed packages: China's published holidays and make-up working days
    where they are out, an estimate from the statutory holidays otherwise. Each year records its source.

    Days a director has set (by hand or by an import) are kept unless ``overwrite`` is given.
    """
    fields = ("is_working", "kind", "holiday", "note")
    result = []
    for year in years:
        existing = {day.date: day for day in WorkCalendarDay.objects.filter(date__year=year)}
        kept = {day for day, row in existing.items() if row.updated_by_id is not None and not overwrite}
        rows = [
            WorkCalendarDay(date=row.date, is_working=row.is_working, kind=row.kind, holiday=row.holiday, note="")
            for row in package_calendar(year)
            if row.date not in kept
        ]
        changed = [
            row
            for row in rows
            if row.date not in existing
            or existing[row.date].updated_by_id is not None
            or any(getattr(existing[row.date], name) != getattr(row, name) for name in fields)
        ]
        WorkCalendarDay.objects.bulk_create(
            changed, update_conflicts=True, unique_fields=["date"], update_fields=[*fields, "updated_by"]
        )
        calendar_year = _calendar_year_sourced(year, overwrite=overwrite)
        result.append(YearRefresh(year, calendar_year.source, len(changed), len(kept)))
        if existing and changed:
            audit_record(
                action=AuditEvent.Action.CALENDAR_CHANGED,
                obj=calendar_year,
                summary=f"{year}: {len(changed)} day(s) refreshed from {calendar_year.package_versions}",
            )
    return result


def calendar_refresh_years() -> list[int]:
    """Every year the calendar holds, from 2020 and through next year at least."""
    last = WorkCalendarDay.objects.aggregate(last=Max("date"))["last"]
    first_year, last_year = FIRST_CALENDAR_YEAR, max(timezone.localdate().year + 1, last.year if last else 0)
    return list(range(first_year, last_year + 1))


def calendar_refresh() -> list[YearRefresh]:
    """Refresh every day no director set from the newest package data (after migrate or a package upgrade)."""
    return calendar_seed(years=calendar_refresh_years())


class ImportChange(NamedTuple):
    date: dt.date
    was_working: bool
    was_kind: str
    is_working: bool
    kind: str
    holiday: str
    note: str

    @property
    def name(self) -> str:
        return day_name(holiday=self.holiday, note=self.note)

    @property
    def changes(self) -> bool:
        return (self.was_working, self.was_kind) != (self.is_working, self.kind)


@entry_point
def calendar_import(*, by: AbstractBaseUser, year: int, text: str, apply: bool) -> list[ImportChange]:
    """The official arrangement of a year, pasted or uploaded by a director: the days it names become days off
    or make-up working days, every other day stays as it is. With ``apply`` False only the preview is returned.

    The year is then official (imported), and a refresh keeps the imported days.
    """
    if not scope_for(by).is_director:
        raise PermissionDenied
    if not 2000 <= year <= 2099:  # as for a day set by hand
        raise ValidationError({"year": _("Choose a year from 2000 to 2099.")})
    named = parse_arrangement(text, year=year)
    current = {day.date: day for day in WorkCalendarDay.objects.filter(date__in=[day.date for day in named])}
    changes = []
    for day in named:
        before = current.get(day.date) or package_day(day.date)
        kind = (
            WorkCalendarDay.Kind.HOLIDAY
            if not day.is_working
            else WorkCalendarDay.Kind.MAKEUP
            if day.date.weekday() >= 5
            else WorkCalendarDay.Kind.WORKDAY
        )
        changes.append(
            ImportChange(day.date, before.is_working, before.kind, day.is_working, kind, day.holiday, day.note)
        )
    if not apply:
        return changes
    WorkCalendarDay.objects.bulk_create(
        [
            WorkCalendarDay(
                date=change.date,
                is_working=change.is_working,
                kind=change.kind,
                holiday=change.holiday,
                note=change.note,
                updated_by=by,
            )
            for change in changes
        ],
        update_conflicts=True,
        unique_fields=["date"],
        update_fields=["is_working", "kind", "holiday", "note", "updated_by"],
    )
    calendar_year, _created = WorkCalendarYear.objects.get_or_create(year=year, defaults={"source": ""})
    if calendar_year.source != WorkCalendarYear.Source.OFFICIAL:
        calendar_year.source = WorkCalendarYear.Source.IMPORTED
    calendar_year.imported_by, calendar_year.imported_at = by, timezone.now()
    calendar_year.save()
    audit_record(
        action=AuditEvent.Action.CALENDAR_CHANGED,
        actor=by,
        obj=calendar_year,
        summary=f"{year}: official arrangement imported, {len(changes)} day(s) named, "
        f"{sum(change.changes for change in changes)} changed",
    )
    return changes
