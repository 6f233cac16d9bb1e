"""Shards and locks: the leaf teams cut into a night's shards, a shard's key, and the advisory locks on them."""

from __future__ import annotations

import datetime as dt
import hashlib
import zlib
from collections.abc import Iterable
from typing import cast

from django.conf import settings
from django.db import connection
from django.db.models import Count
from django.utils import timezone

from org.models import Membership, Role, Team
from reports.models import NightlyShard


def leaf_team_shards(count: int | None = None) -> list[list[int]]:
    """The leaf teams (teams without child teams) in ``count`` shards of about as many reps each.

    Contiguous runs of leaf teams in tree order, so a shard mostly holds one region; a team is never
    split. Every shard pays fixed costs (a transaction, a lock, ~30 queries), so a few coarse shards
    (default: ``settings.REPORTS_NIGHT_SHARDS``, 2: one a worker) beat one per team. The inner teams are
    the final step's.
    """
    count = max(1, count or getattr(settings, "REPORTS_NIGHT_SHARDS", 2))
    parents = set(Team.objects.exclude(parent=None).values_list("parent_id", flat=True))
    leaves = [i for i in Team.objects.order_by("path").values_list("id", flat=True) if i not in parents]
    reps = dict(
        Membership.objects.active_on(timezone.localdate())
        .filter(team_id__in=leaves, role=Role.REP)
        .values("team_id")
        .annotate(n=Count("id"))
        .values_list("team_id", "n")
    )
    remaining = sum(reps.get(team_id, 0) + 1 for team_id in leaves)  # + 1: a team's own fixed cost
    shards: list[list[int]] = []
    current: list[int] = []
    weight = 0
    for index, team_id in enumerate(leaves):
        current.append(team_id)
        weight += reps.get(team_id, 0) + 1
        later_shards, later_teams = count - len(shards) - 1, len(leaves) - index - 1
        # Close the shard at its fair share of what is left, or when each later shard needs a team.
        if later_shards > 0 and (weight * (later_shards + 1) >= remaining or later_teams <= later_shards):
            shards.append(current)
            remaining -= weight
            current, weight = [], 0
    return [*shards, current] if current else shards


def inner_team_ids() -> list[int]:
    parents = set(Team.objects.exclude(parent=None).values_list("parent_id", flat=True))
    return sorted(parents)


def shard_key(team_ids: Iterable[int]) -> str:
    """The shard's team ids, comma-separated; a digest of them when that outgrows ``NightlyShard.key``."""
    ids = sorted(team_ids)
    key = ",".join(str(i) for i in ids)
    if len(key) <= cast(int, NightlyShard._meta.get_field("key").max_length):
        return key
    return f"{ids[0]}-{ids[-1]}:{len(ids)}:{hashlib.sha256(key.encode()).hexdigest()}"


def advisory_lock(as_of: dt.date, key: str) -> None:
    """Serialise work on one night's shard across processes and hosts until the transaction ends."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_advisory_xact_lock(%s, %s)", [as_of.toordinal(), zlib.crc32(key.encode()) & 0x7FFFFFFF]
        )


def commit_without_waiting() -> None:
    """This transaction's commit does not wait for its WAL to reach the disk (``synchronous_commit = off`` for
    it only). A night that did not finish is computed again from the records, so a crash that loses its last
    moments loses nothing, and its tens of thousands of rows do not wait for a flush."""
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL synchronous_commit = off")


def subtree_ids(team_ids: Iterable[int]) -> dict[int, set[int]]:
    """Every given team's id → the ids of its subtree (itself included), in one query."""
    teams = list(Team.objects.values_list("id", "path"))
    wanted = {team_id: path for team_id, path in teams if team_id in set(team_ids)}
    return {team_id: {i for i, p in teams if p.startswith(path)} for team_id, path in wanted.items()}
