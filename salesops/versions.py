"""Versions of a team's live data, in the cache: a write that changes what a team's screens show calls
``team_data_changed``, and a screen kept in the cache under the old version is rendered again
(meetings/live_table.py). Kept here, below every app, so that any app's writes may announce a change."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from django.core.cache import cache

TIMEOUT = 2 * 24 * 3600
COMPANY_KEY = "live:company"


def team_key(team_id: int) -> str:
    return f"live:team:{team_id}"


def team_data_changed(team_id: int | None) -> None:
    if team_id is not None:
        cache.set(team_key(team_id), uuid.uuid4().hex, TIMEOUT)


def company_data_changed() -> None:
    """For a change that may touch any team (the night)."""
    cache.set(COMPANY_KEY, uuid.uuid4().hex, TIMEOUT)


def versions_keys(team_id: int) -> list[str]:
    """The keys ``versions_of`` reads, for a caller that reads them in its own round trip."""
    return [team_key(team_id), COMPANY_KEY]


def versions_of(team_id: int, *, read: Mapping[str, Any] | None = None) -> tuple[str, str] | None:
    """The team's and the company's versions (one cache round trip, none when ``read`` holds them already), or None
    without a cache."""
    keys = versions_keys(team_id)
    found = {key: read[key] for key in keys if key in read} if read is not None else {}
    if len(found) < len(keys):
        found = cache.get_many(keys)
    if len(found) < len(keys):
        for key in keys:
            if key not in found:
                # First use (or evicted): a fresh token, so that nothing kept under an older one is taken.
                cache.add(key, uuid.uuid4().hex, TIMEOUT)
        found = cache.get_many(keys)
        if len(found) < len(keys):
            return None
    return found[keys[0]], found[keys[1]]
