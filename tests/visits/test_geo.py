"""The field's geometry: distances, China's map datums and the day's route, against hand-worked figures."""

from __future__ import annotations

import itertools

import coordTransform
import pytest

from visits import geo

# Published WGS-84 / GCJ-02 pairs (the eviltransform project's test cases).
GCJ_PAIRS = [
    # wgs lat, wgs lon, gcj lat, gcj lon
    (31.1774276, 121.5272106, 31.17530398364597, 121.531541859215),  # Shanghai
    (22.543847, 113.912316, 22.540796131694766, 113.9171764808363),  # Shenzhen
    (39.911954, 116.377817, 39.91334545536069, 116.38404722455657),  # Beijing
]


def test_one_degree_of_latitude_is_about_111_km() -> None:
    assert geo.haversine_m((30.0, 120.0), (31.0, 120.0)) == pytest.approx(111_195, abs=5)


def test_a_degree_of_longitude_shrinks_with_the_cosine_of_the_latitude() -> None:
    # At 60° a degree of longitude is half the equator's: 111.195 km / 2 (nearly: the path is a great circle).
    assert geo.haversine_m((60.0, 10.0), (60.0, 11.0)) == pytest.approx(55_597, rel=1e-3)


def test_the_same_point_is_zero_metres_away() -> None:
    assert geo.haversine_m((31.2304, 121.4737), (31.2304, 121.4737)) == 0


@pytest.mark.parametrize(("wgs_lat", "wgs_lon", "gcj_lat", "gcj_lon"), GCJ_PAIRS)
def test_a_gcj02_position_converts_to_its_published_wgs84_pair_within_5_m(wgs_lat, wgs_lon, gcj_lat, gcj_lon) -> None:
    converted = geo.to_wgs84(gcj_lat, gcj_lon, geo.GCJ02)
    assert geo.haversine_m(converted, (wgs_lat, wgs_lon)) < 5
    # ... while taking the GCJ-02 figures as WGS-84 is hundreds of metres off: the trap the datum avoids.
    assert geo.haversine_m((gcj_lat, gcj_lon), (wgs_lat, wgs_lon)) > 300


def test_a_baidu_position_is_shifted_further_than_amaps_and_comes_back_to_the_same_spot() -> None:
    wgs = (31.2304, 121.4737)
    gcj_lon, gcj_lat = coordTransform.wgs84_to_gcj02(wgs[1], wgs[0])
    bd_lon, bd_lat = coordTransform.wgs84_to_bd09(wgs[1], wgs[0])
    assert geo.haversine_m((bd_lat, bd_lon), (gcj_lat, gcj_lon)) > 300
    assert geo.haversine_m(geo.to_wgs84(bd_lat, bd_lon, geo.BD09), wgs) < 5


def test_a_wgs84_position_is_left_as_it_is() -> None:
    assert geo.to_wgs84(31.2304, 121.4737, geo.WGS84) == (31.2304, 121.4737)


def test_an_unknown_datum_is_refused() -> None:
    with pytest.raises(ValueError):
        geo.to_wgs84(31.0, 121.0, "osgb36")


def _brute_force_best(points, start=None) -> float:
    best = float("inf")
    for order in itertools.permutations(range(len(points))):
        path = ([start] if start else []) + [points[i] for i in order]
        best = min(best, geo.path_length_m(path))
    return best


# Six shops along a street 1 km long (about 0.009° of latitude), given in a scrambled order.
STREET = [(31.200, 121.40), (31.236, 121.40), (31.209, 121.40), (31.245, 121.40), (31.218, 121.40), (31.227, 121.40)]


def test_the_route_along_a_street_from_its_south_end_visits_the_shops_in_order() -> None:
    order = geo.route_order(STREET, start=(31.19, 121.40))
    assert order == [0, 2, 4, 5, 1, 3]


def test_without_a_start_the_route_is_the_street_from_one_end_to_the_other() -> None:
    order = geo.route_order(STREET)
    assert order in ([0, 2, 4, 5, 1, 3], [3, 1, 5, 4, 2, 0])


def test_two_opt_shortens_the_nearest_neighbour_route_to_the_known_best_order() -> None:
    # From the office, nearest neighbour goes 3, 0, 1, 4, 2, 5 (4.38 km); the best order (3.67 km, found by trying
    # all 720) doubles back through 4 and 1 first.
    shops = [
        (31.207, 121.409),
        (31.203, 121.412),
        (31.215, 121.404),
        (31.202, 121.402),
        (31.200, 121.412),
        (31.217, 121.409),
    ]
    office = (31.200, 121.400)
    order = geo.route_order(shops, start=office)
    assert order == [3, 4, 1, 0, 2, 5]
    assert geo.path_length_m([office] + [shops[i] for i in order]) == pytest.approx(_brute_force_best(shops, office))
    assert round(geo.path_length_m([office] + [shops[i] for i in order])) == 3665


def test_the_route_of_nothing_or_one_point_is_trivial() -> None:
    assert geo.route_order([]) == []
    assert geo.route_order([(31.2, 121.4)], start=(31.0, 121.0)) == [0]
