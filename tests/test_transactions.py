"""An entry point is one durable transaction: never silently inside another, except its own request's."""

from __future__ import annotations

import pytest
from django.db import transaction

from salesops.transactions import entry_point, request_transaction

pytestmark = pytest.mark.django_db


@entry_point
def inner() -> str:
    return "done"


@entry_point
def outer() -> str:
    return inner()


def test_an_entry_point_runs_on_its_own_and_in_its_request() -> None:
    assert inner() == "done"
    with request_transaction():
        assert inner() == "done"


def test_an_entry_point_inside_another_fails_even_in_a_request() -> None:
    with pytest.raises(RuntimeError):
        outer()
    with pytest.raises(RuntimeError), request_transaction():
        outer()


def test_an_entry_point_inside_a_plain_transaction_fails() -> None:
    with pytest.raises(RuntimeError), transaction.atomic():
        inner()
