"""A service's refusal reaches the API client once, through the one exception handler: a field error as a 400
naming the field in the request's language, a stale version as a 409 with the target as it is now; a target's
PATCH is one service, all or nothing."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from targets import services
from targets.models import DistributionProfile, Metric, Target

pytestmark = pytest.mark.django_db


@pytest.fixture
def rep_target(sales_team, sales: Metric) -> Target:
    return services.target_create(
        by=sales_team.manager, metric=sales, fiscal_year=2026, annual_value="12000", rep=sales_team.reps[0]
    )


def api_for(user, language: str = "en") -> APIClient:
    api = APIClient(HTTP_ACCEPT_LANGUAGE=language)
    api.force_authenticate(user)
    return api


@pytest.mark.parametrize(
    ("language", "message"), [("en", "A target cannot be negative."), ("zh-hans", "目标不能为负数。")]
)
def test_a_field_refused_by_the_service_is_a_400_naming_it_in_the_requests_language(
    sales_team, rep_target, language, message
) -> None:
    response = api_for(sales_team.manager, language).patch(
        f"/api/v1/targets/{rep_target.pk}/", {"annual_value": "-10"}, format="json"
    )
    assert response.status_code == 400
    assert response.json() == {"annual_value": [message]}


@pytest.mark.parametrize(("language", "detail"), [("en", "Someone changed"), ("zh-hans", "您读取之后已有人修改过")])
def test_a_stale_version_is_a_409_with_the_target_as_it_is_now(sales_team, rep_target, language, detail) -> None:
    read = rep_target.version
    url = f"/api/v1/targets/{rep_target.pk}/"
    first = api_for(sales_team.manager).patch(url, {"annual_value": "24000", "version": read}, format="json")
    assert first.status_code == 200
    stale = api_for(sales_team.regional_manager, language).patch(
        url, {"annual_value": "36000", "version": read}, format="json"
    )
    assert stale.status_code == 409
    body = stale.json()
    assert body["detail"].startswith(detail) and len(body["version"]) == 1
    assert body["current"]["annual_value"] == "24000.00" and body["current"]["version"] == read + 1


def test_a_target_patch_changes_the_profile_and_the_year_together_or_not_at_all(sales_team, rep_target) -> None:
    seasonal = services.profile_create(
        by=sales_team.manager, name="Peaks", kind=DistributionProfile.Kind.SEASONAL, weights=["5"] * 10 + ["25"] * 2
    )
    url = f"/api/v1/targets/{rep_target.pk}/"
    refused = api_for(sales_team.manager).patch(url, {"profile": seasonal.pk, "annual_value": "-1"}, format="json")
    assert refused.status_code == 400
    rep_target.refresh_from_db()
    assert (rep_target.profile_id, rep_target.version) == (None, 1)  # the profile, set first, was rolled back too

    both = api_for(sales_team.manager).patch(
        url, {"profile": seasonal.pk, "annual_value": "24000", "version": rep_target.version}, format="json"
    )
    assert both.status_code == 200, both.json()
    rep_target.refresh_from_db()
    assert (rep_target.profile_id, rep_target.annual_value) == (seasonal.pk, 24000)
    assert rep_target.periods.get(month=12).value == 6000  # the new year spread by the new profile
