"""The weekly review meeting: a manager reads the week's KPIs against the goals and saves the minutes."""

from __future__ import annotations

import pytest

from meetings.models import WeeklyReview
from tests.e2e.conftest import login, screenshot
from tests.factories import PASSWORD
from tests.meetings import test_weekly_review as weekly_data

week = weekly_data.week

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize(("locale", "saved"), [("zh-CN", "会议纪要已保存"), ("en", "Minutes saved")])
def test_a_manager_holds_the_weekly_review(company, week, new_page, locale, saved) -> None:
    page = new_page(locale=locale)
    login(page, company.manager_a.username, PASSWORD)
    page.goto("/meetings/weekly/" + week["query"])
    assert page.locator("[data-testid=weekly-row]").count() == 2
    assert sorted(page.locator("[data-testid=weekly-missed]").all_inner_texts()) == ["0", "2"]
    page.fill("#id_minutes-root_causes", "Stock arrived late")
    page.fill("#id_minutes-corrections", "Call back every A customer before noon")
    page.locator("[data-testid=weekly-minutes] button[type=submit]").click()
    assert saved in page.content()
    assert WeeklyReview.objects.get().corrections == "Call back every A customer before noon"
    screenshot(page, f"weekly-review-{locale}")
