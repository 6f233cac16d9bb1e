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
