"""A write on the sheet changes the page in place (its card and the totals), and pages load only their scripts."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import screenshot
from tests.e2e.test_visits_journeys import login_on_phone
from tests.factories import CustomerFactory
from visits.services import rep_day

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize("locale", ["en", "zh-CN"])
def test_a_check_in_updates_its_card_and_the_totals_without_loading_the_sheet_again(company, phone, locale) -> None:
    shops = [
        CustomerFactory(name=name, team=company.team_a, owner=company.rep_a, tier="A")
        for name in ("Alpha Mart", "Avenue Shop")
    ]
    sheet = rep_day.sheet_open(rep=company.rep_a)
    first, second = (rep_day.visit_plan(by=company.rep_a, sheet=sheet, customer=shop) for shop in shops)
    page = phone(locale)
    login_on_phone(page, "rep_a")
    page.goto("/visits/today/")
    page.evaluate("() => { window.sheetMarker = 'kept'; }")
    documents: list[str] = []
    page.on("request", lambda r: documents.append(r.url) if r.resource_type == "document" else None)
    typed = page.locator(f"#visit-{second.pk}")  # another card: what the page holds there stays

    page.locator(f"#visit-{first.pk} [data-testid=check-in]").tap()
    page.locator(f"#visit-{first.pk} [data-testid=check-out-form]").wait_for()
    assert page.evaluate("() => window.sheetMarker") == "kept"  # no reload
    assert documents == []
    assert typed.locator("[data-testid=check-in]").is_visible()
    assert page.locator("#sheet-messages .alert-success").count() == 1
    assert page.locator("[data-testid=visit-card]").count() == 2
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    # The check-out form of the swapped card works as one loaded with the page.
    card = page.locator(f"#visit-{first.pk}")
    card.locator("textarea[name=outcome]").fill("Shelf checked")
    card.locator("[data-testid=check-out]").tap()
    page.locator(f"#visit-{first.pk}.border-success").wait_for()
    assert page.locator("[data-testid=plan-completion]").inner_text().startswith("1 / 2")
    assert page.evaluate("() => window.sheetMarker") == "kept"
    screenshot(page, f"sheet-in-place-{locale}")


def test_pages_without_charts_do_not_load_the_chart_library(company, new_page) -> None:
    page = new_page(locale="en", viewport=(390, 844))
    login_on_phone(page, "rep_a")
    loaded: list[str] = []
    page.on("request", lambda r: loaded.append(r.url) if r.resource_type == "script" else None)
    for path in ("/", "/visits/today/"):
        page.goto(path)
        page.wait_for_load_state("load")
    scripts = " ".join(loaded)
    assert "chart.umd.min.js" not in scripts and "leaflet" not in scripts
    assert "photo-resize" in scripts  # the sheet's own scripts are there
