"""Template filters of the visit maps: distances as a rep reads them."""

from __future__ import annotations

from django import template

from visits.plausibility import distance_label

register = template.Library()


@register.filter
def distance(metres: float | None) -> str:
    """85 m, 1.2 km, 12 km; — when unknown."""
    return distance_label(metres)
