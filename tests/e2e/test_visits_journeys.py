"""A rep files the day's sheet on a phone; the manager checks the team's day and verifies visits."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.utils import timezone

from tests.e2e.conftest import login, screenshot
from tests.factories import PASSWORD, CustomerFactory, ProductFactory
from visits.models import SaleRecord, Visit, VisitReview, VisitSheet
from visits.services import rep_day

pytestmark = pytest.mark.django_db(transaction=True)

PHONE = (390, 844)
TEXT = {
    "en": {"check_in": "Check in", "submitted": "Submitted", "no_location": "no location"},
    "zh-CN": {"check_in": "签到", "submitted": "已提交", "no_location": "无位置"},
}


def login_on_phone(page, username: str) -> None:
    """Like ``login``, but the user menu sits in the collapsed navbar on a phone."""
    page.goto("/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector("[data-testid=navbar] [data-testid=user-menu]", state="attached")


@pytest.fixture
def rep_world(company) -> dict:
    shops = [
        CustomerFactory(name=name, team=company.team_a, owner=company.rep_a, tier=tier)
        for name, tier in [("Alpha Mart", "A"), ("Avenue Shop", "B"), ("Atlas Store", "C")]
    ]
    products = [
        ProductFactory(code="SODA", name="Soda 500ml", unit_price=Decimal("3.50")),
        ProductFactory(code="TEA", name="Oolong tea", unit_price=Decimal("4.00")),
    ]
    return {"shops": shops, "products": products}


@pytest.mark.parametrize("locale", ["en", "zh-CN"])
def test_a_rep_plans_visits_checks_in_and_out_with_orders_and_submits_on_a_phone(
    company, rep_world, new_page, locale
) -> None:
    page = new_page(locale=locale, viewport=PHONE)
    page.context.grant_permissions(["geolocation"])
    page.context.set_geolocation({"latitude": 31.2304, "longitude": 121.4737, "accuracy": 18})
    login_on_phone(page, "rep_a")
    page.goto("/visits/today/")
    assert page.locator("[data-testid=visit-sheet]").is_visible()

    for shop, time, purpose in zip(
        rep_world["shops"], ["09:30", "11:00", "15:00"], ["order", "follow_up", "display"], strict=True
    ):
        form = page.locator("[data-testid=plan-form]")
        form.locator("select[name=customer]").select_option(str(shop.pk))
        form.locator("input[name=planned_time]").fill(time)
        form.locator("select[name=purpose]").select_option(purpose)
        count = page.locator("[data-testid=visit-card]").count()
        # The write goes through the phone's queue; its answer, the new card and the totals, goes in place.
        form.locator("button[type=submit]").click()
        page.wait_for_function(f"() => document.querySelectorAll('[data-testid=visit-card]').length === {count + 1}")
    cards = page.locator("[data-testid=visit-card]")
    assert cards.count() == 3
    screenshot(page, f"visits-rep-planned-{locale}")

    soda, tea = rep_world["products"]
    for index, (product, quantity) in enumerate([(soda, "12"), (tea, "5")]):
        card = page.locator("[data-testid=visit-card]").nth(index)
        check_in = card.locator("[data-testid=check-in]")
        assert check_in.inner_text().strip() == TEXT[locale]["check_in"]
        check_in.click()
        card = page.locator(f"#visit-{Visit.objects.order_by('planned_time')[index].pk}")
        card.locator("[data-testid=check-out-form]").wait_for()
        assert "121.4737" in card.locator("[data-testid=visit-location]").inner_text()
        card.locator("textarea[name=outcome]").fill("Order taken, shelf checked")
        card.locator("input[name=next_step]").fill("Bring the new price list")
        card.locator("select[name=line_product]").first.select_option(str(product.pk))
        card.locator("input[name=line_quantity]").first.fill(quantity)
        card.locator("[data-testid=check-out]").click()
        page.locator(f"#{card.get_attribute('id')}.border-success").wait_for()
    screenshot(page, f"visits-rep-two-done-{locale}")

    unplanned = page.locator("[data-testid=unplanned-form]")
    unplanned.locator("input[name=u-new_customer_name]").fill("Corner Kiosk")
    unplanned.locator("select[name=u-purpose]").select_option("new_outlet")
    unplanned.locator("button[type=submit]").click()
    page.locator("[data-testid=visit-card][data-customer='Corner Kiosk']").wait_for()
    assert page.locator("[data-testid=visit-card][data-customer='Corner Kiosk']").count() == 1

    # The third planned visit was not made: the sheet asks why before it is submitted.
    page.locator("[data-testid=submit-sheet]").click()
    dialog = page.locator("[data-testid=undone-dialog]")
    dialog.wait_for()
    assert dialog.locator("[data-testid=undone-visit]").count() == 1
    assert page.locator("[data-testid=sheet-status]").inner_text().strip() != TEXT[locale]["submitted"]
    dialog.locator("input[data-undone-reason]").fill("Shop closed for stocktaking")
    screenshot(page, f"visits-rep-undone-dialog-{locale}")
    with page.expect_navigation():
        dialog.locator("[data-testid=submit-confirm]").click()
    assert page.locator("[data-testid=sheet-status]").inner_text().strip() == TEXT[locale]["submitted"]
    assert "Shop closed for stocktaking" in page.locator("[data-testid=undone-reason]").inner_text()
    assert page.locator("[data-testid=plan-completion]").inner_text().startswith("2 / 3")
    assert page.locator("[data-testid=submit-sheet]").count() == 0
    screenshot(page, f"visits-rep-submitted-{locale}")

    sheet = VisitSheet.objects.get(rep=company.rep_a)
    assert sheet.status == "submitted"
    assert page.locator("[data-testid=late-badge]").count() == (1 if sheet.is_late else 0)
    visits = list(sheet.visits.order_by("id"))
    assert [v.planned for v in visits] == [True, True, True, False]
    assert all(v.latitude == Decimal("31.230400") and v.accuracy_m == Decimal("18.0") for v in visits[:2])
    assert sorted(SaleRecord.objects.values_list("amount", flat=True)) == [Decimal("20.00"), Decimal("42.00")]
    assert visits[3].customer.owner == company.rep_a and visits[3].is_new_outlet


@pytest.fixture
def filed_day(company, rep_world) -> VisitSheet:
    sheet = rep_day.sheet_open(rep=company.rep_a)
    for shop in rep_world["shops"][:2]:
        visit = rep_day.visit_plan(by=company.rep_a, sheet=sheet, customer=shop)
        rep_day.visit_check_in(by=company.rep_a, visit=visit)
        rep_day.visit_check_out(
            by=company.rep_a,
            visit=visit,
            outcome="Took an order",
            order_lines=[{"product": rep_world["products"][0], "quantity": "10"}],
        )
    skipped = rep_day.visit_plan(by=company.rep_a, sheet=sheet, customer=rep_world["shops"][2])
    rep_day.sheet_submit(
        by=company.rep_a, sheet=sheet, at=timezone.now(), undone_reasons={skipped.pk: "Shop closed for stocktaking"}
    )
    rep_day.sheet_open(rep=company.rep_a2)  # started, not submitted
    return sheet


@pytest.mark.parametrize("locale", ["en", "zh-CN"])
def test_the_manager_sees_the_team_day_verifies_by_call_back_and_marks_a_discrepancy(
    company, filed_day, new_page, locale
) -> None:
    page = new_page(locale=locale)
    login(page, "manager_a", PASSWORD)
    page.goto("/visits/team/")
    rows = page.locator("[data-testid=team-day-row]")
    assert rows.count() == 2
    rep_row = page.locator("[data-testid=team-day-row][data-rep=rep_a]")
    assert "2 / 3" in rep_row.inner_text()
    assert "¥70.00" in rep_row.inner_text()
    expected_state = {"en": "Submitted", "zh-CN": "已提交"}[locale]
    assert expected_state in rep_row.locator("[data-testid=sheet-state]").inner_text()
    screenshot(page, f"visits-team-day-{locale}")

    rep_row.locator("a").first.click()
    page.wait_for_selector("[data-testid=review-form]")
    forms = page.locator("[data-testid=review-form]")
    assert forms.count() == 2
    forms.nth(0).locator("input[name=method][value=call_back]").check()
    forms.nth(0).locator("input[name=result][value=confirmed]").check()
    forms.nth(0).locator("[data-testid=review-save]").click()
    page.wait_for_load_state()
    second = page.locator("[data-testid=review-form]").nth(1)
    second.locator("input[name=method][value=call_back]").check()
    second.locator("input[name=result][value=discrepancy]").check()
    second.locator("textarea[name=note]").fill("Owner says no order was placed")
    second.locator("[data-testid=review-save]").click()
    page.wait_for_load_state()
    assert page.locator("[data-testid=review]").count() == 2
    assert "Shop closed for stocktaking" in page.locator("[data-testid=undone-reason]").inner_text()
    screenshot(page, f"visits-manager-sheet-{locale}")

    reviews = list(VisitReview.objects.order_by("id").values_list("method", "result"))
    assert reviews == [("call_back", "confirmed"), ("call_back", "discrepancy")]
    assert VisitSheet.objects.get(pk=filed_day.pk).status == "reviewed"

    page.goto("/visits/discrepancies/")
    assert "Owner says no order was placed" in page.locator("[data-testid=discrepancy-table]").inner_text()
    screenshot(page, f"visits-discrepancies-{locale}")

    page.goto("/visits/customers/?overdue=1")
    assert "Atlas Store" in page.locator("[data-testid=overdue-by-rep]").inner_text()
    screenshot(page, f"visits-customers-{locale}")
