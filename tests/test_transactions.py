"""An entry point is one durable transaction: never silently inside another, except its own request's."""

from __future__ import annotations

import importlib

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


ENTRY_POINTS = [
    "org.services.customer_create",
    "org.services.customer_update",
    "org.services.customer_first_order_set",
    "org.services.calendar_day_set",
    "org.services.calendar_import",
    "org.tokens.api_token_issue",
    "targets.services.target_create",
    "targets.services.target_update",
    "targets.services.target_set_annual",
    "targets.services.target_set_profile",
    "targets.services.target_set_months",
    "targets.services.target_allocate",
    "targets.services.target_import_apply",
    "reports.services.month_close",
    "reports.services.months_close_due",
    "meetings.services.meetings_ensure_for_day",
    "meetings.services.checkin_submit",
    "meetings.services.problem_raise",
    "meetings.weekly.weekly_review_save",
]


@pytest.mark.parametrize("path", ENTRY_POINTS)
def test_a_service_called_inside_another_transaction_refuses_to_join_it(path: str) -> None:
    module, name = path.rsplit(".", 1)
    service = getattr(importlib.import_module(module), name)
    # The durable block refuses before the service reads its arguments: no argument is needed to see it.
    with pytest.raises(RuntimeError, match="durable"), transaction.atomic():
        service()
