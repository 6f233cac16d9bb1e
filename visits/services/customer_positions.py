"""The customers' positions: where a check-in stands against a customer's, a position proposed by a check-in, and
confirmed or dismissed by a manager."""

from __future__ import annotations

from decimal import Decimal

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from org.models import Customer, Datum
from org.scoping import scope_for
from salesops.transactions import entry_point
from visits import geo
from visits.models import Visit, VisitSettings
from visits.selectors import customer_position


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


def customer_position_propose(visit: Visit, by: AbstractBaseUser) -> None:
    """The first precise check-in at a customer without a position proposes it, for a manager to confirm."""
    Customer.objects.filter(pk=visit.customer_id, latitude__isnull=True, proposed_latitude__isnull=True).update(
        proposed_latitude=visit.latitude,
        proposed_longitude=visit.longitude,
        proposed_at=visit.check_in_at,
        proposed_by=by,
        updated_at=timezone.now(),
    )


def _require_manager_of_customer(customer: Customer, by: AbstractBaseUser) -> None:
    scope = scope_for(by)
    if scope.is_rep or not scope.can_manage(customer.team_id):
        raise PermissionDenied


@entry_point
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


@entry_point
def customer_position_dismiss(*, by: AbstractBaseUser, customer: Customer) -> Customer:
    """A manager refuses a proposed position; the next precise check-in proposes again."""
    _require_manager_of_customer(customer, by)
    customer = Customer.objects.select_for_update().get(pk=customer.pk)
    customer.proposed_latitude = customer.proposed_longitude = customer.proposed_at = None
    customer.proposed_by = None
    customer.save()
    return customer
