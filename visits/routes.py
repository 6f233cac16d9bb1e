"""A rep's day on the map: the track of the check-ins, the route proposed through the day's customers, and the
customers whose position waits for a manager."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

from org.models import Customer
from org.scoping import scope_for
from org.selectors import customer_list_for
from visits import geo
from visits.models import Visit
from visits.selectors import check_in_point, clock_label, customer_position


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
                "time": clock_label(stop.visit.check_in_at),
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
