from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


def test_the_openapi_schema_lists_the_org_endpoints(company) -> None:
    response = company.client_for(company.manager_a).get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    for path in ["/api/v1/teams/", "/api/v1/members/", "/api/v1/customers/", "/api/v1/products/", "/api/v1/calendar/"]:
        assert path in schema["paths"], path


def test_the_api_docs_load_their_assets_from_this_site(company) -> None:
    response = company.client_for(company.manager_a).get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/" in html
    assert "cdn" not in html.lower() and "unpkg" not in html.lower()


def test_a_token_is_issued_for_valid_credentials(company) -> None:
    from rest_framework.test import APIClient

    from tests.factories import PASSWORD

    response = APIClient().post("/api/v1/auth/token/", {"username": "rep_a", "password": PASSWORD}, format="json")
    assert response.status_code == 200 and len(response.json()["token"]) == 40
    assert (
        APIClient().post("/api/v1/auth/token/", {"username": "rep_a", "password": "wrong"}, format="json").status_code
        == 400
    )


def test_the_health_check_answers(client) -> None:
    assert client.get("/healthz/").json() == {"status": "ok"}
