from __future__ import annotations

import re

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


# --- the schema a generated client reads -------------------------------------------------------

# The bodies that carry a file: a visit's photo (multipart only) and the ERP import (its file, or rows as JSON).
UPLOADS = {
    ("/api/v1/visits/{id}/photos/", "post"): {"multipart/form-data"},
    ("/api/v1/sale-records/import/", "post"): {"application/json", "multipart/form-data"},
}


def _schema(client, language: str = "en") -> dict:
    response = client.get("/api/schema/", {"format": "json"}, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    return response.json()


def _operations(schema: dict):
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            yield path, method, operation


def _without_words(node):
    """The schema less its descriptions and summaries: what a client generator makes names and types of."""
    if isinstance(node, dict):
        return {key: _without_words(value) for key, value in node.items() if key not in ("description", "summary")}
    if isinstance(node, list):
        return [_without_words(value) for value in node]
    return node


def test_request_bodies_are_json_and_only_uploads_are_multipart(client) -> None:
    for path, method, operation in _operations(_schema(client)):
        types = set(operation.get("requestBody", {}).get("content", {}))
        expected = UPLOADS.get((path, method), {"application/json"})
        assert not types or types == expected, (path, method, types)
    schema = _schema(client)
    multipart = schema["paths"]["/api/v1/sale-records/import/"]["post"]["requestBody"]["content"]["multipart/form-data"]
    assert multipart["schema"]["$ref"].endswith("/SaleImportFileRequest")


def test_a_form_body_is_refused_where_json_is_expected(company) -> None:
    client = company.client_for(company.rep_a)
    assert client.post("/api/v1/visit-sheets/", {"date": ""}).status_code == 415
    assert client.post("/api/v1/visit-sheets/", {}, "application/json").status_code == 201


def test_every_operation_documents_its_errors_with_a_typed_body(client) -> None:
    schema = _schema(client)
    for path, method, operation in _operations(schema):
        responses = operation["responses"]
        assert any(code.startswith("2") for code in responses), (path, method)
        for code, response in responses.items():
            if code.startswith("4"):
                ref = response["content"]["application/json"]["schema"]["$ref"]
                assert ref.rsplit("/", 1)[-1] in schema["components"]["schemas"], (path, method, code)
        if path != "/api/v1/auth/token/":
            assert {"401", "403"} <= set(responses), (path, method)
        if "{" in path or any(p["name"] == "page" for p in operation.get("parameters", [])):
            assert "404" in responses, (path, method)
        if method in ("post", "put", "patch", "delete"):
            assert "400" in responses, (path, method)
    paths = schema["paths"]
    assert set(paths["/api/v1/auth/token/"]["post"]["responses"]) == {"200", "400", "429"}
    assert {"200", "201"} <= set(paths["/api/v1/visit-sheets/"]["post"]["responses"])
    assert {"200", "201"} <= set(paths["/api/v1/checkins/"]["post"]["responses"])
    marked = paths["/api/v1/alerts/mark_read/"]["post"]["responses"]["200"]["content"]["application/json"]
    assert set(schema["components"]["schemas"][marked["schema"]["$ref"].rsplit("/", 1)[-1]]["properties"]) == {
        "marked",
        "unread",
    }
    conflict = paths["/api/v1/targets/{id}/"]["patch"]["responses"]["409"]["content"]["application/json"]["schema"]
    current = schema["components"]["schemas"][conflict["$ref"].rsplit("/", 1)[-1]]["properties"]["current"]
    assert current["$ref"].endswith("/Target")


def test_the_schemas_names_and_types_are_the_same_in_every_language(client) -> None:
    english, chinese = _schema(client, "en"), _schema(client, "zh-hans")
    assert _without_words(chinese) == _without_words(english)
    han = re.compile("[\u4e00-\u9fff]")
    assert han.search(str(chinese)) and not han.search(str(english))  # the words do follow the language


def test_enum_labels_read_well_and_years_are_integers(client) -> None:
    schema = _schema(client, "en")
    enums = schema["components"]["schemas"]
    assert "* `hand` - By hand" in enums["AllocateMethodEnum"]["description"]
    for name, enum in enums.items():
        for value in enum.get("enum", []):
            assert f"* `{value}` - {value}\n" not in enum.get("description", "") + "\n", name
    years = [
        parameter
        for _path, _method, operation in _operations(schema)
        for parameter in operation.get("parameters", [])
        if parameter["name"] in ("year", "fiscal_year")
    ]
    assert years and all(parameter["schema"]["type"] == "integer" for parameter in years)


def test_an_unauthenticated_api_request_is_told_to_sign_in(company) -> None:
    from rest_framework.test import APIClient

    response = APIClient().get("/api/v1/visit-sheets/")
    assert response.status_code == 401 and response["WWW-Authenticate"] == "Token"
    assert "detail" in response.json()
    assert APIClient(HTTP_AUTHORIZATION="Token nope").get("/api/v1/visit-sheets/").status_code == 401


def test_a_customers_gps_position_is_rounded_to_the_stored_precision(company, customers) -> None:
    client = company.client_for(company.manager_a)
    response = client.patch(
        f"/api/v1/customers/{customers['a'].pk}/",
        {"latitude": "31.23045678", "longitude": "121.47370149"},
        "application/json",
    )
    assert response.status_code == 200, response.json()
    customers["a"].refresh_from_db()
    assert (str(customers["a"].latitude), str(customers["a"].longitude)) == ("31.230457", "121.473701")
    refused = client.patch(f"/api/v1/customers/{customers['a'].pk}/", {"latitude": "91.5"}, "application/json")
    assert refused.status_code == 400 and "latitude" in refused.json()
