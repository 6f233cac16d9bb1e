"""The metric families of the roll-ups: which families make a metric's actual, and that actual from an owner's sums.

Constants and one pure function; the report pages read the same mapping as the night, the targets' live reads
(``targets.profiles.FAMILIES_OF``).
"""

from __future__ import annotations

from decimal import Decimal

from targets.models import Metric
from targets.profiles import FAMILIES_OF
from visits.actuals import SALES_FAMILIES

ZERO = Decimal(0)
MONEY_FAMILIES = set(SALES_FAMILIES)
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
