"""The plausibility rules behind the sheet's flags and the manager's "to verify" list, with hand-made days."""

from __future__ import annotations

import datetime as dt
import hashlib
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation

from tests.visits.conftest import TODAY, local
from tests.visits.factories import (
    VisitFactory,
    VisitPhotoFactory,
    VisitReviewFactory,
    VisitSheetFactory,
    picture,
)
from visits import plausibility
from visits.models import Visit, VisitSettings
from visits.services import rep_day, visit_photos

pytestmark = pytest.mark.django_db

NORTH_M = 1 / 111_195  # degrees of latitude per metre


@pytest.fixture
def sheet(company):
    return VisitSheetFactory(rep=company.rep_a, team=company.team_a, date=TODAY)


def _visit(sheet, customer, *, at, north_m=0.0, out=None, purpose="follow_up", synced=None, **fields) -> Visit:
    return VisitFactory(
        sheet=sheet,
        customer=customer,
        purpose=purpose,
        check_in_at=at,
        check_out_at=out,
        check_in_synced_at=synced or at,
        latitude=Decimal(f"{31.2 + north_m * NORTH_M:.6f}"),
        longitude=Decimal("121.400000"),
        **fields,
    )


def _thresholds(**values: int) -> None:
    VisitSettings.objects.filter(pk=VisitSettings.load().pk).update(**values)


def _codes(visits) -> dict[int, list[str]]:
    return {pk: [flag.code for flag in flags] for pk, flags in plausibility.plausibility_flags(visits).items()}


def test_two_customers_checked_in_from_the_same_spot_are_both_flagged(sheet, shops) -> None:
    first = _visit(sheet, shops["a1"], at=local(TODAY, 10), out=local(TODAY, 10, 30))
    second = _visit(sheet, shops["a2"], at=local(TODAY, 11), north_m=30)
    far = _visit(sheet, shops["a3"], at=local(TODAY, 14), north_m=3000)
    codes = _codes([first, second, far])
    assert codes[first.pk] == [plausibility.SAME_SPOT]
    assert codes[second.pk] == [plausibility.SAME_SPOT]
    assert far.pk not in codes


def test_check_ins_60_m_apart_are_not_the_same_spot(sheet, shops) -> None:
    first = _visit(sheet, shops["a1"], at=local(TODAY, 10), out=local(TODAY, 10, 30))
    second = _visit(sheet, shops["a2"], at=local(TODAY, 11), north_m=60)
    assert _codes([first, second]) == {}


def test_shops_that_really_stand_side_by_side_are_not_flagged(sheet, shops) -> None:
    for shop, north in ((shops["a1"], 0), (shops["a2"], 20)):
        shop.latitude, shop.longitude = Decimal(f"{31.2 + north * NORTH_M:.6f}"), Decimal("121.400000")
        shop.save()
    first = _visit(sheet, shops["a1"], at=local(TODAY, 10), out=local(TODAY, 10, 30))
    second = _visit(sheet, shops["a2"], at=local(TODAY, 11), north_m=20)
    assert _codes([first, second]) == {}


def test_the_same_spot_threshold_is_a_company_setting(sheet, shops) -> None:
    _thresholds(same_spot_m=100)
    first = _visit(sheet, shops["a1"], at=local(TODAY, 10), out=local(TODAY, 10, 30))
    second = _visit(sheet, shops["a2"], at=local(TODAY, 11), north_m=60)
    assert _codes([first, second])[second.pk] == [plausibility.SAME_SPOT]


def test_30_km_in_10_minutes_is_impossible_travel(sheet, shops) -> None:
    # 30 km in 10 min is 180 km/h; the visit travelled to is flagged, not the one left.
    first = _visit(sheet, shops["a1"], at=local(TODAY, 9), out=local(TODAY, 9, 50))
    second = _visit(sheet, shops["a2"], at=local(TODAY, 10), north_m=30_000)
    codes = _codes([first, second])
    assert codes == {second.pk: [plausibility.TOO_FAST]}
    with translation.override("en"):
        message = plausibility.plausibility_flags([first, second])[second.pk][0].message
    assert "30 km" in message and "10 min" in message


def test_30_km_in_20_minutes_is_possible(sheet, shops) -> None:
    # 90 km/h on the ring road: under the 120 km/h limit.
    first = _visit(sheet, shops["a1"], at=local(TODAY, 9), out=local(TODAY, 9, 40))
    second = _visit(sheet, shops["a2"], at=local(TODAY, 10), north_m=30_000)
    assert _codes([first, second]) == {}


def test_the_travel_time_runs_from_the_previous_check_out(sheet, shops) -> None:
    # Checked in at 9:00, out at 9:55, in 30 km away at 10:00: 6 minutes would be 360 km/h.
    first = _visit(sheet, shops["a1"], at=local(TODAY, 9), out=local(TODAY, 9, 55))
    second = _visit(sheet, shops["a2"], at=local(TODAY, 10), north_m=30_000)
    assert _codes([first, second]) == {second.pk: [plausibility.TOO_FAST]}


def test_the_speed_limit_is_a_company_setting(sheet, shops) -> None:
    _thresholds(max_speed_kmh=60)
    first = _visit(sheet, shops["a1"], at=local(TODAY, 9), out=local(TODAY, 9, 40))
    second = _visit(sheet, shops["a2"], at=local(TODAY, 10), north_m=30_000)
    assert _codes([first, second]) == {second.pk: [plausibility.TOO_FAST]}


def test_an_order_taking_visit_of_90_seconds_is_flagged(sheet, shops) -> None:
    short = _visit(sheet, shops["a1"], at=local(TODAY, 9), out=local(TODAY, 9, 1) + dt.timedelta(seconds=30))
    short.purpose = Visit.Purpose.ORDER
    assert _codes([short]) == {short.pk: [plausibility.TOO_SHORT]}
    assert "90" in plausibility.plausibility_flags([short])[short.pk][0].message


def test_a_follow_up_of_90_seconds_or_an_order_visit_of_3_minutes_is_not(sheet, shops) -> None:
    quick_call = _visit(sheet, shops["a1"], at=local(TODAY, 9), out=local(TODAY, 9) + dt.timedelta(seconds=90))
    order = _visit(sheet, shops["a2"], at=local(TODAY, 11), out=local(TODAY, 11, 3), purpose="order", north_m=5000)
    assert _codes([quick_call, order]) == {}


def test_a_photo_handed_in_again_is_flagged_on_the_later_visit(sheet, company, shops, clock) -> None:
    shelf = b"\xff\xd8\xff\xe0" + b"shelf" * 50
    fingerprint = visit_photos.photo_fingerprint(SimpleUploadedFile("p.jpg", shelf))
    earlier_sheet = VisitSheetFactory(rep=company.rep_a, team=company.team_a, date=TODAY - dt.timedelta(days=3))
    earlier = _visit(earlier_sheet, shops["a1"], at=local(TODAY - dt.timedelta(days=3), 10))
    later = _visit(sheet, shops["a2"], at=local(TODAY, 9, 30), north_m=8000)
    for visit in (earlier, later):
        VisitPhotoFactory(visit=visit, sha256=fingerprint)
    VisitPhotoFactory(visit=later, sha256=visit_photos.photo_fingerprint(SimpleUploadedFile("r.jpg", shelf + b"r")))
    other = _visit(sheet, shops["a3"], at=local(TODAY, 11), north_m=20_000)
    VisitPhotoFactory(visit=other, sha256=visit_photos.photo_fingerprint(SimpleUploadedFile("q.jpg", shelf + b"x")))
    codes = _codes([earlier, later, other])
    assert codes == {later.pk: [plausibility.PHOTO_REPEATED]}
    assert (TODAY - dt.timedelta(days=3)).isoformat() in plausibility.plausibility_flags([later])[later.pk][0].message


def test_a_repeated_photo_is_found_from_prefetched_photos_too(sheet, company, shops, clock) -> None:
    earlier_sheet = VisitSheetFactory(rep=company.rep_a2, team=company.team_a, date=TODAY - dt.timedelta(days=1))
    earlier = _visit(earlier_sheet, shops["a1"], at=local(TODAY - dt.timedelta(days=1), 10))
    later = _visit(sheet, shops["a2"], at=local(TODAY, 9, 30))
    VisitPhotoFactory(visit=earlier, sha256="ab" * 32)
    VisitPhotoFactory(visit=later, sha256="ab" * 32)
    visits = list(Visit.objects.filter(sheet=sheet).prefetch_related("photos"))
    assert [flag.code for flag in plausibility.plausibility_flags(visits)[later.pk]] == [plausibility.PHOTO_REPEATED]


def test_the_check_out_stores_the_photos_fingerprint(company, clock, shops, settings, tmp_path) -> None:
    settings.MEDIA_ROOT = tmp_path
    shelf = picture()
    sheet = rep_day.sheet_open(rep=company.rep_a)
    visit = rep_day.visit_plan(by=company.rep_a, sheet=sheet, customer=shops["a1"])
    rep_day.visit_check_in(by=company.rep_a, visit=visit)
    upload = visit_photos.PhotoUpload(file=SimpleUploadedFile("shelf.png", shelf))
    rep_day.visit_check_out(by=company.rep_a, visit=visit, photos=[upload])
    (photo,) = visit.photos.all()
    assert photo.sha256 == hashlib.sha256(shelf).hexdigest()
    assert photo.file.read() == shelf


def test_a_check_in_received_two_hours_after_its_time_is_flagged(sheet, shops) -> None:
    late = _visit(sheet, shops["a1"], at=local(TODAY, 9), synced=local(TODAY, 11, 5))
    prompt = _visit(sheet, shops["a2"], at=local(TODAY, 12), synced=local(TODAY, 12, 40), north_m=9000)
    assert _codes([late, prompt]) == {late.pk: [plausibility.LATE_SYNC]}


def test_the_sync_delay_is_a_company_setting(sheet, shops) -> None:
    _thresholds(max_sync_delay_minutes=30)
    prompt = _visit(sheet, shops["a2"], at=local(TODAY, 12), synced=local(TODAY, 12, 40))
    assert _codes([prompt]) == {prompt.pk: [plausibility.LATE_SYNC]}


def test_the_to_verify_list_holds_unverified_doubtful_visits_of_the_managers_teams(company, sheet, shops) -> None:
    first = _visit(sheet, shops["a1"], at=local(TODAY, 10), out=local(TODAY, 10, 30))
    second = _visit(
        sheet, shops["a2"], at=local(TODAY, 11), north_m=30, location_status="out_of_range", distance_m=5200
    )
    fine = _visit(sheet, shops["a3"], at=local(TODAY, 14), north_m=9000, location_status="in_range")
    b_sheet = VisitSheetFactory(rep=company.rep_b, team=company.team_b, date=TODAY)
    b_doubt = _visit(b_sheet, shops["b"], at=local(TODAY, 10), location_status="out_of_range", distance_m=900)
    rows = plausibility.to_verify_for(user=company.manager_a, since=TODAY, until=TODAY)
    assert [row.visit.pk for row in rows] == [second.pk, first.pk]  # most doubts first
    assert [flag.code for flag in rows[0].flags] == ["out_of_range", plausibility.SAME_SPOT]
    with translation.override("en"):
        assert "5.2 km" in plausibility.location_flag(rows[0].visit).message
    assert fine.pk not in [row.visit.pk for row in rows]
    assert [row.visit.pk for row in plausibility.to_verify_for(user=company.manager_b, since=TODAY, until=TODAY)] == [
        b_doubt.pk
    ]
    VisitReviewFactory(visit=second, by=company.manager_a)
    assert [row.visit.pk for row in plausibility.to_verify_for(user=company.manager_a, since=TODAY, until=TODAY)] == [
        first.pk
    ]
