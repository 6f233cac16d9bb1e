"""The director's and manager's home (the cockpit), and the period picker every report page shares."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render

from org.models import Role
from org.scoping import require_role, visible_teams
from reports import cockpit, periods, selectors
from reports.models import PeriodKind
from salesops.params import date_param, object_param


def period_param(params: QueryDict, *, default: str = PeriodKind.MONTH) -> str:
    period = params.get("period", default)
    return period if period in PeriodKind.values else default


def picker(request: HttpRequest, *, period: str, as_of: dt.date | None, shown: dt.date | None) -> dict:
    """The as-of picker of a report page: the chosen day and period, and the links to the previous and the next
    period's final picture (the rest of the query kept)."""
    latest = selectors.latest_night()

    def link(day: dt.date | None) -> str | None:
        if day is None:
            return None
        query = request.GET.copy()
        query["as_of"] = day.isoformat()
        query["period"] = period
        query.pop("month", None)
        return f"?{query.urlencode()}"

    anchor = shown or as_of or latest
    label = None
    if anchor is not None:
        start, end = periods.bounds(period, anchor)
        label = periods.label(period, start, end, anchor)
    return {
        "as_of": as_of or shown,
        "period": period,
        "periods": PeriodKind.choices,
        "label": label,
        "latest": latest,
        "is_latest": shown is not None and shown == latest,
        "previous": link(periods.previous_as_of(period, anchor)) if anchor else None,
        "next": link(periods.next_as_of(period, anchor, latest=latest)) if anchor else None,
        "today": link(latest) if latest and shown != latest else None,
        "hidden": [(k, v) for k, v in request.GET.items() if k not in ("as_of", "period", "month")],
    }


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """A director's or manager's home: the unit's tiles, ranking, trends and today, over its whole subtree."""
    require_role(request.user, Role.DIRECTOR, Role.MANAGER)
    team = object_param(request.GET, "team", visible_teams(request.user), default=None)
    as_of = date_param(request.GET, "as_of", default=None)
    context = cockpit.cockpit(user=request.user, team=team, as_of=as_of)
    context["picker"] = picker(request, period=PeriodKind.MONTH, as_of=as_of, shown=context["night"])
    return render(request, "reports/cockpit.html", context)
