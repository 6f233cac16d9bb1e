from __future__ import annotations

from celery import shared_task

from org.outbox import flush_pending


@shared_task(name="org.flush_pending_tasks")
def flush_pending_tasks_task() -> int:
    """Send again the tasks whose enqueue failed while the broker was down."""
    return flush_pending()
