"""Logging in as each role shows that role's navigation, in Chinese and in English."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import login, screenshot
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db(transaction=True)

CASES = [
    # user, locale, labels that must show, labels that must not
    ("manager_a", "zh-CN", ["团队", "客户", "产品", "日历"], ["审计日志"]),
    ("manager_a", "en", ["Teams", "Customers", "Products", "Calendar"], ["Audit log"]),
    ("rep_a", "zh-CN", ["客户", "产品"], ["团队", "审计日志"]),
    ("rep_a", "en", ["Customers", "Products"], ["Teams", "Audit log"]),
    ("director", "en", ["Teams", "Customers", "Audit log"], []),
]


@pytest.mark.parametrize(("username", "locale", "shown", "hidden"), CASES)
def test_each_role_sees_its_own_navigation(company, new_page, username, locale, shown, hidden) -> None:
    page = new_page(locale=locale)
    login(page, username, PASSWORD)
    nav = page.locator("[data-testid=main-nav]").inner_text()
    for label in shown:
        assert label in nav, (label, nav)
    for label in hidden:
        assert label not in nav, (label, nav)
    # the admin site is one click away in the user menu, for a director only
    assert page.locator("[data-testid=admin-link]").count() == (1 if username == "director" else 0)
    # the first page: a rep's day, or the home of the manager's team / the director's company
    title = page.locator("[data-testid=my-day-title], [data-testid=cockpit-title]").inner_text()
    expected = {("rep_a", "zh"): "我的一天", ("rep_a", "en"): "My day"}.get(
        (username, locale[:2]), "Company" if username == "director" else "Team A"
    )
    assert expected in title
    screenshot(page, f"home-{username}-{locale}")


def test_a_rep_cannot_open_a_manager_page(company, new_page) -> None:
    page = new_page(locale="en")
    login(page, "rep_a", PASSWORD)
    response = page.goto("/org/teams/")
    assert response.status == 403
    assert "not allowed" in page.locator("[data-testid=forbidden]").inner_text()
    screenshot(page, "forbidden-rep-en")


def test_a_wrong_password_is_refused_with_a_message(company, new_page) -> None:
    page = new_page(locale="zh-CN")
    page.goto("/accounts/login/")
    page.fill("#id_username", "rep_a")
    page.fill("#id_password", "not-the-password")
    page.click("button[type=submit]")
    assert "用户名" in page.locator("[data-testid=login-error]").inner_text()


def test_the_language_switch_changes_the_interface(company, new_page) -> None:
    page = new_page(locale="zh-CN")
    login(page, "manager_a", PASSWORD)
    assert "客户" in page.locator("[data-testid=main-nav]").inner_text()
    page.select_option("#language-select", "en")
    page.wait_for_load_state("load")
    page.wait_for_function("document.documentElement.lang === 'en'")
    assert "Customers" in page.locator("[data-testid=main-nav]").inner_text()
    page.goto("/customers/")
    screenshot(page, "customers-manager-en")
    page.goto("/calendar/?year=2026")
    screenshot(page, "calendar-manager-en")
