from __future__ import annotations

import pytest
from django.core.management import call_command

from targets.models import DistributionProfile, Metric

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_shipped_metrics_and_profiles_come_back_after_a_flush() -> None:
    call_command("flush", interactive=False, verbosity=0)
    assert set(Metric.objects.values_list("code", flat=True)) >= {
        "sales",
        "new-line-sales",
        "established-sales",
        "new-customers",
        "new-outlets",
        "visits",
    }
    assert DistributionProfile.objects.filter(kind="even").exists()
