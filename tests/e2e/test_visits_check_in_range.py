"""On a phone: a check-in 5 km from the customer is accepted and marked out of range for the rep and the manager;
the day's route and map."""

from __future__ import annotations

from decimal import Decimal

import coordTransform
import pytest

from tests.e2e.conftest import screenshot
from tests.e2e.test_visits_journeys import login_on_phone
from tests.factories import CustomerFactory
from visits.models import Visit
from visits.services import rep_day

pytestmark = pytest.mark.django_db(transaction=True)

SHOP_GPS = (31.2304, 121.4737)
FIVE_KM_NORTH = 5000 / 111_195
TEXT = {
    "en": {"out_of_range": "Out of range", "hint": "5.0 km", "route": "Today's route"},
    "zh-CN": {"out_of_range": "超出范围", "hint": "5.0 公里", "route": "今日路线"},
}


def _amap(latitude: float, longitude: float) -> tuple[Decimal, Decimal]:
    """The position as Amap shows it (GCJ-02), the way a manager copies it into the customer."""
    lon, lat = coordTransform.wgs84_to_gcj02(longitude, latitude)
    return Decimal(f"{lat:.6f}"), Decimal(f"{lon:.6f}")


@pytest.mark.parametrize("locale", ["en", "zh-CN"])
def test_a_check_in_5_km_away_is_marked_out_of_range_for_the_rep_and_the_manager(company, phone, locale) -> None:
    far_shop, near_shop, last_shop = (
        CustomerFactory(
            name=name,
            team=company.team_a,
            owner=company.rep_a,
            latitude=_amap(SHOP_GPS[0] + north, SHOP_GPS[1])[0],
            longitude=_amap(SHOP_GPS[0] + north, SHOP_GPS[1])[1],
            position_datum="gcj02",
        )
        for name, north in (("Alpha Mart", 0.0), ("Avenue Shop", 0.02), ("Atlas Store", 0.01))
    )
    sheet = rep_day.sheet_open(rep=company.rep_a)
    for shop in (far_shop, near_shop, last_shop):
        rep_day.visit_plan(by=company.rep_a, sheet=sheet, customer=shop)

    # The rep stands 5 km north of Alpha Mart.
    page = phone(locale, SHOP_GPS[0] + FIVE_KM_NORTH, SHOP_GPS[1])
    login_on_phone(page, "rep_a")
    page.goto("/visits/today/")
    route = page.locator("[data-testid=route]")
    assert TEXT[locale]["route"] in route.inner_text()
    screenshot(page, f"visits-route-{locale}")
    route.locator("[data-testid=route-accept]").tap()
    page.locator("[data-testid=route-accepted]").wait_for()

    card = page.locator(f"[data-testid=visit-card][data-customer='{far_shop.name}']")
    hint = card.locator("[data-testid=distance-hint]")
    hint.wait_for()
    assert TEXT[locale]["hint"] in hint.inner_text()
    card.locator("[data-testid=check-in]").tap()
    card = page.locator(f"[data-testid=visit-card][data-customer='{far_shop.name}']")
    status = card.locator("[data-testid=location-status]")
    status.wait_for()
    assert status.get_attribute("data-status") == "out_of_range"
    assert TEXT[locale]["out_of_range"] in status.inner_text()
    assert TEXT[locale]["hint"] in status.inner_text()
    visit = Visit.objects.get(customer=far_shop)
    assert visit.check_in_at is not None and 4990 <= visit.distance_m <= 5010
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(page, f"visits-out-of-range-rep-{locale}")

    page.goto(f"/visits/sheets/{sheet.pk}/map/")
    page.locator("#day-map .leaflet-interactive").first.wait_for()
    screenshot(page, f"visits-map-rep-{locale}")

    manager = phone(locale, SHOP_GPS[0], SHOP_GPS[1])
    login_on_phone(manager, "manager_a")
    manager.goto("/visits/team/")
    row = manager.locator("[data-testid=team-day-row][data-rep=rep_a]")
    assert row.locator("[data-testid=location-doubts]").is_visible()
    screenshot(manager, f"visits-out-of-range-team-day-{locale}")
    manager.goto(f"/visits/sheets/{sheet.pk}/")
    manager_status = manager.locator(
        f"[data-testid=visit-card][data-customer='{far_shop.name}'] [data-testid=location-status]"
    )
    assert manager_status.get_attribute("data-status") == "out_of_range"
    assert TEXT[locale]["out_of_range"] in manager_status.inner_text()
    assert manager.locator("[data-testid=track-stop]").count() == 1
    screenshot(manager, f"visits-out-of-range-manager-sheet-{locale}")
    manager.goto("/visits/to-verify/")
    doubt = manager.locator(f"[data-testid=to-verify-row][data-visit='{visit.pk}']")
    assert TEXT[locale]["out_of_range"] in doubt.inner_text()
    assert manager.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(manager, f"visits-to-verify-{locale}")
