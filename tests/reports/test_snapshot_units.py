"""Snapshots carry the days behind their time progress (API and drill-down), so a manager can check it by hand,
and a capped achievement is marked; counts are whole numbers."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from reports.night.run import night_compute
from targets.models import Metric, TargetPeriod
from tests.reports.factories import make_target

pytestmark = pytest.mark.django_db

AS_OF = dt.date(2026, 3, 16)


def test_the_api_gives_the_working_days_elapsed_and_in_the_period(company, night) -> None:
    night_compute(as_of=AS_OF)
    results = (
        company.client_for(company.manager_a)
        .get("/api/v1/progress-snapshots/", {"owner": f"rep:{company.rep_a.pk}", "as_of_from": "2026-03-16"})
        .json()["results"]
    )
    days = {row["period_kind"]: (row["days_elapsed"], row["days_total"], row["time_progress"]) for row in results}
    # March 2026: 22 working days, the 16th the 11th; Q1: 21 + 16 + 22 with 21 + 16 + 11 gone (holiday weeks).
    assert days["month"] == (11, 22, "0.500000")
    assert days["quarter"] == (48, 59, "0.813559")
    assert days["day"] == (1, 1, "1.000000")
    assert all(row["flags"] == [] for row in results)


def test_a_count_metric_comes_back_as_whole_numbers(company, night) -> None:
    visits, _created = Metric.objects.get_or_create(
        code="visits", defaults={"name": "Visits", "unit": Metric.Unit.COUNT, "actual_kind": Metric.ActualKind.VISITS}
    )
    make_target(company.team_a, company.rep_a, visits, {3: "15"})
    night_compute(as_of=AS_OF)
    row = (
        company.client_for(company.manager_a)
        .get(
            "/api/v1/progress-snapshots/", {"owner": f"rep:{company.rep_a.pk}", "metric": visits.pk, "period": "month"}
        )
        .json()["results"][0]
    )
    assert (row["target"], row["actual"]) == ("15", "0")
    page = company.client_for(company.manager_a).get(
        reverse("reports:rep", args=[company.rep_a.pk]), {"metric": visits.pk}
    )
    assert "15.00" not in page.content.decode()


def test_the_drill_down_shows_the_days_and_marks_a_capped_achievement(company, night) -> None:
    TargetPeriod.objects.filter(target__rep=company.rep_a2, month=3).update(value="0.05")  # 66,000 sold
    night_compute(as_of=AS_OF)
    page = company.client_for(company.manager_a).get(reverse("reports:rep", args=[company.rep_a.pk])).content.decode()
    assert "11/22" in page
    capped = company.client_for(company.manager_a).get(reverse("reports:rep", args=[company.rep_a2.pk]))
    assert capped.status_code == 200
    assert 'class="badge text-bg-warning"' in capped.content.decode()
