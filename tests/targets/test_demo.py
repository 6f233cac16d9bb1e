"""The demo seed: approved targets on every metric cascaded to every rep, once."""

from __future__ import annotations

import pytest
from django.utils import timezone

from org import demo as org_demo
from targets import demo
from targets.models import DistributionProfile, Metric, RampPlan, Target

pytestmark = pytest.mark.django_db


def test_the_demo_cascades_approved_targets_to_every_rep_and_is_idempotent() -> None:
    context: dict = {}
    org_demo.seed(context)
    demo.seed(context)
    year = timezone.localdate().year
    reps = [rep for rep, _team in context["reps"]]
    for metric in Metric.objects.all():
        rep_targets = Target.objects.filter(metric=metric, fiscal_year=year, rep__in=reps)
        assert rep_targets.count() == len(reps)
        company = Target.objects.get(metric=metric, fiscal_year=year, team=context["company"], rep__isnull=True)
        assert sum(t.annual_value for t in rep_targets) == company.annual_value
    assert not Target.objects.filter(status=Target.Status.DRAFT).exists()
    assert DistributionProfile.objects.filter(kind="seasonal").count() == 1
    assert RampPlan.objects.exists()
    count = Target.objects.count()
    demo.seed(context)
    assert Target.objects.count() == count
    assert RampPlan.objects.count() == len({p.rep_id for p in RampPlan.objects.all()})
