"""The reports API: filters, scoping and marking alerts read."""

from __future__ import annotations

import pytest

from reports.models import Alert, NightlyRun
from reports.night.run import night_compute

pytestmark = pytest.mark.django_db


@pytest.fixture
def computed(company, night) -> dict:
    night_compute(as_of=night["as_of"])
    return night


def test_snapshots_filter_by_owner_period_and_as_of(company, computed) -> None:
    client = company.client_for(company.manager_a)
    response = client.get(
        "/api/v1/progress-snapshots/",
        {"owner": f"rep:{company.rep_a.pk}", "period": "month", "as_of_from": "2026-03-16", "as_of_to": "2026-03-16"},
    )
    assert response.status_code == 200
    results = response.json()["results"]
    assert len(results) == 1
    assert results[0]["actual"] == "90000.00"
    assert results[0]["gap_pp"] == "-9.09"
    assert results[0]["status"] == "behind"
    # The three forecasts: run rate and seasonal 180,000 (90,000 ÷ 0.5 planned), none from last year.
    assert (results[0]["forecast"], results[0]["forecast_seasonal"]) == ("180000.00", "180000.00")
    assert results[0]["forecast_last_year"] is None


def test_snapshots_are_scoped(company, computed) -> None:
    keys = {
        r["owner_key"]
        for r in company.client_for(company.manager_b).get("/api/v1/progress-snapshots/").json()["results"]
    }
    assert f"rep:{company.rep_a.pk}" not in keys
    rep_keys = {
        r["owner_key"] for r in company.client_for(company.rep_a2).get("/api/v1/progress-snapshots/").json()["results"]
    }
    assert rep_keys == {f"rep:{company.rep_a2.pk}"}
    assert company.client_for(company.director).get("/api/v1/progress-snapshots/").json()["count"] == 4 * 5


def test_an_unpublished_night_is_not_served(company, computed) -> None:
    NightlyRun.objects.filter(as_of=computed["as_of"]).update(status=NightlyRun.Status.RUNNING)
    assert company.client_for(company.director).get("/api/v1/progress-snapshots/").json()["count"] == 0


def test_kpis_filter_by_rep(company, computed) -> None:
    response = company.client_for(company.manager_a).get(
        "/api/v1/execution-kpis/", {"rep": company.rep_a.pk, "period": "month"}
    )
    assert [r["owner_key"] for r in response.json()["results"]] == [f"rep:{company.rep_a.pk}"]


def test_alerts_are_the_users_own_and_can_be_marked_read(company, computed) -> None:
    client = company.client_for(company.rep_b)
    alerts = client.get("/api/v1/alerts/").json()["results"]
    assert [a["cause"] for a in alerts] == [f"missing-sheet:{company.rep_b.pk}"]
    response = client.post("/api/v1/alerts/mark_read/", {"ids": [alerts[0]["id"]]}, content_type="application/json")
    assert response.json() == {"marked": 1, "unread": 0}
    assert Alert.objects.filter(user=company.manager_b, read_at__isnull=True).exists()


def test_count_metrics_come_back_as_whole_numbers(company, night) -> None:
    from targets.models import Metric
    from tests.reports.factories import make_target

    customers, _created = Metric.objects.get_or_create(
        code="new_customers",
        defaults={"name": "New customers", "unit": Metric.Unit.COUNT, "actual_kind": Metric.ActualKind.NEW_CUSTOMERS},
    )
    target = make_target(company.team_a, company.rep_a, customers, {3: "15"})
    night_compute(as_of=night["as_of"])
    client = company.client_for(company.manager_a)
    query = {"owner": f"rep:{company.rep_a.pk}", "period": "month", "metric": customers.pk}
    listed = client.get("/api/v1/progress-snapshots/", query).json()["results"]
    assert [(row["target"], row["actual"]) for row in listed] == [("15", "0")]
    one = client.get(f"/api/v1/progress-snapshots/{listed[0]['id']}/").json()
    assert (one["target"], one["actual"]) == ("15", "0")
    money = client.get("/api/v1/progress-snapshots/", {**query, "metric": night["metric"].pk}).json()["results"]
    assert money[0]["actual"] == "90000.00"
    body = client.get(f"/api/v1/targets/{target.pk}/").json()
    assert body["annual_value"] == "15" and body["periods"][2]["value"] == "15" and body["quarters"][0] == "15"
