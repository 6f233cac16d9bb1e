"""The unread alert count for every page (an alternative to the {% alert_bell %} tag)."""

from __future__ import annotations

from django.http import HttpRequest

from reports.selectors import unread_alert_count


def alerts(request: HttpRequest) -> dict:
    user = getattr(request, "user", None)
    return {"unread_alert_count": unread_alert_count(user=user) if user is not None else 0}
