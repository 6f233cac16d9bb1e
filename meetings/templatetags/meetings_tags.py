"""Formatting of the meetings pages: durations, percentages and money."""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

from django import template
from django.utils.translation import gettext as _

register = template.Library()


@register.filter
def duration(value: dt.timedelta | None) -> str:
    """A span of time as "2 d 3 h", "1 h 45 min" or "12 min"."""
    if value is None:
        return "—"
    minutes = max(int(value.total_seconds() // 60), 0)
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    if days:
        return _("%(days)d d %(hours)d h") % {"days": days, "hours": hours}
    if hours:
        return _("%(hours)d h %(minutes)d min") % {"hours": hours, "minutes": minutes}
    return _("%(minutes)d min") % {"minutes": minutes}


@register.simple_tag
def age(start: dt.datetime, end: dt.datetime) -> str:
    return duration(end - start)


@register.filter
def percent(value: Decimal | None) -> str:
    if value is None:
        return "—"
    return f"{(Decimal(value) * 100).quantize(Decimal('1'), rounding=ROUND_HALF_UP)}%"


@register.filter
def money(value: Decimal | None) -> str:
    if value is None:
        return "—"
    return f"¥{Decimal(value).quantize(Decimal('0.01'), rounding=ROUND_HALF_UP):,}"
