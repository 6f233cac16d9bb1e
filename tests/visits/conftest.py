"""Fixtures of the visits tests: a fixed clock, products and the reps' customers."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine

from tests.factories import CustomerFactory, ProductFactory

SHANGHAI = ZoneInfo("Asia/Shanghai")
TODAY = dt.date(2026, 3, 10)  # a Tuesday


def local(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=SHANGHAI)


@pytest.fixture
def clock() -> Iterator[time_machine.Coordinates]:
    """Tuesday 10 March 2026, 09:00 in Shanghai; ``clock.move_to(...)`` moves it."""
    with time_machine.travel(local(TODAY, 9), tick=False) as traveller:
        yield traveller


@pytest.fixture
def products(db) -> dict:
    return {
        "soda": ProductFactory(code="SODA", name="Soda", unit_price=Decimal("3.50")),
        "tea": ProductFactory(code="TEA", name="Tea", unit_price=Decimal("4.00")),
    }


@pytest.fixture
def shops(company) -> dict:
    return {
        "a1": CustomerFactory(code="A1", name="Alpha Mart", team=company.team_a, owner=company.rep_a, tier="A"),
        "a2": CustomerFactory(code="A2", name="Avenue Shop", team=company.team_a, owner=company.rep_a, tier="B"),
        "a3": CustomerFactory(code="A3", name="Atlas Store", team=company.team_a, owner=company.rep_a, tier="C"),
        "a2x": CustomerFactory(code="AX", name="Apex Store", team=company.team_a, owner=company.rep_a2),
        "b": CustomerFactory(code="B1", name="Beta Shop", team=company.team_b, owner=company.rep_b),
    }
