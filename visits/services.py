"""Writes of the visits app; each function is one transaction and checks the caller's reach."""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from org import services as org_services
from org.audit import audit_record
from org.models import AuditEvent, Customer, Datum, Membership, Product, Role, Team
from org.scoping import scope_for
from org.selectors import customer_list_for
from salesops.formatting import parse_number
from salesops.limits import check_amount
from salesops.versions import team_data_changed
from visits import excel, geo
from visits.models import OrderLine, SaleRecord, Visit, VisitReview, VisitSettings, VisitSheet
from visits.selectors import customer_position

User = get_user_model()

CENT = Decimal("0.01")
# A phone's clock may run a little ahead of the server's.
CLOCK_SKEW = dt.timedelta(minutes=5)
PHOTO_SIGNATURES = {
    b"\xff\xd8\xff": ".jpg",
    b"\x89PNG\r\n\x1a\n": ".png",
    b"GIF87a": ".gif",
    b"GIF89a": ".gif",
}


# --- helpers -----------------------------------------------------------------------------


def sheet_deadline(day: dt.date, *, rules: VisitSettings | None = None) -> dt.datetime:
    """The local date-time by which the sheet of ``day`` is due."""
    rules = rules or VisitSettings.load()
    return timezone.make_aware(dt.datetime.combine(day, rules.submission_deadline))


def rep_team_on(rep: AbstractBaseUser, day: dt.date) -> Team | None:
    """The team the user is a rep of on ``day`` (the latest membership wins)."""
    membership = (
        Membership.objects.active_on(day)
        .filter(user=rep, role=Role.REP)
        .select_related("team")
        .order_by("-valid_from")
        .first()
    )
    return membership.team if membership else None


def _touch(sheet: VisitSheet) -> None:
    VisitSheet.objects.filter(pk=sheet.pk).update(version=F("version") + 1, updated_at=timezone.now())
    sheet.version += 1
    team_data_changed(sheet.team_id)  # the meeting dashboards show the sheet's visits and orders


def _require_own_draft(sheet: VisitSheet, by: AbstractBaseUser) -> None:
    if sheet.rep_id != by.pk:
        raise PermissionDenied
    if sheet.status != VisitSheet.Status.DRAFT:
        raise ValidationError({"sheet": _("This sheet is submitted and read-only; ask your manager to reopen it.")})


def _require_manager_of(sheet: VisitSheet, by: AbstractBaseUser) -> None:
    scope = scope_for(by)
    if scope.is_rep or not scope.can_manage(sheet.team_id):
        raise PermissionDenied


def _now_or(at: dt.datetime | None, *, field_name: str) -> dt.datetime:
    now = timezone.now()
    if at is None:
        return now
    if at > now + CLOCK_SKEW:
        raise ValidationError({field_name: _("This time is in the future.")})
    return at


def _validate(visit: Visit) -> None:
    """The fields' checks, with their translated messages. The table's check constraints are not validated here
    (Django would run one SELECT for each of the four): the services check that the check-out follows the
    check-in, the fields' validators give the position and accuracy ranges, and PostgreSQL enforces them all."""
    visit.full_clean(exclude=["sheet", "customer"], validate_constraints=False)


def _check_customer(by: AbstractBaseUser, customer: Customer) -> None:
    if not customer_list_for(user=by).filter(pk=customer.pk).exists():
        raise ValidationError({"customer": _("Choose one of your customers.")})


def _check_photo(photo: UploadedFile) -> str:
    """The file extension for an acceptable photo, or a ValidationError."""
    limit = VisitSettings.load().photo_max_bytes
    if photo.size is not None and photo.size > limit:
        raise ValidationError(
            {"photo": _("The photo is too large (at most %(size)s MB).") % {"size": round(limit / 1024 / 1024, 1)}}
        )
    head = photo.read(16)
    photo.seek(0)
    for signature, extension in PHOTO_SIGNATURES.items():
        if head.startswith(signature):
            return extension
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return ".webp"
    if head[4:12] in (b"ftypheic", b"ftypheix", b"ftypmif1"):
        return ".heic"
    raise ValidationError({"photo": _("The photo must be a JPEG, PNG, GIF, WebP or HEIC image.")})


def photo_fingerprint(photo: UploadedFile) -> str:
    """The SHA-256 of a photo's bytes (hex), read in chunks; the file is rewound for saving."""
    digest = hashlib.sha256()
    photo.seek(0)
    for chunk in photo.chunks():
        digest.update(chunk)
    photo.seek(0)
    return digest.hexdigest()


def _decimal(value: Any, *, field_name: str, minimum: Decimal, strictly: bool = False) -> Decimal:
    try:
        # Amounts may be typed "1,234.5", in full-width digits or as "2万"; a quantity in 万 makes no sense.
        number = parse_number(value, allow_wan=field_name == "amount").quantize(CENT)
    except (InvalidOperation, ValueError):
        raise ValidationError({field_name: _("Enter a number.")}) from None
    if not number.is_finite() or number < minimum or (strictly and number == minimum):
        message = _("Must be greater than zero.") if strictly else _("Must not be negative.")
        raise ValidationError({field_name: message})
    if field_name == "amount":
        check_amount(number, field=field_name)
    return number


# --- the rep's day -----------------------------------------------------------------------


@transaction.atomic
def sheet_open(*, rep: AbstractBaseUser, day: dt.date | None = None) -> VisitSheet:
    """The rep's sheet of ``day`` (default today), created on first open; one per rep per day."""
    today = timezone.localdate()
    day = day or today
    if day > today:
        raise ValidationError({"date": _("A sheet cannot be opened for a future date.")})
    if not scope_for(rep).is_rep:
        raise PermissionDenied
    existing = VisitSheet.objects.filter(rep=rep, date=day).first()
    if existing:
        return existing
    team = rep_team_on(rep, day)
    if team is None:
        raise ValidationError({"date": _("You were not a rep of any team on this date.")})
    sheet, _created = VisitSheet.objects.get_or_create(
        rep=rep, date=day, defaults={"team": team, "deadline": sheet_deadline(day)}
    )
    return sheet


@transaction.atomic
def visit_plan(
    *,
    by: AbstractBaseUser,
    sheet: VisitSheet,
    customer: Customer,
    purpose: str = Visit.Purpose.FOLLOW_UP,
    planned_time: dt.time | None = None,
    planned: bool = True,
) -> Visit:
    """Add a visit to the rep's own draft sheet: planned in advance, or unplanned (added on the spot)."""
    _require_own_draft(sheet, by)
    _check_customer(by, customer)
    visit = Visit(sheet=sheet, customer=customer, purpose=purpose, planned_time=planned_time, planned=planned)
    _validate(visit)
    visit.save()
    _touch(sheet)
    return visit


@transaction.atomic
def visit_plan_new_customer(
    *,
    by: AbstractBaseUser,
    sheet: VisitSheet,
    name: str,
    kind: str = Customer.Kind.OUTLET,
    phone: str = "",
    address: str = "",
    purpose: str = Visit.Purpose.NEW_CUSTOMER,
    planned_time: dt.time | None = None,
    planned: bool = False,
) -> Visit:
    """Create a customer in the rep's team and a visit to it, flagged as a new customer (or outlet)."""
    _require_own_draft(sheet, by)
    customer = org_services.customer_create(
        by=by, name=name.strip(), kind=kind, phone=phone, address=address, team=sheet.team, tier=Customer.Tier.C
    )
    is_outlet = kind == Customer.Kind.OUTLET
    visit = Visit(
        sheet=sheet,
        customer=customer,
        purpose=purpose,
        planned_time=planned_time,
        planned=planned,
        is_new_customer=not is_outlet,
        is_new_outlet=is_outlet,
    )
    _validate(visit)
    visit.save()
    _touch(sheet)
    return visit


@transaction.atomic
def visit_remove(*, by: AbstractBaseUser, visit: Visit) -> None:
    """Drop a visit from the plan; only while nobody has checked in."""
    _require_own_draft(visit.sheet, by)
    if visit.check_in_at is not None:
        raise ValidationError({"visit": _("A visit that was checked in cannot be removed.")})
    visit.delete()
    _touch(visit.sheet)


@transaction.atomic
def sheet_copy_unfinished(*, by: AbstractBaseUser, sheet: VisitSheet) -> int:
    """Copy the planned visits the rep did not finish on their previous sheet; returns how many were added."""
    _require_own_draft(sheet, by)
    previous = VisitSheet.objects.filter(rep=sheet.rep, date__lt=sheet.date).order_by("-date").first()
    if previous is None:
        return 0
    already = set(sheet.visits.values_list("customer_id", flat=True))
    visible = set(customer_list_for(user=by).values_list("pk", flat=True))
    copies = []
    for visit in previous.visits.filter(planned=True, check_out_at__isnull=True).order_by("planned_time", "id"):
        if visit.customer_id in already or visit.customer_id not in visible:
            continue
        already.add(visit.customer_id)
        copies.append(
            Visit(
                sheet=sheet,
                customer_id=visit.customer_id,
                planned=True,
                planned_time=visit.planned_time,
                purpose=visit.purpose,
            )
        )
    Visit.objects.bulk_create(copies)
    if copies:
        _touch(sheet)
    return len(copies)


def check_in_location(
    *,
    customer: Customer,
    latitude: Decimal | None,
    longitude: Decimal | None,
    accuracy_m: Decimal | None,
    rules: VisitSettings,
) -> tuple[str, int | None]:
    """Where a check-in stands against the customer's position: (location status, distance in metres or None).

    The customer's position is converted from its map's datum to GPS first. Without a position from the phone
    there is nothing to measure; a position less precise than the company allows is imprecise whatever its
    distance; beyond the customer's radius (or the company's) it is out of range.
    """
    status = Visit.LocationStatus
    if latitude is None or longitude is None:
        return status.NO_POSITION, None
    target = customer_position(customer)
    distance = round(geo.haversine_m((float(latitude), float(longitude)), target)) if target else None
    if accuracy_m is not None and accuracy_m > rules.max_accuracy_m:
        return status.IMPRECISE, distance
    if target is None:
        return status.CUSTOMER_UNPLACED, None
    radius = customer.check_in_radius_m or rules.check_in_radius_m
    return (status.IN_RANGE if distance <= radius else status.OUT_OF_RANGE), distance


def _propose_customer_position(visit: Visit, by: AbstractBaseUser) -> None:
    """The first precise check-in at a customer without a position proposes it, for a manager to confirm."""
    Customer.objects.filter(pk=visit.customer_id, latitude__isnull=True, proposed_latitude__isnull=True).update(
        proposed_latitude=visit.latitude,
        proposed_longitude=visit.longitude,
        proposed_at=visit.check_in_at,
        proposed_by=by,
        updated_at=timezone.now(),
    )


@transaction.atomic
def visit_check_in(
    *,
    by: AbstractBaseUser,
    visit: Visit,
    at: dt.datetime | None = None,
    latitude: Decimal | None = None,
    longitude: Decimal | None = None,
    accuracy_m: Decimal | None = None,
) -> Visit:
    """Stamp the arrival at a visit, with the phone's position and its accuracy when the rep allowed it.

    The check-in is always accepted; how far it was from the customer is kept with it (out of range, imprecise,
    no position) for the rep and the manager to see.
    """
    visit = Visit.objects.select_for_update().select_related("sheet", "customer").get(pk=visit.pk)
    _require_own_draft(visit.sheet, by)
    at = _now_or(at, field_name="check_in_at")
    if visit.check_in_at is not None:
        raise ValidationError({"check_in_at": _("This visit is already checked in.")})
    if timezone.localdate(at) != visit.sheet.date:
        raise ValidationError({"check_in_at": _("A check-in must be on the sheet's date.")})
    if (latitude is None) != (longitude is None):
        raise ValidationError({"latitude": _("Give both latitude and longitude, or neither.")})
    visit.check_in_at = at
    visit.check_in_synced_at = timezone.now()
    visit.latitude, visit.longitude, visit.accuracy_m = latitude, longitude, accuracy_m
    _validate(visit)
    visit.location_status, visit.distance_m = check_in_location(
        customer=visit.customer,
        latitude=latitude,
        longitude=longitude,
        accuracy_m=accuracy_m,
        rules=VisitSettings.load(),
    )
    visit.save()
    if visit.location_status == Visit.LocationStatus.CUSTOMER_UNPLACED:
        _propose_customer_position(visit, by)
    _touch(visit.sheet)
    return visit


def _order_line_create(
    *, visit: Visit, product: Product, quantity: Any, amount: Any | None, first_order: bool = True
) -> OrderLine:
    """An order line and its sale record; ``first_order=False`` leaves the customer's first order date to the
    caller (a check-out sets it once for all its lines)."""
    if not product.active:
        raise ValidationError({"product": _("This product is no longer sold.")})
    quantity = _decimal(quantity, field_name="quantity", minimum=Decimal("0"), strictly=True)
    if amount in (None, ""):
        amount = (quantity * product.unit_price).quantize(CENT)
    amount = _decimal(amount, field_name="amount", minimum=Decimal("0"))
    sheet = visit.sheet
    record = SaleRecord.objects.create(
        date=sheet.date,
        rep_id=sheet.rep_id,
        team_id=sheet.team_id,
        customer_id=visit.customer_id,
        product=product,
        quantity=quantity,
        amount=amount,
        source=SaleRecord.Source.VISIT,
    )
    if first_order:
        _mark_first_order(visit)
    return OrderLine.objects.create(visit=visit, product=product, quantity=quantity, amount=amount, sale_record=record)


def _mark_first_order(visit: Visit) -> None:
    # updated_at too: the night recomputes the days of customers changed since its last run.
    Customer.objects.filter(pk=visit.customer_id, first_order_date__isnull=True).update(
        first_order_date=visit.sheet.date, updated_at=timezone.now()
    )


def customer_set_first_orders_from_sales(records: list[SaleRecord]) -> None:
    """Each customer's first order date becomes its earliest sale of ``records`` when it had none or a later one.

    The first order date follows the orders (visits and ERP lines); nobody types it in but a manager with a
    reason (org.services.customer_first_order_set).
    """
    earliest: dict[int, dt.date] = {}
    for record in records:
        if record.customer_id not in earliest or record.date < earliest[record.customer_id]:
            earliest[record.customer_id] = record.date
    for customer_id, day in earliest.items():
        Customer.objects.filter(pk=customer_id).filter(
            Q(first_order_date__isnull=True) | Q(first_order_date__gt=day)
        ).update(first_order_date=day, updated_at=timezone.now())


@transaction.atomic
def order_line_add(
    *, by: AbstractBaseUser, visit: Visit, product: Product, quantity: Any, amount: Any | None = None
) -> OrderLine:
    """Record an order on a visit; it becomes a SaleRecord (source = visit) in the same transaction.

    The amount defaults to quantity × the product's unit price.
    """
    visit = Visit.objects.select_for_update().select_related("sheet").get(pk=visit.pk)
    _require_own_draft(visit.sheet, by)
    if visit.check_in_at is None:
        raise ValidationError({"visit": _("Check in before recording an order.")})
    line = _order_line_create(visit=visit, product=product, quantity=quantity, amount=amount)
    _touch(visit.sheet)
    return line


@transaction.atomic
def order_line_remove(*, by: AbstractBaseUser, line: OrderLine) -> None:
    """Delete an order line and the actual it produced."""
    _require_own_draft(line.visit.sheet, by)
    record_id = line.sale_record_id
    line.delete()
    SaleRecord.objects.filter(pk=record_id).delete()
    _touch(line.visit.sheet)


@transaction.atomic
def visit_check_out(
    *,
    by: AbstractBaseUser,
    visit: Visit,
    at: dt.datetime | None = None,
    outcome: str | None = None,
    next_step: str | None = None,
    next_visit_date: dt.date | None = None,
    is_new_customer: bool | None = None,
    is_new_outlet: bool | None = None,
    order_lines: list[dict] | None = None,
    photo: UploadedFile | None = None,
) -> Visit:
    """Stamp the departure and record what came of the visit; its order lines are stored with it or not at all."""
    visit = Visit.objects.select_for_update().select_related("sheet").get(pk=visit.pk)
    _require_own_draft(visit.sheet, by)
    at = _now_or(at, field_name="check_out_at")
    if visit.check_in_at is None:
        raise ValidationError({"check_out_at": _("Check in before checking out.")})
    if visit.check_out_at is not None:
        raise ValidationError({"check_out_at": _("This visit is already checked out.")})
    if at < visit.check_in_at:
        raise ValidationError({"check_out_at": _("The check-out cannot be before the check-in.")})
    visit.check_out_at = at
    visit = _apply_record(
        visit,
        outcome=outcome,
        next_step=next_step,
        next_visit_date=next_visit_date,
        is_new_customer=is_new_customer,
        is_new_outlet=is_new_outlet,
        photo=photo,
    )
    for number, line in enumerate(order_lines or [], start=1):
        try:
            _order_line_create(
                visit=visit,
                product=line.get("product"),
                quantity=line.get("quantity"),
                amount=line.get("amount"),
                first_order=False,
            )
        except ValidationError as error:
            raise ValidationError(
                {f"order_lines[{number}].{name}": messages for name, messages in error.message_dict.items()}
            ) from None
    if order_lines:
        _mark_first_order(visit)
    _touch(visit.sheet)
    return visit


def _apply_record(visit: Visit, **changes: Any) -> Visit:
    photo = changes.pop("photo", None)
    for name, value in changes.items():
        if value is not None:
            setattr(visit, name, value.strip() if isinstance(value, str) else value)
    if visit.next_visit_date is not None and visit.next_visit_date <= visit.sheet.date:
        raise ValidationError({"next_visit_date": _("The next visit must be after this visit's date.")})
    if photo is not None:
        extension = _check_photo(photo)
        photo.name = f"{uuid.uuid4().hex}{extension}"
        visit.photo = photo
        visit.photo_sha256 = photo_fingerprint(photo)
    _validate(visit)
    visit.save()
    return visit


@transaction.atomic
def visit_record(
    *,
    by: AbstractBaseUser,
    visit: Visit,
    outcome: str | None = None,
    next_step: str | None = None,
    next_visit_date: dt.date | None = None,
    is_new_customer: bool | None = None,
    is_new_outlet: bool | None = None,
    purpose: str | None = None,
    planned_time: dt.time | None = None,
    photo: UploadedFile | None = None,
) -> Visit:
    """Change what the rep wrote about a visit on their draft sheet (``None`` leaves a field as it is)."""
    visit = Visit.objects.select_for_update().select_related("sheet").get(pk=visit.pk)
    _require_own_draft(visit.sheet, by)
    visit = _apply_record(
        visit,
        outcome=outcome,
        next_step=next_step,
        next_visit_date=next_visit_date,
        is_new_customer=is_new_customer,
        is_new_outlet=is_new_outlet,
        purpose=purpose,
        planned_time=planned_time,
        photo=photo,
    )
    _touch(visit.sheet)
    return visit


@transaction.atomic
def sheet_submit(*, by: AbstractBaseUser, sheet: VisitSheet, at: dt.datetime | None = None) -> VisitSheet:
    """Hand in the day's sheet; after the company's deadline it is marked late. It is then read-only to the rep.

    A sheet the manager reopened keeps the late flag of its first submission.
    """
    sheet = VisitSheet.objects.select_for_update().get(pk=sheet.pk)
    if sheet.rep_id != by.pk:
        raise PermissionDenied
    if sheet.status != VisitSheet.Status.DRAFT:
        raise ValidationError({"status": _("This sheet has already been submitted.")})
    at = _now_or(at, field_name="submitted_at")
    sheet.status = VisitSheet.Status.SUBMITTED
    sheet.is_late = sheet.is_late or at > sheet.deadline
    sheet.submitted_at = at
    sheet.version += 1
    sheet.save(update_fields=["status", "is_late", "submitted_at", "version", "updated_at"])
    return sheet


@transaction.atomic
def sheet_route_accept(*, by: AbstractBaseUser, sheet: VisitSheet, visit_ids: list[int]) -> VisitSheet:
    """Put the sheet's visits in the order of the day's route the rep accepted (the sheet lists them so).

    The route holds the visits still to make; the others keep their places ahead of it.
    """
    _require_own_draft(sheet, by)
    visits = {v.pk: v for v in sheet.visits.select_for_update()}
    if not set(visit_ids) <= set(visits) or len(visit_ids) != len(set(visit_ids)):
        raise ValidationError({"route": _("The route names visits that are not on this sheet; reload the page.")})
    ahead = [pk for pk in visits if pk not in set(visit_ids)]  # the sheet's order: those already made first
    for place, visit_id in enumerate(ahead + visit_ids, start=1):
        visits[visit_id].route_order = place
    Visit.objects.bulk_update(list(visits.values()), ["route_order"])
    _touch(sheet)
    return sheet


# --- the manager -------------------------------------------------------------------------


def _check_version(sheet: VisitSheet, expected_version: int | None) -> None:
    """Refuse a change made from a stale copy of the sheet, naming what it holds now."""
    if expected_version is not None and expected_version != sheet.version:
        raise ValidationError(
            {
                "version": _(
                    "Someone else changed this sheet in the meantime (status: %(status)s, comment: “%(comment)s”); "
                    "reload it and try again."
                )
                % {"status": sheet.get_status_display(), "comment": sheet.manager_comment}
            }
        )


@transaction.atomic
def sheet_comment(
    *, by: AbstractBaseUser, sheet: VisitSheet, comment: str, expected_version: int | None = None
) -> VisitSheet:
    """The manager's comment on a rep's sheet (replaces the previous one)."""
    _require_manager_of(sheet, by)
    sheet = VisitSheet.objects.select_for_update().get(pk=sheet.pk)
    _check_version(sheet, expected_version)
    sheet.manager_comment = comment.strip()
    sheet.commented_by = by
    sheet.version += 1
    sheet.save(update_fields=["manager_comment", "commented_by", "version", "updated_at"])
    return sheet


@transaction.atomic
def sheet_reopen(
    *, by: AbstractBaseUser, sheet: VisitSheet, comment: str = "", expected_version: int | None = None
) -> VisitSheet:
    """Give a submitted sheet back to the rep for correction."""
    _require_manager_of(sheet, by)
    sheet = VisitSheet.objects.select_for_update().get(pk=sheet.pk)
    _check_version(sheet, expected_version)
    if sheet.status == VisitSheet.Status.DRAFT:
        raise ValidationError({"status": _("This sheet has not been submitted yet.")})
    sheet.status = VisitSheet.Status.DRAFT
    sheet.reopened = True
    if comment.strip():
        sheet.manager_comment = comment.strip()
        sheet.commented_by = by
    sheet.version += 1
    sheet.save(update_fields=["status", "reopened", "manager_comment", "commented_by", "version", "updated_at"])
    audit_record(
        action=AuditEvent.Action.SHEET_REOPENED,
        actor=by,
        obj=sheet,
        summary=f"{sheet.rep.get_username()} {sheet.date}: {comment.strip()}"[:500],
    )
    return sheet


@transaction.atomic
def visit_review_create(*, by: AbstractBaseUser, visit: Visit, method: str, result: str, note: str = "") -> VisitReview:
    """Record a manager's verification of a visit; a submitted sheet becomes reviewed."""
    sheet = visit.sheet
    _require_manager_of(sheet, by)
    note = note.strip()
    if visit.check_in_at is None:
        raise ValidationError({"visit": _("Only a visit that was checked in can be verified.")})
    if result == VisitReview.Result.DISCREPANCY and not note:
        raise ValidationError({"note": _("Describe the discrepancy.")})
    review = VisitReview(visit=visit, by=by, method=method, result=result, note=note)
    review.full_clean(exclude=["visit", "by"])
    review.save()
    if result == VisitReview.Result.DISCREPANCY:
        _raise_discrepancy_problem(by=by, review=review)
    audit_record(
        action=AuditEvent.Action.REVIEW_RECORDED,
        actor=by,
        obj=review,
        summary=f"visit {visit.pk} ({sheet.rep.get_username()} {sheet.date}): {method} → {result} {note}"[:500],
    )
    if sheet.status == VisitSheet.Status.SUBMITTED:
        VisitSheet.objects.filter(pk=sheet.pk).update(status=VisitSheet.Status.REVIEWED)
        sheet.status = VisitSheet.Status.REVIEWED
    _touch(sheet)
    return review


def _raise_discrepancy_problem(*, by: AbstractBaseUser, review: VisitReview) -> None:
    """A discrepancy is a problem to follow up: raised for the rep, due today, on the meetings' problem list."""
    from meetings.models import Problem
    from meetings.services import problem_raise

    visit, sheet = review.visit, review.visit.sheet
    description = _("Visit check found a discrepancy: %(customer)s on %(date)s (%(method)s): %(note)s") % {
        "customer": visit.customer.name,
        "date": sheet.date.isoformat(),
        "method": review.get_method_display(),
        "note": review.note,
    }
    problem_raise(
        by=by,
        team=sheet.team,
        description=description,
        owner=sheet.rep,
        due_date=max(timezone.localdate(), sheet.date),
        source=Problem.Source.REVIEW,
    )


@transaction.atomic
def visit_review_resolve(*, by: AbstractBaseUser, review: VisitReview) -> VisitReview:
    """Close a discrepancy once it has been followed up."""
    _require_manager_of(review.visit.sheet, by)
    if review.result != VisitReview.Result.DISCREPANCY:
        raise ValidationError({"result": _("Only a discrepancy needs following up.")})
    if review.resolved_at is None:
        review.resolved_at = timezone.now()
        review.save(update_fields=["resolved_at"])
    return review


def _require_manager_of_customer(customer: Customer, by: AbstractBaseUser) -> None:
    scope = scope_for(by)
    if scope.is_rep or not scope.can_manage(customer.team_id):
        raise PermissionDenied


@transaction.atomic
def customer_position_confirm(*, by: AbstractBaseUser, customer: Customer) -> Customer:
    """A manager takes a check-in's proposed position (GPS) as the customer's; its unmeasured check-ins are measured."""
    _require_manager_of_customer(customer, by)
    customer = Customer.objects.select_for_update().get(pk=customer.pk)
    if customer.proposed_latitude is None:
        raise ValidationError({"position": _("This customer has no proposed position.")})
    customer.latitude, customer.longitude = customer.proposed_latitude, customer.proposed_longitude
    customer.position_datum = Datum.WGS84
    customer.proposed_latitude = customer.proposed_longitude = customer.proposed_at = None
    customer.proposed_by = None
    customer.save()
    rules = VisitSettings.load()
    unmeasured = Visit.objects.filter(customer=customer, location_status=Visit.LocationStatus.CUSTOMER_UNPLACED)
    for visit in unmeasured:
        visit.location_status, visit.distance_m = check_in_location(
            customer=customer,
            latitude=visit.latitude,
            longitude=visit.longitude,
            accuracy_m=visit.accuracy_m,
            rules=rules,
        )
        visit.save(update_fields=["location_status", "distance_m", "updated_at"])
    return customer


@transaction.atomic
def customer_position_dismiss(*, by: AbstractBaseUser, customer: Customer) -> Customer:
    """A manager refuses a proposed position; the next precise check-in proposes again."""
    _require_manager_of_customer(customer, by)
    customer = Customer.objects.select_for_update().get(pk=customer.pk)
    customer.proposed_latitude = customer.proposed_longitude = customer.proposed_at = None
    customer.proposed_by = None
    customer.save()
    return customer


# --- actuals from the ERP ----------------------------------------------------------------


@dataclass
class ImportResult:
    """What an import did, or (when ``errors`` is not empty) why nothing was applied."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[dict] = field(default_factory=list)  # {"row": n, "errors": {column: [messages]}}

    @property
    def applied(self) -> bool:
        return not self.errors


_SALE_FIELDS = ("date", "rep_id", "team_id", "customer_id", "product_id", "quantity", "amount")


@transaction.atomic
def sale_records_import(*, by: AbstractBaseUser, rows: list[dict], source: str = SaleRecord.Source.ERP) -> ImportResult:
    """Insert or update sales lines by external id; the same lines again change nothing.

    Every row is checked first: one bad row and nothing of the batch is applied. Reps and customers are looked
    up only in the importer's teams, and one message answers for any outside them (nothing to enumerate). A
    row's number is its ``line`` (the spreadsheet's row) when the file reader gave one, else its position.
    """
    scope = scope_for(by)
    if scope.role not in (Role.DIRECTOR, Role.MANAGER):
        raise PermissionDenied
    result = ImportResult()
    if len(rows) > excel.MAX_ROWS:
        result.errors.append(
            {"row": 0, "errors": {"file": [_("At most %(n)s rows at a time.") % {"n": excel.MAX_ROWS}]}}
        )
        return result

    parsed: list[tuple[int, dict[str, Any], dict[str, list[str]]]] = []
    for position, row in enumerate(rows, start=1):
        values: dict[str, Any] = {}
        errors: dict[str, list[str]] = {}
        for column in excel.SALE_COLUMNS:
            try:
                values[column.key] = column.parse(row.get(column.key))
            except ValidationError as error:
                errors.setdefault(column.key, []).extend(error.messages)
        parsed.append((row.get(excel.LINE) or position, values, errors))

    def wanted(key: str) -> set[str]:
        return {values[key] for _number, values, _errors in parsed if key in values}

    customers = {
        c.code: c for c in customer_list_for(user=by).filter(code__in=wanted("customer")) if scope.can_manage(c.team_id)
    }
    products = {p.code: p for p in Product.objects.filter(code__in=wanted("product"))}
    rep_spans: dict[str, list[Membership]] = {}
    for membership in Membership.objects.filter(user__username__in=wanted("rep"), role=Role.REP).select_related("user"):
        if scope.can_manage(membership.team_id):
            rep_spans.setdefault(membership.user.username, []).append(membership)
    existing = {r.external_id: r for r in SaleRecord.objects.filter(external_id__in=wanted("external_id"))}
    today = timezone.localdate()
    seen: set[str] = set()
    records: list[SaleRecord] = []

    for number, values, errors in parsed:

        def fail(name: str, message: str, errors: dict = errors) -> None:
            errors.setdefault(name, []).append(message)

        external_id = values.get("external_id")
        if external_id is not None:
            if external_id in seen:
                fail("external_id", _("This external id appears twice in the file."))
            seen.add(external_id)
        day = values.get("date")
        if day is not None and day > today:
            fail("date", _("The date is in the future."))
            day = None
        team_id = None
        rep_name = values.get("rep")
        if rep_name is not None:
            spans = rep_spans.get(rep_name)
            if not spans:
                fail("rep", _("“%(value)s” was not found in your teams.") % {"value": rep_name})
            elif day is not None:
                on_day = [m for m in spans if m.valid_from <= day and (m.valid_to is None or m.valid_to >= day)]
                if not on_day:
                    fail("rep", _("“%(value)s” was not a rep of your teams on this date.") % {"value": rep_name})
                else:
                    team_id = max(on_day, key=lambda m: m.valid_from).team_id
        code = values.get("customer")
        customer = customers.get(code)
        if code is not None and customer is None:
            fail("customer", _("“%(value)s” was not found in your teams.") % {"value": code})
        product = products.get(values.get("product"))
        if values.get("product") is not None and product is None:
            fail("product", _("Unknown product code “%(code)s”.") % {"code": values["product"]})
        old = existing.get(external_id)
        if old is not None and not scope.can_manage(old.team_id):
            fail("external_id", _("This external id belongs to a record outside your teams."))
        if errors:
            result.errors.append({"row": number, "errors": errors})
            continue
        record = SaleRecord(
            external_id=external_id,
            date=day,
            rep_id=rep_spans[rep_name][0].user_id,
            team_id=team_id,
            customer_id=customer.pk,
            product_id=product.pk,
            quantity=values["quantity"],
            amount=values["amount"],
            source=source,
        )
        if old is None:
            result.created += 1
        elif all(getattr(old, name) == getattr(record, name) for name in _SALE_FIELDS):
            result.unchanged += 1
            continue
        else:
            result.updated += 1
        records.append(record)

    if result.errors:
        result.created = result.updated = result.unchanged = 0
        return result
    SaleRecord.objects.bulk_create(
        records,
        batch_size=1000,
        update_conflicts=True,
        unique_fields=["external_id"],
        update_fields=[*_SALE_FIELDS, "source"],
    )
    customer_set_first_orders_from_sales(records)
    return result
