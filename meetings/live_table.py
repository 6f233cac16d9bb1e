"""The meeting dashboard's live table, rendered once per change of its data and answered with 304 when a
polling screen already has it.

At 08:30 every rep and the manager of a team open the same dashboard and poll its table every 30 seconds;
the table is the same for all of them. Its rendering is kept in the cache under a version made of:

- the team's version, changed by the writes that feed the table (a check-in, a change to a sheet or its
  visits and orders, a sale record saved one by one, a membership);
- the company's version, changed by the night (yesterday's results);
- the current minute, since the clock alone moves the table (a rep turns absent when the meeting closes),
  which also bounds the age of a change no write announced (an ERP import, a target edited during the
  meeting) to a minute.

The version is read from the cache and no database query; a client sending the version as ``If-None-Match``
gets 304. The meeting's team is kept in the cache too (a meeting keeps its team), and the ETag names the team, so
that a repeat poll reads the meeting's team, both versions and the viewer's scope in one round trip; with the
signed-in user kept in the cache too (org/auth.py), such a poll runs no query at all. Without the cache (Redis
down) every poll renders, as before.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.core.cache import cache
from django.db.models.signals import post_delete, post_save
from django.http import HttpRequest, HttpResponse, HttpResponseNotModified
from django.template.loader import render_to_string
from django.utils import timezone, translation

from meetings.models import CheckIn, Meeting
from org.models import Membership
from salesops.versions import COMPANY_KEY, company_data_changed, team_data_changed, versions_keys, versions_of
from visits.models import SaleRecord, VisitSheet

RENDER_TIMEOUT = 120
TEAM_TIMEOUT = 3600


def _team_key(meeting_id: int) -> str:
    return f"meetings:team:{meeting_id}"


@dataclass(frozen=True)
class Poll:
    """What one poll read from the cache in its one round trip."""

    meeting_id: int
    team_id: int | None  # None: there is no such meeting
    found: dict[str, Any]


def _etag_team(request: HttpRequest) -> int | None:
    """The team the screen's ETag names (``"<team>-<hash>"``): a guess to read its version with the rest, checked
    against the meeting's team before it counts."""
    match = re.match(r'\s*(?:W/)?"(\d+)-', request.headers.get("If-None-Match", ""))
    return int(match.group(1)) if match else None


def live_table_poll(request: HttpRequest, *, meeting_id: int, also: Sequence[str] = ()) -> Poll:
    """The poll's cache reads in one round trip: the meeting's team, the data versions of the team the screen's ETag
    names and of the company, and ``also`` (the viewer's scope keys). The meeting's team is read from the table the
    first time and kept (a meeting keeps its team)."""
    guess = _etag_team(request)
    keys = [_team_key(meeting_id), *(versions_keys(guess) if guess is not None else [COMPANY_KEY]), *also]
    found = cache.get_many(keys)
    team_id = found.get(_team_key(meeting_id))
    if team_id is None:
        team_id = Meeting.objects.filter(pk=meeting_id).values_list("team_id", flat=True).first()
        if team_id is not None:
            cache.set(_team_key(meeting_id), team_id, TEAM_TIMEOUT)
    return Poll(meeting_id=meeting_id, team_id=team_id, found=found)


def _version(poll: Poll, team_id: int, now: dt.datetime) -> str | None:
    versions = versions_of(team_id, read=poll.found)  # read already when the ETag named this team
    if versions is None:
        return None  # no cache: render every time
    minute = timezone.localtime(now).strftime("%Y%m%d%H%M")
    parts = [str(poll.meeting_id), translation.get_language() or "", minute, *versions]
    return f"{team_id}-" + hashlib.sha1(":".join(parts).encode(), usedforsecurity=False).hexdigest()


def live_table_response(request: HttpRequest, *, poll: Poll, team_id: int, render_data) -> HttpResponse:
    """The table of the meeting: 304 when the client has this version, else the kept rendering, else a new one
    (``render_data()`` gives the template's context; it runs only then). A repeat poll of a screen that has the
    table is answered from what ``live_table_poll`` read, without another round trip or a query."""
    version = _version(poll, team_id, timezone.now())
    if version is None:
        return HttpResponse(render_to_string("meetings/_dashboard_live.html", render_data(), request=request))
    etag = f'"{version}"'
    if etag in request.headers.get("If-None-Match", ""):
        response = HttpResponseNotModified()
    else:
        key = f"meetings:live:html:{version}"
        html = cache.get(key)
        if html is None:
            html = render_to_string("meetings/_dashboard_live.html", render_data(), request=request)
            cache.set(key, html, RENDER_TIMEOUT)
        response = HttpResponse(html)
    response["ETag"] = etag
    # Every poll asks again (no-cache), and the browser may answer it from its copy after a 304.
    response["Cache-Control"] = "private, no-cache"
    response["Vary"] = "Cookie, Accept-Language"
    return response


def _checkin_saved(sender, instance, **kwargs) -> None:
    if sender.meeting.is_cached(instance):
        team_data_changed(instance.meeting.team_id)
    else:
        company_data_changed()  # no query in a write path: the company's version instead


def _meeting_saved(sender, instance, **kwargs) -> None:
    cache.delete(_team_key(instance.pk))


def _team_row_saved(sender, instance, **kwargs) -> None:
    team_data_changed(instance.team_id)


def connect() -> None:
    """Called from the app's ``ready()``; a finished night changes the company's version (reports/signals.py)."""
    post_save.connect(_checkin_saved, sender=CheckIn, dispatch_uid="live-table-checkin-save")
    post_delete.connect(_checkin_saved, sender=CheckIn, dispatch_uid="live-table-checkin-delete")
    post_save.connect(_meeting_saved, sender=Meeting, dispatch_uid="live-table-meeting-save")
    post_delete.connect(_meeting_saved, sender=Meeting, dispatch_uid="live-table-meeting-delete")
    for model in (VisitSheet, SaleRecord, Membership):
        post_save.connect(_team_row_saved, sender=model, dispatch_uid=f"live-table-{model.__name__}-save")
        post_delete.connect(_team_row_saved, sender=model, dispatch_uid=f"live-table-{model.__name__}-delete")
