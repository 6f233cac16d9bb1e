"""The check-in's distance, the flags, the "to verify" list, the route and the map as pages show them."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from django.urls import reverse

from tests.visits.conftest import TODAY, local
from visits import routes
from visits.models import Visit
from visits.services import rep_day

pytestmark = pytest.mark.django_db

FIVE_KM_NORTH = Decimal("0.044966")  # 5,000 m of latitude


@pytest.fixture
def placed_shops(shops) -> dict:
    # Three shops on a north–south street, 1 km apart, listed out of order; a2 is the far end.
    for key, north in (("a1", "0"), ("a2", "0.017986"), ("a3", "0.008993")):
        shop = shops[key]
        shop.latitude, shop.longitude = Decimal("31.200000") + Decimal(north), Decimal("121.400000")
        shop.save()
    return shops


def _out_of_range_check_in(company, shop) -> Visit:
    sheet = rep_day.sheet_open(rep=company.rep_a)
    visit = rep_day.visit_plan(by=company.rep_a, sheet=sheet, customer=shop)
    client = company.client_for(company.rep_a)
    client.post(
        reverse("visits:check_in", args=[visit.pk]),
        {"latitude": str(shop.latitude + FIVE_KM_NORTH), "longitude": str(shop.longitude), "accuracy_m": "12"},
    )
    visit.refresh_from_db()
    return visit


def test_a_check_in_5_km_away_is_out_of_range_on_the_reps_sheet_and_the_managers_pages(
    company, clock, placed_shops
) -> None:
    visit = _out_of_range_check_in(company, placed_shops["a1"])
    assert (visit.location_status, visit.distance_m) == ("out_of_range", 5000)
    rep_page = company.client_for(company.rep_a).get(reverse("visits:today")).content.decode()
    assert 'data-testid="location-status" data-status="out_of_range"' in rep_page
    manager = company.client_for(company.manager_a)
    sheet_page = manager.get(reverse("visits:sheet", args=[visit.sheet_id])).content.decode()
    assert 'data-status="out_of_range"' in sheet_page
    team_page = manager.get(reverse("visits:team_day")).content.decode()
    assert 'data-testid="location-doubts"' in team_page
    to_verify = manager.get(reverse("visits:to_verify")).content.decode()
    assert f'data-visit="{visit.pk}"' in to_verify
    assert 'data-code="out_of_range"' in to_verify


def test_another_teams_manager_does_not_see_the_doubtful_visit(company, clock, placed_shops) -> None:
    visit = _out_of_range_check_in(company, placed_shops["a1"])
    page = company.client_for(company.manager_b).get(reverse("visits:to_verify")).content.decode()
    assert f'data-visit="{visit.pk}"' not in page


def test_the_manager_confirms_a_proposed_position_from_the_to_verify_page(company, clock, shops) -> None:
    sheet = rep_day.sheet_open(rep=company.rep_a)
    visit = rep_day.visit_plan(by=company.rep_a, sheet=sheet, customer=shops["a1"])
    rep_day.visit_check_in(
        by=company.rep_a, visit=visit, latitude=Decimal("31.2"), longitude=Decimal("121.4"), accuracy_m=Decimal("9")
    )
    manager = company.client_for(company.manager_a)
    assert f'data-customer="{shops["a1"].pk}"' in manager.get(reverse("visits:to_verify")).content.decode()
    response = manager.post(reverse("visits:position", args=[shops["a1"].pk]), {"action": "confirm"})
    assert response.status_code == 302
    shops["a1"].refresh_from_db()
    assert (shops["a1"].latitude, shops["a1"].longitude) == (Decimal("31.2"), Decimal("121.4"))


def test_a_manager_cannot_confirm_another_teams_customer(company, clock, shops) -> None:
    shop = shops["b"]
    shop.proposed_latitude, shop.proposed_longitude = Decimal("31.2"), Decimal("121.4")
    shop.save()
    response = company.client_for(company.manager_a).post(
        reverse("visits:position", args=[shop.pk]), {"action": "confirm"}
    )
    assert response.status_code == 404
    shop.refresh_from_db()
    assert shop.latitude is None


def test_the_rep_accepts_the_suggested_route_and_the_sheet_follows_it(company, clock, placed_shops) -> None:
    client = company.client_for(company.rep_a)
    sheet = rep_day.sheet_open(rep=company.rep_a)
    planned = [
        rep_day.visit_plan(by=company.rep_a, sheet=sheet, customer=placed_shops[key]) for key in ("a1", "a2", "a3")
    ]
    page = client.get(reverse("visits:today"), {"from": "31.19,121.4"}).content.decode()
    assert 'data-testid="route"' in page
    route = page[page.index('data-testid="route-stops"') :]
    order = [int(part.split('"')[0]) for part in route.split('data-visit="')[1:4]]
    assert order == [planned[0].pk, planned[2].pk, planned[1].pk]  # south to north
    # 1.1 km from where the rep stands to the first shop, then 1 km and 1 km.
    total = page.split('data-testid="route-total">')[1].split("<")[0]
    assert total in ("3.1 km", "3.1 公里")
    response = client.post(reverse("visits:route", args=[sheet.pk]), {"visit": order})
    assert response.status_code == 302
    assert list(sheet.visits.values_list("pk", flat=True)) == order
    assert (
        'data-testid="route-accepted"' in client.get(reverse("visits:today"), {"from": "31.19,121.4"}).content.decode()
    )


def test_a_route_naming_another_sheets_visit_changes_nothing(company, clock, placed_shops) -> None:
    sheet = rep_day.sheet_open(rep=company.rep_a)
    mine = rep_day.visit_plan(by=company.rep_a, sheet=sheet, customer=placed_shops["a1"])
    other_sheet = rep_day.sheet_open(rep=company.rep_b)
    theirs = rep_day.visit_plan(by=company.rep_b, sheet=other_sheet, customer=placed_shops["b"])
    company.client_for(company.rep_a).post(reverse("visits:route", args=[sheet.pk]), {"visit": [theirs.pk, mine.pk]})
    assert list(Visit.objects.filter(route_order__isnull=False)) == []


def test_the_map_page_carries_the_check_ins_and_draws_without_a_tile_server(company, clock, placed_shops) -> None:
    visit = _out_of_range_check_in(company, placed_shops["a1"])
    page = company.client_for(company.manager_a).get(reverse("visits:map", args=[visit.sheet_id])).content.decode()
    data = json.loads(page.split('<script id="day-map-data" type="application/json">')[1].split("</script>")[0])
    assert data["tiles"] == ""
    assert [(stop["name"], stop["doubtful"]) for stop in data["track"]] == [("Alpha Mart", True)]
    assert data["route"] is None
    assert "vendor/leaflet.js" in page


def test_the_day_track_shows_the_distance_between_check_ins(company, clock, placed_shops) -> None:
    sheet = rep_day.sheet_open(rep=company.rep_a)
    for hour, key in ((9, "a1"), (10, "a3")):
        visit = rep_day.visit_plan(by=company.rep_a, sheet=sheet, customer=placed_shops[key], planned=False)
        shop = placed_shops[key]
        clock.move_to(local(TODAY, hour))
        rep_day.visit_check_in(by=company.rep_a, visit=visit, latitude=shop.latitude, longitude=shop.longitude)
    page = company.client_for(company.manager_a).get(reverse("visits:sheet", args=[sheet.pk])).content.decode()
    legs = page.split('data-testid="track-leg">')[1:]
    assert len(legs) == 1
    assert legs[0].startswith("+1.0 km") or legs[0].startswith("+1.0 公里")


def test_accepting_the_route_after_a_check_in_keeps_the_visit_made_ahead(company, clock, placed_shops) -> None:
    sheet = rep_day.sheet_open(rep=company.rep_a)
    a1, a2, a3 = (
        rep_day.visit_plan(by=company.rep_a, sheet=sheet, customer=placed_shops[key]) for key in ("a1", "a2", "a3")
    )
    rep_day.visit_check_in(by=company.rep_a, visit=a2, latitude=placed_shops["a2"].latitude, longitude=Decimal("121.4"))
    visits = list(sheet.visits.select_related("customer"))
    route = routes.day_route(visits)  # from the check-in at the north end: a3 (1 km), then a1
    assert route.visit_ids == [a3.pk, a1.pk]
    rep_day.sheet_route_accept(by=company.rep_a, sheet=sheet, visit_ids=route.visit_ids)
    assert list(sheet.visits.values_list("pk", flat=True)) == [a2.pk, a3.pk, a1.pk]
    assert routes.day_route(list(sheet.visits.select_related("customer"))).is_accepted


def test_the_route_says_where_it_starts_from(company, clock, placed_shops) -> None:
    sheet = rep_day.sheet_open(rep=company.rep_a)
    for key in ("a1", "a2", "a3"):
        rep_day.visit_plan(by=company.rep_a, sheet=sheet, customer=placed_shops[key])
    visits = list(sheet.visits.select_related("customer"))
    assert routes.day_route(visits).start_kind == ""
    assert routes.day_route(visits, start=(31.19, 121.4)).start_kind == "phone"
    rep_day.visit_check_in(by=company.rep_a, visit=visits[0], latitude=Decimal("31.2"), longitude=Decimal("121.4"))
    route = routes.day_route(list(sheet.visits.select_related("customer")))
    assert (route.start_kind, route.start) == ("check_in", (31.2, 121.4))
