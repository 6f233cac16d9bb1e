"""Check-ins a manager can believe: the distance to the customer, and the flags on a day's visits (same spot,
too fast between visits, too short an order visit, a late sync, a repeated photo) that list a visit to verify."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Count
from django.utils.translation import gettext as _

from salesops.formatting import grouped, name_sort_key
from visits import geo
from visits.models import Visit, VisitPhoto, VisitSettings
from visits.selectors import TeamDayRow, check_in_point, clock_label, customer_position, visit_list_for


def distance_label(metres: float | None) -> str:
    """A distance as a rep reads it: "85 m", "1.2 km", "12 km"."""
    if metres is None:
        return "—"
    if round(metres) < 1000:
        return _("%(n)s m") % {"n": int(round(metres))}
    places = 1 if metres < 10_000 else 0
    return _("%(n)s km") % {"n": grouped(Decimal(metres) / 1000, places)}


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
                    "time": clock_label(nearest[1].check_in_at),
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
            % {"time": clock_label(visit.check_in_at), "minutes": int(delay.total_seconds() // 60)},
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
            % {"time": clock_label(visit.check_out_at), "minutes": int(delay.total_seconds() // 60)},
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
