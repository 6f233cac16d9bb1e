"""A rep sees a customer's first order date as text on a phone; a manager corrects it only with a reason."""

from __future__ import annotations

import datetime as dt

import pytest

from org.models import AuditEvent
from tests.e2e.conftest import login, screenshot
from tests.factories import PASSWORD, CustomerFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def shop(company):
    return CustomerFactory(
        name="老王批发部", team=company.team_a, owner=company.rep_a, first_order_date=dt.date(2024, 5, 1)
    )


def test_a_rep_sees_the_first_order_date_read_only_on_a_phone(new_page, company, shop) -> None:
    page = new_page()
    login(page, "rep_a", PASSWORD)
    page.set_viewport_size({"width": 390, "height": 844})  # a rep on a phone
    page.goto(f"/customers/{shop.pk}/")
    shown = page.locator("[data-testid=first-order-date]")
    assert "2024年5月1日" in shown.inner_text()
    assert page.locator("input[name=first_order_date]").count() == 0
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(page, "customer-first-order-rep-390")


def test_a_manager_corrects_the_first_order_date_with_a_reason(new_page, company, shop) -> None:
    page = new_page(locale="en")
    login(page, "manager_a", PASSWORD)
    page.goto(f"/customers/{shop.pk}/")
    page.fill("input[name=first_order_date]", "2024-04-02")
    page.click("[data-testid=customer-form] button[type=submit]")
    error = page.locator("[data-field-error=first_order_date_reason]")
    assert "Say why" in error.inner_text()
    screenshot(page, "customer-first-order-manager-reason-needed")
    page.fill("input[name=first_order_date_reason]", "The ERP shows an April order")
    page.click("[data-testid=customer-form] button[type=submit]")
    page.wait_for_url("**/customers/")
    shop.refresh_from_db()
    assert shop.first_order_date == dt.date(2024, 4, 2)
    assert AuditEvent.objects.filter(action=AuditEvent.Action.FIRST_ORDER_SET, actor_username="manager_a").exists()
