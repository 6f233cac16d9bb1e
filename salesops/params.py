"""Query parameters of pages and API lists: a value that cannot be used is a 400 naming the parameter, never a
500, and a date far outside the company's life is refused before anything is computed for it."""

from __future__ import annotations

import datetime as dt
from typing import TypeVar

from django.db.models import Min, Model, QuerySet
from django.http import HttpRequest, QueryDict
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from org.models import Membership
from salesops.formatting import long_date

LARGEST_ID = 2**63 - 1
M = TypeVar("M", bound=Model)


class BadParameter(Exception):
    """A query parameter that cannot be used; pages answer 400 with ``message``, the API ``{name: [message]}``."""

    def __init__(self, name: str, message: str) -> None:
        super().__init__(message)
        self.name = name
        self.message = message


def _shift_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def accepted_dates() -> tuple[dt.date, dt.date]:
    """(first, last) date a page, list or action accepts: a year before the company's first membership … a year
    after today."""
    today = timezone.localdate()
    start = Membership.objects.aggregate(first=Min("valid_from"))["first"] or today
    return _shift_years(min(start, today), -1), _shift_years(today, 1)


def date_outside_message(day: dt.date) -> str | None:
    """The error for a date outside ``accepted_dates()``, or None when the date is fine."""
    first, last = accepted_dates()
    if first <= day <= last:
        return None
    return _("Choose a date between %(first)s and %(last)s.") % {
        "first": long_date(first),
        "last": long_date(last),
    }


def date_param(params: QueryDict, name: str, *, default: dt.date | None) -> dt.date | None:
    """The date in ``params[name]`` (YYYY-MM-DD), ``default`` when absent or empty."""
    raw = params.get(name, "")
    if not raw:
        return default
    try:
        day = dt.date.fromisoformat(raw)
    except ValueError:
        raise BadParameter(
            name, _("“%(name)s” is not a date: write it as YYYY-MM-DD, e.g. 2026-03-02.") % {"name": name}
        ) from None
    problem = date_outside_message(day)
    if problem:
        raise BadParameter(name, f"“{name}”: {problem}")
    return day


def object_param(params: QueryDict, name: str, queryset: QuerySet[M], *, default: M | None) -> M | None:
    """The object whose id is in ``params[name]``; 404 when it is out of the queryset (the caller's scope)."""
    raw = params.get(name, "")
    if not raw:
        return default
    if not raw.isdigit() or int(raw) > LARGEST_ID:
        raise BadParameter(
            name,
            _("“%(name)s” must be the number of a record, not “%(value)s”.")
            % {
                "name": name,
                "value": raw[:40],
            },
        )
    return get_object_or_404(queryset, pk=int(raw))


def next_url(request: HttpRequest, *, default: str) -> str:
    """The ``next`` address of a form when it stays on this site (same host, same scheme), ``default`` otherwise."""
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    allowed = url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return candidate if candidate and allowed else default
