"""File fields speak the page's language: a translated button and the chosen file's name instead of the browser's
own "Choose File / No file chosen", at least 44 px to tap on a 390 px phone, reached with the keyboard, and a
chosen file still goes up: a big camera photo shrunk, a photo through the offline queue, an ERP import file."""

from __future__ import annotations

import re

import pytest
from django.utils import timezone
from PIL import Image

from tests.e2e import test_offline_sheet as offline
from tests.e2e import test_visits_photos as photos
from tests.e2e.conftest import SCREENSHOTS, screenshot
from tests.e2e.test_visits_journeys import login_on_phone
from tests.factories import CustomerFactory, ProductFactory
from visits.models import SaleRecord, Visit

pytestmark = pytest.mark.django_db(transaction=True)

checked_in = photos.checked_in
day = offline.day

TEXT = {
    "en": {
        "photo": "Choose a photo",
        "no_photo": "No photo chosen",
        "file": "Choose a file",
        "no_file": "No file chosen",
        "checked_out": "Checked out.",
        "waiting": "1 waiting to sync",
        "done": "Done",
    },
    "zh-CN": {
        "photo": "选择照片",
        "no_photo": "未选择照片",
        "file": "选择文件",
        "no_file": "未选择文件",
        "checked_out": "已签退。",
        "waiting": "1 条等待同步",
        "done": "已完成",
    },
}


def assert_translated_picker(picker, *, button: str, empty: str) -> None:
    """The picker shows the page's words, its input is drawn by nobody, its button is a thumb's size and it fits."""
    label = picker.locator("label.file-picker-button")
    assert label.inner_text().strip().startswith(button)
    assert picker.locator("[data-file-picker-name]").inner_text() == empty
    if not re.search("[A-Za-z]", button + empty):  # in Chinese: no English word in the field at all
        assert re.search("[A-Za-z]", picker.inner_text()) is None
    hidden = picker.locator("input[type=file]").bounding_box()
    assert hidden is not None and hidden["width"] <= 1 and hidden["height"] <= 1
    box = label.bounding_box()
    assert box is not None and box["width"] >= 44 and box["height"] >= 44
    whole = picker.bounding_box()
    assert whole is not None and whole["x"] >= 0 and whole["x"] + whole["width"] <= 390


@pytest.mark.parametrize("locale", ["en", "zh-CN"])
def test_the_photo_slots_are_translated_keyboard_reachable_and_a_big_photo_still_goes_up_shrunk(
    phone, checked_in, locale, tmp_path, settings
) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    big = tmp_path / "IMG_0001.jpg"
    assert photos.camera_jpeg(big) > 9_500_000
    second = tmp_path / "IMG_0002.jpg"
    photos.camera_jpeg(second, width=1200, height=900, seed=2, quality=80)
    words = TEXT[locale]

    page = phone(locale)
    login_on_phone(page, "rep_a")
    page.goto("/visits/today/")
    visit = checked_in[0]
    card = page.locator(f"#visit-{visit.pk}")
    slots = card.locator("[data-photo-slot]")
    assert slots.count() == 3
    for index in range(3):
        assert_translated_picker(slots.nth(index), button=words["photo"], empty=words["no_photo"])
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

    # From the keyboard: Tab from the last check box reaches the first photo, the button shows the focus, and
    # Space opens the picker.
    first, label = slots.nth(0), slots.nth(0).locator("label")
    page.focus(f"#new-outlet-{visit.pk}")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == f"photo-{visit.pk}-1"
    assert label.evaluate("el => getComputedStyle(el).outlineStyle") == "solid"
    with page.expect_file_chooser() as chooser:
        page.keyboard.press("Space")
    chooser.value.set_files(str(big))
    page.wait_for_function(
        "input => input.files.length && input.files[0].size < 1000000",
        arg=first.locator("input[type=file]").element_handle(),
    )
    card.locator("[data-testid=check-out]:not([disabled])").wait_for()
    assert first.locator("[data-file-picker-name]").inner_text() == "IMG_0001.jpg"

    # A tap on the button opens the picker too.
    with page.expect_file_chooser() as chooser:
        slots.nth(1).locator("label").tap()
    chooser.value.set_files(str(second))
    card.locator("[data-testid=check-out]:not([disabled])").wait_for()
    assert slots.nth(1).locator("[data-file-picker-name]").inner_text() == "IMG_0002.jpg"

    # A file that is not a photo is refused, and its slot says again that no photo is chosen.
    slots.nth(2).locator("input[type=file]").set_input_files(
        {"name": "price-list.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4 a price list"}
    )
    card.locator("[data-testid=photo-error]").filter(has_text=" ").wait_for()
    assert slots.nth(2).locator("[data-file-picker-name]").inner_text() == words["no_photo"]
    page.mouse.click(1, 1)  # the screenshot without the focus ring
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    card.locator("[data-testid=photo-field]").scroll_into_view_if_needed()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    card.screenshot(path=str(SCREENSHOTS / f"file-picker-photos-{locale}.png"))

    card.locator("[data-testid=check-out]").tap()
    page.locator("#sheet-messages .alert-success").wait_for()
    assert words["checked_out"] in page.locator("#sheet-messages .alert-success").first.inner_text()
    stored = list(Visit.objects.get(pk=visit.pk).photos.order_by("pk"))
    assert len(stored) == 2
    with Image.open(settings.MEDIA_ROOT / stored[0].file.name) as image:
        assert max(image.size) == 1600 and image.format == "JPEG"


@pytest.mark.parametrize("locale", ["en", "zh-CN"])
def test_a_photo_chosen_with_the_button_waits_offline_and_goes_up_once_back_online(
    company, day, phone, locale, tmp_path
) -> None:
    shelf = tmp_path / "shelf.jpg"
    shelf.write_bytes(offline.camera_photo())
    words = TEXT[locale]
    page = phone(locale)
    login_on_phone(page, "rep_a")
    page.goto("/visits/today/")
    card = page.locator(f"#visit-{day['first'].pk}")
    card.locator("textarea[name=outcome]").fill("Shelf photographed")
    slot = card.locator("[data-photo-slot]").first
    with page.expect_file_chooser() as chooser:
        slot.locator("label").tap()
    chooser.value.set_files(str(shelf))
    card.locator("[data-testid=check-out]:not([disabled])").wait_for()
    assert slot.locator("[data-file-picker-name]").inner_text() == "shelf.jpg"

    page.context.set_offline(True)
    card.locator("[data-testid=check-out]").tap()
    waiting = page.locator("[data-testid=queue-waiting]")
    waiting.wait_for()
    assert waiting.inner_text() == words["waiting"]
    assert slot.locator("[data-file-picker-name]").inner_text() == "shelf.jpg"  # what waits is still named
    screenshot(page, f"file-picker-offline-{locale}")
    assert Visit.objects.get(pk=day["first"].pk).check_out_at is None

    page.context.set_offline(False)
    page.evaluate("window.dispatchEvent(new Event('online'))")
    card.locator("[data-testid=visit-state]").filter(has_text=words["done"]).wait_for(timeout=15_000)
    visit = Visit.objects.get(pk=day["first"].pk)
    assert visit.check_out_at is not None and visit.outcome == "Shelf photographed"
    assert visit.photos.count() == 1 and visit.photos.get().file.size > 1000


@pytest.mark.parametrize("locale", ["en", "zh-CN"])
def test_the_erp_import_file_field_is_translated_and_the_chosen_file_imports(company, phone, locale, tmp_path) -> None:
    CustomerFactory(code="A1", name="Alpha Mart", team=company.team_a, owner=company.rep_a)
    ProductFactory(code="SODA", name="Soda")
    lines = tmp_path / "sales.csv"
    lines.write_text(
        "external_id,date,rep,customer,product,quantity,amount\n"
        f"E1,{timezone.localdate().isoformat()},rep_a,A1,SODA,2,7.00\n"
    )
    words = TEXT[locale]
    page = phone(locale)
    login_on_phone(page, "manager_a")
    page.goto("/visits/import/")
    picker = page.locator("[data-testid=import-form] [data-file-picker]")
    assert_translated_picker(picker, button=words["file"], empty=words["no_file"])
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    with page.expect_file_chooser() as chooser:
        picker.locator("label").tap()
    chooser.value.set_files(str(lines))
    assert picker.locator("[data-file-picker-name]").inner_text() == "sales.csv"
    screenshot(page, f"file-picker-import-{locale}")
    with page.expect_navigation():
        page.locator("[data-testid=import-form] button[type=submit]").tap()
    page.locator("main .alert-success").wait_for()
    assert page.locator("[data-testid=import-errors]").count() == 0
    assert SaleRecord.objects.filter(external_id="E1").count() == 1
    # The page after the import offers a new file, named as empty again.
    assert page.locator("[data-testid=import-form] [data-file-picker-name]").inner_text() == words["no_file"]
