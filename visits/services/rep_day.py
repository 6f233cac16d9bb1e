"""The rep's day: the sheet opened, visits planned, checked in and out with their order lines (which become
sale records), the sheet's route and its submission."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from org import services as org_services
from org.action_time import action_time
from org.models import Customer, Product
from org.scoping import scope_for
from org.selectors import customer_list_for, rep_team_on
from salesops.formatting import parse_number
from salesops.limits import check_amount
from salesops.transactions import entry_point
from visits.models import OrderLine, SaleRecord, Visit, VisitPhoto, VisitReview, VisitSettings, VisitSheet
from visits.services.customer_positions import check_in_location, customer_position_propose
from visits.services.first_orders import customer_first_order_mark
from visits.services.sheet_rules import require_own_draft, sheet_deadline, sheet_touched
from visits.services.visit_photos import PhotoUpload, photos_change

CENT = Decimal("0.01")
# What a rep writes about a visit (the page's form allows as much).
OUTCOME_MAX_LENGTH = 2000
NEXT_VISIT_WITHIN = dt.timedelta(days=366)


def _now_or(at: dt.datetime | None, *, field_name: str) -> dt.datetime:
    return action_time(at, field_name=field_name)


def _validate(visit: Visit) -> None:
    """The fields' checks, with their translated messages. The table's check constraints are not validated here
    (Django would run one SELECT for each of the four): the services check that the check-out follows the
    check-in, the fields' validators give the position and accuracy ranges, and PostgreSQL enforces them all."""
    visit.full_clean(exclude=["sheet", "customer"], validate_constraints=False)


def _own_draft_visit(
    by: AbstractBaseUser,
    visit: Visit,
    *,
    lock_also: tuple[str, ...] = (),
    read_also: tuple[str, ...] = (),
    rows: QuerySet[Visit] | None = None,
) -> Visit:
    """The visit locked for this transaction with its sheet (and ``lock_also``, with ``read_also`` read unlocked),
    refused unless it is on the writer's own draft sheet: what every write to a visit checks first."""
    rows = Visit.objects.all() if rows is None else rows
    locked = (
        rows.select_for_update(of=("self", "sheet", *lock_also))
        .select_related("sheet", *lock_also, *read_also)
        .get(pk=visit.pk)
    )
    require_own_draft(locked.sheet, by)
    return locked


def _check_customer(by: AbstractBaseUser, customer: Customer) -> None:
    if not customer_list_for(user=by).filter(pk=customer.pk).exists():
        raise ValidationError({"customer": _("Choose one of your customers.")})


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


@entry_point
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


@entry_point
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
    require_own_draft(sheet, by)
    _check_customer(by, customer)
    visit = Visit(sheet=sheet, customer=customer, purpose=purpose, planned_time=planned_time, planned=planned)
    _validate(visit)
    visit.save()
    sheet_touched(sheet)
    return visit


@entry_point
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
    require_own_draft(sheet, by)
    customer = org_services.customer_create_in_transaction(
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
    sheet_touched(sheet)
    return visit


@entry_point
def visit_remove(*, by: AbstractBaseUser, visit: Visit) -> None:
    """Drop a visit from the plan; only while nobody has checked in."""
    require_own_draft(visit.sheet, by)
    if visit.check_in_at is not None:
        raise ValidationError({"visit": _("A visit that was checked in cannot be removed.")})
    visit.delete()
    sheet_touched(visit.sheet)


@entry_point
def sheet_copy_unfinished(*, by: AbstractBaseUser, sheet: VisitSheet) -> int:
    """Copy the planned visits the rep did not finish on their previous sheet; returns how many were added."""
    require_own_draft(sheet, by)
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
        sheet_touched(sheet)
    return len(copies)


@entry_point
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
    visit = _own_draft_visit(by, visit, lock_also=("customer",))
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
        customer_position_propose(visit, by)
    sheet_touched(visit.sheet)
    return visit


def _order_line_prepare(*, visit: Visit, product: Product, quantity: Any, amount: Any | None) -> OrderLine:
    """An order line and its sale record, checked and not stored yet (``_order_lines_store``)."""
    if not product.active:
        raise ValidationError({"product": _("This product is no longer sold.")})
    quantity = _decimal(quantity, field_name="quantity", minimum=Decimal("0"), strictly=True)
    if amount in (None, ""):
        amount = (quantity * product.unit_price).quantize(CENT)
    amount = _decimal(amount, field_name="amount", minimum=Decimal("0"))
    sheet = visit.sheet
    record = SaleRecord(
        date=sheet.date,
        rep_id=sheet.rep_id,
        team_id=sheet.team_id,
        customer_id=visit.customer_id,
        product=product,
        quantity=quantity,
        amount=amount,
        source=SaleRecord.Source.VISIT,
    )
    return OrderLine(visit=visit, product=product, quantity=quantity, amount=amount, sale_record=record)


def _order_lines_store(lines: list[OrderLine]) -> None:
    """Store prepared order lines and their sale records: one ``INSERT`` for the records, one for the lines."""
    if not lines:
        return
    SaleRecord.objects.bulk_create([line.sale_record for line in lines])
    OrderLine.objects.bulk_create(lines)  # each takes its record's new id
    # bulk_create sends no post_save: the dashboards hear of the sale records from sheet_touched.


@entry_point
def order_line_add(
    *, by: AbstractBaseUser, visit: Visit, product: Product, quantity: Any, amount: Any | None = None
) -> OrderLine:
    """Record an order on a visit; it becomes a SaleRecord (source = visit) in the same transaction.

    The amount defaults to quantity × the product's unit price.
    """
    visit = _own_draft_visit(by, visit)
    if visit.check_in_at is None:
        raise ValidationError({"visit": _("Check in before recording an order.")})
    line = _order_line_prepare(visit=visit, product=product, quantity=quantity, amount=amount)
    _order_lines_store([line])
    customer_first_order_mark(visit)
    sheet_touched(visit.sheet)
    return line


@entry_point
def order_line_remove(*, by: AbstractBaseUser, line: OrderLine) -> None:
    """Delete an order line and the actual it produced."""
    require_own_draft(line.visit.sheet, by)
    record_id = line.sale_record_id
    line.delete()
    SaleRecord.objects.filter(pk=record_id).delete()
    sheet_touched(line.visit.sheet)


@entry_point
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
    photos: list[PhotoUpload] | None = None,
) -> Visit:
    """Stamp the departure and record what came of the visit; its order lines and photos are stored with it or not
    at all. The visit comes back with its order lines, photos and reviews (``prefetch_related`` finds them there):
    what this wrote, and what was there before read only when the lock's query says there is some."""
    visit = _own_draft_visit(
        by,
        visit,
        read_also=("customer",),
        rows=Visit.objects.annotate(
            had_lines=Exists(OrderLine.objects.filter(visit=OuterRef("pk"))),
            had_photos=Exists(VisitPhoto.objects.filter(visit=OuterRef("pk"))),
            had_reviews=Exists(VisitReview.objects.filter(visit=OuterRef("pk"))),
        ),
    )
    at = _now_or(at, field_name="check_out_at")
    if visit.check_in_at is None:
        raise ValidationError({"check_out_at": _("Check in before checking out.")})
    if visit.check_out_at is not None:
        raise ValidationError({"check_out_at": _("This visit is already checked out.")})
    if at < visit.check_in_at:
        raise ValidationError({"check_out_at": _("The check-out cannot be before the check-in.")})
    visit.check_out_at = at
    visit.check_out_synced_at = timezone.now()
    visit = _apply_record(
        visit,
        outcome=outcome,
        next_step=next_step,
        next_visit_date=next_visit_date,
        is_new_customer=is_new_customer,
        is_new_outlet=is_new_outlet,
    )
    earlier = list(visit.order_lines.select_related("product")) if visit.had_lines else []
    lines = []
    for number, line in enumerate(order_lines or [], start=1):
        try:
            lines.append(
                _order_line_prepare(
                    visit=visit, product=line.get("product"), quantity=line.get("quantity"), amount=line.get("amount")
                )
            )
        except ValidationError as error:
            raise ValidationError(
                {f"order_lines[{number}].{name}": messages for name, messages in error.message_dict.items()}
            ) from None
    _order_lines_store(lines)
    if lines and visit.customer.first_order_date is None:  # a first order date, once set, only moves earlier
        customer_first_order_mark(visit)
    # The photos last: nothing is written to storage for a check-out that is refused.
    added_photos = photos_change(by=by, visit=visit, add=photos or [])
    visit._prefetched_objects_cache = {
        "order_lines": [*earlier, *lines],
        # photos_change reads the visit's photos when it adds some: then they are read again.
        **({} if visit.had_photos or added_photos else {"photos": []}),
        **({} if visit.had_reviews else {"reviews": []}),
    }
    sheet_touched(visit.sheet)
    return visit


def _apply_record(visit: Visit, **changes: Any) -> Visit:
    for name, value in changes.items():
        if value is not None:
            setattr(visit, name, value.strip() if isinstance(value, str) else value)
    if visit.next_visit_date is not None and visit.next_visit_date <= visit.sheet.date:
        raise ValidationError({"next_visit_date": _("The next visit must be after this visit's date.")})
    if visit.next_visit_date is not None and visit.next_visit_date > visit.sheet.date + NEXT_VISIT_WITHIN:
        raise ValidationError({"next_visit_date": _("The next visit must be within a year of this one.")})
    if len(visit.outcome) > OUTCOME_MAX_LENGTH:
        raise ValidationError({"outcome": _("Keep the outcome to %(n)d characters.") % {"n": OUTCOME_MAX_LENGTH}})
    _validate(visit)
    visit.save()
    return visit


@entry_point
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
    photos: list[PhotoUpload] | None = None,
    remove_photos: list[int] | None = None,
) -> Visit:
    """Change what the rep wrote about a visit on their draft sheet (``None`` leaves a field as it is); photos are
    added, removed or (both at once) replaced."""
    visit = _own_draft_visit(by, visit)
    visit = _apply_record(
        visit,
        outcome=outcome,
        next_step=next_step,
        next_visit_date=next_visit_date,
        is_new_customer=is_new_customer,
        is_new_outlet=is_new_outlet,
        purpose=purpose,
        planned_time=planned_time,
    )
    photos_change(by=by, visit=visit, add=photos or [], remove=remove_photos or [])
    sheet_touched(visit.sheet)
    return visit


@entry_point
def sheet_submit(
    *,
    by: AbstractBaseUser,
    sheet: VisitSheet,
    at: dt.datetime | None = None,
    undone_reasons: dict[int, str] | None = None,
) -> VisitSheet:
    """Hand in the day's sheet; after the company's deadline it is marked late. It is then read-only to the rep.

    Each planned visit not made needs a reason (``undone_reasons``: visit id → reason), kept on the visit for the
    manager; without them nothing is submitted. A sheet the manager reopened keeps the late flag of its first
    submission.
    """
    sheet = VisitSheet.objects.select_for_update().get(pk=sheet.pk)
    if sheet.rep_id != by.pk:
        raise PermissionDenied
    if sheet.status != VisitSheet.Status.DRAFT:
        raise ValidationError({"status": _("This sheet has already been submitted.")})
    at = _now_or(at, field_name="submitted_at")
    undone = list(sheet.visits.filter(planned=True, check_out_at__isnull=True).select_related("customer"))
    reasons = {int(pk): (text or "").strip() for pk, text in (undone_reasons or {}).items()}
    missing = {
        f"undone_reasons[{visit.pk}]": _("Say why %(customer)s was not visited.") % {"customer": visit.customer.name}
        for visit in undone
        if not reasons.get(visit.pk)
    }
    if missing:
        raise ValidationError(missing)
    for visit in undone:
        visit.undone_reason = reasons[visit.pk][:300]
    Visit.objects.bulk_update(undone, ["undone_reason"])
    sheet.status = VisitSheet.Status.SUBMITTED
    sheet.is_late = sheet.is_late or at > sheet.deadline
    sheet.submitted_at = at
    sheet.version += 1
    sheet.save(update_fields=["status", "is_late", "submitted_at", "version", "updated_at"])
    return sheet


@entry_point
def sheet_route_accept(*, by: AbstractBaseUser, sheet: VisitSheet, visit_ids: list[int]) -> VisitSheet:
    """Put the sheet's visits in the order of the day's route the rep accepted (the sheet lists them so).

    The route holds the visits still to make; the others keep their places ahead of it.
    """
    require_own_draft(sheet, by)
    visits = {v.pk: v for v in sheet.visits.select_for_update()}
    if not set(visit_ids) <= set(visits) or len(visit_ids) != len(set(visit_ids)):
        raise ValidationError({"route": _("The route names visits that are not on this sheet; reload the page.")})
    ahead = [pk for pk in visits if pk not in set(visit_ids)]  # the sheet's order: those already made first
    for place, visit_id in enumerate(ahead + visit_ids, start=1):
        visits[visit_id].route_order = place
    Visit.objects.bulk_update(list(visits.values()), ["route_order"])
    sheet_touched(sheet)
    return sheet
