from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.visits.conftest import TODAY, local
from tests.visits.factories import picture
from visits.models import OrderLine, SaleRecord, Visit, VisitSettings, VisitSheet
from visits.services import manager_review, rep_day, visit_photos

pytestmark = pytest.mark.django_db

PNG = picture()


def test_a_rep_gets_one_sheet_per_day_created_on_first_open(company, clock) -> None:
    first = rep_day.sheet_open(rep=company.rep_a)
    again = rep_day.sheet_open(rep=company.rep_a)
    assert first.pk == again.pk
    assert (first.date, first.team, first.status) == (TODAY, company.team_a, "draft")
    assert first.deadline == local(TODAY, 21)
    assert VisitSheet.objects.count() == 1


def test_a_sheet_cannot_be_opened_for_a_future_date(company, clock) -> None:
    with pytest.raises(ValidationError) as error:
        rep_day.sheet_open(rep=company.rep_a, day=TODAY + dt.timedelta(days=1))
    assert "date" in error.value.message_dict
    assert not VisitSheet.objects.exists()


def test_a_manager_has_no_sheet_of_their_own(company, clock) -> None:
    with pytest.raises(PermissionDenied):
        rep_day.sheet_open(rep=company.manager_a)


def test_a_rep_cannot_plan_a_visit_on_another_reps_sheet(company, clock, shops) -> None:
    sheet = rep_day.sheet_open(rep=company.rep_a)
    with pytest.raises(PermissionDenied):
        rep_day.visit_plan(by=company.rep_b, sheet=sheet, customer=shops["b"])
    assert not Visit.objects.exists()


def test_a_rep_cannot_plan_a_visit_to_a_customer_of_another_rep(company, clock, shops) -> None:
    sheet = rep_day.sheet_open(rep=company.rep_a)
    with pytest.raises(ValidationError) as error:
        rep_day.visit_plan(by=company.rep_a, sheet=sheet, customer=shops["a2x"])
    assert "customer" in error.value.message_dict


def test_copying_brings_yesterdays_unfinished_plans_once(company, clock, shops) -> None:
    clock.move_to(local(TODAY - dt.timedelta(days=1), 9))
    yesterday = rep_day.sheet_open(rep=company.rep_a)
    done = rep_day.visit_plan(by=company.rep_a, sheet=yesterday, customer=shops["a1"], planned_time=dt.time(9))
    rep_day.visit_plan(by=company.rep_a, sheet=yesterday, customer=shops["a2"], planned_time=dt.time(10))
    rep_day.visit_plan(by=company.rep_a, sheet=yesterday, customer=shops["a3"], planned_time=dt.time(11))
    rep_day.visit_check_in(by=company.rep_a, visit=done)
    clock.move_to(local(TODAY - dt.timedelta(days=1), 9, 30))
    rep_day.visit_check_out(by=company.rep_a, visit=done)
    clock.move_to(local(TODAY, 8))
    today = rep_day.sheet_open(rep=company.rep_a)

    assert rep_day.sheet_copy_unfinished(by=company.rep_a, sheet=today) == 2
    assert rep_day.sheet_copy_unfinished(by=company.rep_a, sheet=today) == 0
    copied = list(today.visits.order_by("planned_time").values_list("customer__code", "planned_time", "planned"))
    assert copied == [("A2", dt.time(10), True), ("A3", dt.time(11), True)]


def test_check_in_stores_the_position_with_its_accuracy(company, clock, shops) -> None:
    sheet = rep_day.sheet_open(rep=company.rep_a)
    visit = rep_day.visit_plan(by=company.rep_a, sheet=sheet, customer=shops["a1"])
    rep_day.visit_check_in(
        by=company.rep_a,
        visit=visit,
        latitude=Decimal("31.2304"),
        longitude=Decimal("121.4737"),
        accuracy_m=Decimal("12.5"),
    )
    visit.refresh_from_db()
    assert visit.check_in_at == local(TODAY, 9)
    assert (visit.latitude, visit.longitude, visit.accuracy_m) == (
        Decimal("31.2304"),
        Decimal("121.4737"),
        Decimal("12.5"),
    )


def test_a_latitude_outside_the_globe_is_refused_and_nothing_is_stored(company, clock, shops) -> None:
    sheet = rep_day.sheet_open(rep=company.rep_a)
    visit = rep_day.visit_plan(by=company.rep_a, sheet=sheet, customer=shops["a1"])
    with pytest.raises(ValidationError) as error:
        rep_day.visit_check_in(by=company.rep_a, visit=visit, latitude=Decimal("91"), longitude=Decimal("121"))
    assert "latitude" in error.value.message_dict
    visit.refresh_from_db()
    assert visit.check_in_at is None and visit.latitude is None


def test_check_out_before_check_in_is_refused(company, clock, shops) -> None:
    sheet = rep_day.sheet_open(rep=company.rep_a)
    visit = rep_day.visit_plan(by=company.rep_a, sheet=sheet, customer=shops["a1"])
    with pytest.raises(ValidationError) as error:
        rep_day.visit_check_out(by=company.rep_a, visit=visit)
    assert "check_out_at" in error.value.message_dict
    rep_day.visit_check_in(by=company.rep_a, visit=visit)
    with pytest.raises(ValidationError):
        rep_day.visit_check_out(by=company.rep_a, visit=visit, at=local(TODAY, 8))
    visit.refresh_from_db()
    assert visit.check_out_at is None


def test_a_check_in_in_the_future_is_refused(company, clock, shops) -> None:
    sheet = rep_day.sheet_open(rep=company.rep_a)
    visit = rep_day.visit_plan(by=company.rep_a, sheet=sheet, customer=shops["a1"])
    with pytest.raises(ValidationError) as error:
        rep_day.visit_check_in(by=company.rep_a, visit=visit, at=local(TODAY, 12))
    assert "check_in_at" in error.value.message_dict


def test_orders_on_a_check_out_become_sale_records(company, clock, shops, products) -> None:
    sheet = rep_day.sheet_open(rep=company.rep_a)
    visit = rep_day.visit_plan(by=company.rep_a, sheet=sheet, customer=shops["a1"])
    rep_day.visit_check_in(by=company.rep_a, visit=visit)
    clock.move_to(local(TODAY, 9, 40))
    rep_day.visit_check_out(
        by=company.rep_a,
        visit=visit,
        outcome="Took the spring order",
        next_step="Deliver posters",
        next_visit_date=TODAY + dt.timedelta(days=7),
        order_lines=[
            {"product": products["soda"], "quantity": "10", "amount": "30.00"},
            {"product": products["tea"], "quantity": "2"},
        ],
    )
    records = list(
        SaleRecord.objects.order_by("amount").values_list("source", "date", "rep", "team", "customer", "amount")
    )
    assert records == [
        ("visit", TODAY, company.rep_a.pk, company.team_a.pk, shops["a1"].pk, Decimal("8.00")),
        ("visit", TODAY, company.rep_a.pk, company.team_a.pk, shops["a1"].pk, Decimal("30.00")),
    ]
    assert OrderLine.objects.filter(sale_record__isnull=False).count() == 2
    visit.refresh_from_db()
    assert visit.check_out_at == local(TODAY, 9, 40) and visit.next_step == "Deliver posters"


def test_a_bad_order_line_stores_neither_the_check_out_nor_any_line(company, clock, shops, products) -> None:
    sheet = rep_day.sheet_open(rep=company.rep_a)
    visit = rep_day.visit_plan(by=company.rep_a, sheet=sheet, customer=shops["a1"])
    rep_day.visit_check_in(by=company.rep_a, visit=visit)
    with pytest.raises(ValidationError) as error:
        rep_day.visit_check_out(
            by=company.rep_a,
            visit=visit,
            outcome="Order",
            order_lines=[
                {"product": products["soda"], "quantity": "10"},
                {"product": products["tea"], "quantity": "-2"},
            ],
        )
    assert "order_lines[2].quantity" in error.value.message_dict
    visit.refresh_from_db()
    assert visit.check_out_at is None and visit.outcome == ""
    assert not OrderLine.objects.exists() and not SaleRecord.objects.exists()


def test_a_negative_amount_is_refused(company, clock, shops, products) -> None:
    sheet = rep_day.sheet_open(rep=company.rep_a)
    visit = rep_day.visit_plan(by=company.rep_a, sheet=sheet, customer=shops["a1"])
    rep_day.visit_check_in(by=company.rep_a, visit=visit)
    with pytest.raises(ValidationError) as error:
        rep_day.order_line_add(by=company.rep_a, visit=visit, product=products["soda"], quantity="1", amount="-5")
    assert "amount" in error.value.message_dict
    assert not SaleRecord.objects.exists()


def test_removing_an_order_line_removes_its_actual(company, clock, shops, products) -> None:
    sheet = rep_day.sheet_open(rep=company.rep_a)
    visit = rep_day.visit_plan(by=company.rep_a, sheet=sheet, customer=shops["a1"])
    rep_day.visit_check_in(by=company.rep_a, visit=visit)
    line = rep_day.order_line_add(by=company.rep_a, visit=visit, product=products["soda"], quantity="3")
    assert line.amount == Decimal("10.50")
    rep_day.order_line_remove(by=company.rep_a, line=line)
    assert not SaleRecord.objects.exists()


def test_a_new_customer_is_created_inline_with_its_visit(company, clock) -> None:
    sheet = rep_day.sheet_open(rep=company.rep_a)
    visit = rep_day.visit_plan_new_customer(by=company.rep_a, sheet=sheet, name="Corner Kiosk", kind="outlet")
    assert visit.customer.owner == company.rep_a and visit.customer.team == company.team_a
    assert visit.is_new_outlet and not visit.planned


def test_a_photo_must_be_a_small_image(company, clock, shops, settings, tmp_path) -> None:
    settings.MEDIA_ROOT = tmp_path
    sheet = rep_day.sheet_open(rep=company.rep_a)
    visit = rep_day.visit_plan(by=company.rep_a, sheet=sheet, customer=shops["a1"])
    rep_day.visit_check_in(by=company.rep_a, visit=visit)

    def record(name: str, content: bytes) -> Visit:
        upload = visit_photos.PhotoUpload(file=SimpleUploadedFile(name, content))
        return rep_day.visit_record(by=company.rep_a, visit=visit, photos=[upload])

    with pytest.raises(ValidationError) as error:
        record("x.jpg", b"MZ not an image")
    assert "photo" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        record("x.jpg", b"\xff\xd8\xff\xe0 a JPEG header and nothing of a picture")
    assert "photo" in error.value.message_dict
    rules = VisitSettings.load()
    rules.photo_max_bytes = 50
    rules.save()
    with pytest.raises(ValidationError):
        record("big.png", PNG)
    rules.photo_max_bytes = 1024
    rules.save()
    record("shop.png", PNG)
    (photo,) = visit.photos.all()
    assert photo.file.name.endswith(".png") and (tmp_path / photo.file.name).exists()


def test_a_submission_before_the_deadline_is_on_time(company, clock) -> None:
    sheet = rep_day.sheet_open(rep=company.rep_a)
    clock.move_to(local(TODAY, 20, 59))
    sheet = rep_day.sheet_submit(by=company.rep_a, sheet=sheet)
    assert sheet.status == "submitted" and not sheet.is_late


def test_a_submission_after_the_deadline_is_marked_late(company, clock) -> None:
    sheet = rep_day.sheet_open(rep=company.rep_a)
    clock.move_to(local(TODAY, 21, 1))
    assert rep_day.sheet_submit(by=company.rep_a, sheet=sheet).is_late


def test_the_deadline_follows_the_company_setting(company, clock) -> None:
    rules = VisitSettings.load()
    rules.submission_deadline = dt.time(18, 0)
    rules.save()
    sheet = rep_day.sheet_open(rep=company.rep_a)
    clock.move_to(local(TODAY, 19))
    assert sheet.deadline == local(TODAY, 18)
    assert rep_day.sheet_submit(by=company.rep_a, sheet=sheet).is_late


def test_a_sheet_cannot_be_submitted_twice(company, clock) -> None:
    sheet = rep_day.sheet_open(rep=company.rep_a)
    rep_day.sheet_submit(by=company.rep_a, sheet=sheet)
    with pytest.raises(ValidationError) as error:
        rep_day.sheet_submit(by=company.rep_a, sheet=sheet)
    assert "status" in error.value.message_dict


def test_a_submitted_sheet_is_read_only_to_the_rep_until_reopened(company, clock, shops) -> None:
    sheet = rep_day.sheet_open(rep=company.rep_a)
    rep_day.sheet_submit(by=company.rep_a, sheet=sheet)
    sheet.refresh_from_db()
    with pytest.raises(ValidationError):
        rep_day.visit_plan(by=company.rep_a, sheet=sheet, customer=shops["a1"])
    manager_review.sheet_reopen(by=company.manager_a, sheet=sheet, comment="Add the afternoon visits")
    sheet.refresh_from_db()
    assert sheet.status == "draft" and sheet.reopened and sheet.manager_comment == "Add the afternoon visits"
    rep_day.visit_plan(by=company.rep_a, sheet=sheet, customer=shops["a1"])
    assert sheet.visits.count() == 1


def test_another_reps_sheet_cannot_be_submitted(company, clock) -> None:
    sheet = rep_day.sheet_open(rep=company.rep_a)
    with pytest.raises(PermissionDenied):
        rep_day.sheet_submit(by=company.rep_a2, sheet=sheet)
