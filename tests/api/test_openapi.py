"""The OpenAPI schema and the Swagger UI page, served by the app with local assets only."""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.django_db

EXPECTED_PATHS = {
    "/api/v1/me",
    "/api/v1/auth/tokens",
    "/api/v1/auth/tokens/{id}",
    "/api/v1/regions",
    "/api/v1/countries",
    "/api/v1/enterprises",
    "/api/v1/enterprises/{id}",
    "/api/v1/enterprises/{id}/history",
    "/api/v1/enterprises/{id}/signatures",
    "/api/v1/sites",
    "/api/v1/sites/{id}",
    "/api/v1/sites/{id}/history",
    "/api/v1/sites/{id}/signatures",
    "/api/v1/licences",
    "/api/v1/licences/{id}",
    "/api/v1/licences/{id}/history",
    "/api/v1/licences/{id}/signatures",
    "/api/v1/gmp-records",
    "/api/v1/gmp-records/{id}",
    "/api/v1/gmp-records/{id}/history",
    "/api/v1/gmp-records/{id}/signatures",
    "/api/v1/products",
    "/api/v1/products/{id}",
    "/api/v1/products/{id}/history",
    "/api/v1/products/{id}/signatures",
    "/api/v1/personnel",
    "/api/v1/personnel/{id}",
    "/api/v1/personnel/{id}/history",
    "/api/v1/personnel/{id}/signatures",
    "/api/v1/qualifications",
    "/api/v1/qualifications/{id}",
    "/api/v1/qualifications/{id}/history",
    "/api/v1/qualifications/{id}/signatures",
    "/api/v1/quality-agreements",
    "/api/v1/quality-agreements/{id}",
    "/api/v1/quality-agreements/{id}/history",
    "/api/v1/quality-agreements/{id}/signatures",
    "/api/v1/assessments",
    "/api/v1/assessments/pdf",
    "/api/v1/schemas/case",
    "/api/v1/rulesets",
}


def test_openapi_json(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["info"]["title"] == "bioseg API"
    # each domain's tests pin its own paths; these are the foundation's and the assessment interfaces'
    missing = EXPECTED_PATHS - set(schema["paths"])
    assert missing == set()
    assert all(path.startswith("/api/v1/") for path in schema["paths"])
    assert set(schema["paths"]["/api/v1/products"]) == {"get", "post"}
    assert set(schema["paths"]["/api/v1/products/{id}"]) == {"get", "patch"}
    assert set(schema["paths"]["/api/v1/auth/tokens/{id}"]) == {"delete"}
    assert set(schema["components"]["securitySchemes"]) == {"TokenAuth", "SessionAuth"}
    listed = schema["paths"]["/api/v1/products"]["get"]
    params = {p["name"] for p in listed["parameters"]}
    assert {"limit", "offset", "category", "holder", "innovative", "q"} <= params
    assert set(schema["components"]["schemas"]["ErrorOut"]["required"]) == {"code", "message", "message_zh", "details"}
    paged = schema["components"]["schemas"]["PagedProductOut"]
    assert set(paged["properties"]) == {"items", "count", "limit", "offset"}


def test_docs_page_loads_its_assets_locally(client):
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    html = response.content.decode()
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert len(assets) == 5  # css, two favicons, two scripts
    for url in assets:
        assert url.startswith("/"), url  # nothing from another host (no CDN)
        asset = client.get(url)
        assert asset.status_code == 200, url
        assert b"".join(asset.streaming_content) if asset.streaming else asset.content
    assert "cdn" not in html.lower()
    assert '"url": "/api/v1/openapi.json"' in html
