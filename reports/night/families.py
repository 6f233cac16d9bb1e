"""The metric families of the roll-ups: which families make a metric's actual, and that actual from an owner's sums.

Constants and one pure function; the report pages read the same mapping as the night.
"""

from __future__ import annotations

from decimal import Decimal

from reports.models import DailyActual
from targets.models import Metric

ZERO = Decimal(0)

FAMILIES_OF: dict[str, tuple[str, ...]] = {
    Metric.ActualKind.SALES_AMOUNT: (DailyActual.Family.NEW_LINE_AMOUNT, DailyActual.Family.ESTABLISHED_AMOUNT),
    Metric.ActualKind.NEW_LINE_AMOUNT: (DailyActual.Family.NEW_LINE_AMOUNT,),
    Metric.ActualKind.ESTABLISHED_AMOUNT: (DailyActual.Family.ESTABLISHED_AMOUNT,),
    Metric.ActualKind.NEW_CUSTOMERS: (DailyActual.Family.NEW_CUSTOMERS,),
    Metric.ActualKind.NEW_OUTLETS: (DailyActual.Family.NEW_OUTLETS,),
    Metric.ActualKind.VISITS: (DailyActual.Family.VISITS,),
}
MONEY_FAMILIES = {DailyActual.Family.NEW_LINE_AMOUNT, DailyActual.Family.ESTABLISHED_AMOUNT}
METRIC_FAMILIES = {family for families in FAMILIES_OF.values() for family in families}


Sums = dict[tuple[str, str], list[Decimal]]  # {(family, product group): [a sum per period of the night]}


def metric_actual(metric: Metric, sums: Sums, period_index: int) -> Decimal:
    """A metric's actual from an owner's family sums (sales: both lines, a product group when the metric has one)."""
    total = ZERO
    for (family, group), values in sums.items():
        if family not in FAMILIES_OF.get(metric.actual_kind, ()):
            continue
        if metric.product_group and family in MONEY_FAMILIES and group != metric.product_group:
            continue
        total += values[period_index]
    return total
