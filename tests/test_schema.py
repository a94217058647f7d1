"""The OpenAPI schema at /api/schema/ and the Swagger UI at /api/docs/ that renders it."""

import json
import re

import pytest
import yaml
from drf_spectacular.validation import validate_schema
from rest_framework.test import APIClient

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
    assert 'url: "/api/schema/"' in html
    assert not re.search(r"(?:https?:)?//[a-z0-9.-]+\.[a-z]{2,}", html, re.IGNORECASE)
    assets = ASSET.findall(html)
    assert assets, "the Swagger UI page references no assets"
    assert [a for a in assets if not a.startswith("/static/")] == []
    for asset in assets:
        assert client.get(asset).status_code == 200, asset
