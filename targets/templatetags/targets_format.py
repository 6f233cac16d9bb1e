"""Number display of the targets pages: digits grouped by commas in every language (as in the exports)."""

from __future__ import annotations

from decimal import Decimal

from django import template

from salesops import formatting

register = template.Library()


@register.filter
def grouped(value: Decimal | int | None, places: str | int = 2) -> str:
    """1234567.8 → "1,234,567.80" (``places`` decimals); empty for None."""
    return formatting.grouped(value, int(places))
