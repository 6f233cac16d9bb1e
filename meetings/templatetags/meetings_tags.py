"""Formatting of the meetings pages: durations, percentages, money and the badges of the dashboard's rows
(filters rather than included templates: a 50-rep table renders each of them 50 times)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy

from salesops import formatting

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
    """A ratio as a percentage with one decimal ("40.9%"), "—" when undefined."""
    return formatting.percent(value)


@register.filter
def money(value: Decimal | None) -> str:
    """¥1,234,567.89, "—" for nothing."""
    return formatting.money(value)


_ATTENDANCE_BADGES = {
    "present": ("text-bg-success", pgettext_lazy("attendance", "Present")),
    "late": ("text-bg-warning", pgettext_lazy("attendance", "Late")),
    "absent": ("text-bg-danger", pgettext_lazy("attendance", "Absent")),
    "excused": ("text-bg-info", pgettext_lazy("attendance", "Excused")),
}
_NOT_YET = ("text-bg-light border", pgettext_lazy("attendance", "Not yet"))


@register.filter
def attendance_badge(attendance: str | None) -> SafeString:
    """A check-in's attendance as a badge; "Not yet" while it is still open."""
    css, label = _ATTENDANCE_BADGES.get(attendance or "", _NOT_YET)
    key = attendance if attendance in _ATTENDANCE_BADGES else "waiting"
    return format_html('<span class="badge {}" data-attendance="{}">{}</span>', css, key, label)


@register.filter
def sheet_filing(summary) -> SafeString | str:
    """Whether a day's visit sheet was filed: missing, late or on time ("" without a summary)."""
    if summary is None:
        return ""
    if summary.sheet_status is None:
        return format_html('<span class="badge text-bg-danger">{}</span>', _("Missing"))
    if summary.is_late:
        return format_html('<span class="badge text-bg-warning">{}</span>', _("Late"))
    return format_html('<span class="text-success small">{}</span>', _("On time"))
