"""Approvals hold: a change of an approved target by someone who may not approve it waits for the approver."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from reports.models import Alert, PeriodKind, ProgressSnapshot
from reports.night.run import night_compute
from targets import selectors, services
from targets.models import Metric, PendingChange, Target, TargetChange
from tests.targets.test_pages import client_for

pytestmark = pytest.mark.django_db


def months_of(target: Target) -> list[D]:
    return [p.value for p in Target.objects.get(pk=target.pk).periods.order_by("month")]


@pytest.fixture
def approved_new_customers(sales_team) -> Target:
    """The team's 2026 new-customers target, 120 (10 a month), approved by the regional manager."""
    target = services.target_create(
        by=sales_team.manager,
        metric=Metric.objects.get(code="new-customers"),
        fiscal_year=2026,
        annual_value="120",
        team=sales_team.team,
    )
    return services.target_approve(by=sales_team.regional_manager, target=target)


def test_a_managers_change_of_an_approved_target_waits_and_the_reports_keep_the_approved_value(
    sales_team, approved_new_customers
) -> None:
    target = approved_new_customers
    # new customers in January 10 → 1, the rest re-spread over later months (the annual value stays 120).
    returned = services.target_override_month(
        by=sales_team.manager, target=target, month=1, value="1", mode=services.CHANGE_ANNUAL, reason="Slow start"
    )
    assert returned.pending_change is not None
    stored = Target.objects.get(pk=target.pk)
    assert (stored.status, stored.approved_by, stored.annual_value) == ("approved", sales_team.regional_manager, 120)
    assert months_of(target) == [D(10)] * 12
    change = PendingChange.objects.get(target=target)
    assert (change.status, change.requested_by, change.reason) == ("pending", sales_team.manager, "Slow start")
    assert (change.old_annual, change.new_annual) == (D(120), D(111))
    assert change.changed_months == [(1, D(10), D(1))]
    # The approver is told and sees it in their list; the manager does not decide it.
    assert Alert.objects.filter(user=sales_team.regional_manager, cause=f"pending-change:{change.pk}").exists()
    assert selectors.pending_changes_to_decide(user=sales_team.regional_manager) == [change]
    assert selectors.pending_changes_to_decide(user=sales_team.manager) == []
    with pytest.raises(PermissionDenied):
        services.pending_change_approve(by=sales_team.manager, change=change)
    # Meanwhile the night computes January on the approved 10.
    night_compute(as_of=dt.date(2026, 1, 5))
    snapshot = ProgressSnapshot.objects.get(
        as_of=dt.date(2026, 1, 5), team=sales_team.team, rep__isnull=True, period_kind=PeriodKind.MONTH
    )
    assert snapshot.target == D(10)
    # A second change by the manager adds to the same proposal.
    services.target_override_month(
        by=sales_team.manager, target=target, month=2, value="4", mode=services.CHANGE_ANNUAL, reason="Slow start"
    )
    change.refresh_from_db()
    assert change.new_annual == D(105) and change.changed_months == [(1, D(10), D(1)), (2, D(10), D(4))]
    assert PendingChange.objects.filter(target=target).count() == 1


def test_the_approver_approves_and_the_change_takes_effect_with_its_reason(sales_team, approved_new_customers) -> None:
    target = approved_new_customers
    rep_target = services.target_create(
        by=sales_team.manager,
        metric=Metric.objects.get(code="new-customers"),
        fiscal_year=2026,
        annual_value="12",
        rep=sales_team.reps[0],
    )
    services.target_set_annual(by=sales_team.manager, target=target, annual_value="60", reason="Market shrank")
    change = PendingChange.objects.get(target=target)
    services.pending_change_approve(by=sales_team.regional_manager, change=change, reason="Agreed")
    stored = Target.objects.get(pk=target.pk)
    assert stored.annual_value == D(60) and months_of(target) == [D(5)] * 12
    change.refresh_from_db()
    assert (change.status, change.decided_by) == ("approved", sales_team.regional_manager)
    history = TargetChange.objects.filter(target=target)
    assert history.get(field="annual_value").reason == "Market shrank"
    assert history.get(field="annual_value").changed_by == sales_team.manager
    assert history.get(field="change_approved").changed_by == sales_team.regional_manager
    assert Alert.objects.filter(user=sales_team.manager, cause=f"change-decided:{change.pk}").exists()
    with pytest.raises(ValidationError):
        services.pending_change_approve(by=sales_team.regional_manager, change=change)
    # The manager approves their own rep's target, so their change of it applies at once.
    services.target_approve(by=sales_team.manager, target=rep_target)
    services.target_set_annual(by=sales_team.manager, target=rep_target, annual_value="24", reason="More")
    assert Target.objects.get(pk=rep_target.pk).annual_value == D(24)
    assert not PendingChange.objects.filter(target=rep_target).exists()


def test_the_reps_acknowledgement_resets_only_when_an_approved_change_takes_effect(sales_team) -> None:
    rep = sales_team.reps[0]
    target = services.target_create(
        by=sales_team.regional_manager,
        metric=Metric.objects.get(code="sales"),
        fiscal_year=2026,
        annual_value="120000",
        rep=rep,
    )
    services.target_approve(by=sales_team.regional_manager, target=target)
    services.target_acknowledge(by=rep, target=target)
    team_target = services.target_create(
        by=sales_team.manager,
        metric=Metric.objects.get(code="sales"),
        fiscal_year=2026,
        annual_value="1200000",
        team=sales_team.team,
    )
    services.target_approve(by=sales_team.regional_manager, target=team_target)
    services.target_allocate(by=sales_team.manager, parent=team_target, children=[rep], method="equal", reason="Split")
    # The rep's target is approved by the team's manager (who allocated), so the change applied and reset it.
    assert Target.objects.get(pk=target.pk).acknowledged_at is None
    services.target_acknowledge(by=rep, target=target)
    services.target_set_annual(by=sales_team.regional_manager, target=team_target, annual_value="1300000", reason="x")
    assert Target.objects.get(pk=target.pk).acknowledged_at is not None  # the team's change is not the rep's


def test_a_rejection_needs_a_reason_and_keeps_the_approved_values(sales_team, approved_new_customers) -> None:
    services.target_set_annual(by=sales_team.manager, target=approved_new_customers, annual_value="12", reason="x")
    change = PendingChange.objects.get()
    with pytest.raises(ValidationError) as error:
        services.pending_change_reject(by=sales_team.regional_manager, change=change, reason="")
    assert "reason" in error.value.message_dict
    services.pending_change_reject(by=sales_team.regional_manager, change=change, reason="Too low")
    assert Target.objects.get(pk=approved_new_customers.pk).annual_value == D(120)
    assert TargetChange.objects.get(field="change_rejected").reason == "Too low"


def test_the_api_shows_the_pending_change_and_the_approver_decides_it(sales_team, approved_new_customers) -> None:
    target = approved_new_customers
    manager, approver = client_for(sales_team.manager), client_for(sales_team.regional_manager)
    response = manager.patch(
        f"/api/v1/targets/{target.pk}/", {"annual_value": "24", "reason": "Fewer"}, content_type="application/json"
    )
    assert response.status_code == 200
    body = response.json()
    assert body["annual_value"] == "120" and body["pending_change"]["new_annual"] == "24"
    [listed] = approver.get("/api/v1/pending-changes/").json()["results"]
    assert (
        manager.post(
            f"/api/v1/pending-changes/{listed['id']}/approve/", {}, content_type="application/json"
        ).status_code
        == 403
    )
    response = approver.post(f"/api/v1/pending-changes/{listed['id']}/approve/", {}, content_type="application/json")
    assert response.status_code == 200 and response.json()["annual_value"] == "24"
    assert client_for(sales_team.outsider_manager).get(f"/api/v1/pending-changes/{listed['id']}/").status_code == 404


def test_the_grid_marks_the_waiting_row_and_the_approver_approves_on_the_page(sales_team, approved_new_customers):
    target = approved_new_customers
    manager = client_for(sales_team.manager)
    response = manager.post(
        "/targets/cell/",
        {
            "team": sales_team.team.pk,
            "year": 2026,
            "metric": "new-customers",
            "target": target.pk,
            "month": "0",
            "value": "24",
            "reason": "Fewer",
        },
    )
    page = response.content.decode()
    assert 'data-testid="grid-notice"' in page and f'data-testid="pending-team:{target.team_id}"' in page
    approver = client_for(sales_team.regional_manager)
    listing = approver.get("/targets/pending/").content.decode()
    assert 'data-testid="pending-item"' in listing
    change = PendingChange.objects.get()
    assert manager.post(f"/targets/pending/{change.pk}/approve/").status_code in (302, 403)
    assert Target.objects.get(pk=target.pk).annual_value == D(120)
    approver.post(f"/targets/pending/{change.pk}/approve/", {"reason": "OK"})
    assert Target.objects.get(pk=target.pk).annual_value == D(24)


def test_an_import_preview_shows_the_rows_that_will_wait_for_approval(sales_team) -> None:
    import io

    from openpyxl import load_workbook

    target = services.target_create(
        by=sales_team.manager,
        metric=Metric.objects.get(code="sales"),
        fiscal_year=2026,
        annual_value="120000",
        team=sales_team.team,
    )
    services.target_approve(by=sales_team.regional_manager, target=target)
    client = client_for(sales_team.manager)
    book = load_workbook(
        io.BytesIO(client.get(f"/targets/export/?team={sales_team.team.pk}&year=2026&metric=sales").content)
    )
    book.active["C2"] = 9000
    buffer = io.BytesIO()
    book.save(buffer)
    buffer.seek(0)
    buffer.name = "targets.xlsx"
    preview = client.post(
        "/targets/import/",
        {"team": sales_team.team.pk, "year": 2026, "metric": "sales", "file": buffer, "reason": "Spring"},
    )
    assert [row["pending"] for row in preview.context["preview"] if row["code"] == "sh1"] == [True]
    assert 'data-testid="import-pending"' in preview.content.decode()
    client.post("/targets/import/apply/", {"token": preview.context["token"]})
    assert Target.objects.get(pk=target.pk).annual_value == D("120000")
    assert PendingChange.objects.get(target=target).new_annual == D("119000")


def test_a_pending_change_of_a_count_comes_back_in_whole_numbers(sales_team, approved_new_customers) -> None:
    services.target_override_month(
        by=sales_team.manager,
        target=approved_new_customers,
        month=1,
        value="1",
        mode=services.CHANGE_ANNUAL,
        reason="Slow start",
    )
    body = client_for(sales_team.regional_manager).get("/api/v1/pending-changes/").json()["results"][0]
    assert (body["old_annual"], body["new_annual"]) == ("120", "111")
    assert body["old_months"][:2] == ["10", "10"] and body["new_months"][:2] == ["1", "10"]
    target = client_for(sales_team.manager).get(f"/api/v1/targets/{approved_new_customers.pk}/").json()
    assert target["pending_change"]["new_annual"] == "111"
