"""When a rep acted: a write the phone kept while offline is sent later with the time the rep tapped.

That time is believed within sane bounds: a little ahead of the server (a phone's clock runs fast) and back as far as
a phone may reasonably stay offline. A large gap between the action and its arrival is kept and flagged to the
manager (visits.selectors, "received … min later"), never refused while it is within these bounds.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.http import QueryDict
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

# A phone's clock may run a little ahead of the server's.
CLOCK_SKEW = dt.timedelta(minutes=5)
# The oldest action a phone may still send: a long weekend without signal.
MAX_OFFLINE = dt.timedelta(hours=72)


def action_time(at: dt.datetime | None, *, field_name: str, now: dt.datetime | None = None) -> dt.datetime:
    """``at`` when it is within the bounds (now when it is None); a translated error naming the field otherwise."""
    now = now or timezone.now()
    if at is None:
        return now
    if timezone.is_naive(at):
        raise ValidationError({field_name: _("Give the time with its time zone.")})
    if at > now + CLOCK_SKEW:
        raise ValidationError({field_name: _("This time is in the future.")})
    if at < now - MAX_OFFLINE:
        hours = int(MAX_OFFLINE.total_seconds() // 3600)
        raise ValidationError({field_name: _("This time is more than %(hours)d hours ago.") % {"hours": hours}})
    return at


def acted_at(data: QueryDict) -> dt.datetime | None:
    """The time of the tap a form carries (``acted_at``, ISO 8601 with its zone), or None for now."""
    raw = data.get("acted_at", "").strip()
    if not raw:
        return None
    try:
        parsed = parse_datetime(raw)
    except ValueError:
        parsed = None
    if parsed is None:
        raise ValidationError({"acted_at": _("The time of the action is not a valid date and time.")})
    return parsed
