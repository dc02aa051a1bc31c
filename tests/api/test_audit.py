"""History and e-signatures through the API: signatures are read, never made freely; a later change breaks one."""

from __future__ import annotations

import hashlib

import pytest

from bioseg.audit.models import Signature
from bioseg.audit.services import signature_sign
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def sign(client, kind: str, pk: int, password: str = PASSWORD, **extra):
    """What a client could send to sign a record freely — bioseg has no such endpoint."""
    payload = {"kind": kind, "id": pk, "meaning": "approved", "password": password, "reason": "QA approval", **extra}
    return client.post("/api/v1/signatures", payload, content_type="application/json")


def test_free_signing_is_refused_whoever_asks(world, client_for):
    """An e-signature is a step of a workflow with the meaning that step names; nobody signs a record freely
    (the hardening probe signed lots as "released" as the Jiangsu inspector)."""
    for user in (world.js_inspector, world.holder_qa):
        response = sign(client_for(user), "products", world.pd1.id)
        assert response.status_code in (404, 405)
    assert Signature.objects.count() == 0


def test_signature_then_change_shows_it_broken(world, client_for):
    client = client_for(world.holder_qa)
    product = world.pd1
    # (signed by the service a workflow step calls; the API only reads signatures)
    signature = signature_sign(
        user=world.holder_qa, password=PASSWORD, obj=product, meaning="approved", reason="QA approval"
    )
    [body] = client.get(f"/api/v1/products/{product.id}/signatures").json()
    assert body["id"] == signature.id
    assert (body["signer"], body["printed_name"], body["meaning"], body["reason"]) == (
        "suzhou_qa",
        world.holder_qa.printed_name,
        "approved",
        "QA approval",
    )
    assert body["record_sha256"] == hashlib.sha256(signature.snapshot.encode()).hexdigest()
    assert body["current_sha256"] == body["record_sha256"]
    assert body["intact"] is True

    changed = client.patch(
        f"/api/v1/products/{product.id}",
        {"storage_max_c": 6, "reason": "stability data"},
        content_type="application/json",
    )
    assert changed.status_code == 200

    history = client.get(f"/api/v1/products/{product.id}/history").json()
    assert [e["action"] for e in history["events"]] == ["insert", "update"]
    assert history["events"][1]["reason"] == "stability data"
    assert [c["field"] for c in history["events"][1]["changed"]] == ["storage_max_c"]
    [after] = history["signatures"]
    assert after["id"] == signature.id
    assert after["intact"] is False
    assert after["record_sha256"] == body["record_sha256"]
    assert after["current_sha256"] != body["record_sha256"]


@pytest.mark.parametrize(
    "kind",
    ["enterprises", "sites", "products", "quality-agreements"],
)
def test_every_kind_has_a_history(world, client_for, kind):
    obj = {
        "enterprises": world.suzhou,
        "sites": world.suzhou_site,
        "products": world.pd1,
        "quality-agreements": world.agreement,
    }[kind]
    response = client_for(world.holder_qa).get(f"/api/v1/{kind}/{obj.pk}/history")
    assert response.status_code == 200
    events = response.json()["events"]
    assert [e["action"] for e in events] == ["insert"]
    assert events[0]["actor"] == "admin"
    assert events[0]["new_values"]["id"] == obj.pk
