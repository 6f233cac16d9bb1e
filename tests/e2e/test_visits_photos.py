"""On a phone: a 10 MB camera photo is shrunk below 1 MB before it is sent, three photos go with a check-out, and
a file that is not a picture is refused beside the field without clearing the rest of the form."""

from __future__ import annotations

import io
import random

import pytest
from PIL import Image

from tests.e2e.conftest import SCREENSHOTS, screenshot
from tests.e2e.test_visits_journeys import login_on_phone
from tests.factories import CustomerFactory, ProductFactory
from visits.models import OrderLine, Visit
from visits.services import rep_day

pytestmark = pytest.mark.django_db(transaction=True)

TEXT = {
    "en": {"not_a_photo": "This file is not a photo", "checked_out": "Checked out."},
    "zh-CN": {"not_a_photo": "这个文件不是照片", "checked_out": "已签退。"},
}


def camera_jpeg(path, *, width: int = 4000, height: int = 3000, seed: int = 1, quality: int = 92) -> int:
    """A camera-sized JPEG of noise over a gradient (it compresses like a busy shelf); returns its size."""
    noise = Image.frombytes("RGB", (width, height), random.Random(seed).randbytes(width * height * 3))
    gradient = Image.linear_gradient("L").resize((width, height)).convert("RGB")
    picture = Image.blend(gradient, noise, 0.85)
    buffer = io.BytesIO()
    picture.save(buffer, "JPEG", quality=quality)
    path.write_bytes(buffer.getvalue())
    return len(buffer.getvalue())


@pytest.fixture
def checked_in(company):
    """Two visits of rep_a's sheet today, both checked in."""
    sheet = rep_day.sheet_open(rep=company.rep_a)
    visits = []
    for name in ("Alpha Mart", "Avenue Shop"):
        shop = CustomerFactory(name=name, team=company.team_a, owner=company.rep_a)
        visit = rep_day.visit_plan(by=company.rep_a, sheet=sheet, customer=shop)
        visits.append(rep_day.visit_check_in(by=company.rep_a, visit=visit))
    ProductFactory(name="Soda")
    return visits


def _photos_ready(card) -> None:
    card.locator("[data-testid=check-out]:not([disabled])").wait_for()


@pytest.mark.parametrize("locale", ["en", "zh-CN"])
def test_a_10_mb_camera_photo_goes_up_below_1_mb_with_two_more(phone, checked_in, locale, tmp_path, settings) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    big = tmp_path / "IMG_0001.jpg"
    assert camera_jpeg(big) > 9_500_000
    others = [tmp_path / "IMG_0002.jpg", tmp_path / "IMG_0003.jpg"]
    for seed, path in enumerate(others, start=2):
        camera_jpeg(path, width=3000, height=4000, seed=seed, quality=80)

    page = phone(locale)
    login_on_phone(page, "rep_a")
    page.goto("/visits/today/")
    visit = checked_in[0]
    card = page.locator(f"#visit-{visit.pk}")
    card.locator("textarea[name=outcome]").fill("Shelf reset")
    card.locator("select[name=line_product]").first.select_option(label="Soda")
    card.locator("input[name=line_quantity]").first.fill("6")

    sent: list[int] = []
    page.on("request", lambda r: sent.append(len(r.post_data_buffer or b"")) if "check-out" in r.url else None)
    card.locator("input[name=photo_1]").set_input_files(str(big))
    _photos_ready(card)
    shrunk = card.locator("input[name=photo_1]").evaluate("input => [input.files[0].size, input.files[0].type]")
    assert shrunk[0] < 1_000_000 and shrunk[1] == "image/jpeg"
    for slot, path in enumerate(others, start=2):
        card.locator(f"input[name=photo_{slot}]").set_input_files(str(path))
        _photos_ready(card)
    card.locator("[data-photo-preview]").nth(2).wait_for()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    card.scroll_into_view_if_needed()
    card.screenshot(path=str(SCREENSHOTS / f"visits-photos-form-{locale}.png"))

    card.locator("[data-testid=check-out]").tap()  # answered in place: the card, the totals and the message
    page.locator("#sheet-messages .alert-success").wait_for()
    assert TEXT[locale]["checked_out"] in page.locator("#sheet-messages .alert-success").first.inner_text()
    assert sent and sent[0] < 3 * 1_000_000  # three shrunk photos and the form, against 10 MB + 2 × 3 MB picked
    photos = list(Visit.objects.get(pk=visit.pk).photos.all())
    assert len(photos) == 3
    for photo in photos:
        stored = settings.MEDIA_ROOT / photo.file.name
        with Image.open(stored) as image:
            assert max(image.size) == 1600 and image.format == "JPEG"
        assert stored.stat().st_size < 1_000_000
        assert photo.latitude is not None
    with Image.open(settings.MEDIA_ROOT / photos[0].file.name) as image:
        assert image.size in {(1600, 1200), (1200, 1600)}
    assert OrderLine.objects.filter(visit=visit).count() == 1
    page.locator(f"#visit-{visit.pk} [data-testid=visit-photos] img").nth(2).wait_for()
    screenshot(page, f"visits-photos-done-{locale}")


@pytest.mark.parametrize("locale", ["en", "zh-CN"])
def test_a_file_that_is_not_a_photo_is_refused_beside_the_field_and_the_form_stays(
    phone, checked_in, locale, tmp_path
) -> None:
    page = phone(locale)
    login_on_phone(page, "rep_a")
    page.goto("/visits/today/")
    card = page.locator(f"#visit-{checked_in[1].pk}")
    card.locator("textarea[name=outcome]").fill("Owner away, spoke to the clerk")
    card.locator("input[name=next_step]").fill("Call the owner on Friday")
    card.locator("select[name=line_product]").first.select_option(label="Soda")
    card.locator("input[name=line_quantity]").first.fill("3")
    page.evaluate("window.scrollTo(0, 0)")
    card.locator("input[name=photo_1]").set_input_files(
        {"name": "price-list.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4 a price list"}
    )
    error = card.locator("[data-testid=photo-error]")
    error.wait_for()
    page.wait_for_function(
        "el => { const r = el.getBoundingClientRect(); return r.top >= 0 && r.bottom <= innerHeight; }",
        arg=error.element_handle(),
    )
    assert TEXT[locale]["not_a_photo"] in error.inner_text()
    assert card.locator("input[name=photo_1]").evaluate("input => input.files.length") == 0
    assert card.locator("textarea[name=outcome]").input_value() == "Owner away, spoke to the clerk"
    assert card.locator("input[name=next_step]").input_value() == "Call the owner on Friday"
    assert card.locator("input[name=line_quantity]").first.input_value() == "3"
    screenshot(page, f"visits-photo-refused-{locale}")

    # A picture the phone cannot draw (a broken JPEG) is refused the same way.
    card.locator("input[name=photo_2]").set_input_files(
        {"name": "IMG_0004.jpg", "mimeType": "image/jpeg", "buffer": b"\xff\xd8\xff\xe0 broken"}
    )
    page.wait_for_function("el => el.textContent.trim().length > 0", arg=error.element_handle())
    assert card.locator("textarea[name=outcome]").input_value() == "Owner away, spoke to the clerk"
    _photos_ready(card)
    card.locator("[data-testid=check-out]").tap()
    page.locator(f"#visit-{checked_in[1].pk}.border-success").wait_for()
    done = Visit.objects.get(pk=checked_in[1].pk)
    assert done.check_out_at is not None and done.outcome == "Owner away, spoke to the clerk"
    assert done.photos.count() == 0
