"""GS1 EPCIS 2.0 endpoints (issue 4, item 6).

- ``GET /lots/{id}/epcis`` — the lot's genealogy (upstream and downstream) and movements as an
  EPCISDocument (``application/ld+json``), each event with its CBV 2.0 hash ID as ``eventID``. 404 for a lot
  outside the caller's scope; 409 ``epcis_identifiers_missing`` listing every product material without a
  GTIN and every site or consignee without a GLN (``details.missing``).
- ``POST /epcis/capture`` — the request body is the EPCIS document itself (JSON / JSON-LD). Validated whole
  against GS1's schema; refused with 400 ``epcis_document_invalid`` and every problem with its JSON pointer
  in ``details.problems`` (schema, check digits, NMPA codes, duplicate events), and nothing stored. Query
  parameters: ``reason`` (audit reason), ``on_duplicate`` = ``reject`` (default) | ``skip``. 201 with the
  capture's id, counts and the stored events' hash IDs. 503 ``epcis_schema_not_configured`` when the
  server has no ``BIOSEG_EPCIS_SCHEMA``.
"""

from __future__ import annotations

from typing import Literal

from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse
from ninja import Router, Schema, Status

from bioseg.api.errors import ERRORS, ErrorOut
from bioseg.common.errors import ApplicationError
from bioseg.epcis import dumps
from bioseg.production.epcis import epcis_capture, epcis_export_lot
from bioseg.registry.scope import scope_for

router = Router(tags=["EPCIS"])

MAX_DOCUMENT_BYTES = 256 * 1024 * 1024
LD_JSON = "application/ld+json; charset=utf-8"


class DuplicateOut(Schema):
    pointer: str
    hash_id: str
    reason: str


class CaptureOut(Schema):
    capture_id: int
    document_type: str
    event_count: int
    duplicate_count: int
    lot_link_count: int
    hash_ids: list[str]
    duplicates: list[DuplicateOut]


_DOCUMENT_BODY = {
    "requestBody": {
        "required": True,
        "description": "An EPCIS 2.0 EPCISDocument (JSON or JSON-LD), as GS1's EPCIS-JSON-Schema.json defines it.",
        "content": {
            "application/ld+json": {"schema": {"type": "object"}},
            "application/json": {"schema": {"type": "object"}},
        },
    }
}


@router.get(
    "/lots/{int:id}/epcis",
    response={200: None, **ERRORS, 409: ErrorOut},
    summary="A lot's genealogy and movements as an EPCIS 2.0 document",
    openapi_extra={"responses": {200: {"description": "EPCISDocument", "content": {"application/ld+json": {}}}}},
)
def lot_epcis(request: HttpRequest, id: int) -> HttpResponse:
    document = epcis_export_lot(scope=scope_for(request.user), lot_id=id)
    response = HttpResponse(dumps(document), content_type=LD_JSON)
    response["Content-Disposition"] = f'inline; filename="lot-{id}-epcis.jsonld"'
    return response


def _document(request: HttpRequest) -> bytes:
    length = int(request.META.get("CONTENT_LENGTH") or 0)
    if length > MAX_DOCUMENT_BYTES:
        raise ApplicationError(
            "epcis_document_too_large",
            f"The document is {length} bytes; at most {MAX_DOCUMENT_BYTES} are accepted in one capture.",
            f"文档大小为 {length} 字节；单次导入最多接受 {MAX_DOCUMENT_BYTES} 字节。",
            status=413,
        )
    try:
        return request.body
    except RequestDataTooBig:  # Django's limit is meant for form posts; an EPCIS document may be larger
        return request.read()


@router.post(
    "/epcis/capture",
    response={201: CaptureOut, **ERRORS, 413: ErrorOut, 503: ErrorOut},
    summary="Capture an EPCIS 2.0 document (all events or none)",
    openapi_extra=_DOCUMENT_BODY,
)
def capture(request: HttpRequest, reason: str = "", on_duplicate: Literal["reject", "skip"] = "reject"):
    outcome = epcis_capture(
        actor=request.user,
        document=_document(request),
        reason=reason.strip() or "EPCIS document captured through the API",
        on_duplicate=on_duplicate,
    )
    return Status(201, outcome.as_dict())
