"""``next=`` on a target's acknowledge, approve and lock forms goes back to a page of this site, never elsewhere."""

from __future__ import annotations

import pytest

from targets import services
from tests.targets.test_pages import client_for

pytestmark = pytest.mark.django_db

ELSEWHERE = [
    "https://evil.example/phish",
    "//evil.example/phish",
    "http://testserver.evil.example/",
    "https:/\\evil.example",
    "javascript:alert(1)",
    "ftp://testserver/targets/",
]


@pytest.fixture
def rep_target(sales_team, sales):
    team_target = services.target_create(
        by=sales_team.manager, metric=sales, fiscal_year=2026, annual_value="120000", team=sales_team.team
    )
    mine, _other = services.target_allocate(
        by=sales_team.manager, parent=team_target, children=sales_team.reps[:2], method="equal"
    )
    return mine


@pytest.mark.parametrize("action", ["approve", "lock", "acknowledge"])
@pytest.mark.parametrize("next_url", ELSEWHERE)
def test_a_next_address_on_another_host_goes_to_the_target_instead(sales_team, rep_target, action, next_url) -> None:
    if action == "acknowledge":
        services.target_approve(by=sales_team.manager, target=rep_target)
    user = sales_team.reps[0] if action == "acknowledge" else sales_team.manager
    response = client_for(user).post(f"/targets/{rep_target.pk}/{action}/", {"next": next_url, "through_month": 1})
    assert response.status_code == 302
    assert response["Location"] == f"/targets/{rep_target.pk}/"


@pytest.mark.parametrize("action", ["approve", "acknowledge"])
def test_a_next_address_on_this_site_is_followed(sales_team, rep_target, action) -> None:
    if action == "acknowledge":
        services.target_approve(by=sales_team.manager, target=rep_target)
    user = sales_team.reps[0] if action == "acknowledge" else sales_team.manager
    response = client_for(user).post(f"/targets/{rep_target.pk}/{action}/", {"next": "/targets/mine/?year=2026"})
    assert response["Location"] == "/targets/mine/?year=2026"
