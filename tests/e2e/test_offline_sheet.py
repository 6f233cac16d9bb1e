"""The rep's phone loses its signal, or its session, in the middle of a check-out: nothing typed is lost."""

from __future__ import annotations

import datetime as dt
import io
import time
from decimal import Decimal

import pytest
from django.contrib.sessions.backends.cached_db import SessionStore
from django.utils import timezone
from PIL import Image

from tests.e2e.conftest import screenshot
from tests.e2e.test_visits_journeys import login_on_phone
from tests.factories import PASSWORD, CustomerFactory, ProductFactory
from visits.models import OrderLine, SaleRecord, Visit
from visits.services import rep_day

pytestmark = pytest.mark.django_db(transaction=True)

PHONE = {"width": 390, "height": 844}
TWO_WAITING = "() => document.querySelector('[data-queue-status]').dataset.waiting === '2'"
TEXT = {
    "en": {
        "waiting": "2 waiting to sync",
        "one_waiting": "1 waiting to sync",
        "refused": "1 not accepted",
        "already": "This visit is already checked in.",
        "done": "Done",
        "kept": "what you entered is kept",
    },
    "zh-CN": {
        "waiting": "2 条等待同步",
        "one_waiting": "1 条等待同步",
        "refused": "1 条未被接受",
        "already": "此拜访已签到。",
        "done": "已完成",
        "kept": "你填写的内容已保存在手机上",
    },
}


def camera_photo() -> bytes:
    image = Image.new("RGB", (640, 480), (200, 120, 40))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=80)
    return buffer.getvalue()


@pytest.fixture
def day(company) -> dict:
    shops = [
        CustomerFactory(name=name, team=company.team_a, owner=company.rep_a, tier="A")
        for name in ("Alpha Mart", "Avenue Shop")
    ]
    products = [
        ProductFactory(code="SODA", name="Soda 500ml", unit_price=Decimal("3.50")),
        ProductFactory(code="TEA", name="Oolong tea", unit_price=Decimal("4.00")),
    ]
    sheet = rep_day.sheet_open(rep=company.rep_a)
    first = rep_day.visit_plan(by=company.rep_a, sheet=sheet, customer=shops[0], purpose="order")
    rep_day.visit_check_in(by=company.rep_a, visit=first, at=timezone.now() - dt.timedelta(minutes=40))
    second = rep_day.visit_plan(by=company.rep_a, sheet=sheet, customer=shops[1])
    return {"sheet": sheet, "first": first, "second": second, "products": products}


def fill_check_out(page, day: dict) -> None:
    card = page.locator(f"#visit-{day['first'].pk}")
    form = card.locator("[data-testid=check-out-form]")
    form.locator("textarea[name=outcome]").fill("Two lines ordered, shelf photographed")
    form.locator("input[name=next_step]").fill("Bring the new price list")
    soda, tea = day["products"]
    for row, (product, quantity) in enumerate([(soda, "12"), (tea, "5")]):
        form.locator("select[name=line_product]").nth(row).select_option(str(product.pk))
        form.locator("input[name=line_quantity]").nth(row).fill(quantity)
    form.locator("input[name=photo_1]").set_input_files(
        {"name": "shelf.jpg", "mimeType": "image/jpeg", "buffer": camera_photo()}
    )


def assert_one_check_out(day: dict, tapped_from: dt.datetime, tapped_until: dt.datetime) -> Visit:
    visit = Visit.objects.get(pk=day["first"].pk)
    assert visit.check_out_at is not None
    assert tapped_from <= visit.check_out_at <= tapped_until, (visit.check_out_at, tapped_from, tapped_until)
    assert OrderLine.objects.filter(visit=visit).count() == 2
    assert SaleRecord.objects.filter(customer=visit.customer).count() == 2
    assert visit.photos.count() == 1 and visit.photos.get().file.size > 1000
    assert sorted(OrderLine.objects.filter(visit=visit).values_list("quantity", flat=True)) == [5, 12]
    return visit


@pytest.mark.parametrize("locale", ["en", "zh-CN"])
def test_a_check_out_without_signal_waits_on_the_phone_and_is_sent_once_when_back_online(
    company, day, phone, locale
) -> None:
    page = phone(locale)
    login_on_phone(page, "rep_a")
    page.goto("/visits/today/")
    page.evaluate("() => navigator.serviceWorker.ready.then(() => true)")
    page.reload()  # now under the service worker, which keeps the page for use without signal
    page.wait_for_function("() => navigator.serviceWorker.controller !== null")
    fill_check_out(page, day)

    page.context.set_offline(True)
    tapped_from = timezone.now()
    page.locator(f"#visit-{day['first'].pk} [data-testid=check-out]").tap()
    tapped_until = timezone.now()
    waiting = page.locator("[data-testid=queue-waiting]")
    waiting.wait_for()
    assert waiting.inner_text() == TEXT[locale]["one_waiting"]
    # A second write while offline: the check-in at the next customer.
    page.locator(f"#visit-{day['second'].pk} [data-testid=check-in]").tap()
    page.wait_for_function(TWO_WAITING, timeout=15_000)
    assert waiting.inner_text() == TEXT[locale]["waiting"]
    check_out = page.locator(f"#visit-{day['first'].pk} [data-testid=check-out]")
    assert check_out.is_disabled()  # the same check-out cannot be tapped twice
    assert page.locator("textarea[name=outcome]").input_value() == "Two lines ordered, shelf photographed"
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    for button in page.locator("[data-testid=queue-status] button").all():
        box = button.bounding_box()
        assert box["width"] >= 44 and box["height"] >= 44
    screenshot(page, f"offline-sheet-waiting-{locale}")
    assert Visit.objects.get(pk=day["first"].pk).check_out_at is None

    # Without signal the sheet opens again from what the phone kept, and says what waits.
    page.reload()
    page.wait_for_function(TWO_WAITING)
    assert page.locator(f"#visit-{day['first'].pk} [data-testid=check-out]").is_disabled()
    assert page.locator("select[name=line_product] option").count() >= 3  # the products are there to pick

    # Meanwhile the next visit was checked in from another device: the queued check-in will be refused.
    rep_day.visit_check_in(by=company.rep_a, visit=day["second"])
    time.sleep(2)  # the sync comes a while after the tap
    page.context.set_offline(False)
    page.evaluate("window.dispatchEvent(new Event('online'))")
    page.locator(f"#visit-{day['first'].pk} [data-testid=visit-state]").filter(has_text=TEXT[locale]["done"]).wait_for(
        timeout=15_000
    )
    failed = page.locator("[data-testid=queue-failed]")
    failed.wait_for()
    assert failed.inner_text() == TEXT[locale]["refused"]
    assert TEXT[locale]["already"] in page.locator("[data-testid=queue-status]").inner_text()
    assert page.locator("[data-testid=queue-status] button").bounding_box()["height"] >= 44
    assert page.locator("[data-testid=queue-waiting]").count() == 0
    screenshot(page, f"offline-sheet-sent-{locale}")

    visit = assert_one_check_out(day, tapped_from, tapped_until)
    assert visit.check_out_synced_at - visit.check_out_at >= dt.timedelta(seconds=2)
    # Loading the page again sends nothing twice.
    page.reload()
    page.wait_for_load_state("networkidle")
    assert_one_check_out(day, tapped_from, tapped_until)


@pytest.mark.parametrize("locale", ["en", "zh-CN"])
def test_a_check_out_after_the_session_expired_is_kept_and_sent_after_the_login(company, day, phone, locale) -> None:
    page = phone(locale)
    login_on_phone(page, "rep_a")
    page.goto("/visits/today/")
    fill_check_out(page, day)

    # The visit ran long: the session expired before the tap.
    session_key = next(c["value"] for c in page.context.cookies() if c["name"] == "sessionid")
    session = SessionStore(session_key=session_key)
    session["last_seen"] = int(time.time()) - 15 * 3600
    session.save()

    tapped_from = timezone.now()
    page.locator(f"#visit-{day['first'].pk} [data-testid=check-out]").tap()
    tapped_until = timezone.now()
    page.wait_for_url("**/accounts/login/?next=/visits/today/")
    assert Visit.objects.get(pk=day["first"].pk).check_out_at is None
    assert TEXT[locale]["kept"] in page.locator("main").inner_text()
    screenshot(page, f"offline-session-login-{locale}")

    page.fill("#id_username", "rep_a")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.locator(f"#visit-{day['first'].pk} [data-testid=visit-state]").filter(has_text=TEXT[locale]["done"]).wait_for(
        timeout=15_000
    )
    assert page.url.endswith("/visits/today/")
    assert "405" not in page.content()
    assert page.locator("[data-testid=queue-waiting]").count() == 0
    screenshot(page, f"offline-session-sent-{locale}")
    assert_one_check_out(day, tapped_from, tapped_until)


@pytest.mark.parametrize("locale", ["en", "zh-CN"])
def test_a_meeting_check_in_without_signal_counts_from_the_tap(company, phone, locale) -> None:
    from meetings.models import Attendance, CheckIn, Meeting, Slot
    from tests.meetings.factories import MeetingFactory

    now = timezone.now()
    meeting = MeetingFactory(
        team=company.team_a,
        date=timezone.localdate(),
        slot=Slot.EVENING,
        scheduled_at=now - dt.timedelta(minutes=10),
        late_after=now,
        closes_at=now + dt.timedelta(minutes=50),
    )
    page = phone(locale)
    login_on_phone(page, "rep_a")
    page.goto(f"/meetings/{meeting.pk}/check-in/")
    form = page.locator("[data-testid=checkin-form]")
    form.locator("textarea").first.fill("Three orders, one new outlet")
    page.context.set_offline(True)
    # Late from two seconds on: the tap is in time, its sync after the signal is back would not be.
    Meeting.objects.filter(pk=meeting.pk).update(late_after=timezone.now() + dt.timedelta(seconds=2))
    tapped_from = timezone.now()
    page.locator("[data-testid=checkin-submit]").tap()
    tapped_until = timezone.now()
    assert page.locator("[data-testid=queue-waiting]").inner_text() == TEXT[locale]["one_waiting"]
    screenshot(page, f"offline-meeting-waiting-{locale}")
    time.sleep(3)
    page.context.set_offline(False)
    page.evaluate("() => window.dispatchEvent(new Event('online'))")
    page.wait_for_function("() => document.querySelector('[data-queue-status]').dataset.waiting === '0'")
    assert page.locator("[data-testid=queue-failed]").count() == 0, page.locator(
        "[data-testid=queue-status]"
    ).inner_text()
    checkin = CheckIn.objects.get(meeting=meeting, rep=company.rep_a)
    assert tapped_from <= checkin.checked_in_at <= tapped_until
    assert checkin.attendance == Attendance.PRESENT
    assert CheckIn.objects.count() == 1
