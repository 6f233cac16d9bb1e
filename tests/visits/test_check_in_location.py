"""Check-ins a manager can believe: the distance to the customer, the radius, accuracy and the map datum."""

from __future__ import annotations

from decimal import Decimal

import coordTransform
import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from tests.visits.conftest import TODAY, local
from visits import geo
from visits.models import Visit, VisitSettings
from visits.services import customer_positions, rep_day

pytestmark = pytest.mark.django_db

SHOP = (Decimal("31.230400"), Decimal("121.473700"))  # a shop in Shanghai, in GPS (WGS-84) terms


def _degrees(metres_north: float) -> Decimal:
    return Decimal(str(round(metres_north / 111_195, 6)))


def _check_in(company, shop, *, north_m: float | None, accuracy: str | None = "15", at=None) -> Visit:
    sheet = rep_day.sheet_open(rep=company.rep_a)
    visit = rep_day.visit_plan(by=company.rep_a, sheet=sheet, customer=shop)
    if north_m is None:
        return rep_day.visit_check_in(by=company.rep_a, visit=visit, at=at)
    return rep_day.visit_check_in(
        by=company.rep_a,
        visit=visit,
        at=at,
        latitude=SHOP[0] + _degrees(north_m),
        longitude=SHOP[1],
        accuracy_m=Decimal(accuracy) if accuracy else None,
    )


@pytest.fixture
def shop(shops):
    customer = shops["a1"]
    customer.latitude, customer.longitude = SHOP
    customer.save()
    return customer


def test_a_check_in_120_m_from_the_customer_is_in_range_with_its_distance(company, clock, shop) -> None:
    visit = _check_in(company, shop, north_m=120)
    assert visit.location_status == Visit.LocationStatus.IN_RANGE
    assert visit.distance_m == 120


def test_a_check_in_5_km_away_is_accepted_and_marked_out_of_range(company, clock, shop) -> None:
    visit = _check_in(company, shop, north_m=5000)
    visit.refresh_from_db()
    assert visit.check_in_at is not None
    assert (visit.location_status, visit.distance_m) == (Visit.LocationStatus.OUT_OF_RANGE, 5000)


def test_the_radius_is_a_company_setting(company, clock, shop) -> None:
    rules = VisitSettings.load()
    rules.check_in_radius_m = 100
    rules.save()
    assert _check_in(company, shop, north_m=120).location_status == Visit.LocationStatus.OUT_OF_RANGE


def test_a_customer_may_have_a_wider_radius_than_the_company(company, clock, shop) -> None:
    shop.check_in_radius_m = 600  # a wholesale market: the rep parks outside
    shop.save()
    assert _check_in(company, shop, north_m=500).location_status == Visit.LocationStatus.IN_RANGE


def test_a_position_less_precise_than_200_m_is_imprecise_even_next_to_the_shop(company, clock, shop) -> None:
    visit = _check_in(company, shop, north_m=20, accuracy="850")
    assert (visit.location_status, visit.distance_m) == (Visit.LocationStatus.IMPRECISE, 20)


def test_a_check_in_without_a_position_says_so(company, clock, shop) -> None:
    visit = _check_in(company, shop, north_m=None)
    assert (visit.location_status, visit.distance_m) == (Visit.LocationStatus.NO_POSITION, None)


def test_a_position_copied_from_amap_is_converted_before_measuring(company, clock, shop) -> None:
    # The same shop as Amap shows it (GCJ-02): about 500 m from its GPS position.
    gcj_lon, gcj_lat = coordTransform.wgs84_to_gcj02(float(SHOP[1]), float(SHOP[0]))
    shop.latitude, shop.longitude = Decimal(f"{gcj_lat:.6f}"), Decimal(f"{gcj_lon:.6f}")
    assert geo.haversine_m((gcj_lat, gcj_lon), tuple(map(float, SHOP))) > 300
    shop.position_datum = "gcj02"
    shop.save()
    visit = _check_in(company, shop, north_m=0)
    assert visit.location_status == Visit.LocationStatus.IN_RANGE
    assert visit.distance_m <= 5


def test_the_same_amap_position_taken_as_gps_would_put_the_rep_out_of_range(company, clock, shop) -> None:
    gcj_lon, gcj_lat = coordTransform.wgs84_to_gcj02(float(SHOP[1]), float(SHOP[0]))
    shop.latitude, shop.longitude = Decimal(f"{gcj_lat:.6f}"), Decimal(f"{gcj_lon:.6f}")
    shop.save()
    assert _check_in(company, shop, north_m=0).location_status == Visit.LocationStatus.OUT_OF_RANGE


def test_a_customer_without_a_position_gets_the_first_precise_check_in_as_a_proposal(company, clock, shops) -> None:
    shop = shops["a2"]
    visit = _check_in(company, shop, north_m=0)
    assert visit.location_status == Visit.LocationStatus.CUSTOMER_UNPLACED
    shop.refresh_from_db()
    assert (shop.latitude, shop.proposed_latitude, shop.proposed_longitude) == (None, SHOP[0], SHOP[1])
    assert shop.proposed_by == company.rep_a


def test_an_imprecise_check_in_proposes_nothing(company, clock, shops) -> None:
    shop = shops["a2"]
    _check_in(company, shop, north_m=0, accuracy="900")
    shop.refresh_from_db()
    assert shop.proposed_latitude is None


def test_a_manager_confirms_the_proposal_and_the_check_in_is_measured(company, clock, shops) -> None:
    shop = shops["a2"]
    visit = _check_in(company, shop, north_m=0)
    customer_positions.customer_position_confirm(by=company.manager_a, customer=shop)
    shop.refresh_from_db()
    visit.refresh_from_db()
    assert (shop.latitude, shop.longitude, shop.position_datum) == (SHOP[0], SHOP[1], "wgs84")
    assert shop.proposed_latitude is None
    assert (visit.location_status, visit.distance_m) == (Visit.LocationStatus.IN_RANGE, 0)


def test_a_rep_cannot_confirm_a_proposal_nor_another_teams_manager(company, clock, shops) -> None:
    shop = shops["a2"]
    _check_in(company, shop, north_m=0)
    for user in (company.rep_a, company.manager_b):
        with pytest.raises(PermissionDenied):
            customer_positions.customer_position_confirm(by=user, customer=shop)
    shop.refresh_from_db()
    assert shop.latitude is None and shop.proposed_latitude is not None


def test_a_dismissed_proposal_is_proposed_again_by_the_next_check_in(company, clock, shops) -> None:
    shop = shops["a2"]
    _check_in(company, shop, north_m=0)
    customer_positions.customer_position_dismiss(by=company.manager_a, customer=shop)
    shop.refresh_from_db()
    assert shop.proposed_latitude is None
    clock.move_to(local(TODAY, 10))
    sheet = rep_day.sheet_open(rep=company.rep_a)
    again = rep_day.visit_plan(by=company.rep_a, sheet=sheet, customer=shop, planned=False)
    rep_day.visit_check_in(
        by=company.rep_a, visit=again, latitude=SHOP[0] + _degrees(30), longitude=SHOP[1], accuracy_m=Decimal("10")
    )
    shop.refresh_from_db()
    assert shop.proposed_latitude == SHOP[0] + _degrees(30)


def test_the_check_in_keeps_when_it_reached_the_server(company, clock, shop) -> None:
    visit = _check_in(company, shop, north_m=0, at=local(TODAY, 8, 30))
    assert visit.check_in_at == local(TODAY, 8, 30)
    assert visit.check_in_synced_at == local(TODAY, 9)


def test_a_manager_records_that_a_customers_position_was_copied_from_baidu(company, clock, shops) -> None:
    shop = shops["a3"]
    bd_lon, bd_lat = coordTransform.wgs84_to_bd09(float(SHOP[1]), float(SHOP[0]))
    response = company.client_for(company.manager_a).patch(
        f"/api/v1/customers/{shop.pk}/",
        {"latitude": f"{bd_lat:.6f}", "longitude": f"{bd_lon:.6f}", "position_datum": "bd09", "check_in_radius_m": 150},
        content_type="application/json",
    )
    assert response.status_code == 200, response.json()
    shop.refresh_from_db()
    assert (shop.position_datum, shop.check_in_radius_m) == ("bd09", 150)
    assert _check_in(company, shop, north_m=100).location_status == Visit.LocationStatus.IN_RANGE
    page = company.client_for(company.manager_a).get(reverse("org:customer_edit", args=[shop.pk])).content.decode()
    assert 'name="position_datum"' in page and 'name="check_in_radius_m"' in page
