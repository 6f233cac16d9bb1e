"""The drill-down's forecasts: the three methods side by side, the default marked, on a desktop and a phone."""

from __future__ import annotations

import pytest

from reports.models import ForecastMethod, ReportSettings
from reports.night.run import night_compute
from tests.e2e.conftest import login, screenshot
from tests.factories import PASSWORD
from tests.reports import fixtures

night = fixtures.night
sales_metric = fixtures.sales_metric


@pytest.mark.parametrize(("locale", "viewport"), [("zh-CN", (1366, 900)), ("en", (390, 844))])
def test_a_rep_sees_the_three_forecasts_on_the_drill_down(
    transactional_db, company, night, new_page, locale, viewport
) -> None:
    ReportSettings.objects.update_or_create(pk=1, defaults={"forecast_method": ForecastMethod.SEASONAL})
    night_compute(as_of=night["as_of"])
    page = new_page(locale=locale)
    login(page, company.rep_a.username, PASSWORD)
    page.set_viewport_size({"width": viewport[0], "height": viewport[1]})
    page.goto(f"/reports/reps/{company.rep_a.pk}/")
    page.wait_for_selector("[data-testid=forecasts]")
    # Run rate and seasonal: 180,000 (see the nightly job's example); no sales last year.
    assert page.locator("[data-testid=forecast-forecast] td").nth(1).inner_text() == "¥180,000.00"
    assert page.locator("[data-testid=forecast-forecast_seasonal] .badge").count() == 1
    assert page.locator("[data-testid=forecast-forecast_last_year] td").nth(1).inner_text() == "—"
    card = page.locator("[data-testid=forecasts]").bounding_box()
    assert card["x"] + card["width"] <= viewport[0]
    if viewport[0] == 390:
        assert page.evaluate("document.documentElement.scrollWidth") <= 390, "no sideways scroll on a phone"
    screenshot(page, f"reports-forecasts-{locale}-{viewport[0]}")
