"""Bodies over the API's size limit are a 413 with the limit named, offsets beyond 64 bits a 422: no 500,
nothing written."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from bioseg.accounts.models import ApiToken
from bioseg.accounts.roles import Role
from bioseg.registry.models import Site
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("url", ["/api/v1/sites", "/api/v1/auth/tokens", "/api/v1/lots"])
def test_a_3_mb_json_body_is_413(make_user, url, settings):
    make_user(Role.HOLDER_QA, username="big", password=PASSWORD)
    client = Client()
    assert client.post("/login/", {"username": "big", "password": PASSWORD}).status_code == 302
    sites, tokens = Site.objects.count(), ApiToken.objects.count()
    body = json.dumps({"name": "x" * 3_000_000, "username": "big", "password": PASSWORD})
    response = client.post(url, body, content_type="application/json")
    assert response.status_code == 413
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    assert response.json() == {
        "code": "request_too_large",
        "message": f"The request body is larger than the {limit:,} bytes this endpoint accepts.",
        "message_zh": f"请求体超过此接口允许的 {limit:,} 字节。",
        "details": {"max_bytes": limit},
    }
    assert (Site.objects.count(), ApiToken.objects.count()) == (sites, tokens)


def test_an_offset_beyond_64_bits_is_a_field_error(make_user):
    make_user(Role.HOLDER_QA, username="off", password=PASSWORD)
    client = Client()
    client.post("/login/", {"username": "off", "password": PASSWORD})
    response = client.get("/api/v1/lots?offset=99999999999999999999999")
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "validation_error"
    assert list(body["details"]["fields"]) == ["offset"]
    assert client.get(f"/api/v1/lots?offset={2**63 - 1}").json()["items"] == []
