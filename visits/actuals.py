"""The actuals of the record families, read live from the records that make them: sales amounts (new line,
established; by product group), new customers and new outlets (by their first order), and visits (checked in).

The one reader of actuals for the live pages: the targets' last-year profile, a ramp plan's checkpoints, the
meetings' month to date. The night rolls the same families up in SQL (``reports.night.rollups``), and the
reports read them from that roll-up; a family's name here is the roll-up's.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

from django.db import models
from django.db.models import Count, F, Q, QuerySet, Sum
from django.db.models.functions import ExtractMonth

from org.models import Customer
from visits.models import SaleRecord, Visit

NEW_LINE_AMOUNT = "new_line_amount"
ESTABLISHED_AMOUNT = "established_amount"
NEW_CUSTOMERS = "new_customers"
NEW_OUTLETS = "new_outlets"
VISITS = "visits"
SALES_FAMILIES = (NEW_LINE_AMOUNT, ESTABLISHED_AMOUNT)  # every sale is on a new line or an established one

Total = Decimal | int  # a sum of amounts, or a count
Bucket = Literal["month", "day"]


@dataclass(frozen=True)
class _Source:
    """Where a family's records are and which of their fields date them, own them and count."""

    rows: QuerySet[models.Model]
    date: str
    rep: str
    team: str
    value: Sum | Count


def _source(families: Collection[str], product_group: str) -> _Source:
    wanted = set(families)
    if wanted and wanted <= set(SALES_FAMILIES):
        sales: QuerySet[SaleRecord] = SaleRecord.objects.all()
        if wanted == {NEW_LINE_AMOUNT}:
            sales = sales.filter(product__is_new_line=True)
        elif wanted == {ESTABLISHED_AMOUNT}:
            sales = sales.filter(product__is_new_line=False)
        if product_group:
            sales = sales.filter(product__group=product_group)
        return _Source(sales, "date", "rep", "team", Sum("amount"))
    if wanted in ({NEW_CUSTOMERS}, {NEW_OUTLETS}):
        customers: QuerySet[Customer] = Customer.objects.all()
        if wanted == {NEW_OUTLETS}:
            customers = customers.filter(Q(kind=Customer.Kind.OUTLET))
        return _Source(customers, "first_order_date", "owner", "team", Count("id"))
    if wanted == {VISITS}:
        visits = Visit.objects.filter(check_in_at__isnull=False)
        return _Source(visits, "sheet__date", "sheet__rep", "sheet__team", Count("id"))
    raise ValueError(f"no one reader of the families {sorted(wanted)}")


def family_totals(
    families: Collection[str],
    *,
    start: dt.date | None = None,
    end: dt.date | None = None,
    spans: Mapping[int, tuple[dt.date, dt.date]] | None = None,
    rep_ids: Collection[int] | None = None,
    rep: models.Model | None = None,
    team_path: str | None = None,
    product_group: str = "",
    per_rep: bool = False,
    by: Bucket | None = None,
) -> dict[tuple[int | None, int | dt.date | None], Total]:
    """The actuals of ``families`` (the sales families together, or one other family) in one grouped query.

    The records are those dated in [start, end] (or, with ``spans``, each rep's own in that rep's window), of
    the reps ``rep_ids``, of ``rep``, or of the team at ``team_path`` and everything below; ``product_group``
    keeps the sales of that product group. The totals are keyed (rep id or None, bucket or None): by rep with
    ``per_rep`` (or ``spans``), and by month number (``by="month"``) or day (``by="day"``).
    """
    source = _source(families, product_group)
    rows = source.rows
    if start is not None and end is not None:
        rows = rows.filter(**{f"{source.date}__range": (start, end)})
    if spans is not None:
        windows = Q()
        for rep_id, window in spans.items():
            windows |= Q(**{f"{source.rep}_id": rep_id, f"{source.date}__range": window})
        rows = rows.filter(windows)
        per_rep = True
    if rep_ids is not None:
        rows = rows.filter(**{f"{source.rep}_id__in": list(rep_ids)})
    if rep is not None:
        rows = rows.filter(**{source.rep: rep})
    if team_path is not None:
        rows = rows.filter(**{f"{source.team}__path__startswith": team_path})
    keys: dict[str, F | ExtractMonth] = {}
    if per_rep:
        keys["total_rep"] = F(f"{source.rep}_id")
    if by == "month":
        keys["total_bucket"] = ExtractMonth(source.date)
    elif by == "day":
        keys["total_bucket"] = F(source.date)
    grouped = rows.values(**keys) if keys else rows.values()
    if not keys:
        value = rows.aggregate(total=source.value)["total"]
        return {(None, None): value} if value is not None else {}
    return {
        (row.get("total_rep"), row.get("total_bucket")): row["total"]
        for row in grouped.annotate(total=source.value).order_by()
    }
