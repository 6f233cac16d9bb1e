"""Helpers of the reports tests: targets with their months and sale records."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from targets.models import Metric, Target, TargetPeriod
from visits.models import SaleRecord


def make_target(team, rep, metric: Metric, months: dict[int, str], year: int = 2026) -> Target:
    values = {month: Decimal(months.get(month, "0")) for month in range(1, 13)}
    target = Target.objects.create(
        team=team, rep=rep, metric=metric, fiscal_year=year, annual_value=sum(values.values(), Decimal(0))
    )
    TargetPeriod.objects.bulk_create(TargetPeriod(target=target, month=m, value=v) for m, v in values.items())
    return target


def make_sale(day: dt.date, rep, customer, product, amount: Decimal) -> SaleRecord:
    return SaleRecord.objects.create(
        date=day, rep=rep, team=customer.team, customer=customer, product=product, quantity=1, amount=amount
    )
