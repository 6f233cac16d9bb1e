"""Reads of the visits app shared by pages, API, meetings and reports; every list goes through org.scoping."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Count, DecimalField, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce

from org.scoping import scoped
from visits.models import SaleRecord, Visit, VisitReview, VisitSheet

KEY_CUSTOMERS_SHOWN = 5
ZERO = Decimal("0.00")


@dataclass(frozen=True)
class DaySummary:
    """One rep's day at a glance: filed or not, late or not, plan against done, and the day's totals."""

    rep_id: int
    sheet_status: str | None  # None: no sheet for the day
    submitted_at: dt.datetime | None = None
    is_late: bool = False
    planned: int = 0  # planned visits
    done: int = 0  # planned visits checked out
    visits: int = 0  # all visits with a check-in
    unplanned: int = 0
    order_amount: Decimal = ZERO
    new_customers: int = 0
    key_customers: list[str] = field(default_factory=list)  # planned visits' customers, at most five

    @property
    def plan_completion(self) -> Decimal | None:
        """Planned visits done / planned, or None when nothing was planned."""
        if not self.planned:
            return None
        return Decimal(self.done) / Decimal(self.planned)


def sheet_summaries(sheets: QuerySet[VisitSheet]) -> QuerySet[VisitSheet]:
    """Annotate sheets with the day's counts and totals in one query (used by every summary)."""
    money = DecimalField(max_digits=14, decimal_places=2)
    return sheets.annotate(
        n_planned=Count("visits", filter=Q(visits__planned=True), distinct=True),
        n_done=Count("visits", filter=Q(visits__planned=True, visits__check_out_at__isnull=False), distinct=True),
        n_visits=Count("visits", filter=Q(visits__check_in_at__isnull=False), distinct=True),
        n_unplanned=Count("visits", filter=Q(visits__planned=False), distinct=True),
        n_new_customers=Count("visits", filter=Q(visits__is_new_customer=True), distinct=True),
        # visits → order lines is a single chain of joins, so each order line is summed exactly once.
        order_amount=Coalesce(Sum("visits__order_lines__amount"), Value(ZERO), output_field=money),
    )


def day_summary_for_reps(*, rep_ids: list[int], day: dt.date) -> dict[int, DaySummary]:
    """Every listed rep's summary of ``day`` (reps without a sheet included, with zeros); two queries.

    Not scoped: the caller passes reps it has already scoped.
    """
    result = {rep_id: DaySummary(rep_id=rep_id, sheet_status=None) for rep_id in rep_ids}
    if not rep_ids:
        return result
    sheets = list(sheet_summaries(VisitSheet.objects.filter(rep_id__in=rep_ids, date=day)))
    names: dict[int, list[str]] = {}
    planned = (
        Visit.objects.filter(sheet__in=[sheet.pk for sheet in sheets], planned=True)
        .order_by("sheet_id", "planned_time", "id")
        .values_list("sheet_id", "customer__name")
    )
    for sheet_id, name in planned if sheets else []:
        shown = names.setdefault(sheet_id, [])
        if len(shown) < KEY_CUSTOMERS_SHOWN:
            shown.append(name)
    for sheet in sheets:
        result[sheet.rep_id] = DaySummary(
            rep_id=sheet.rep_id,
            sheet_status=sheet.status,
            submitted_at=sheet.submitted_at,
            is_late=sheet.is_late,
            planned=sheet.n_planned,
            done=sheet.n_done,
            visits=sheet.n_visits,
            unplanned=sheet.n_unplanned,
            order_amount=sheet.order_amount,
            new_customers=sheet.n_new_customers,
            key_customers=names.get(sheet.pk, []),
        )
    return result


def sheet_list_for(*, user: AbstractBaseUser | AnonymousUser) -> QuerySet[VisitSheet]:
    """Sheets the user may see: a rep their own, a manager their teams', a director all."""
    return scoped(VisitSheet.objects.select_related("rep", "team"), user, team_field="team", owner_field="rep")


def visit_list_for(*, user: AbstractBaseUser | AnonymousUser) -> QuerySet[Visit]:
    """Visits on sheets the user may see."""
    return scoped(
        Visit.objects.select_related("sheet", "sheet__rep", "customer"),
        user,
        team_field="sheet__team",
        owner_field="sheet__rep",
    )


def review_list_for(*, user: AbstractBaseUser | AnonymousUser) -> QuerySet[VisitReview]:
    """Reviews of visits the user may see (a rep sees the reviews of their own visits)."""
    return scoped(
        VisitReview.objects.select_related("visit", "visit__customer", "visit__sheet", "visit__sheet__rep", "by"),
        user,
        team_field="visit__sheet__team",
        owner_field="visit__sheet__rep",
    )


def sale_record_list_for(*, user: AbstractBaseUser | AnonymousUser) -> QuerySet[SaleRecord]:
    """Actuals the user may see."""
    return scoped(
        SaleRecord.objects.select_related("rep", "team", "customer", "product"),
        user,
        team_field="team",
        owner_field="rep",
    )
