"""Small companies for the reports tests: sales targets and sales for March 2026 (22 working days; the 16th is
the 11th), and November and December targets for the turn of a month."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from targets.models import Metric
from tests.factories import CustomerFactory, ProductFactory
from tests.reports.factories import make_sale, make_target

AS_OF = dt.date(2026, 3, 16)


@pytest.fixture
def sales_metric(db) -> Metric:
    # get_or_create: a transactional test has flushed the shipped metrics.
    metric, _created = Metric.objects.get_or_create(
        code="sales",
        defaults={"name": "Sales amount", "unit": Metric.Unit.MONEY, "actual_kind": Metric.ActualKind.SALES_AMOUNT},
    )
    return metric


@pytest.fixture
def night(company, sales_metric) -> dict:
    """Targets for rep_a, rep_a2, team A and the region; sales before, on and after the night."""
    make_target(company.team_a, company.rep_a, sales_metric, {1: "100000", 2: "80000", 3: "220000"})
    make_target(company.team_a, company.rep_a2, sales_metric, {3: "110000"})
    make_target(company.team_a, None, sales_metric, {3: "330000"})
    make_target(company.region, None, sales_metric, {3: "500000"})
    product = ProductFactory()
    customer_a = CustomerFactory(team=company.team_a, owner=company.rep_a)
    customer_a2 = CustomerFactory(team=company.team_a, owner=company.rep_a2)
    customer_b = CustomerFactory(team=company.team_b, owner=company.rep_b)
    for day, rep, customer, amount in [
        (dt.date(2026, 1, 10), company.rep_a, customer_a, "100000"),
        (dt.date(2026, 2, 5), company.rep_a, customer_a, "50000"),
        (dt.date(2026, 3, 2), company.rep_a, customer_a, "50000"),
        (dt.date(2026, 3, 16), company.rep_a, customer_a, "40000"),
        (dt.date(2026, 3, 17), company.rep_a, customer_a, "99999"),  # after the night: not counted
        (dt.date(2026, 3, 5), company.rep_a2, customer_a2, "66000"),
        (dt.date(2026, 3, 3), company.rep_b, customer_b, "30000"),
    ]:
        make_sale(day, rep, customer, product, Decimal(amount))
    return {"as_of": AS_OF, "metric": sales_metric}


@pytest.fixture
def november(company, sales_metric) -> dict:
    """rep_a: 30,000 in November, 44,000 in December; 27,000 sold in November (90 %)."""
    make_target(company.team_a, company.rep_a, sales_metric, {11: "30000", 12: "44000"})
    customer = CustomerFactory(team=company.team_a, owner=company.rep_a, name="Alpha Mart")
    product = ProductFactory()
    make_sale(dt.date(2026, 11, 10), company.rep_a, customer, product, Decimal("15000"))
    make_sale(dt.date(2026, 11, 27), company.rep_a, customer, product, Decimal("12000"))
    return {"metric": sales_metric, "customer": customer, "product": product}
