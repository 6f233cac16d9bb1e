"""Factories of the targets tests."""

from __future__ import annotations

from decimal import Decimal

import factory

from targets.models import DistributionProfile, Metric

SEASONAL = [Decimal(w) for w in ("5", "5", "7", "8", "9", "9", "8", "8", "9", "10", "10", "12")]


class DistributionProfileFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DistributionProfile
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Profile {n}")
    kind = DistributionProfile.Kind.SEASONAL
    weights = factory.LazyFunction(lambda: list(SEASONAL))


def metric(code: str) -> Metric:
    """One of the shipped metrics (created by the data migration)."""
    return Metric.objects.get(code=code)
