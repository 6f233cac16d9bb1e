"""The transactions of the services: an entry point is one durable transaction, never silently inside another.

A service that a view, the API or a task calls directly is decorated with ``entry_point``: it runs in
``transaction.atomic(durable=True)``, so a service that calls another entry point fails at once (RuntimeError)
instead of wrapping both in one transaction; the code they share belongs in an inner function without its own
transaction. The one outer transaction an entry point accepts is its request's, opened by ``request_transaction``
where the stored answer of a request must commit or roll back with its writes (an idempotent POST): directly
inside that one, the entry point's block is a savepoint, as any block nested in a transaction is.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import wraps
from typing import ParamSpec, TypeVar

from django.db import transaction

P = ParamSpec("P")
R = TypeVar("R")

_request_block: ContextVar[object | None] = ContextVar("request_block", default=None)


@contextmanager
def request_transaction() -> Iterator[None]:
    """One request's transaction, around the entry point it calls and what the request stores about itself."""
    block = transaction.atomic()
    with block:
        token = _request_block.set(block)
        try:
            yield
        finally:
            _request_block.reset(token)


def _directly_in_request() -> bool:
    blocks = transaction.get_connection().atomic_blocks
    return bool(blocks) and blocks[-1] is _request_block.get()


def entry_point(service: Callable[P, R]) -> Callable[P, R]:
    """Run ``service`` in a durable transaction (a savepoint directly inside its request's transaction)."""

    @wraps(service)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        with transaction.atomic(durable=not _directly_in_request()):
            return service(*args, **kwargs)

    return run
