"""A customer's first order date, which follows the orders: a visit's order lines and the ERP's sales lines."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q
from django.utils import timezone

from org.models import Customer
from visits.models import SaleRecord, Visit


def customer_first_order_mark(visit: Visit) -> None:
    """The visit's customer has its first order on the visit's date unless it had one before."""
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
