"""EPCIS endpoints: export a lot as an EPCISDocument, capture a document; one error shape, scoped, all or nothing."""

from __future__ import annotations

import copy
import json

import pytest
from django.test import Client

from bioseg.accounts.services import api_token_create
from bioseg.audit.models import AuditEvent
from bioseg.demo.epcis import epcis_demo_mappings
from bioseg.production.models import EpcisCapture, EpcisEvent, EpcisEventLot
from tests.production.conftest import fast_password_hashing, genealogy, world  # noqa: F401  (fixtures)
from tests.shared import VENDOR

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("epcis_schema")]


def client(user) -> Client:
    _, raw = api_token_create(user=user, name="epcis tests")
    return Client(HTTP_AUTHORIZATION=f"Bearer {raw}")


def counts() -> dict[str, int]:
    return {
        "captures": EpcisCapture.objects.count(),
        "events": EpcisEvent.objects.count(),
        "links": EpcisEventLot.objects.count(),
        "audit": AuditEvent.objects.count(),
    }


def capture(user, body: bytes, **params):
    query = "&".join(f"{k}={v}" for k, v in params.items())
    return client(user).post(f"/api/v1/epcis/capture?{query}", data=body, content_type="application/ld+json")


@pytest.fixture
def mapped(world, genealogy, admin):  # noqa: F811
    epcis_demo_mappings(admin)
    return genealogy


def test_a_lot_is_exported_as_an_epcis_document(world, mapped):  # noqa: F811
    response = client(world.cmo_qa).get(f"/api/v1/lots/{mapped.p1.pk}/epcis")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/ld+json; charset=utf-8"
    document = json.loads(response.content)
    assert document["type"] == "EPCISDocument" and document["schemaVersion"] == "2.0"
    events = document["epcisBody"]["eventList"]
    assert [e["type"] for e in events] == [
        "ObjectEvent",  # W1 commissioned
        "TransformationEvent",  # D1
        "TransformationEvent",  # D2
        "ObjectEvent",  # SH-1 shipped
        "ObjectEvent",  # SH-1 received
        "TransformationEvent",  # P1
    ]


def test_an_out_of_scope_or_unknown_lot_is_a_404_in_the_error_shape(world, mapped):  # noqa: F811
    for url in (f"/api/v1/lots/{mapped.p1.pk}/epcis", "/api/v1/lots/999999/epcis"):
        response = client(world.gd_qa).get(url)
        assert response.status_code == 404
        body = response.json()
        assert set(body) == {"code", "message", "message_zh", "details"} and body["code"] == "not_found"


def test_missing_identifiers_are_a_409_listing_them(world, genealogy):  # noqa: F811
    response = client(world.holder_qa).get(f"/api/v1/lots/{genealogy.w1.pk}/epcis")
    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "epcis_identifiers_missing"
    assert body["details"]["missing"] == [  # W1's genealogy is everything downstream of it
        {"kind": "gtin", "product_id": world.pd1.pk, "product": "PD-1 mAb", "material": material}
        for material in ("DP", "DS", "WCB")
    ] + [
        {"kind": "gln", "site_id": world.js_site.pk, "site": "Suzhou site"},
        {"kind": "gln", "site_id": world.sh_site.pk, "site": "Shanghai site"},
    ]


def test_capture_stores_the_document_then_refuses_it_as_duplicate(world, mapped):  # noqa: F811
    exported = client(world.nmpa).get(f"/api/v1/lots/{mapped.p2.pk}/epcis").content
    hash_ids = [e["eventID"] for e in json.loads(exported)["epcisBody"]["eventList"]]
    response = capture(world.cmo_qa, exported, reason="from the CDMO")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["hash_ids"] == hash_ids
    assert (body["event_count"], body["duplicate_count"], body["duplicates"]) == (len(hash_ids), 0, [])
    assert body["lot_link_count"] == EpcisEventLot.objects.count() > 0
    assert set(AuditEvent.objects.filter(table_name="production_epcisevent").values_list("reason", flat=True)) == {
        "from the CDMO"
    }
    before = counts()
    again = capture(world.cmo_qa, exported)
    assert again.status_code == 400
    problems = again.json()["details"]["problems"]
    assert [p["code"] for p in problems] == ["duplicate_event"] * len(hash_ids)
    assert problems[0]["pointer"] == "/epcisBody/eventList/0"
    assert counts() == before
    skipped = capture(world.cmo_qa, exported, on_duplicate="skip")
    assert skipped.status_code == 201
    assert (skipped.json()["event_count"], skipped.json()["duplicate_count"]) == (0, len(hash_ids))


def test_an_official_example_is_captured(world):  # noqa: F811
    text = (VENDOR / "examples" / "Example_9.6.1-ObjectEvent.jsonld").read_bytes()
    response = capture(world.holder_qa, text)
    assert response.status_code == 201
    assert response.json()["event_count"] == len(json.loads(text)["epcisBody"]["eventList"]) == 2
    assert EpcisEvent.objects.count() == 2


def test_an_invalid_document_is_a_400_with_pointers_and_writes_nothing(world, mapped):  # noqa: F811
    document = json.loads(client(world.nmpa).get(f"/api/v1/lots/{mapped.p2.pk}/epcis").content)
    broken = copy.deepcopy(document)
    broken["epcisBody"]["eventList"][2]["eventTime"] = "2025-03-02 09:00"
    before = counts()
    response = capture(world.cmo_qa, json.dumps(broken).encode())
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "epcis_document_invalid" and body["message_zh"]
    assert [p["pointer"] for p in body["details"]["problems"]] == ["/epcisBody/eventList/2/eventTime"]
    assert body["details"]["problem_count"] == 1
    response = capture(world.cmo_qa, b"not json at all")
    assert response.status_code == 400 and response.json()["details"]["problems"][0]["code"] == "json_syntax"
    assert counts() == before


def test_capture_needs_a_qa_role_and_authentication(world, mapped):  # noqa: F811
    exported = client(world.nmpa).get(f"/api/v1/lots/{mapped.p2.pk}/epcis").content
    before = counts()
    denied = capture(world.js_inspector, exported)
    assert denied.status_code == 403 and denied.json()["code"] == "permission_denied"
    anonymous = Client().post("/api/v1/epcis/capture", data=exported, content_type="application/json")
    assert anonymous.status_code == 401
    bad_option = capture(world.cmo_qa, exported, on_duplicate="ignore")
    assert bad_option.status_code == 422
    assert counts() == before


def test_without_the_schema_the_server_says_what_to_set(world, mapped, monkeypatch):  # noqa: F811
    exported = client(world.nmpa).get(f"/api/v1/lots/{mapped.p2.pk}/epcis").content
    monkeypatch.delenv("BIOSEG_EPCIS_SCHEMA")
    before = counts()
    response = capture(world.cmo_qa, exported)
    assert response.status_code == 503
    body = response.json()
    assert body["code"] == "epcis_schema_not_configured" and body["details"]["setting"] == "BIOSEG_EPCIS_SCHEMA"
    assert counts() == before
