"""Reads of the targets app shared by pages, API, exports and reports; every one goes through org.scoping."""

from __future__ import annotations

import datetime as dt
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from org.calendar import working_dates
from org.models import Membership, Role, Team
from org.scoping import scope_for, scoped
from salesops import formulas
from salesops.formatting import display_name, name_sort_key
from targets import breakdown
from targets.models import (
    ClosedMonth,
    DistributionProfile,
    Metric,
    NightRecompute,
    PendingChange,
    RampPlan,
    Target,
    TargetChange,
    TargetPeriod,
)
from visits import actuals

User = get_user_model()
ZERO = Decimal(0)


def metric_list(*, active_only: bool = True) -> QuerySet[Metric]:
    """The metrics, in tab order."""
    qs = Metric.objects.all()
    return qs.filter(active=True) if active_only else qs


def profile_list() -> QuerySet[DistributionProfile]:
    return DistributionProfile.objects.all()


def target_list_for(*, user: AbstractBaseUser | AnonymousUser) -> QuerySet[Target]:
    """Targets the user may see (a rep: only their own), with their months."""
    qs = Target.objects.select_related("team", "rep", "metric", "profile", "approved_by").prefetch_related(
        Prefetch("periods", queryset=TargetPeriod.objects.order_by("month")),
        Prefetch(
            "pending_changes",
            queryset=PendingChange.objects.filter(status=PendingChange.Status.PENDING).select_related("requested_by"),
            to_attr="open_changes",
        ),
    )
    return scoped(qs, user, team_field="team", owner_field="rep")


def target_history(*, target: Target) -> QuerySet[TargetChange]:
    return target.changes.select_related("changed_by").order_by("-changed_at", "-id")


def month_values(target: Target) -> list[Decimal]:
    """The twelve monthly values (uses prefetched periods when there are any)."""
    values = [ZERO] * 12
    for period in target.periods.all():
        values[period.month - 1] = period.value
    return values


@dataclass
class Allocation:
    parent_months: list[Decimal]
    allocated_months: list[Decimal]
    parent_year: Decimal
    allocated_year: Decimal
    remainder_months: list[Decimal] = field(default_factory=list)
    remainder_year: Decimal = ZERO

    def __post_init__(self) -> None:
        self.remainder_months = [p - a for p, a in zip(self.parent_months, self.allocated_months, strict=True)]
        self.remainder_year = self.parent_year - self.allocated_year

    @property
    def over_allocated(self) -> bool:
        return self.remainder_year < 0 or any(r < 0 for r in self.remainder_months)

    @property
    def remainder_cells(self) -> list[dict]:
        return with_quarters(self.remainder_months)

    @property
    def allocated_cells(self) -> list[dict]:
        return with_quarters(self.allocated_months)


def _allocation(parent: Target | None, children: list[Target]) -> Allocation:
    allocated = [ZERO] * 12
    for child in children:
        allocated = [a + v for a, v in zip(allocated, month_values(child), strict=True)]
    parent_months = month_values(parent) if parent else [ZERO] * 12
    return Allocation(
        parent_months=parent_months,
        allocated_months=allocated,
        parent_year=parent.annual_value if parent else ZERO,
        allocated_year=sum((c.annual_value for c in children), ZERO),
    )


def allocation_summary(*, parent: Target) -> Allocation:
    """The parent's months and year against the sum of its allocated children, with the remainder."""
    children = list(parent.children.prefetch_related("periods"))
    parent = Target.objects.prefetch_related("periods").get(pk=parent.pk)
    return _allocation(parent, children)


@dataclass
class GridRow:
    key: str  # "team:<id>" or "rep:<id>"
    label: str
    team: Team
    rep: object | None
    target: Target | None

    @property
    def months(self) -> list[Decimal]:
        return month_values(self.target) if self.target else []

    @property
    def quarters(self) -> list[Decimal]:
        return breakdown.quarter_values(self.months) if self.target else []

    @property
    def periods(self) -> list[TargetPeriod]:
        return list(self.target.periods.all()) if self.target else []

    @property
    def cells(self) -> list[dict]:
        """Months with a quarter after every third: what a grid row shows from left to right."""
        return with_quarters(self.periods)


def with_quarters(items: list) -> list[dict]:
    """Month cells ({"month", "item"}) with a quarter cell ({"quarter", "value"}) after every third month.

    ``items`` are TargetPeriods or plain values, in month order.
    """
    cells: list[dict] = []
    quarter_sum = ZERO
    for index, item in enumerate(items, start=1):
        value = item.value if isinstance(item, TargetPeriod) else item
        quarter_sum += value
        cells.append({"month": index, "item": item, "value": value})
        if index % 3 == 0:
            cells.append({"quarter": index // 3, "value": quarter_sum})
            quarter_sum = ZERO
    return cells


@dataclass
class Grid:
    team: Team
    year: int
    metric: Metric
    parent: GridRow
    rows: list[GridRow]
    allocation: Allocation

    @property
    def children(self) -> list[Team | object]:
        return [row.team if row.rep is None else row.rep for row in self.rows]


def grid_for(*, user: AbstractBaseUser | AnonymousUser, team: Team, year: int, metric: Metric) -> Grid:
    """One team's targets on a metric for a year: the team's row, then its child teams or its reps.

    A constant number of queries, however many rows.
    """
    child_teams = list(team.children.order_by("name"))
    if child_teams:
        owners = [(f"team:{child.pk}", child.name, child, None) for child in child_teams]
    else:
        memberships = (
            Membership.objects.active_on(timezone.localdate()).filter(team=team, role=Role.REP).select_related("user")
        )
        owners = [
            (f"rep:{m.user_id}", display_name(m.user), team, m.user)
            for m in sorted(memberships, key=lambda m: name_sort_key(m.user))
        ]
    targets = target_list_for(user=user).filter(fiscal_year=year, metric=metric)
    rep_ids = [rep.pk for _k, _l, _t, rep in owners if rep is not None]
    team_ids = [team.pk] + [t.pk for _k, _l, t, rep in owners if rep is None]
    found: dict[str, Target] = {}
    for target in targets.filter(rep_id__in=rep_ids) if rep_ids else []:
        found[f"rep:{target.rep_id}"] = target
    for target in targets.filter(team_id__in=team_ids, rep__isnull=True):
        found[f"team:{target.team_id}"] = target
    parent = GridRow(f"team:{team.pk}", team.name, team, None, found.get(f"team:{team.pk}"))
    rows = [GridRow(key, label, owner_team, rep, found.get(key)) for key, label, owner_team, rep in owners]
    allocation = _allocation(parent.target, [row.target for row in rows if row.target])
    return Grid(team=team, year=year, metric=metric, parent=parent, rows=rows, allocation=allocation)


@dataclass
class MyTarget:
    target: Target
    year: Decimal
    quarter: Decimal
    month: Decimal
    today: Decimal


def my_targets(*, user: AbstractBaseUser, day: dt.date | None = None) -> list[MyTarget]:
    """A rep's own targets for the year of ``day``: the year, the current quarter, month and day."""
    day = day or timezone.localdate()
    quarter = (day.month - 1) // 3 + 1
    targets = list(
        target_list_for(user=user).filter(rep=user, fiscal_year=day.year).order_by("metric__position", "metric_id")
    )
    start, end = formulas.month_bounds(day.year, day.month)
    working = working_dates(start, end)
    result = []
    for target in targets:
        months = month_values(target)
        month_value = months[day.month - 1]
        today_value = breakdown.daily_targets(month_value, working, target.metric.precision).get(day, ZERO)
        result.append(
            MyTarget(
                target=target,
                year=target.annual_value,
                quarter=breakdown.quarter_values(months)[quarter - 1],
                month=month_value,
                today=today_value,
            )
        )
    return result


def ramp_plans_for(*, user: AbstractBaseUser | AnonymousUser, team: Team | None = None) -> QuerySet[RampPlan]:
    """Ramp plans the user may see, with their checkpoints."""
    qs = scoped(
        RampPlan.objects.select_related("rep", "team").prefetch_related("checkpoints"),
        user,
        team_field="team",
        owner_field="rep",
    )
    return qs.filter(team=team) if team is not None else qs


@dataclass
class CheckpointProgress:
    day: int
    due: dt.date
    visits: tuple[int, int]  # (target, actual)
    new_customers: tuple[int, int]
    amount: tuple[Decimal, Decimal]
    is_due: bool

    @property
    def met(self) -> bool:
        return all(actual >= target for target, actual in (self.visits, self.new_customers, self.amount))


def ramp_progress(*, plan: RampPlan, day: dt.date | None = None) -> list[CheckpointProgress]:
    """Each 30/60/90-day checkpoint of a plan against the rep's actuals from the start date up to ``day``."""
    return ramp_progress_many(plans=[plan], day=day)[plan.pk]


def ramp_progress_many(*, plans: list[RampPlan], day: dt.date | None = None) -> dict[int, list[CheckpointProgress]]:
    """ramp_progress for many plans in at most three aggregate queries (visits, new customers, amount), each
    grouped by rep and day over each rep's window (first start to last checkpoint due, up to ``day``) only.

    The plans' checkpoints should be prefetched (``ramp_plans_for`` does), or each plan costs one more query.
    """
    day = day or timezone.localdate()
    plans = list(plans)
    # rep -> (first day, last day) counted for any of their plans.
    spans: dict[int, tuple[dt.date, dt.date]] = {}
    for plan in plans:
        days = [checkpoint.day for checkpoint in plan.checkpoints.all()]
        if not days:
            continue
        first, last = plan.start_date, min(plan.start_date + dt.timedelta(days=max(days) - 1), day)
        if first > last:
            continue
        known = spans.get(plan.rep_id)
        spans[plan.rep_id] = (min(first, known[0]), max(last, known[1])) if known else (first, last)

    def daily(families: tuple[str, ...]) -> dict[int, tuple[list[dt.date], list]]:
        """rep -> (sorted days, that day's value) for the reps' spans, in one grouped query."""
        if not spans:
            return {}
        rows = actuals.family_totals(families, spans=spans, by="day")
        by_rep: dict[int, tuple[list[dt.date], list]] = {}
        for rep_id, when in sorted(rows, key=lambda key: key[1]):
            dates, values = by_rep.setdefault(rep_id, ([], []))
            dates.append(when)
            values.append(rows[rep_id, when])
        return by_rep

    def total(series: dict[int, tuple[list[dt.date], list]], rep_id: int, start: dt.date, end: dt.date):
        dates, values = series.get(rep_id, ((), ()))
        return sum(values[bisect_left(dates, start) : bisect_right(dates, end)], start=0)

    visits = daily((actuals.VISITS,))
    customers = daily((actuals.NEW_CUSTOMERS,))
    amounts = daily(actuals.SALES_FAMILIES)
    result: dict[int, list[CheckpointProgress]] = {}
    for plan in plans:
        progress = []
        for checkpoint in plan.checkpoints.all():
            due = plan.start_date + dt.timedelta(days=checkpoint.day - 1)
            start, end = plan.start_date, min(due, day)
            progress.append(
                CheckpointProgress(
                    day=checkpoint.day,
                    due=due,
                    visits=(checkpoint.visits, total(visits, plan.rep_id, start, end)),
                    new_customers=(checkpoint.new_customers, total(customers, plan.rep_id, start, end)),
                    amount=(checkpoint.amount, total(amounts, plan.rep_id, start, end) or ZERO),
                    is_due=due <= day,
                )
            )
        result[plan.pk] = progress
    return result


def approver_team_id(target: Target) -> int | None:
    """The team whose managers approve the target: a rep's own team, or a team's parent."""
    return target.team_id if target.rep_id else target.team.parent_id


def is_approver(*, user: AbstractBaseUser, target: Target) -> bool:
    """Whether the user may approve this target (and so change it once approved without a pending change)."""
    scope = scope_for(user)
    approver_team = approver_team_id(target)
    return scope.is_director or (approver_team is not None and scope.can_manage(approver_team))


def can_approve(*, user: AbstractBaseUser, target: Target) -> bool:
    return not target.is_approved and is_approver(user=user, target=target)


def import_row_waits(*, user: AbstractBaseUser, target: Target | None, values: list) -> bool:
    """Whether an import row would become a pending change: it changes an approved target the user may not approve."""
    if target is None or not target.is_approved or is_approver(user=user, target=target):
        return False
    return month_values(target) != [Decimal(str(v)) for v in values]


# --- closed periods ----------------------------------------------------------------------------


def closed_months(year: int, *, today: dt.date | None = None) -> set[int]:
    """The months of ``year`` that have ended by the company's calendar and zone: every month of a past year,
    the months before the current one this year, none of a later year."""
    today = today or timezone.localdate()
    if year < today.year:
        return set(breakdown.MONTHS)
    if year > today.year:
        return set()
    return set(range(1, today.month))


def closed_month_changes(target: Target, values: list[Decimal], *, today: dt.date | None = None) -> list[int]:
    """The closed months whose value ``values`` (twelve months) would change."""
    closed = closed_months(target.fiscal_year, today=today)
    current = month_values(target)
    return [month for month in sorted(closed) if current[month - 1] != values[month - 1]]


def open_pending_change(*, target: Target) -> PendingChange | None:
    """The change of the target waiting for approval (prefetched by ``target_list_for``)."""
    if hasattr(target, "open_changes"):
        return target.open_changes[0] if target.open_changes else None
    return target.pending_changes.filter(status=PendingChange.Status.PENDING).first()


def pending_changes_for(*, user: AbstractBaseUser | AnonymousUser) -> QuerySet[PendingChange]:
    """Pending changes of targets the user may see, oldest first."""
    targets = target_list_for(user=user)
    return (
        PendingChange.objects.filter(status=PendingChange.Status.PENDING, target__in=targets)
        .select_related("target__team", "target__rep", "target__metric", "requested_by", "new_profile")
        .order_by("requested_at", "id")
    )


def pending_changes_to_decide(*, user: AbstractBaseUser) -> list[PendingChange]:
    """The pending changes this user may approve or reject (the approver's list and badge)."""
    return [change for change in pending_changes_for(user=user) if is_approver(user=user, target=change.target)]


def frozen_night(as_of: dt.date) -> bool:
    """Whether the night ``as_of`` holds the frozen scores of a closed month (no night may rewrite it), unless a
    director's recompute of it is under way."""
    if not ClosedMonth.objects.filter(night=as_of, reopened_at__isnull=True).exists():
        return False
    return not NightRecompute.objects.filter(night=as_of, started_at__isnull=False, done_at__isnull=True).exists()


def closed_month_of(month_start: dt.date) -> ClosedMonth | None:
    """The close of the month starting on ``month_start``, when it is closed."""
    return ClosedMonth.objects.filter(month=month_start, reopened_at__isnull=True).first()
