"""The last-year profile never uses an incomplete year silently: months without complete data follow the working
days, and the target's page and the grid say which months came from where."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

import pytest
import time_machine

from org.services import calendar_seed
from targets import breakdown, profiles, services
from targets.models import DistributionProfile, Metric, Target
from tests.factories import CustomerFactory, ProductFactory
from visits.models import SaleRecord

pytestmark = pytest.mark.django_db

# Working days of 2027 by the estimated calendar: 248 in the year, 23 in December.
DECEMBER_2027, YEAR_2027 = 23, 248


@pytest.fixture(autouse=True)
def _calendar_2027() -> None:
    calendar_seed(years=[2027])


def sell(team, rep, day: dt.date, amount: str) -> None:
    SaleRecord.objects.create(
        date=day,
        rep=rep,
        team=team.team,
        customer=CustomerFactory(team=team.team, owner=rep),
        product=ProductFactory(),
        quantity=1,
        amount=D(amount),
    )


def months_of(target: Target) -> list[D]:
    return [period.value for period in target.periods.order_by("month")]


@pytest.fixture
def december_2026_has_one_day(sales_team):
    """Eleven months of 700,000 in 2026, and one day of December (the month is not over on 3 December)."""
    rep = sales_team.reps[0]
    for month in range(1, 12):
        sell(sales_team, rep, dt.date(2026, month, 15), "700000")
    sell(sales_team, rep, dt.date(2026, 12, 1), "25343")
    return rep


@time_machine.travel(dt.datetime(2026, 12, 3, 10, tzinfo=dt.UTC), tick=False)
def test_an_unfinished_december_follows_the_working_days(sales_team, december_2026_has_one_day) -> None:
    target = services.target_create(
        by=sales_team.manager,
        metric=Metric.objects.get(code="sales"),
        fiscal_year=2027,
        annual_value="12000000",
        rep=december_2026_has_one_day,
        profile=DistributionProfile.objects.get(kind="last_year"),
    )
    months = months_of(target)
    # December gets its working days' share of the year: 12,000,000 × 23 / 248 = 1,112,903.2258 (the one fen
    # left over by the rounding goes to it: its remainder is the largest). January–November share the rest
    # equally, as they sold equally: 12,000,000 × 225 / 248 / 11 = 989,736.0703.
    assert months[11] == D("1112903.23")
    assert months[:11] == [D("989736.07")] * 11
    assert sum(months) == D("12000000.00")
    assert D(DECEMBER_2027) / YEAR_2027 * 12000000 == pytest.approx(months[11], abs=D("0.01"))

    profile = profiles.last_year_profile_of(target)
    assert profile.fallback_months == [12]
    assert profile.sources[:11] == [breakdown.MonthSource.LAST_YEAR] * 11


@time_machine.travel(dt.datetime(2026, 12, 3, 10, tzinfo=dt.UTC), tick=False)
def test_the_target_page_shows_which_months_came_from_where(sales_team, december_2026_has_one_day) -> None:
    target = services.target_create(
        by=sales_team.manager,
        metric=Metric.objects.get(code="sales"),
        fiscal_year=2027,
        annual_value="12000000",
        rep=december_2026_has_one_day,
        profile=DistributionProfile.objects.get(kind="last_year"),
    )
    from django.test import Client

    client = Client()
    client.force_login(sales_team.manager)
    english = client.get(f"/targets/{target.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "2026 has no complete data for Dec: those months follow the working days, the others 2026&#x27;s" in english
    assert english.count('data-source="last_year"') == 11
    assert english.count('data-source="working_days"') == 1
    assert 'data-testid="calendar-estimated"' in english  # 2027's working days are still an estimate
    chinese = client.get(f"/targets/{target.pk}/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "2026 年 12月 没有完整数据" in chinese


@time_machine.travel(dt.datetime(2026, 12, 3, 10, tzinfo=dt.UTC), tick=False)
def test_choosing_the_profile_in_the_grid_names_the_fallback_months(sales_team, december_2026_has_one_day) -> None:
    target = services.target_create(
        by=sales_team.manager,
        metric=Metric.objects.get(code="sales"),
        fiscal_year=2027,
        annual_value="12000000",
        rep=december_2026_has_one_day,
    )
    from django.test import Client

    client = Client()
    client.force_login(sales_team.manager)
    response = client.post(
        f"/targets/{target.pk}/profile/",
        {
            "profile": DistributionProfile.objects.get(kind="last_year").pk,
            "team": sales_team.team.pk,
            "year": 2027,
            "metric": "sales",
        },
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 200
    assert 'data-testid="grid-notice"' in response.content.decode()
    assert "2026 has no complete data for Dec" in response.content.decode()
    assert months_of(target)[11] == D("1112903.23")


def test_months_with_no_sales_last_year_follow_the_working_days(sales_team) -> None:
    rep = sales_team.reps[0]
    sell(sales_team, rep, dt.date(2025, 3, 10), "300")
    sell(sales_team, rep, dt.date(2025, 6, 10), "100")
    profile = profiles.last_year_profile(metric=Metric.objects.get(code="sales"), year=2026, rep=rep)
    assert profile.fallback_months == [1, 2, 4, 5, 7, 8, 9, 10, 11, 12]
    # 2026 has 248 working days, March 22 and June 21: the ten other months get 205/248 of the year by their
    # working days, March and June the other 43/248 as 3 : 1.
    values = breakdown.split(D("1000"), profile.weights, D("0.01"))
    assert values[2] == D("130.04")  # 1000 × 43/248 × 3/4 = 130.040
    assert values[5] == D("43.35")  # 1000 × 43/248 × 1/4 = 43.347
    assert values[0] == D("84.68")  # January, 21 working days: 1000 × 21/248 = 84.677
    assert sum(values) == D("1000.00")


def test_a_year_without_sales_is_the_working_days_profile(sales_team) -> None:
    rep = sales_team.reps[0]
    profile = profiles.last_year_profile(metric=Metric.objects.get(code="new-line-sales"), year=2026, rep=rep)
    assert profile.fallback_months == list(range(1, 13))
    assert profile.weights == profiles.working_day_weights(2026)
