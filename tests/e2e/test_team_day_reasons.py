"""The manager reads on the team day, on a phone, why each planned visit was not made and by whom."""

from __future__ import annotations

import pytest

from salesops.formatting import display_name
from tests.e2e.conftest import screenshot
from tests.e2e.test_visits_journeys import login_on_phone
from tests.factories import CustomerFactory
from visits.services import rep_day

pytestmark = pytest.mark.django_db(transaction=True)

HEADING = {
    "en": "2 planned visits not made, with the reps' reasons",
    "zh-CN": "2 个计划拜访未完成，及业务员填写的原因",
}


@pytest.mark.parametrize("locale", ["en", "zh-CN"])
def test_the_team_day_lists_the_reasons_for_undone_visits_with_the_reps_name(company, phone, locale) -> None:
    sheet = rep_day.sheet_open(rep=company.rep_a)
    shut, far = (
        rep_day.visit_plan(
            by=company.rep_a, sheet=sheet, customer=CustomerFactory(name=name, team=company.team_a, owner=company.rep_a)
        )
        for name in ("Alpha Mart", "Avenue Shop")
    )
    reasons = {shut.pk: "店门关着，老板回老家了", far.pk: "Ran out of time after the traffic jam on the ring road"}
    rep_day.sheet_submit(by=company.rep_a, sheet=sheet, undone_reasons=reasons)

    page = phone(locale)
    login_on_phone(page, "manager_a")
    page.goto("/visits/team/")
    section = page.locator("[data-testid=undone-reasons]")
    assert HEADING[locale] in section.inner_text()
    rows = section.locator("[data-testid=undone-reason-row]")
    assert rows.count() == 2
    for index, (customer, visit) in enumerate([("Alpha Mart", shut), ("Avenue Shop", far)]):
        text = rows.nth(index).inner_text()
        assert display_name(company.rep_a) in text and customer in text and reasons[visit.pk] in text
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    section.scroll_into_view_if_needed()
    screenshot(page, f"team-day-reasons-{locale}")
    rows.first.locator("a").tap()
    page.wait_for_url(f"**/visits/sheets/{sheet.pk}/**")
    page.locator(f"#visit-{shut.pk} [data-testid=undone-reason]").wait_for()
