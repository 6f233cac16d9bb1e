"""Reads of the visits app shared by pages, API, meetings and reports; every list goes through org.scoping."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import connection
from django.db.models import Count, DecimalField, Max, Prefetch, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from org.models import Customer, Membership, Role, Team
from org.scoping import scope_for, scoped
from org.selectors import customer_list_for
from salesops.formatting import grouped, name_sort_key
from visits import geo
from visits.models import OrderLine, SaleRecord, Visit, VisitPhoto, VisitReview, VisitSettings, VisitSheet

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


def next_visit(*, sheet: VisitSheet | None) -> Visit | None:
    """The visit a rep's home offers next: the one checked in and not yet out, else the first planned visit not
    started in the sheet's order (the accepted route, then the planned time); with the customer's position."""
    if sheet is None:
        return None
    open_visits = sheet.visits.select_related("customer").filter(check_out_at__isnull=True)
    visit = (
        open_visits.filter(check_in_at__isnull=False).order_by("check_in_at").first()
        or open_visits.filter(planned=True, check_in_at__isnull=True).first()
    )
    if visit is not None:
        visit.customer_point = customer_position(visit.customer)
    return visit


def day_summary_for_reps(*, rep_ids: list[int], day: dt.date, key_customers: bool = True) -> dict[int, DaySummary]:
    """Every listed rep's summary of ``day`` (reps without a sheet included, with zeros); two queries.

    Not scoped: the caller passes reps it has already scoped. ``key_customers=False`` leaves the planned
    customers' names out (one query less, for callers that do not show them).
    """
    return day_summaries_for_reps(rep_ids=rep_ids, days=[day], key_customers=key_customers)[day]


def day_summaries_for_reps(
    *, rep_ids: list[int], days: list[dt.date], key_customers: bool = True
) -> dict[dt.date, dict[int, DaySummary]]:
    """The summaries of several days at once: {day: {rep id: summary}}; one aggregate over the days' sheets,
    plus one query for the key customers' names when asked."""
    if not rep_ids or not days:
        return {day: {rep_id: DaySummary(rep_id=rep_id, sheet_status=None) for rep_id in rep_ids} for day in days}
    sheets = list(
        # No ordering: the model's (by the rep's username) would join the users for nothing.
        sheet_summaries(VisitSheet.objects.filter(rep_id__in=rep_ids, date__in=days).order_by()).values_list(
            "pk",
            "rep_id",
            "date",
            "status",
            "submitted_at",
            "is_late",
            "n_planned",
            "n_done",
            "n_visits",
            "n_unplanned",
            "order_amount",
            "n_new_customers",
        )
    )
    names: dict[int, list[str]] = {}
    if sheets and key_customers:
        planned = (
            Visit.objects.filter(sheet__in=[sheet[0] for sheet in sheets], planned=True)
            .order_by("sheet_id", "planned_time", "id")
            .values_list("sheet_id", "customer__name")
        )
        for sheet_id, name in planned:
            shown = names.setdefault(sheet_id, [])
            if len(shown) < KEY_CUSTOMERS_SHOWN:
                shown.append(name)
    found: dict[dt.date, dict[int, DaySummary]] = {day: {} for day in days}
    for pk, rep_id, day, status, submitted_at, is_late, planned_n, done, visits, unplanned, amount, new in sheets:
        found[day][rep_id] = DaySummary(
            rep_id=rep_id,
            sheet_status=status,
            submitted_at=submitted_at,
            is_late=is_late,
            planned=planned_n,
            done=done,
            visits=visits,
            unplanned=unplanned,
            order_amount=amount,
            new_customers=new,
            key_customers=names.get(pk, []),
        )
    return {
        day: {rep_id: found[day].get(rep_id) or DaySummary(rep_id=rep_id, sheet_status=None) for rep_id in rep_ids}
        for day in days
    }


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


def undone_planned_visits(visits: list[Visit]) -> list[Visit]:
    """The planned visits of a sheet not made (not checked out): each needs a reason when the sheet is submitted."""
    return [visit for visit in visits if visit.planned and visit.check_out_at is None]


@dataclass(frozen=True)
class PlanWarning:
    """Something the rep should look at after planning a visit; the visit was planned all the same."""

    code: str  # English in every language, for API clients
    message: str


def visit_plan_warnings(*, visit: Visit) -> list[PlanWarning]:
    """What the sheet and the API tell the rep about a visit just added: its customer already on the same sheet.
    One query."""
    count = Visit.objects.filter(sheet_id=visit.sheet_id, customer_id=visit.customer_id).count()
    if count < 2:
        return []
    message = _("%(customer)s is already on this sheet (now %(count)d visits); remove one if it was a mistake.") % {
        "customer": visit.customer.name,
        "count": count,
    }
    return [PlanWarning(code="customer_already_on_sheet", message=message)]


def sheet_with_visits(sheets: QuerySet[VisitSheet]) -> QuerySet[VisitSheet]:
    """Sheets with their visits, order lines, photos and reviews loaded in a fixed number of queries."""
    return sheet_summaries(sheets).prefetch_related(
        Prefetch(
            "visits",
            queryset=Visit.objects.select_related("customer").prefetch_related(
                Prefetch("order_lines", queryset=OrderLine.objects.select_related("product")),
                "photos",
                Prefetch("reviews", queryset=VisitReview.objects.select_related("by").order_by("created_at")),
            ),
        )
    )


@dataclass(frozen=True)
class TeamDayRow:
    rep: Any
    team: Team
    summary: DaySummary
    sheet_id: int | None
    doubts: Any = None  # a DayDoubts once with_day_doubts() counted them


def team_day_for(*, user: AbstractBaseUser | AnonymousUser, day: dt.date, team: Team | None = None) -> list[TeamDayRow]:
    """Every rep the user may see (optionally of one team and below) with their summary of ``day``; 4 queries."""
    scope = scope_for(user)
    memberships = (
        Membership.objects.active_on(day)
        .filter(role=Role.REP, team_id__in=scope.team_ids)
        .select_related("user", "team")
        .order_by("team__path")
    )
    if team is not None:
        memberships = memberships.filter(team__path__startswith=team.path)
    seen: dict[int, Membership] = {}
    for membership in memberships:
        seen.setdefault(membership.user_id, membership)
    summaries = day_summary_for_reps(rep_ids=list(seen), day=day)
    sheet_ids = dict(VisitSheet.objects.filter(rep_id__in=list(seen), date=day).values_list("rep_id", "id"))
    return [
        TeamDayRow(rep=m.user, team=m.team, summary=summaries[rep_id], sheet_id=sheet_ids.get(rep_id))
        for rep_id, m in sorted(seen.items(), key=lambda item: (item[1].team.path, name_sort_key(item[1].user)))
    ]


@dataclass(frozen=True)
class UndoneVisit:
    """A planned visit of the team day not made, with the reason its rep gave at submission."""

    rep: Any
    sheet_id: int
    visit: Visit


def team_day_undone_reasons(rows: list[TeamDayRow]) -> list[UndoneVisit]:
    """The planned visits not made on the team day's sheets that have a reason, in the rows' order; one query."""
    order = {row.sheet_id: (index, row.rep) for index, row in enumerate(rows) if row.sheet_id}
    visits = (
        Visit.objects.filter(sheet_id__in=list(order), planned=True, check_out_at__isnull=True)
        .exclude(undone_reason="")
        .select_related("customer")
        .order_by("planned_time", "id")
    )
    found = sorted(visits, key=lambda visit: order[visit.sheet_id][0])  # stable: by rep, then as planned
    return [UndoneVisit(rep=order[visit.sheet_id][1], sheet_id=visit.sheet_id, visit=visit) for visit in found]


def team_day_totals(rows: list[TeamDayRow]) -> dict[str, Any]:
    """The totals line of the team day view."""
    summaries = [row.summary for row in rows]
    planned = sum(s.planned for s in summaries)
    done = sum(s.done for s in summaries)
    return {
        "reps": len(rows),
        "filed": sum(1 for s in summaries if s.sheet_status in ("submitted", "reviewed")),
        "late": sum(1 for s in summaries if s.is_late),
        "missing": sum(1 for s in summaries if s.sheet_status in (None, "draft")),
        "planned": planned,
        "done": done,
        "completion": Decimal(done) / Decimal(planned) if planned else None,
        "visits": sum(s.visits for s in summaries),
        "unplanned": sum(s.unplanned for s in summaries),
        "order_amount": sum((s.order_amount for s in summaries), ZERO),
        "new_customers": sum(s.new_customers for s in summaries),
    }


@dataclass(frozen=True)
class CustomerCoverage:
    customer: Customer
    last_visit: dt.date | None
    visits_this_month: int
    every_days: int
    due: dt.date | None  # None: never visited, so due now
    due_gap: int = 0  # days past due (negative: days left)

    @property
    def is_overdue(self) -> bool:
        return self.due is None or self.due_gap > 0


def customer_coverage_for(
    *, user: AbstractBaseUser | AnonymousUser, today: dt.date, search: str = "", owner_id: int | None = None
) -> list[CustomerCoverage]:
    """Customers the user may see with last visit, visits this month and whether the tier's frequency is met.

    One query: the visit figures are aggregated in the database.
    """
    rules = VisitSettings.load()
    month_start = today.replace(day=1)
    visited = Q(visits__check_in_at__isnull=False)
    qs = (
        customer_list_for(user=user, search=search)
        .annotate(
            last_visit=Max("visits__sheet__date", filter=visited),
            visits_this_month=Count("visits", filter=visited & Q(visits__sheet__date__gte=month_start)),
        )
        .select_related("owner", "team")
    )
    if owner_id:
        qs = qs.filter(owner_id=owner_id)
    rows = []
    for customer in qs:
        every = rules.frequency_days(customer.tier)
        due = customer.last_visit + dt.timedelta(days=every) if customer.last_visit else None
        rows.append(
            CustomerCoverage(
                customer=customer,
                last_visit=customer.last_visit,
                visits_this_month=customer.visits_this_month,
                every_days=every,
                due=due,
                due_gap=(today - due).days if due else 0,
            )
        )
    return rows


def overdue_customer_counts(as_of: dt.date, team_ids: Sequence[int]) -> dict[tuple[int, int | None], int]:
    """Customers overdue as of ``as_of`` (the rule of ``CustomerCoverage.is_overdue``), per (team, owner): one
    query for the nightly job.

    A customer is overdue when no checked-in visit falls on a sheet dated within its tier's window
    [as_of - frequency, as_of] (the same as its last visit being older): only the visits of the last
    ``max(frequency)`` days are read, so the cost does not grow through the year. The tier's frequency is
    a CASE built from ``VisitSettings.frequencies``.
    """
    rules = VisitSettings.load()
    frequencies = rules.frequencies()
    params: dict[str, Any] = {"as_of": as_of, "teams": list(team_ids), "widest": max(frequencies.values())}
    whens = []
    for index, (tier, days) in enumerate(frequencies.items()):
        whens.append(f"WHEN %(tier_{index})s THEN %(days_{index})s")
        params |= {f"tier_{index}": tier, f"days_{index}": days}
    params["days_other"] = rules.frequency_days("")
    every = f"CASE c.tier {' '.join(whens)} ELSE %(days_other)s END"
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            SELECT c.team_id, c.owner_id, COUNT(*)
              FROM {Customer._meta.db_table} c
             WHERE c.team_id = ANY(%(teams)s)
               AND NOT EXISTS (
                   SELECT 1
                     FROM {Visit._meta.db_table} v JOIN {VisitSheet._meta.db_table} sh ON sh.id = v.sheet_id
                    WHERE v.customer_id = c.id AND v.check_in_at IS NOT NULL
                      AND sh.date BETWEEN %(as_of)s - %(widest)s AND %(as_of)s
                      AND sh.date >= %(as_of)s - ({every})
                   )
             GROUP BY 1, 2
            """,
            params,
        )
        return {(r[0], r[1]): r[2] for r in cursor.fetchall()}


def overdue_by_rep(rows: list[CustomerCoverage]) -> list[tuple[Any, list[CustomerCoverage]]]:
    """The overdue customers grouped by owner rep, most overdue (never visited) first."""
    groups: dict[int | None, list[CustomerCoverage]] = {}
    owners: dict[int | None, Any] = {}
    for row in rows:
        if row.is_overdue:
            groups.setdefault(row.customer.owner_id, []).append(row)
            owners[row.customer.owner_id] = row.customer.owner
    result = []
    for owner_id, items in groups.items():
        items.sort(key=lambda r: (r.due is not None, -(r.due_gap or 0), r.customer.name))
        result.append((owners[owner_id], items))
    result.sort(key=lambda pair: -len(pair[1]))
    return result


def discrepancy_list_for(*, user: AbstractBaseUser | AnonymousUser, open_only: bool = True) -> QuerySet[VisitReview]:
    """Discrepancies found by verification, oldest open first."""
    qs = review_list_for(user=user).discrepancies().select_related("visit__sheet__team")
    if open_only:
        qs = qs.filter(resolved_at__isnull=True)
    return qs.order_by("resolved_at", "-visit__sheet__date", "-created_at")


# --- check-ins a manager can believe ---------------------------------------------------------


def distance_label(metres: float | None) -> str:
    """A distance as a rep reads it: "85 m", "1.2 km", "12 km"."""
    if metres is None:
        return "—"
    if round(metres) < 1000:
        return _("%(n)s m") % {"n": int(round(metres))}
    places = 1 if metres < 10_000 else 0
    return _("%(n)s km") % {"n": grouped(Decimal(metres) / 1000, places)}


def customer_position(customer: Customer) -> geo.Point | None:
    """The customer's stored position in GPS terms (WGS-84), converted from the map it was copied from."""
    if customer.latitude is None or customer.longitude is None:
        return None
    return geo.to_wgs84(customer.latitude, customer.longitude, customer.position_datum)


def check_in_point(visit: Visit) -> geo.Point | None:
    """Where the phone was at check-in (WGS-84), or None."""
    if visit.latitude is None or visit.longitude is None:
        return None
    return (float(visit.latitude), float(visit.longitude))


def _clock(moment: dt.datetime) -> str:
    return timezone.localtime(moment).strftime("%H:%M")


@dataclass(frozen=True)
class Flag:
    """One reason to doubt a visit: the rule's code and a sentence the rep and the manager read."""

    code: str
    message: str

    @property
    def is_location(self) -> bool:
        return self.code in Visit.LocationStatus.values


SAME_SPOT = "same_spot"
TOO_FAST = "too_fast"
TOO_SHORT = "too_short"
PHOTO_REPEATED = "photo_repeated"
LATE_SYNC = "late_sync"


def location_flag(visit: Visit) -> Flag | None:
    """The check-in's location as a doubt (out of range, imprecise, no position, customer without one), or None."""
    if not visit.is_location_doubtful:
        return None
    label = visit.get_location_status_display()
    if visit.distance_m is not None:
        label = _("%(status)s: %(distance)s from the customer") % {
            "status": label,
            "distance": distance_label(visit.distance_m),
        }
    return Flag(visit.location_status, label)


def plausibility_flags(visits: list[Visit], *, rules: VisitSettings | None = None) -> dict[int, list[Flag]]:
    """{visit id: its doubts} for visits of whole sheets (the day rules compare a rep's visits of one day).

    The location first, then the plausibility rules with the company's thresholds: several customers checked in
    from the same spot, impossible travel speed, an order-taking visit too short, a photo handed in before, a
    check-in that reached the server long after its time. Visits without a doubt are left out; one query.
    """
    rules = rules or VisitSettings.load()
    flags: dict[int, list[Flag]] = {}

    def add(visit: Visit, code: str, message: str) -> None:
        flags.setdefault(visit.pk, []).append(Flag(code, message))

    days: dict[int, list[Visit]] = {}
    for visit in visits:
        if visit.check_in_at is None:
            continue
        place = location_flag(visit)
        if place is not None:
            flags.setdefault(visit.pk, []).append(place)
        days.setdefault(visit.sheet_id, []).append(visit)
    for day in days.values():
        day.sort(key=lambda v: (v.check_in_at, v.pk))
        _flag_same_spot(day, rules, add)
        _flag_travel_speed(day, rules, add)
    for day in days.values():
        for visit in day:
            _flag_short_order_visit(visit, rules, add)
            _flag_late_sync(visit, rules, add)
    _flag_repeated_photos([v for day in days.values() for v in day], add)
    return flags


def _flag_same_spot(day: list[Visit], rules: VisitSettings, add: Any) -> None:
    """Check-ins at different customers within ``same_spot_m`` of each other (customers that really stand that
    close, in one mall say, are not flagged)."""
    placed = [(visit, check_in_point(visit)) for visit in day]
    placed = [(visit, point) for visit, point in placed if point is not None]
    for visit, point in placed:
        nearest: tuple[float, Visit] | None = None
        for other, other_point in placed:
            if other.customer_id == visit.customer_id:
                continue
            apart = geo.haversine_m(point, other_point)
            if apart > rules.same_spot_m:
                continue
            shops = customer_position(visit.customer), customer_position(other.customer)
            if None not in shops and geo.haversine_m(*shops) <= rules.same_spot_m:
                continue
            if nearest is None or apart < nearest[0]:
                nearest = (apart, other)
        if nearest is not None:
            add(
                visit,
                SAME_SPOT,
                _("Checked in from the same spot as %(customer)s at %(time)s (%(distance)s apart).")
                % {
                    "customer": nearest[1].customer.name,
                    "time": _clock(nearest[1].check_in_at),
                    "distance": distance_label(nearest[0]),
                },
            )


def _flag_travel_speed(day: list[Visit], rules: VisitSettings, add: Any) -> None:
    """From the previous visit with a position (left at its check-out, or check-in when it was not checked out
    first) to this check-in faster than ``max_speed_kmh``."""
    previous: Visit | None = None
    for visit in day:
        point = check_in_point(visit)
        if point is None:
            continue
        if previous is not None:
            apart = geo.haversine_m(check_in_point(previous), point)
            left = previous.check_out_at
            if left is None or left > visit.check_in_at:
                left = previous.check_in_at
            hours = (visit.check_in_at - left).total_seconds() / 3600
            if apart > rules.same_spot_m and (hours <= 0 or apart / 1000 / hours > rules.max_speed_kmh):
                minutes = max(0, round(hours * 60))
                add(
                    visit,
                    TOO_FAST,
                    _("%(distance)s from %(customer)s in %(minutes)s min: faster than %(limit)s km/h.")
                    % {
                        "distance": distance_label(apart),
                        "customer": previous.customer.name,
                        "minutes": minutes,
                        "limit": rules.max_speed_kmh,
                    },
                )
        previous = visit


def _flag_short_order_visit(visit: Visit, rules: VisitSettings, add: Any) -> None:
    if visit.purpose != Visit.Purpose.ORDER or visit.check_out_at is None:
        return
    stayed = visit.check_out_at - visit.check_in_at
    if stayed < dt.timedelta(minutes=rules.min_order_visit_minutes):
        add(
            visit,
            TOO_SHORT,
            _("An order-taking visit of %(seconds)s s (at least %(limit)s min expected).")
            % {"seconds": int(stayed.total_seconds()), "limit": rules.min_order_visit_minutes},
        )


def _flag_late_sync(visit: Visit, rules: VisitSettings, add: Any) -> None:
    """A check-in or check-out that reached the server long after the time it carries (kept on the phone, or a
    phone's clock set wrong)."""
    limit = dt.timedelta(minutes=rules.max_sync_delay_minutes)
    if visit.check_in_synced_at is not None and visit.check_in_synced_at - visit.check_in_at > limit:
        delay = visit.check_in_synced_at - visit.check_in_at
        add(
            visit,
            LATE_SYNC,
            _("Check-in time %(time)s, received %(minutes)s min later.")
            % {"time": _clock(visit.check_in_at), "minutes": int(delay.total_seconds() // 60)},
        )
    if (
        visit.check_out_at is not None
        and visit.check_out_synced_at is not None
        and visit.check_out_synced_at - visit.check_out_at > limit
    ):
        delay = visit.check_out_synced_at - visit.check_out_at
        add(
            visit,
            LATE_SYNC,
            _("Check-out time %(time)s, received %(minutes)s min later.")
            % {"time": _clock(visit.check_out_at), "minutes": int(delay.total_seconds() // 60)},
        )


def _flag_repeated_photos(visits: list[Visit], add: Any) -> None:
    """A photo whose bytes equal an earlier visit's photo (any rep's: the other visit is named only by its date).

    One query, none when the visits' photos were prefetched and there are none.
    """
    if not visits:
        return
    if all("photos" in getattr(visit, "_prefetched_objects_cache", {}) for visit in visits):
        fingerprints = {photo.sha256 for visit in visits for photo in visit.photos.all() if photo.sha256}
        if not fingerprints:
            return
        sharing = VisitPhoto.objects.filter(sha256__in=fingerprints)
    else:
        theirs = VisitPhoto.objects.filter(visit__in=[visit.pk for visit in visits]).exclude(sha256="")
        sharing = VisitPhoto.objects.filter(sha256__in=theirs.values("sha256"))
    first: dict[str, tuple[dt.date, dt.datetime, int]] = {}
    held: dict[int, set[str]] = {}
    for visit_id, fingerprint, day, checked_in in sharing.values_list(
        "visit_id", "sha256", "visit__sheet__date", "visit__check_in_at"
    ):
        held.setdefault(visit_id, set()).add(fingerprint)
        key = (day, checked_in or dt.datetime.max.replace(tzinfo=dt.UTC), visit_id)
        if fingerprint not in first or key < first[fingerprint]:
            first[fingerprint] = key
    for visit in visits:
        earlier = sorted(first[f] for f in held.get(visit.pk, ()) if first[f][2] != visit.pk)
        if earlier:
            add(
                visit,
                PHOTO_REPEATED,
                _("The photo is the same picture as an earlier visit's (%(date)s).")
                % {"date": earlier[0][0].isoformat()},
            )


@dataclass(frozen=True)
class DoubtfulVisit:
    visit: Visit
    flags: list[Flag]


def to_verify_for(*, user: AbstractBaseUser | AnonymousUser, since: dt.date, until: dt.date) -> list[DoubtfulVisit]:
    """The manager's "to verify" list: visits of ``since``..``until`` in doubt (location or plausibility) that
    nobody has verified yet, most doubts first; where call-backs and market walks start. Three queries."""
    visits = list(
        visit_list_for(user=user)
        .filter(sheet__date__range=(since, until), check_in_at__isnull=False)
        .select_related("sheet__team")
        .annotate(n_reviews=Count("reviews"))
        .order_by()
    )
    flags = plausibility_flags(visits)
    rows = [DoubtfulVisit(v, flags[v.pk]) for v in visits if v.pk in flags and not v.n_reviews]
    rows.sort(key=lambda row: (-len(row.flags), -row.visit.sheet.date.toordinal(), name_sort_key(row.visit.sheet.rep)))
    return rows


@dataclass(frozen=True)
class DayDoubts:
    """How many of a rep's check-ins of the day are out of range (or without a usable position) or flagged."""

    location: int = 0
    flagged: int = 0


def with_day_doubts(rows: list[TeamDayRow]) -> list[TeamDayRow]:
    """The team day's rows with each sheet's doubts counted; two queries."""
    sheet_ids = [row.sheet_id for row in rows if row.sheet_id]
    visits = list(
        Visit.objects.filter(sheet_id__in=sheet_ids, check_in_at__isnull=False).select_related("customer").order_by()
    )
    flags = plausibility_flags(visits)
    counts: dict[int, DayDoubts] = {}
    for visit in visits:
        found = flags.get(visit.pk, [])
        before = counts.get(visit.sheet_id, DayDoubts())
        counts[visit.sheet_id] = DayDoubts(
            location=before.location + any(flag.is_location for flag in found),
            flagged=before.flagged + any(not flag.is_location for flag in found),
        )
    return [replace(row, doubts=counts.get(row.sheet_id, DayDoubts())) for row in rows]


@dataclass(frozen=True)
class TrackStop:
    """A check-in on the rep's day as the manager follows it: where, and how far and fast from the previous one."""

    visit: Visit
    point: geo.Point
    distance_m: float | None = None
    minutes: int | None = None

    @property
    def speed_kmh(self) -> int | None:
        if self.distance_m is None or not self.minutes:
            return None
        return round(self.distance_m / 1000 / (self.minutes / 60))


def day_track(visits: list[Visit]) -> list[TrackStop]:
    """The day's check-ins with a position in time order, each with its distance and time from the previous."""
    stops: list[TrackStop] = []
    for visit in sorted((v for v in visits if v.check_in_at), key=lambda v: (v.check_in_at, v.pk)):
        point = check_in_point(visit)
        if point is None:
            continue
        if not stops:
            stops.append(TrackStop(visit, point))
            continue
        previous = stops[-1]
        minutes = round((visit.check_in_at - previous.visit.check_in_at).total_seconds() / 60)
        stops.append(TrackStop(visit, point, geo.haversine_m(previous.point, point), minutes))
    return stops


@dataclass(frozen=True)
class RouteStop:
    visit: Visit
    point: geo.Point
    leg_m: float | None  # from the start or the previous stop; None for the first stop without a start


@dataclass(frozen=True)
class DayRoute:
    """Today's visits still to make, in a short order over the customers' stored positions."""

    stops: list[RouteStop]
    unplaced: list[Visit]  # customers without a stored position: at the end, in the sheet's order
    start: geo.Point | None
    start_kind: str  # "phone", "check_in" (the day's last) or "" (none: the shortest route from any customer)
    total_m: float
    is_accepted: bool  # the sheet already lists the visits in this order

    @property
    def visit_ids(self) -> list[int]:
        return [stop.visit.pk for stop in self.stops] + [visit.pk for visit in self.unplaced]


def day_route(visits: list[Visit], *, start: geo.Point | None = None) -> DayRoute:
    """The route through the planned visits not yet checked in: nearest neighbour then 2-opt, straight lines.

    It starts from ``start`` (the phone's position) when given, else from the day's last check-in, else from
    whichever customer makes the shortest route.
    """
    start_kind = "phone" if start is not None else ""
    if start is None:
        track = day_track(visits)
        start, start_kind = (track[-1].point, "check_in") if track else (None, "")
    remaining = [v for v in visits if v.planned and v.check_in_at is None]
    placed = [(visit, customer_position(visit.customer)) for visit in remaining]
    unplaced = [visit for visit, point in placed if point is None]
    placed = [(visit, point) for visit, point in placed if point is not None]
    order = geo.route_order([point for _visit, point in placed], start=start)
    stops: list[RouteStop] = []
    previous = start
    for index in order:
        visit, point = placed[index]
        stops.append(RouteStop(visit, point, geo.haversine_m(previous, point) if previous else None))
        previous = point
    ordered = [stop.visit for stop in stops] + unplaced
    places = [visit.route_order for visit in ordered]
    return DayRoute(
        stops=stops,
        unplaced=unplaced,
        start=start,
        start_kind=start_kind,
        total_m=sum(stop.leg_m or 0 for stop in stops),
        is_accepted=None not in places and places == sorted(places),
    )


def proposed_positions_for(*, user: AbstractBaseUser | AnonymousUser) -> list[Customer]:
    """Customers without a position whose first precise check-in proposed one, for the manager to confirm."""
    scope = scope_for(user)
    customers = (
        customer_list_for(user=user)
        .filter(latitude__isnull=True, proposed_latitude__isnull=False)
        .select_related("team", "proposed_by")
        .order_by("proposed_at")
    )
    return [customer for customer in customers if scope.can_manage(customer.team_id)]


def day_map(visits: list[Visit], *, route: DayRoute | None = None) -> dict[str, Any]:
    """What the day's map draws (JSON for the page script): the check-ins in time order, the customers' positions
    and, for the rep's own day, the proposed route; the tile server is the deployment's (none: a blank map)."""
    track = day_track(visits)
    customers = []
    for visit in visits:
        point = customer_position(visit.customer)
        if point is not None:
            customers.append({"lat": point[0], "lon": point[1], "name": visit.customer.name})
    return {
        "tiles": settings.MAP_TILE_URL,
        "attribution": settings.MAP_TILE_ATTRIBUTION,
        "track": [
            {
                "lat": stop.point[0],
                "lon": stop.point[1],
                "name": stop.visit.customer.name,
                "time": _clock(stop.visit.check_in_at),
                "doubtful": stop.visit.is_location_doubtful,
                "customer": customer_position(stop.visit.customer),
            }
            for stop in track
        ],
        "customers": customers,
        "route": (
            {
                "start": list(route.start) if route.start else None,
                "stops": [{"lat": s.point[0], "lon": s.point[1], "name": s.visit.customer.name} for s in route.stops],
            }
            if route is not None
            else None
        ),
    }
