"""History and e-signatures through the API: sign with the password; a later change breaks the signature."""

from __future__ import annotations

import hashlib

import pytest

from bioseg.audit.models import Signature
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def sign(client, kind: str, pk: int, password: str = PASSWORD, **extra):
    payload = {"kind": kind, "id": pk, "meaning": "approved", "password": password, "reason": "QA approval", **extra}
    return client.post("/api/v1/signatures", payload, content_type="application/json")


def test_signature_then_change_shows_it_broken(world, client_for):
    client = client_for(world.holder_qa)
    product = world.pd1
    signed = sign(client, "products", product.id)
    assert signed.status_code == 201
    body = signed.json()
    signature = Signature.objects.get()
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

    listed = client.get(f"/api/v1/products/{product.id}/signatures").json()
    assert [(s["id"], s["intact"]) for s in listed] == [(signature.id, True)]

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


def test_wrong_password_signs_nothing(world, client_for):
    response = sign(client_for(world.holder_qa), "products", world.pd1.id, password="not my password")
    assert response.status_code == 403
    assert response.json() == {
        "code": "signature_refused",
        "message": "The signature was refused: Wrong user name or password.",
        "message_zh": "签名被拒绝：用户名或密码错误。",
        "details": {"cause": "bad_credentials"},
    }
    assert Signature.objects.count() == 0


def test_signing_outside_scope_is_a_404(world, client_for):
    response = sign(client_for(world.js_inspector), "sites", world.guangdong_site.id)
    assert response.status_code == 404
    assert response.json()["details"] == {"object": "site", "id": str(world.guangdong_site.id)}
    assert Signature.objects.count() == 0


def test_signature_input_is_checked(world, client_for):
    client = client_for(world.holder_qa)
    unknown_kind = sign(client, "biscuits", 1)
    assert unknown_kind.status_code == 400
    assert list(unknown_kind.json()["details"]["fields"]) == ["kind"]
    bad_meaning = sign(client, "products", world.pd1.id, meaning="liked")
    assert bad_meaning.status_code == 422
    assert list(bad_meaning.json()["details"]["fields"]) == ["meaning"]
    assert Signature.objects.count() == 0


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
