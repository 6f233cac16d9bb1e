"""Template helpers of the report pages: percentages, gap colours, the alert bell."""

from __future__ import annotations

from decimal import Decimal

from django import template

from reports import selectors
from salesops import formatting

register = template.Library()


@register.filter
def pct(value: Decimal | None, places: int = 1) -> str:
    """A ratio as a percentage ("40.9%"), or "—" when undefined."""
    return formatting.percent(value, int(places))


@register.filter
def pp(value: Decimal | None) -> str:
    """Percentage points with a sign ("−9.1"), or "—" (also for a missing figure, which a template sees as "")."""
    if value is None or value == "":
        return "—"
    return f"{value.quantize(Decimal('0.1')):+}"


@register.filter
def signed_pct(value: Decimal | None) -> str:
    """A relative change as a signed percentage ("+12.5%", "−3.0%"), or "—" when there is no base."""
    if value is None:
        return "—"
    text = formatting.percent(abs(value))
    return f"+{text}" if value >= 0 else f"−{text}"


@register.filter
def dash(value) -> object:
    return "—" if value is None else value


@register.inclusion_tag("reports/includes/bell.html", takes_context=True)
def alert_bell(context) -> dict:
    """The navbar bell with the user's unread alert count: {% load reports_tags %}{% alert_bell %}."""
    request = context.get("request")
    user = getattr(request, "user", None)
    count = selectors.unread_alert_count(user=user) if user is not None else 0
    return {"count": count, "authenticated": bool(user and user.is_authenticated)}
