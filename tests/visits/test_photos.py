"""Visit photos: up to three a visit, shrunk to 1,600 px, their files deleted when replaced, a daily quota per rep."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation
from PIL import Image

from tests.visits.conftest import TODAY, local
from tests.visits.factories import picture
from visits.models import OrderLine, PhotoUploadDay, VisitPhoto
from visits.services import rep_day, visit_photos

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def visit(company, clock, shops):
    sheet = rep_day.sheet_open(rep=company.rep_a)
    planned = rep_day.visit_plan(by=company.rep_a, sheet=sheet, customer=shops["a1"])
    return rep_day.visit_check_in(by=company.rep_a, visit=planned)


def upload(seed: int = 0, **fields) -> visit_photos.PhotoUpload:
    return visit_photos.PhotoUpload(file=SimpleUploadedFile(f"shelf-{seed}.png", picture(seed=seed)), **fields)


def stored_files(media) -> list[str]:
    return sorted(str(path.relative_to(media)) for path in media.rglob("*") if path.is_file())


def test_a_visit_takes_three_photos_and_refuses_a_fourth_storing_nothing_of_it(company, visit, media) -> None:
    rep_day.visit_check_out(by=company.rep_a, visit=visit, photos=[upload(1), upload(2)])
    visit_photos.visit_photo_add(by=company.rep_a, visit=visit, photo=upload(3))
    assert visit.photos.count() == 3
    with translation.override("en"), pytest.raises(ValidationError) as error:
        visit_photos.visit_photo_add(by=company.rep_a, visit=visit, photo=upload(4))
    assert "at most 3 photos" in error.value.message_dict["photo"][0]
    assert visit.photos.count() == 3 and len(stored_files(media)) == 3
    assert PhotoUploadDay.objects.get(rep=company.rep_a).count == 3


def test_a_check_out_with_four_photos_is_refused_whole(company, visit, products, media) -> None:
    lines = [{"product": products["tea"], "quantity": "2", "amount": None}]
    with pytest.raises(ValidationError):
        rep_day.visit_check_out(by=company.rep_a, visit=visit, order_lines=lines, photos=[upload(n) for n in range(4)])
    visit.refresh_from_db()
    assert visit.check_out_at is None and not OrderLine.objects.exists() and stored_files(media) == []


def test_replacing_a_photo_deletes_the_old_file_once_the_change_commits(
    company, visit, media, django_capture_on_commit_callbacks
) -> None:
    rep_day.visit_check_out(by=company.rep_a, visit=visit, photos=[upload(1), upload(2)])
    first, second = visit.photos.all()
    with django_capture_on_commit_callbacks(execute=True):
        rep_day.visit_record(by=company.rep_a, visit=visit, photos=[upload(3)], remove_photos=[first.pk])
    assert not (media / first.file.name).exists()
    assert (media / second.file.name).exists()
    (new,) = visit.photos.exclude(pk=second.pk)
    assert (media / new.file.name).exists() and len(stored_files(media)) == 2


def test_a_refused_replacement_keeps_the_old_photo_and_its_file(
    company, visit, media, django_capture_on_commit_callbacks
) -> None:
    rep_day.visit_check_out(by=company.rep_a, visit=visit, photos=[upload(1)])
    (kept,) = visit.photos.all()
    bad = visit_photos.PhotoUpload(file=SimpleUploadedFile("notes.txt", b"not a picture"))
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(ValidationError):
        rep_day.visit_record(by=company.rep_a, visit=visit, photos=[bad], remove_photos=[kept.pk])
    assert list(visit.photos.all()) == [kept] and (media / kept.file.name).exists()


def test_the_daily_quota_counts_every_upload_and_starts_again_the_next_day(
    company, visit, settings, clock, django_capture_on_commit_callbacks
) -> None:
    settings.PHOTO_DAILY_QUOTA = 3
    rep_day.visit_check_out(by=company.rep_a, visit=visit, photos=[upload(1), upload(2)])
    first = visit.photos.first()
    with django_capture_on_commit_callbacks(execute=True):
        visit_photos.visit_photo_remove(by=company.rep_a, photo=first)  # a removed photo still counts
    visit_photos.visit_photo_add(by=company.rep_a, visit=visit, photo=upload(3))
    with translation.override("en"), pytest.raises(ValidationError) as error:
        visit_photos.visit_photo_add(by=company.rep_a, visit=visit, photo=upload(4))
    assert error.value.message_dict["photo"] == [
        "You have uploaded 3 of today's 3 photos; this would go over the limit. Try again tomorrow."
    ]
    with translation.override("zh-hans"), pytest.raises(ValidationError) as chinese:
        visit_photos.visit_photo_add(by=company.rep_a, visit=visit, photo=upload(4))
    assert "3" in chinese.value.message_dict["photo"][0] and "明天" in chinese.value.message_dict["photo"][0]
    assert visit.photos.count() == 2

    tomorrow = TODAY + dt.timedelta(days=1)
    clock.move_to(local(tomorrow, 9))
    sheet = rep_day.sheet_open(rep=company.rep_a)
    next_visit = rep_day.visit_plan(by=company.rep_a, sheet=sheet, customer=visit.customer)
    rep_day.visit_check_in(by=company.rep_a, visit=next_visit)
    visit_photos.visit_photo_add(by=company.rep_a, visit=next_visit, photo=upload(5))
    assert PhotoUploadDay.objects.get(rep=company.rep_a, date=tomorrow).count == 1


def test_the_quota_is_each_reps_own(company, visit, settings, shops) -> None:
    settings.PHOTO_DAILY_QUOTA = 1
    visit_photos.visit_photo_add(by=company.rep_a, visit=visit, photo=upload(1))
    sheet = rep_day.sheet_open(rep=company.rep_a2)
    theirs = rep_day.visit_plan(by=company.rep_a2, sheet=sheet, customer=shops["a2x"])
    rep_day.visit_check_in(by=company.rep_a2, visit=theirs)
    visit_photos.visit_photo_add(by=company.rep_a2, visit=theirs, photo=upload(2))
    assert VisitPhoto.objects.count() == 2


def test_a_large_picture_from_another_client_is_shrunk_to_1600_px(company, visit, media) -> None:
    big = picture(3000, 2000, kind="JPEG", noise=True, quality=60)
    photo = visit_photos.visit_photo_add(
        by=company.rep_a, visit=visit, photo=visit_photos.PhotoUpload(file=SimpleUploadedFile("cam.jpg", big))
    )
    stored = Image.open(media / photo.file.name)
    assert stored.size == (1600, 1067) and stored.format == "JPEG"
    assert (media / photo.file.name).stat().st_size < len(big)


def test_the_capture_time_is_the_cameras_then_the_phones_then_now(company, visit, clock) -> None:
    exif = Image.Exif()
    exif.get_ifd(0x8769)[0x9003] = "2026:03:10 08:41:07"
    image = Image.new("RGB", (40, 30), (10, 20, 30))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", exif=exif)
    camera = visit_photos.PhotoUpload(file=SimpleUploadedFile("cam.jpg", buffer.getvalue()))
    phone = upload(1, taken_at=local(TODAY, 8, 55), latitude=Decimal("31.230400"), longitude=Decimal("121.473700"))
    rep_day.visit_check_out(by=company.rep_a, visit=visit, photos=[camera, phone, upload(2)])
    times = {photo.file.name.rsplit(".", 1)[1]: photo for photo in visit.photos.all()}
    assert times["jpg"].taken_at == local(TODAY, 8, 41) + dt.timedelta(seconds=7)
    placed = visit.photos.get(taken_at=local(TODAY, 8, 55))
    assert (placed.latitude, placed.longitude) == (Decimal("31.230400"), Decimal("121.473700"))
    assert visit.photos.filter(taken_at=local(TODAY, 9)).count() == 1  # the clock's now


def test_a_capture_time_in_the_future_is_refused(company, visit) -> None:
    with pytest.raises(ValidationError) as error:
        visit_photos.visit_photo_add(by=company.rep_a, visit=visit, photo=upload(1, taken_at=local(TODAY, 11)))
    assert "photo" in error.value.message_dict


# --- the page ------------------------------------------------------------------------------


def test_a_refused_photo_keeps_what_the_rep_typed_and_shows_the_error_beside_the_field(
    company, visit, products
) -> None:
    client = company.client_for(company.rep_a)
    response = client.post(
        reverse("visits:check_out", args=[visit.pk]),
        {
            "outcome": "Shelf reset, owner keen",
            "next_step": "Bring the new price list",
            "next_visit_date": "2026-03-17",
            "line_product": [str(products["soda"].pk), str(products["tea"].pk)],
            "line_quantity": ["6", "2"],
            "line_amount": ["", "9.50"],
            "is_new_outlet": "on",
            "photo_1": SimpleUploadedFile("minutes.pdf", b"%PDF-1.4 not a picture"),
        },
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "Shelf reset, owner keen</textarea>" in page
    assert 'value="Bring the new price list"' in page and 'value="2026-03-17"' in page
    assert f'value="{products["soda"].pk}" data-price="3.50" selected' in page
    assert f'value="{products["tea"].pk}" data-price="4.00" selected' in page
    assert 'value="6"' in page and 'value="9.50"' in page
    assert 'id="new-outlet-' in page and f'name="is_new_outlet" id="new-outlet-{visit.pk}" checked' in page
    error_box = page[page.index(f'id="photo-error-{visit.pk}"') :][:400]
    assert "data-form-error" in error_box and "照片必须是 JPEG" in error_box
    visit.refresh_from_db()
    assert visit.check_out_at is None and not OrderLine.objects.exists()


def test_the_check_out_page_stores_the_slots_photos_with_their_time_and_position(company, visit, media) -> None:
    client = company.client_for(company.rep_a)
    response = client.post(
        reverse("visits:check_out", args=[visit.pk]),
        {
            "outcome": "Done",
            "photo_1": SimpleUploadedFile("a.png", picture(seed=1)),
            "photo_1_taken_at": "2026-03-10T00:50:00.000Z",  # 08:50 in Shanghai
            "photo_1_latitude": "31.2304",
            "photo_1_longitude": "121.4737",
            "photo_3": SimpleUploadedFile("c.png", picture(seed=3)),
            "photo_3_taken_at": "not a time",
        },
    )
    assert response.status_code == 302
    first, last = visit.photos.order_by("taken_at")
    assert first.taken_at == local(TODAY, 8, 50) and first.latitude == Decimal("31.230400")
    assert last.taken_at == local(TODAY, 9) and last.latitude is None


def test_the_record_form_replaces_a_photo_and_deletes_its_file(
    company, visit, media, django_capture_on_commit_callbacks
) -> None:
    rep_day.visit_check_out(by=company.rep_a, visit=visit, photos=[upload(1), upload(2), upload(3)])
    old = visit.photos.first()
    client = company.client_for(company.rep_a)
    page = client.get(reverse("visits:sheet", args=[visit.sheet_id])).content.decode()
    assert page.count('name="remove_photo" value="') == 3
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("visits:record", args=[visit.pk]),
            {"outcome": "Done", "remove_photo": str(old.pk), "photo_1": SimpleUploadedFile("n.png", picture(seed=9))},
        )
    assert response.status_code == 302
    assert visit.photos.count() == 3 and not visit.photos.filter(pk=old.pk).exists()
    assert not (media / old.file.name).exists() and len(stored_files(media)) == 3


# --- the API -------------------------------------------------------------------------------


def _api(user):
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_authenticate(user)
    return client


def test_the_api_adds_lists_and_removes_photos_multipart_only(
    company, visit, media, django_capture_on_commit_callbacks
) -> None:
    client = _api(company.rep_a)
    url = f"/api/v1/visits/{visit.pk}/photos/"
    added = client.post(
        url,
        {"file": SimpleUploadedFile("a.png", picture()), "taken_at": "2026-03-10T08:30:00+08:00"},
        format="multipart",
    )
    assert added.status_code == 201, added.content
    body = added.json()
    assert body["url"] == f"/visits/visit/{visit.pk}/photos/{body['id']}/" and body["taken_at"].startswith("2026-03-10")
    assert client.get(url).json() == [body]
    assert client.get(f"/api/v1/visits/{visit.pk}/").json()["photos"] == [body]
    as_json = client.post(url, {"file": "x"}, format="json")
    assert as_json.status_code == 415
    bad = client.post(url, {"file": SimpleUploadedFile("x.jpg", b"%PDF-1.4")}, format="multipart")
    assert bad.status_code == 400 and "photo" in bad.json()
    stored = media / VisitPhoto.objects.get().file.name
    with django_capture_on_commit_callbacks(execute=True):
        assert client.delete(f"{url}{body['id']}/").status_code == 204
    assert not VisitPhoto.objects.exists() and not stored.exists()


def test_a_visit_is_patched_with_json_only(company, visit) -> None:
    client = _api(company.rep_a)
    url = f"/api/v1/visits/{visit.pk}/"
    assert client.patch(url, {"outcome": "x"}, format="multipart").status_code == 415
    assert client.patch(url, {"outcome": "Shelf photo"}, format="json").status_code == 200


@pytest.mark.parametrize(("role", "expected"), [("rep_b", 404), ("manager_a", 403), ("director", 403)])
def test_only_the_visits_rep_adds_or_removes_its_photos(company, visit, role, expected) -> None:
    photo = visit_photos.visit_photo_add(by=company.rep_a, visit=visit, photo=upload(1))
    client = _api(getattr(company, role))
    url = f"/api/v1/visits/{visit.pk}/photos/"
    added = client.post(url, {"file": SimpleUploadedFile("a.png", picture())}, format="multipart")
    assert added.status_code == expected
    assert client.delete(f"{url}{photo.pk}/").status_code == expected
    assert list(visit.photos.all()) == [photo]
    listed = client.get(url)
    assert listed.status_code == (404 if role == "rep_b" else 200)


def test_the_schema_offers_the_photo_upload_as_multipart_only(company) -> None:
    schema = _api(company.rep_a).get("/api/schema/?format=json").json()
    upload_body = schema["paths"]["/api/v1/visits/{id}/photos/"]["post"]["requestBody"]["content"]
    assert list(upload_body) == ["multipart/form-data"]
    patch_body = schema["paths"]["/api/v1/visits/{id}/"]["patch"]["requestBody"]["content"]
    assert list(patch_body) == ["application/json"]
