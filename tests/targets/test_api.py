"""The targets API: scoping by role, the rules of the services, the schema."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D
from zoneinfo import ZoneInfo

import pytest
import time_machine

from targets import services
from targets.models import Metric, Target

pytestmark = pytest.mark.django_db


@pytest.fixture
def team_target(sales_team, sales) -> Target:
    return services.target_create(
        by=sales_team.manager, metric=sales, fiscal_year=2026, annual_value="2000000", team=sales_team.team
    )


def client_for(user):
    from django.test import Client

    from tests.factories import PASSWORD

    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


def test_a_manager_creates_a_target_and_gets_its_months(sales_team, sales) -> None:
    response = client_for(sales_team.manager).post(
        "/api/v1/targets/",
        {"team": sales_team.team.pk, "metric": sales.pk, "fiscal_year": 2026, "annual_value": "2000000"},
        content_type="application/json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["periods"][0] == {"month": 1, "value": "166666.67", "locked": False, "overridden": False}
    assert sum(D(p["value"]) for p in body["periods"]) == D("2000000.00")
    assert len(body["quarters"]) == 4


def test_negative_and_out_of_scope_targets_are_refused_by_field(sales_team, sales) -> None:
    client = client_for(sales_team.outsider_manager)
    response = client.post(
        "/api/v1/targets/",
        {"team": sales_team.team.pk, "metric": sales.pk, "fiscal_year": 2026, "annual_value": "10"},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert "team" in response.json()
    response = client_for(sales_team.manager).post(
        "/api/v1/targets/",
        {"team": sales_team.team.pk, "metric": sales.pk, "fiscal_year": 2026, "annual_value": "-10"},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert "annual_value" in response.json()
    assert not Target.objects.exists()


def test_another_managers_target_is_not_found(sales_team, team_target) -> None:
    client = client_for(sales_team.outsider_manager)
    assert client.get(f"/api/v1/targets/{team_target.pk}/").status_code == 404
    assert client.get("/api/v1/targets/").json()["count"] == 0


def test_allocation_equally_and_the_summary(sales_team, team_target) -> None:
    client = client_for(sales_team.manager)
    url = f"/api/v1/targets/{team_target.pk}/allocation/"
    response = client.post(url, {"method": "equal"}, content_type="application/json")
    assert response.status_code == 200, response.json()
    assert [c["annual_value"] for c in response.json()["children"]] == ["500000.00"] * 4
    summary = client.get(url).json()
    assert summary["remainder_year"] == "0.00"
    assert summary["over_allocated"] is False


def test_a_rep_sees_only_their_own_targets_and_acknowledges(sales_team, team_target) -> None:
    manager = sales_team.manager
    children = services.target_allocate(by=manager, parent=team_target, children=sales_team.reps, method="equal")
    mine = children[0]
    services.target_approve(by=manager, target=mine)
    rep_client = client_for(sales_team.reps[0])
    listed = rep_client.get("/api/v1/targets/").json()
    assert [t["id"] for t in listed["results"]] == [mine.pk]
    assert rep_client.get(f"/api/v1/targets/{children[1].pk}/").status_code == 404
    assert rep_client.get(f"/api/v1/targets/{team_target.pk}/").status_code == 404
    response = rep_client.post(f"/api/v1/targets/{mine.pk}/acknowledge/")
    assert response.status_code == 200
    assert response.json()["acknowledged_at"]
    # A rep cannot change their own target.
    response = rep_client.patch(f"/api/v1/targets/{mine.pk}/", {"annual_value": "1"}, content_type="application/json")
    assert response.status_code == 403


def test_override_and_history_through_the_api(sales_team, team_target) -> None:
    client = client_for(sales_team.regional_manager)
    assert client.post(f"/api/v1/targets/{team_target.pk}/approve/").status_code == 200
    url = f"/api/v1/targets/{team_target.pk}/months/"
    response = client.post(url, {"month": 1, "value": "200000"}, content_type="application/json")
    assert response.status_code == 400
    assert "reason" in response.json()
    response = client.post(
        url, {"month": 1, "value": "200000", "reason": "Spring fair"}, content_type="application/json"
    )
    assert response.status_code == 200
    history = client.get(f"/api/v1/targets/{team_target.pk}/history/").json()
    assert history[0]["field"] == "month"
    assert history[0]["reason"] == "Spring fair"
    assert history[0]["old_value"] == "166666.67"


def test_only_a_director_adds_a_metric_for_a_product_group(sales_team) -> None:
    payload = {
        "code": "dairy",
        "name": "Dairy sales",
        "unit": "money",
        "actual_kind": "sales_amount",
        "product_group": "Dairy",
    }
    assert client_for(sales_team.manager).post("/api/v1/metrics/", payload, "application/json").status_code == 403
    assert client_for(sales_team.director).post("/api/v1/metrics/", payload, "application/json").status_code == 201
    assert Metric.objects.get(code="dairy").product_group == "Dairy"


def test_a_seasonal_profile_not_totalling_100_is_refused(sales_team) -> None:
    response = client_for(sales_team.manager).post(
        "/api/v1/distribution-profiles/",
        {"name": "Odd", "kind": "seasonal", "weights": ["10"] * 12},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert "weights" in response.json()


def test_the_schema_documents_the_targets_api(sales_team) -> None:
    schema = client_for(sales_team.manager).get("/api/schema/").content.decode()
    for path in (
        "/api/v1/targets/{id}/allocation/",
        "/api/v1/targets/{id}/acknowledge/",
        "/api/v1/metrics/",
        "/api/v1/distribution-profiles/",
        "/api/v1/targets/{id}/history/",
    ):
        assert path in schema


@time_machine.travel(dt.datetime(2026, 12, 3, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai")))
def test_a_manager_sets_a_ramp_plan_and_the_rep_sees_its_progress(sales_team) -> None:
    from org.models import Membership
    from targets.selectors import ramp_progress
    from tests.factories import CustomerFactory

    rep = sales_team.reps[0]
    Membership.objects.filter(user=rep).update(valid_from=dt.date(2026, 9, 1))
    payload = {
        "rep": rep.pk,
        "checkpoints": [
            {"day": 30, "visits": 60, "new_customers": 1, "amount": "5000"},
            {"day": 60, "visits": 130, "new_customers": 4, "amount": "15000"},
            {"day": 90, "visits": 200, "new_customers": 8, "amount": "30000"},
        ],
    }
    assert (
        client_for(sales_team.outsider_manager)
        .post("/api/v1/ramp-plans/", payload, content_type="application/json")
        .status_code
        == 400
    )
    response = client_for(sales_team.manager).post("/api/v1/ramp-plans/", payload, content_type="application/json")
    assert response.status_code == 201, response.json()
    assert response.json()["start_date"] == "2026-09-01"
    CustomerFactory(team=sales_team.team, owner=rep, first_order_date=dt.date(2026, 9, 20))
    listed = client_for(rep).get("/api/v1/ramp-plans/").json()
    assert listed["count"] == 1
    assert client_for(sales_team.reps[1]).get("/api/v1/ramp-plans/").json()["count"] == 0
    from targets.models import RampPlan

    first, second, _third = ramp_progress(plan=RampPlan.objects.get(), day=dt.date(2026, 10, 15))
    assert first.due == dt.date(2026, 9, 30) and first.is_due
    assert first.new_customers == (1, 1)
    assert not first.met  # no visits or sales yet
    assert not second.is_due
