"""Celery entry points of the nightly progress job: a group of shard tasks; the last one to finish publishes."""

from __future__ import annotations

import datetime as dt
from typing import Any

from celery import Task, group, shared_task
from django.db import DatabaseError
from django.utils import timezone

from reports import robots
from reports.models import RobotMessage
from reports.night.failures import night_fail
from reports.night.run import night_finish, run, shard_compute


def _yesterday() -> dt.date:
    return timezone.localdate() - dt.timedelta(days=1)


class NightTask(Task):
    """A task of a night: when it fails for good (out of retries, or an error no retry helps), the night is
    marked failed and the directors alerted, instead of staying "running"."""

    def on_failure(
        self, exc: Exception, task_id: str, args: tuple[Any, ...], kwargs: dict[str, Any], einfo: Any
    ) -> None:
        as_of = kwargs.get("as_of") or (args[0] if args else None)
        day = dt.date.fromisoformat(as_of) if as_of else _yesterday()
        night_fail(as_of=day, error=f"{type(exc).__name__}: {exc}")


@shared_task(base=NightTask)
def nightly_progress_task(as_of: str | None = None) -> int:
    """Open the night (default: yesterday) and fan out one task per leaf-team shard; returns the shard count.

    Nights left "running" by a lost worker are failed (and alerted) first."""
    day = dt.date.fromisoformat(as_of) if as_of else _yesterday()
    return run(as_of=day, dispatch=_shards_dispatch, scheduled=True)


def _shards_dispatch(as_of: dt.date, shards: list[list[int]], refresh_from: dt.date) -> None:
    group(
        compute_shard_task.s(as_of.isoformat(), team_ids, refresh_from.isoformat()) for team_ids in shards
    ).apply_async()


@shared_task(base=NightTask, bind=True, autoretry_for=(DatabaseError,), retry_backoff=5, max_retries=5)
def compute_shard_task(self, as_of: str, team_ids: list[int], refresh_from: str | None = None) -> bool:
    """Compute one shard; once committed, the shard that completes the night runs the final step.

    ``refresh_from`` is the night's first day to roll up again (the late-data check, done once when the
    night starts); without it the shard checks itself. A database error (a deadlock, a lost connection)
    retries the shard: it is idempotent. The shard records the worker node that computed it.
    """
    day = dt.date.fromisoformat(as_of)
    start = dt.date.fromisoformat(refresh_from) if refresh_from else None
    shard_compute(as_of=day, team_ids=team_ids, refresh_from=start, worker=self.request.hostname or "")
    return night_finish(as_of=day, refresh_from=start)


@shared_task
def robots_after_night_task(as_of: str) -> int:
    """Queue the night's daily report for every active group robot (sent by robot_deliver_task, one per message)."""
    return robots.after_night(as_of=dt.date.fromisoformat(as_of))


@shared_task(bind=True, max_retries=None)
def robot_deliver_task(self, message_id: int) -> str:
    """Send a robot message's remaining parts; wait and try again when the platform says so (rate limit, outage)."""
    message = RobotMessage.objects.select_related("robot").filter(pk=message_id, status="pending").first()
    if message is None:
        return "gone"
    wait = robots.deliver(message)
    if wait:
        raise self.retry(countdown=wait)
    return message.status


@shared_task
def robots_meeting_reminders_task() -> int:
    """Every minute (Beat): remind the teams' robots of the meetings starting in the next ten minutes."""
    return robots.meeting_reminders()
