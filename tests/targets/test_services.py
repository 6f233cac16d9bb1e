"""Behaviour of the target services: create, override, cascade, approval, history, bad input."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError

from org.models import Customer
from targets import profiles, services
from targets.models import DistributionProfile, Metric, Target, TargetChange
from tests.factories import CustomerFactory, ProductFactory
from tests.targets.factories import DistributionProfileFactory
from visits.models import SaleRecord

pytestmark = pytest.mark.django_db


def months_of(target: Target) -> list[D]:
    return [p.value for p in target.periods.order_by("month")]


def metric(code: str) -> Metric:
    return Metric.objects.get(code=code)


def test_the_six_metrics_ship_with_their_units() -> None:
    units = dict(Metric.objects.values_list("code", "unit"))
    assert units == {
        "sales": "money",
        "new-line-sales": "money",
        "established-sales": "money",
        "new-customers": "count",
        "new-outlets": "count",
        "visits": "count",
    }


def test_the_seed_example_gives_every_month_to_the_fen(sales_team) -> None:
    team, manager = sales_team.team, sales_team.manager
    total = services.target_create(
        by=manager, metric=metric("sales"), fiscal_year=2026, annual_value="2000000", team=team
    )
    new_line = services.target_create(
        by=manager, metric=metric("new-line-sales"), fiscal_year=2026, annual_value="800000", team=team
    )
    established = services.target_create(
        by=manager, metric=metric("established-sales"), fiscal_year=2026, annual_value="1200000", team=team
    )
    assert set(months_of(total)) == {D("166666.67"), D("166666.66")}
    assert sum(months_of(total)) == D("2000000.00")
    assert months_of(established) == [D("100000.00")] * 12
    assert sum(months_of(new_line)) + sum(months_of(established)) == sum(months_of(total))


def test_a_count_metric_is_split_in_whole_numbers(sales_team) -> None:
    target = services.target_create(
        by=sales_team.manager,
        metric=metric("new-customers"),
        fiscal_year=2026,
        annual_value="30",
        rep=sales_team.reps[0],
    )
    assert months_of(target) == [D(3)] * 6 + [D(2)] * 6
    assert target.team == sales_team.team
    with pytest.raises(ValidationError) as error:
        services.target_create(
            by=sales_team.manager,
            metric=metric("visits"),
            fiscal_year=2026,
            annual_value="10.5",
            rep=sales_team.reps[0],
        )
    assert "annual_value" in error.value.message_dict


def test_a_seasonal_profile_shapes_the_months(sales_team) -> None:
    profile = DistributionProfileFactory(name="Peak in winter")
    target = services.target_create(
        by=sales_team.manager,
        metric=metric("sales"),
        fiscal_year=2026,
        annual_value="1200000",
        team=sales_team.team,
        profile=profile,
    )
    assert months_of(target)[0] == D("60000.00")
    assert months_of(target)[11] == D("144000.00")


def test_a_working_days_profile_follows_the_2026_calendar(sales_team) -> None:
    profile = DistributionProfile.objects.get(kind="working_days")
    target = services.target_create(
        by=sales_team.manager,
        metric=metric("sales"),
        fiscal_year=2026,
        annual_value="248000",
        team=sales_team.team,
        profile=profile,
    )
    # 1,000 per working day: February has 16, October 18.
    assert months_of(target)[1] == D("16000.00")
    assert months_of(target)[9] == D("18000.00")


def test_last_years_actuals_shape_the_months_and_the_months_without_sales_follow_the_working_days(
    sales_team,
) -> None:
    rep = sales_team.reps[0]
    profile = DistributionProfile.objects.get(kind="last_year")
    customer = CustomerFactory(team=sales_team.team, owner=rep)
    product = ProductFactory()
    for month, amount in [(3, "300"), (6, "100")]:
        SaleRecord.objects.create(
            date=dt.date(2025, month, 10),
            rep=rep,
            team=sales_team.team,
            customer=customer,
            product=product,
            quantity=1,
            amount=D(amount),
        )
    target = services.target_create(
        by=sales_team.manager, metric=metric("sales"), fiscal_year=2026, annual_value="1000", rep=rep, profile=profile
    )
    # March (22 working days in 2026) and June (21) share 43/248 of the year as 300 : 100; the ten months
    # without sales take the rest by their working days (January: 21/248).
    assert months_of(target)[2] == D("130.04")
    assert months_of(target)[5] == D("43.35")
    assert months_of(target)[0] == D("84.68")
    assert sum(months_of(target)) == D("1000.00")
    # Nobody sold a new-line product last year: the working days throughout (February has 16, October 18).
    new_line = services.target_create(
        by=sales_team.manager,
        metric=metric("new-line-sales"),
        fiscal_year=2026,
        annual_value="248000",
        rep=rep,
        profile=profile,
    )
    assert months_of(new_line)[1] == D("16000.00")
    assert months_of(new_line)[9] == D("18000.00")


def test_last_years_new_customers_count_first_orders(sales_team) -> None:
    rep = sales_team.reps[0]
    CustomerFactory(team=sales_team.team, owner=rep, first_order_date=dt.date(2025, 4, 2))
    CustomerFactory(team=sales_team.team, owner=rep, first_order_date=dt.date(2025, 4, 9), kind=Customer.Kind.OUTLET)
    actuals = profiles.monthly_actuals(metric=metric("new-customers"), year=2025, rep=rep)
    assert actuals == [D(0)] * 3 + [D(2)] + [D(0)] * 8


@pytest.mark.parametrize(
    ("annual", "field"),
    [("-1", "annual_value"), ("abc", "annual_value"), ("", "annual_value")],
)
def test_bad_annual_values_name_the_field_and_store_nothing(sales_team, annual, field) -> None:
    with pytest.raises(ValidationError) as error:
        services.target_create(
            by=sales_team.manager, metric=metric("sales"), fiscal_year=2026, annual_value=annual, team=sales_team.team
        )
    assert field in error.value.message_dict
    assert not Target.objects.exists()


def test_a_manager_cannot_set_a_target_for_a_team_they_do_not_manage(sales_team) -> None:
    with pytest.raises(ValidationError) as error:
        services.target_create(
            by=sales_team.outsider_manager,
            metric=metric("sales"),
            fiscal_year=2026,
            annual_value="1",
            team=sales_team.team,
        )
    assert "team" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        services.target_create(
            by=sales_team.reps[0], metric=metric("sales"), fiscal_year=2026, annual_value="1", rep=sales_team.reps[0]
        )
    assert "rep" in error.value.message_dict
    assert not Target.objects.exists()


def test_a_duplicate_target_is_refused(sales_team) -> None:
    args = {"by": sales_team.manager, "metric": metric("sales"), "fiscal_year": 2026, "team": sales_team.team}
    services.target_create(annual_value="100", **args)
    with pytest.raises(ValidationError) as error:
        services.target_create(annual_value="200", **args)
    assert "metric" in error.value.message_dict
    assert Target.objects.count() == 1


def test_an_override_re_spreads_the_rest_over_the_later_months(sales_team) -> None:
    target = services.target_create(
        by=sales_team.manager, metric=metric("sales"), fiscal_year=2026, annual_value="120000", team=sales_team.team
    )
    target = services.target_override_month(by=sales_team.manager, target=target, month=3, value="20000")
    months = months_of(target)
    # Jan, Feb stay 10,000; March 20,000; the 80,000 left go evenly over April..December: 8,888.89 ×8 + 8,888.88.
    assert months[:3] == [D("10000.00"), D("10000.00"), D("20000.00")]
    assert months[3:] == [D("8888.89")] * 8 + [D("8888.88")]
    assert sum(months) == D("120000.00")
    assert target.annual_value == D("120000.00")
    assert target.periods.get(month=3).overridden


def test_an_override_can_change_the_annual_value_instead(sales_team) -> None:
    target = services.target_create(
        by=sales_team.manager, metric=metric("sales"), fiscal_year=2026, annual_value="120000", team=sales_team.team
    )
    target = services.target_override_month(
        by=sales_team.manager, target=target, month=3, value="20000", mode=services.CHANGE_ANNUAL
    )
    assert target.annual_value == D("130000.00")
    assert months_of(target)[3:] == [D("10000.00")] * 9


def test_an_override_larger_than_the_rest_of_the_year_is_refused(sales_team) -> None:
    target = services.target_create(
        by=sales_team.manager, metric=metric("sales"), fiscal_year=2026, annual_value="120000", team=sales_team.team
    )
    with pytest.raises(ValidationError) as error:
        services.target_override_month(by=sales_team.manager, target=target, month=3, value="110000")
    assert "value" in error.value.message_dict
    assert months_of(target) == [D("10000.00")] * 12


@time_machine.travel(dt.datetime(2026, 5, 10, 9, 0))
def test_locked_past_months_stay_when_the_annual_value_changes(sales_team) -> None:
    target = services.target_create(
        by=sales_team.manager, metric=metric("sales"), fiscal_year=2026, annual_value="120000", team=sales_team.team
    )
    with pytest.raises(ValidationError):
        services.target_lock_months(by=sales_team.manager, target=target, through_month=5)
    services.target_lock_months(by=sales_team.manager, target=target, through_month=4)
    target = services.target_set_annual(by=sales_team.manager, target=target, annual_value="136000")
    assert months_of(target) == [D("10000.00")] * 4 + [D("12000.00")] * 8
    with pytest.raises(ValidationError) as error:
        services.target_set_annual(by=sales_team.manager, target=target, annual_value="30000")
    assert "annual_value" in error.value.message_dict
    with pytest.raises(ValidationError):
        services.target_override_month(by=sales_team.manager, target=target, month=2, value="1")


def test_equal_allocation_leaves_no_remainder_in_any_month(sales_team) -> None:
    parent = services.target_create(
        by=sales_team.manager, metric=metric("sales"), fiscal_year=2026, annual_value="2000000", team=sales_team.team
    )
    children = services.target_allocate(by=sales_team.manager, parent=parent, children=sales_team.reps, method="equal")
    assert len(children) == 4
    assert {c.parent_id for c in children} == {parent.pk}
    assert sum(c.annual_value for c in children) == D("2000000.00")
    for month in range(12):
        assert sum(months_of(c)[month] for c in children) == months_of(parent)[month]


def test_allocation_by_hand_shows_the_remainder(sales_team) -> None:
    from targets.selectors import allocation_summary

    parent = services.target_create(
        by=sales_team.manager, metric=metric("sales"), fiscal_year=2026, annual_value="120000", team=sales_team.team
    )
    reps = sales_team.reps
    values = {f"rep:{reps[0].pk}": "60000", f"rep:{reps[1].pk}": "36000", f"rep:{reps[2].pk}": "12000"}
    services.target_allocate(by=sales_team.manager, parent=parent, children=reps[:3], method="hand", values=values)
    summary = allocation_summary(parent=parent)
    assert summary.allocated_year == D("108000.00")
    assert summary.remainder_year == D("12000.00")
    assert summary.remainder_months == [D("1000.00")] * 12
    assert not summary.over_allocated
    values[f"rep:{reps[2].pk}"] = "36000"
    services.target_allocate(by=sales_team.manager, parent=parent, children=reps[:3], method="hand", values=values)
    summary = allocation_summary(parent=parent)
    assert summary.remainder_year == D("-12000.00")
    assert summary.over_allocated


def test_shares_must_total_100(sales_team) -> None:
    parent = services.target_create(
        by=sales_team.manager, metric=metric("visits"), fiscal_year=2026, annual_value="1200", team=sales_team.team
    )
    reps = sales_team.reps[:2]
    with pytest.raises(ValidationError) as error:
        services.target_allocate(
            by=sales_team.manager,
            parent=parent,
            children=reps,
            method="shares",
            shares={f"rep:{reps[0].pk}": "60", f"rep:{reps[1].pk}": "30"},
        )
    assert "shares" in error.value.message_dict
    assert Target.objects.count() == 1
    children = services.target_allocate(
        by=sales_team.manager,
        parent=parent,
        children=reps,
        method="shares",
        shares={f"rep:{reps[0].pk}": "75", f"rep:{reps[1].pk}": "25"},
    )
    assert [c.annual_value for c in children] == [D(900), D(300)]


def test_a_team_target_is_approved_by_the_manager_above(sales_team) -> None:
    target = services.target_create(
        by=sales_team.manager, metric=metric("sales"), fiscal_year=2026, annual_value="1000", team=sales_team.team
    )
    with pytest.raises(PermissionDenied):
        services.target_approve(by=sales_team.manager, target=target)
    target = services.target_approve(by=sales_team.regional_manager, target=target)
    assert target.is_approved and target.approved_by == sales_team.regional_manager


def test_history_after_approval_needs_a_reason_and_keeps_old_and_new(sales_team) -> None:
    rep = sales_team.reps[0]
    target = services.target_create(
        by=sales_team.manager, metric=metric("sales"), fiscal_year=2026, annual_value="1200", rep=rep
    )
    services.target_set_annual(by=sales_team.manager, target=target, annual_value="2400")
    assert not TargetChange.objects.exists()  # a draft changes freely
    services.target_approve(by=sales_team.manager, target=target)
    services.target_acknowledge(by=rep, target=target)
    with pytest.raises(ValidationError) as error:
        services.target_set_annual(by=sales_team.manager, target=target, annual_value="3600")
    assert "reason" in error.value.message_dict
    target = services.target_set_annual(
        by=sales_team.manager, target=target, annual_value="3600", reason="New distributor signed"
    )
    change = TargetChange.objects.get(field="annual_value")
    assert (change.old_value, change.new_value, change.reason) == ("2400.00", "3600.00", "New distributor signed")
    assert change.changed_by == sales_team.manager
    assert target.acknowledged_at is None  # the rep acknowledges the new figure again
    assert list(TargetChange.objects.values_list("field", flat=True)) == ["annual_value", "status"]


def test_only_the_rep_acknowledges_and_only_an_approved_target(sales_team) -> None:
    rep, other = sales_team.reps[0], sales_team.reps[1]
    target = services.target_create(
        by=sales_team.manager, metric=metric("sales"), fiscal_year=2026, annual_value="1200", rep=rep
    )
    with pytest.raises(ValidationError):
        services.target_acknowledge(by=rep, target=target)
    services.target_approve(by=sales_team.manager, target=target)
    with pytest.raises(PermissionDenied):
        services.target_acknowledge(by=other, target=target)
    assert services.target_acknowledge(by=rep, target=target).acknowledged_at is not None


def test_a_stale_version_is_refused(sales_team) -> None:
    target = services.target_create(
        by=sales_team.manager, metric=metric("sales"), fiscal_year=2026, annual_value="1200", team=sales_team.team
    )
    services.target_set_annual(by=sales_team.manager, target=target, annual_value="2400", expected_version=1)
    with pytest.raises(ValidationError) as error:
        services.target_set_annual(by=sales_team.manager, target=target, annual_value="3600", expected_version=1)
    assert "version" in error.value.message_dict


def test_a_seasonal_profile_must_total_100(sales_team) -> None:
    with pytest.raises(ValidationError) as error:
        services.profile_create(by=sales_team.manager, name="Bad", kind="seasonal", weights=["8"] * 12)
    assert "weights" in error.value.message_dict
    profile = services.profile_create(
        by=sales_team.manager, name="Good", kind="seasonal", weights=["8.33"] * 11 + ["8.37"]
    )
    assert len(profile.weights) == 12


def test_a_ramp_plan_counts_from_the_membership_start(sales_team) -> None:
    rep = sales_team.reps[0]
    plan = services.ramp_plan_create(
        by=sales_team.manager,
        rep=rep,
        checkpoints={
            30: {"visits": 60, "new_customers": 2, "amount": "5000"},
            60: {"visits": 130, "new_customers": 5, "amount": "15000"},
            90: {"visits": 200, "new_customers": 8, "amount": "30000"},
        },
    )
    assert plan.start_date == dt.date(2020, 1, 1)
    assert [c.day for c in plan.checkpoints.all()] == [30, 60, 90]
    with pytest.raises(ValidationError):
        services.ramp_plan_create(by=sales_team.outsider_manager, rep=rep, checkpoints={})


def test_a_reps_own_targets_show_the_year_quarter_month_and_today(sales_team) -> None:
    from targets.selectors import my_targets

    rep = sales_team.reps[0]
    services.target_create(
        by=sales_team.manager, metric=metric("sales"), fiscal_year=2026, annual_value="12000", rep=rep
    )
    services.target_create(
        by=sales_team.manager, metric=metric("sales"), fiscal_year=2026, annual_value="99", rep=sales_team.reps[1]
    )
    # 10 October 2026 is a make-up Saturday, the 3rd of October's 18 working days: 1,000 / 18 → 55.56.
    [row] = my_targets(user=rep, day=dt.date(2026, 10, 10))
    assert (row.year, row.quarter, row.month, row.today) == (D("12000.00"), D("3000.00"), D("1000.00"), D("55.56"))
    [row] = my_targets(user=rep, day=dt.date(2026, 10, 3))  # National Day holiday
    assert row.today == 0
