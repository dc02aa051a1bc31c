"""History and e-signatures of every registry object: ``GET /{kind}/{id}/history``,
``GET /{kind}/{id}/signatures``. There is no free signing: an e-signature is taken only as a step of a
workflow (release, rejection, recall, submission, decision …), with the meaning that step names."""

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Field, Router, Schema

from bioseg.api.errors import ERRORS
from bioseg.api.objects import KINDS
from bioseg.audit import selectors as audit_selectors
from bioseg.audit.services import SignatureStatus
from bioseg.registry.scope import scope_for

router = Router(tags=["audit"])


class ChangeOut(Schema):
    field: str
    old: Any = None
    new: Any = None


class HistoryEventOut(Schema):
    id: int
    occurred_at: str = Field(description="UTC, ISO 8601, written by the database trigger.")
    table: str = Field(description="The table of the row the event is of: the object's own, or a component's.")
    row_pk: str
    component_en: str = Field(
        description="What the row is when it belongs to the object (a lot's shipment line, genealogy link, "
        "certificate, hold, release, recall); empty for the object's own row."
    )
    component_zh: str
    action: str
    actor: str = Field(description="The user name of who wrote it.")
    actor_name: str = Field(description="Their printed name.")
    organisation: str = Field(description="Their organisation at the time, in English.")
    organisation_zh: str
    reason: str
    request_id: str
    changed: list[ChangeOut]
    new_values: dict[str, Any]
    hash: str


class SignatureOut(Schema):
    id: int
    signer: str
    printed_name: str
    meaning: str
    signed_at: dt.datetime
    reason: str
    record_sha256: str
    current_sha256: str
    intact: bool = Field(description="False once the record has changed since it was signed.")


class HistoryOut(Schema):
    kind: str
    id: int
    events: list[HistoryEventOut]
    signatures: list[SignatureOut]


def signature_out(status: SignatureStatus) -> dict[str, Any]:
    s = status.signature
    return {
        "id": s.pk,
        "signer": s.signer.get_username(),
        "printed_name": s.printed_name,
        "meaning": s.meaning,
        "signed_at": s.signed_at,
        "reason": s.reason,
        "record_sha256": s.record_sha256,
        "current_sha256": status.current_sha256,
        "intact": status.intact,
    }


def _article(noun: str) -> str:
    """ "a" or "an" before ``noun`` in a summary: an enterprise, a GMP record, a licence."""
    return "an" if noun[:1].lower() in "aeio" else "a"


def add_object_routes(obj_router: Router, slug: str) -> None:
    """Adds ``/{id}/history`` and ``/{id}/signatures`` to the router of one object kind."""
    kind = KINDS[slug]
    name = slug.replace("-", "_")

    def history(request: HttpRequest, id: int):
        obj = kind.get(scope=scope_for(request.user), pk=id)
        return {
            "kind": slug,
            "id": obj.pk,
            "events": audit_selectors.history_rows(obj),
            "signatures": [signature_out(s) for s in audit_selectors.signatures_with_components(obj)],
        }

    def signatures(request: HttpRequest, id: int):
        obj = kind.get(scope=scope_for(request.user), pk=id)
        return [signature_out(s) for s in audit_selectors.signatures_with_components(obj)]

    history.__name__ = f"{name}_history"
    signatures.__name__ = f"{name}_signatures"
    obj_router.get(
        "/{int:id}/history",
        response={200: HistoryOut, **ERRORS},
        summary=f"Audit trail and signatures of {_article(kind.label)} {kind.label}",
        url_name=f"{name}-history",
    )(history)
    obj_router.get(
        "/{int:id}/signatures",
        response={200: list[SignatureOut], **ERRORS},
        summary=f"E-signatures of {_article(kind.label)} {kind.label}",
        url_name=f"{name}-signatures",
    )(signatures)
