"""Demo targets: this year's approved targets on every metric for the company, cascaded region → team → rep,
the company's sales spread by one seasonal profile, and 30/60/90-day plans for the newest reps.
Idempotent: a metric that already has the company's target for the year is left alone."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from org.models import Membership, Role
from targets import selectors, services
from targets.models import DistributionProfile, Metric, RampPlan, Target

SEASONAL_NAME = "节日旺季"
SEASONAL_WEIGHTS = ["10", "6", "7", "7", "8", "8", "7", "7", "8", "10", "10", "12"]
# Sized to what the demo reps actually sell and do in a year, so some are ahead and some behind.
COMPANY_VALUES = {
    "sales": "7000000",
    "new-line-sales": "2800000",
    "established-sales": "4200000",
    "new-customers": "40",
    "new-outlets": "32",
    "visits": "19000",
}


def _cascade(*, director, parent: Target) -> None:
    grid = selectors.grid_for(user=director, team=parent.team, year=parent.fiscal_year, metric=parent.metric)
    if not grid.rows:
        return
    children = services.target_allocate(by=director, parent=parent, children=grid.children, method="equal")
    for child in children:
        services.target_approve(by=director, target=child)
        if child.rep_id is None:
            _cascade(director=director, parent=child)


def seed(context: dict) -> None:
    director, company = context["director"], context["company"]
    year = timezone.localdate().year
    seasonal = DistributionProfile.objects.filter(name=SEASONAL_NAME).first() or services.profile_create(
        by=director, name=SEASONAL_NAME, kind=DistributionProfile.Kind.SEASONAL, weights=SEASONAL_WEIGHTS
    )
    for code, value in COMPANY_VALUES.items():
        metric = Metric.objects.get(code=code)
        if Target.objects.filter(team=company, rep__isnull=True, metric=metric, fiscal_year=year).exists():
            continue
        target = services.target_create(
            by=director,
            metric=metric,
            fiscal_year=year,
            annual_value=value,
            team=company,
            profile=seasonal if metric.is_money else None,
        )
        services.target_approve(by=director, target=target)
        _cascade(director=director, parent=target)

    today = timezone.localdate()
    for rep, team in context["reps"]:
        joined = (
            Membership.objects.filter(user=rep, team=team, role=Role.REP).order_by("-valid_from").first().valid_from
        )
        if today - joined > dt.timedelta(days=90) or RampPlan.objects.filter(rep=rep, start_date=joined).exists():
            continue
        services.ramp_plan_create(
            by=director,
            rep=rep,
            start_date=joined,
            checkpoints={
                30: {"visits": 80, "new_customers": 3, "amount": Decimal("20000")},
                60: {"visits": 170, "new_customers": 7, "amount": Decimal("60000")},
                90: {"visits": 260, "new_customers": 12, "amount": Decimal("120000")},
            },
        )
