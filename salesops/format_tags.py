"""Template filters for names, money, counts, percentages, months and days, available in every template
(a built-in library, see TEMPLATES in the settings); each calls salesops.formatting."""

from __future__ import annotations

from typing import Any

from django import template

from salesops import formatting

register = template.Library()


@register.filter
def person(user: Any) -> str:
    """A user's display name (王芳, Anna Smith), else the username; "—" for nobody."""
    return formatting.display_name(user)


@register.filter
def money(value: Any, wan: Any = False) -> str:
    """¥1,234,567.89, or ¥123.46万 when ``wan`` is true; "—" for nothing."""
    return formatting.money(value, wan=bool(wan))


@register.filter
def count(value: Any) -> str:
    """A count as a whole number with thousands separators."""
    return formatting.count(value)


@register.filter
def metric_value(value: Any, unit: str) -> str:
    """A figure of a metric of ``unit`` ("money" or "count")."""
    return formatting.metric_value(value, unit=unit)


@register.filter
def month_label(month: Any) -> str:
    return formatting.month_label(month)


@register.filter
def long_date(day: Any) -> str:
    return formatting.long_date(day)


@register.filter
def short_day(day: Any) -> str:
    return formatting.short_day(day)


def _in_wan(context: Any) -> bool:
    request = context.get("request")
    return request is not None and request.GET.get("units") == "wan"


@register.simple_tag(takes_context=True)
def figure(context: Any, value: Any, metric: Any, rate: bool = False) -> str:
    """A metric's figure on a report page: money as ¥1,234,567.89 (¥123.46万 when the page is shown in 万元,
    ``?units=wan``), a count as a whole number; a daily rate of a count keeps one decimal."""
    unit = getattr(metric, "unit", metric)
    if unit == "money":
        return formatting.money(value, wan=_in_wan(context))
    if rate and value is not None:
        return formatting.grouped(value, 1)
    return formatting.count(value)


@register.inclusion_tag("includes/units_toggle.html", takes_context=True)
def units_toggle(context: Any) -> dict:
    """The ¥ / 万元 switch of a report page: the same query with ``units`` set or dropped."""
    request = context.get("request")
    query = request.GET.copy() if request is not None else None
    links = {}
    if query is not None:
        query.pop("units", None)
        links["yuan"] = query.urlencode()
        query["units"] = "wan"
        links["wan"] = query.urlencode()
    return {"wan": _in_wan(context), "links": links}


@register.filter
def long_day(day: Any) -> str:
    return formatting.long_day(day)
