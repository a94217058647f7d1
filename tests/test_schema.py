"""The OpenAPI schema at /api/schema/ and the Swagger UI at /api/docs/ that renders it."""

import json
import re

import jsonschema
import pytest
import yaml
from drf_spectacular.validation import validate_schema
from rest_framework.test import APIClient

from tests.returns.factories import ReturnOrderFactory

ASSET = re.compile(r"""(?:src|href)\s*=\s*["']([^"']+)["']""")


@pytest.fixture(scope="module")
def schema(django_db_setup, django_db_blocker):
    # Generating the schema takes seconds and writes nothing: once per module.
    with django_db_blocker.unblock():
        response = APIClient().get("/api/schema/")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.oai.openapi")
    return yaml.safe_load(response.content)


@pytest.fixture
def unhashed_static(settings):
    """Static URLs without a collectstatic manifest.

    Tests run with DEBUG off, which selects the manifest storage; nothing has run
    collectstatic, so ``{% static %}`` would fail to hash any file (see the report on
    ``STORAGES`` in config/settings.py). Deployments build the manifest.
    """
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


def test_schema_is_a_valid_openapi_document(schema):
    validate_schema(schema)  # raises on anything the OpenAPI 3 JSON schema rejects
    assert schema["openapi"].startswith("3.")
    assert schema["info"]["title"] == "Boomerang API"


def test_schema_describes_the_endpoints_the_inventree_client_uses(schema):
    paths = set(schema["paths"])
    assert {
        "/api/company/",
        "/api/company/{id}/",
        "/api/company/contact/",
        "/api/company/address/",
        "/api/part/",
        "/api/part/{id}/",
        "/api/stock/",
        "/api/stock/{id}/",
        "/api/stock/location/",
        "/api/stock/assign/",
        "/api/stock/track/",
        "/api/attachment/",
        "/api/metadata/{model_type}/{id}/",
        "/api/user/me/",
        "/api/user/token/",
        "/api/",
    } <= paths
    # The catch-all 404 is not an endpoint.
    assert not [path for path in paths if "*" in path or "^" in path]
    company = schema["components"]["schemas"]["Company"]["properties"]
    assert {"pk", "name", "is_customer", "primary_address"} <= set(company)


def test_schema_documents_token_authentication(schema):
    token = schema["components"]["securitySchemes"]["Token"]
    assert token["type"] == "apiKey"
    assert token["in"] == "header"
    assert token["name"] == "Authorization"
    security = schema["paths"]["/api/company/"]["get"]["security"]
    assert {"Token": []} in security
    assert {"basicAuth": []} in security


def test_schema_types_the_computed_fields(schema):
    """SerializerMethodFields carry real types, not drf-spectacular's string fallback."""
    components = schema["components"]["schemas"]
    primary = components["Company"]["properties"]["primary_address"]
    assert "string" not in json.dumps(primary.get("type", ""))
    roles = components["Me"]["properties"]["roles"]
    assert roles["type"] == "object"
    assert roles["additionalProperties"]["type"] == "array"
    groups = components["Me"]["properties"]["groups"]
    assert groups["type"] == "array"
    token = schema["paths"]["/api/user/token/"]["get"]["responses"]["200"]
    token_schema = token["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
    assert {"token", "name", "expiry"} <= set(components[token_schema]["properties"])


def test_schema_is_also_served_as_json(db):
    response = APIClient().get("/api/schema/?format=json")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.oai.openapi+json")
    assert "/api/company/" in json.loads(response.content)["paths"]


def test_docs_page_loads_only_local_assets(db, client, unhashed_static):
    response = client.get("/api/docs/")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    html = response.content.decode()
    # The start-up script is served beside the page (no inline script under the CSP).
    script = client.get("/api/docs/?script")
    assert script.status_code == 200
    assert 'url: "/api/schema/"' in script.content.decode()
    for text in (html, script.content.decode()):
        assert not re.search(r"(?:https?:)?//[a-z0-9.-]+\.[a-z]{2,}", text, re.IGNORECASE)
    assets = ASSET.findall(html)
    assert assets, "the Swagger UI page references no assets"
    assert [a for a in assets if not a.startswith(("/static/", "/api/docs/?script"))] == []
    for asset in assets:
        assert client.get(asset).status_code == 200, asset


def _operations(schema):
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            yield method.upper(), path, operation


def test_every_operation_documents_its_error_answers(schema):
    """400/401/403/404 everywhere, 409 on writes (a lost race), 415 where a body is read (no
    parser for its Content-Type), 429 wherever a login can be locked out (every authenticated
    operation), each with a JSON body schema."""
    for method, path, operation in _operations(schema):
        codes = set(operation["responses"])
        expected = {"400", "401", "403", "404"}
        if method in {"POST", "PUT", "PATCH", "DELETE"}:
            expected.add("409")
        if method in {"POST", "PUT", "PATCH"}:
            expected.add("415")
        if operation.get("security") != [{}]:
            expected.add("429")
        assert expected <= codes, (method, path, sorted(codes))
        for code in expected:
            assert "application/json" in operation["responses"][code]["content"], (method, path)
    locked_out = schema["paths"]["/api/company/"]["get"]["responses"]["429"]
    assert "Retry-After" in locked_out["headers"]


def test_list_endpoints_document_the_bare_and_the_paginated_shape(schema):
    ok = schema["paths"]["/api/company/"]["get"]["responses"]["200"]
    shapes = ok["content"]["application/json"]["schema"]["oneOf"]
    assert {"type": "array", "items": {"$ref": "#/components/schemas/Company"}} in shapes
    assert {"$ref": "#/components/schemas/PaginatedCompanyList"} in shapes
    paginated = schema["components"]["schemas"]["PaginatedCompanyList"]
    assert {"count", "results"} <= set(paginated["required"])
    # A list without pagination stays a bare array.
    settings = schema["paths"]["/api/settings/global/"]["get"]["responses"]["200"]
    assert settings["content"]["application/json"]["schema"]["type"] == "array"


def test_fields_read_through_a_nullable_relation_are_nullable(schema):
    order = schema["components"]["schemas"]["ReturnOrder"]["properties"]
    for name in ("created_by", "contact_detail", "project_code_detail", "project_code_label"):
        assert order[name].get("nullable") is True, name
    tracking = schema["components"]["schemas"]["StockTracking"]["properties"]
    assert tracking["user_detail"]["nullable"] is True


def test_fields_sent_only_on_request_are_not_required(schema):
    components = schema["components"]["schemas"]
    # ``?part_detail=true`` and friends
    assert not {"part_detail", "location_detail", "customer_detail"} & set(
        components["StockItem"].get("required", [])
    )
    assert "password" not in components["User"]["properties"]  # write-only


def test_blank_urls_are_not_an_ambiguous_one_of(schema):
    link = schema["components"]["schemas"]["StockItem"]["properties"]["link"]
    assert "oneOf" not in link
    assert {"type": "string", "maxLength": 0} in link["anyOf"]


def test_site_settings_answers_carry_every_required_field(schema, make_user):
    """The settings payload is built by hand: it must still send what the schema requires."""
    client = APIClient()
    client.force_authenticate(make_user())
    required = set(schema["components"]["schemas"]["SiteSetting"]["required"])
    rows = client.get("/api/settings/global/").json()
    assert rows
    for row in rows:
        assert required <= set(row), sorted(required - set(row))
    assert {row["typ"] for row in rows} == {row["type"] for row in rows}


def test_a_body_without_a_content_type_is_a_documented_415(admin_client_api):
    response = admin_client_api.generic("POST", "/api/order/ro-reason/", b"code=x", content_type="")
    assert response.status_code == 415
    assert "detail" in response.json()


def _json_schema(node):
    """An OpenAPI 3.0 schema as JSON Schema: ``nullable`` becomes a null alternative."""
    if isinstance(node, list):
        return [_json_schema(item) for item in node]
    if not isinstance(node, dict):
        return node
    converted = {k: _json_schema(v) for k, v in node.items() if k not in {"nullable", "readOnly"}}
    if node.get("nullable") and "type" in node:
        converted["type"] = [node["type"], "null"]
    return converted


def test_a_large_export_documents_its_202_and_answers_as_documented(schema, settings, make_user):
    """An export that runs as a job answers 202 with the job: the schema says so, on both
    exporting lists, and the answer holds exactly the documented fields and types."""
    for path in ("/api/order/ro/", "/api/order/ro-line/"):
        accepted = schema["paths"][path]["get"]["responses"]["202"]
        assert accepted["content"]["application/json"]["schema"] == {
            "$ref": "#/components/schemas/ExportJob"
        }, path
    component = schema["components"]["schemas"]["ExportJob"]
    settings.EXPORT_JOB_THRESHOLD = 1
    ReturnOrderFactory.create_batch(2)
    client = APIClient()
    client.force_authenticate(make_user(return_order=["view"]))

    response = client.get("/api/order/ro/?export=csv")

    assert response.status_code == 202, response.content
    body = response.json()
    assert set(body) == set(component["properties"]) == set(component["required"])
    jsonschema.validate(body, _json_schema(component))
    assert (body["output_type"], body["total"], body["job"]) == ("export", 2, body["pk"])
