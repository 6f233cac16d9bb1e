"""``{% calendar_estimate_notice year_or_date … %}``: the warning on pages that use an estimated year's working days."""

from __future__ import annotations

import datetime as dt

from django import template

from org import selectors

register = template.Library()


@register.inclusion_tag("org/_calendar_estimated.html")
def calendar_estimate_notice(*periods: int | dt.date | None) -> dict:
    """Names each year among ``periods`` (years or dates) whose calendar is still an estimate."""
    years = {period.year if isinstance(period, dt.date) else int(period) for period in periods if period}
    return {"years": selectors.estimated_calendar_years(years=years)}
