"""Geometry of the field: distances on the Earth, China's map datums, and a short route through points.

Pure functions of numbers (no models): the services and selectors hand them positions in degrees.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from decimal import Decimal

import coordTransform

EARTH_RADIUS_M = 6_371_008.8  # the mean radius (IUGG)

WGS84 = "wgs84"  # what a phone's browser reports (GPS)
GCJ02 = "gcj02"  # Amap (高德), Tencent maps, Google maps in China
BD09 = "bd09"  # Baidu maps

Point = tuple[float, float]  # (latitude, longitude) in degrees


def haversine_m(a: Point, b: Point) -> float:
    """The great-circle distance in metres between two (latitude, longitude) points."""
    lat1, lon1, lat2, lon2 = map(math.radians, (a[0], a[1], b[0], b[1]))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))


def to_wgs84(latitude: float | Decimal, longitude: float | Decimal, datum: str) -> Point:
    """A position taken from a map in ``datum`` as WGS-84, the datum of the phones' positions.

    Outside China GCJ-02 equals WGS-84 (the package leaves such points as they are); BD-09 is GCJ-02 shifted again.
    """
    lat, lon = float(latitude), float(longitude)
    if datum == GCJ02:
        lon, lat = coordTransform.gcj02_to_wgs84(lon, lat)
    elif datum == BD09:
        lon, lat = coordTransform.bd09_to_wgs84(lon, lat)
    elif datum != WGS84:
        raise ValueError(f"unknown datum {datum!r}")
    return (lat, lon)


def path_length_m(points: Sequence[Point]) -> float:
    """The length of the open path through ``points`` in their order."""
    return sum(haversine_m(points[i], points[i + 1]) for i in range(len(points) - 1))


def route_order(points: Sequence[Point], start: Point | None = None) -> list[int]:
    """A short open path visiting every point once: the indexes of ``points`` in visiting order.

    From ``start`` (where the rep is) when given, else from whichever point gives the shortest path: nearest
    neighbour first, then 2-opt (reverse a stretch while that shortens the path). Straight-line distances.
    """
    if len(points) <= 1:
        return list(range(len(points)))
    nodes = ([start] if start is not None else []) + list(points)
    offset = 1 if start is not None else 0
    distance = [[haversine_m(p, q) for q in nodes] for p in nodes]
    firsts = [0] if start is not None else range(len(nodes))
    best: list[int] | None = None
    best_length = math.inf
    for first in firsts:
        tour = _two_opt(_nearest_neighbour(distance, first), distance, fixed_start=start is not None)
        length = sum(distance[tour[i]][tour[i + 1]] for i in range(len(tour) - 1))
        if length < best_length - 1e-9:
            best, best_length = tour, length
    return [node - offset for node in best if node >= offset]


def _nearest_neighbour(distance: list[list[float]], first: int) -> list[int]:
    tour, left = [first], set(range(len(distance))) - {first}
    while left:
        here = tour[-1]
        nearest = min(left, key=lambda node: (distance[here][node], node))
        tour.append(nearest)
        left.remove(nearest)
    return tour


def _two_opt(tour: list[int], distance: list[list[float]], *, fixed_start: bool) -> list[int]:
    """Improve an open path by reversing stretches; the first node stays first when it is the rep's start."""
    improved = True
    n = len(tour)
    while improved:
        improved = False
        for i in range(1 if fixed_start else 0, n - 1):
            for j in range(i + 1, n):
                # Reversing tour[i..j] changes the edge into i and the edge out of j (when they exist).
                before = (distance[tour[i - 1]][tour[i]] if i > 0 else 0) + (
                    distance[tour[j]][tour[j + 1]] if j < n - 1 else 0
                )
                after = (distance[tour[i - 1]][tour[j]] if i > 0 else 0) + (
                    distance[tour[i]][tour[j + 1]] if j < n - 1 else 0
                )
                if after < before - 1e-9:
                    tour[i : j + 1] = reversed(tour[i : j + 1])
                    improved = True
    return tour
