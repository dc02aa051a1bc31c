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


def signed_in(make_user, role) -> Client:
    make_user(role, username="probe", password=PASSWORD)
    client = Client()
    client.post("/login/", {"username": "probe", "password": PASSWORD})
    return client


@pytest.mark.parametrize(
    ("url", "field"),
    [
        (f"/api/v1/oos?lot={2**69}", "lot"),
        (f"/api/v1/deviations?product={2**64}", "product"),
        (f"/api/v1/inspections?year={2**63}", "year"),
        (f"/api/v1/inspections?year={2**63 - 1}", "year"),
        (f"/api/v1/lots?site={-(2**70)}", "site"),
        ("/api/v1/capas?owner=0", "owner"),
    ],
)
def test_an_id_or_number_filter_beyond_64_bits_is_a_field_error_not_a_server_error(make_user, url, field):
    """Found by tests/api/test_schemathesis.py: such a filter reached the database (OverflowError, 500)."""
    client = signed_in(make_user, Role.PROVINCIAL_INSPECTOR)
    response = client.get(url)
    assert response.status_code == 422, response.content
    body = response.json()
    assert (body["code"], list(body["details"]["fields"])) == ("validation_error", [field])


def test_an_id_beyond_64_bits_in_a_body_is_a_field_error(make_user):
    client = signed_in(make_user, Role.HOLDER_QA)
    sites = Site.objects.count()
    response = client.post(
        "/api/v1/sites",
        {"enterprise_id": 2**64, "name_zh": "场地", "name_en": "Site"},
        content_type="application/json",
    )
    assert response.status_code == 422
    assert "enterprise_id" in response.json()["details"]["fields"]
    assert Site.objects.count() == sites


@pytest.mark.parametrize(
    ("url", "field"),
    [
        ("/api/v1/oos?status=a%00b", "status"),
        ("/api/v1/risk-ratings?overall=%00", "overall"),
        ("/api/v1/lots?q%00=1", "q\\u0000"),
    ],
)
def test_a_nul_character_in_a_query_is_refused_naming_it(make_user, url, field):
    """Found by tests/api/test_schemathesis.py: on PostgreSQL a filter with NUL was a server error."""
    client = signed_in(make_user, Role.PROVINCIAL_INSPECTOR)
    response = client.get(url)
    assert response.status_code == 400
    body = response.json()
    assert (body["code"], body["details"]["field"]) == ("nul_character", field)
    assert body["message_zh"] == f"{field}：文本不得包含空字符（U+0000）。"


def test_a_nul_character_in_a_json_string_is_refused_and_nothing_written(make_user):
    client = signed_in(make_user, Role.HOLDER_QA)
    sites = Site.objects.count()
    response = client.post(
        "/api/v1/sites",
        json.dumps({"enterprise_id": 1, "name_zh": "场地", "name_en": "Si\u0000te", "tags": ["a", "b\u0000"]}),
        content_type="application/json",
    )
    assert (response.status_code, response.json()["details"]["field"]) == (400, "name_en")
    assert Site.objects.count() == sites
