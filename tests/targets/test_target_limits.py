"""An annual target (or a month of it) above 10^10 is a typing slip: refused, naming the field."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from targets import services
from targets.models import Target

pytestmark = pytest.mark.django_db


def test_an_annual_target_above_the_limit_is_refused_by_the_api(sales_team, sales) -> None:
    from django.test import Client

    from tests.factories import PASSWORD

    client = Client()
    client.login(username=sales_team.manager.username, password=PASSWORD)
    response = client.post(
        "/api/v1/targets/",
        {"team": sales_team.team.pk, "metric": sales.pk, "fiscal_year": 2026, "annual_value": "100000000000"},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert response.json() == {"annual_value": ["目标不能超过 10,000,000,000。"]}
    assert not Target.objects.exists()


def test_twelve_months_adding_up_above_the_limit_are_refused(sales_team, sales) -> None:
    with pytest.raises(ValidationError) as error:
        services.target_create(
            by=sales_team.manager,
            metric=sales,
            fiscal_year=2026,
            annual_value=None,
            team=sales_team.team,
            months=["1000000000"] * 11 + ["9000000000"],
        )
    assert list(error.value.message_dict) == ["months"]


def test_a_raised_annual_value_above_the_limit_is_refused(sales_team, sales) -> None:
    target = services.target_create(
        by=sales_team.manager, metric=sales, fiscal_year=2026, annual_value="10000000000", team=sales_team.team
    )
    with pytest.raises(ValidationError) as error:
        services.target_set_annual(by=sales_team.manager, target=target, annual_value="10000000000.01")
    assert list(error.value.message_dict) == ["annual_value"]
    target.refresh_from_db()
    assert target.annual_value == 10**10
