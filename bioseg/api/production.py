"""Production endpoints (issue 4): process chains, lots and transformations, shipments and cold chain,
certificates of analysis, release, trace and recall.

Reads go through ``bioseg.production.selectors`` with the caller's scope (an unknown or out-of-scope id is
a 404, never a 403); writes go through ``bioseg.production.services``, which check the role (403), validate
everything first and change nothing on refusal. A blocked release answers 409 with every blocker in
``details.blockers``; a malformed temperature-logger file answers 400 naming the line (``details.line``).

- ``/chains`` — list, detail (segments, feeds and where the chain crosses a border), create;
- ``/lots`` — list (filters product, site, status, q), detail, create, reject, certificates of analysis,
  release (password), trace, recall, release certificate (PDF), recall-impact report (PDF/XLSX);
- ``/transformations`` — record (inputs → outputs), detail;
- ``/shipments`` — list, detail (lines, cold-chain summary, excursions), create, receive, temperature-log
  upload (multipart CSV); ``/excursions`` — list, assess (password); ``/consignees`` — list, create;
- ``/sites/{id}/trace`` — trace from every lot made at a site in a time window.
"""

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any, Literal

from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.utils.translation import get_language
from ninja import Field, File, FilterLookup, FilterSchema, Form, Query, Router, Schema, Status, UploadedFile
from ninja.pagination import paginate

from bioseg.api.audit import add_object_routes, signature_out
from bioseg.api.errors import ERRORS, ErrorOut, check_choice
from bioseg.api.objects import KINDS, Kind
from bioseg.api.pagination import Pagination
from bioseg.api.registry import In, ordered, ref
from bioseg.api.types import DbId, Whole
from bioseg.audit import selectors as audit_selectors
from bioseg.common import formatting
from bioseg.common.regions import province_name
from bioseg.production import selectors, services
from bioseg.production.disposition import authority_names, excursion_disposition_authority
from bioseg.production.models import ExcursionStatus, LotStatus, RecallStatus
from bioseg.registry import selectors as registry_selectors
from bioseg.registry.scope import scope_for

ERRORS_409 = {**ERRORS, 409: ErrorOut}

# History and signatures (``/{kind}/{id}/history``, ``POST /signatures``) know these kinds too.
KINDS.update(
    {
        "chains": Kind("chains", "process chain", selectors.chain_get),
        "lots": Kind("lots", "lot", selectors.lot_get),
        "shipments": Kind("shipments", "shipment", selectors.shipment_get),
    }
)


def _scope(request: HttpRequest):
    return scope_for(request.user)


_check_choice = check_choice


def _region(code: str, lang: str) -> str:
    return province_name(code, lang) if code else ""


# --- shared output shapes ------------------------------------------------------------------------------


class LotOut(Schema):
    id: int
    lot_number: str
    product_id: int
    product_name_zh: str
    product_name_en: str
    material: str
    segment_id: int
    stage: str
    site_id: int
    site_name_zh: str
    site_name_en: str
    enterprise_id: int
    country_code: str
    region_code: str
    quantity: Decimal
    unit: str
    manufactured_on: dt.date
    expires_on: dt.date
    status: str


def lot_out(lot) -> dict[str, Any]:
    return {
        "id": lot.pk,
        "lot_number": lot.lot_number,
        "product_id": lot.product_id,
        "product_name_zh": lot.product.name_zh,
        "product_name_en": lot.product.name_en,
        "material": lot.material,
        "segment_id": lot.segment_id,
        "stage": lot.segment.stage,
        "site_id": lot.site_id,
        "site_name_zh": lot.site.name_zh,
        "site_name_en": lot.site.name_en,
        "enterprise_id": lot.site.enterprise_id,
        "country_code": lot.site.country_code,
        "region_code": lot.site.region_code,
        "quantity": lot.quantity,
        "unit": lot.unit,
        "manufactured_on": lot.manufactured_on,
        "expires_on": lot.expires_on,
        "status": lot.status,
    }


class ProblemOut(Schema):
    code: str
    message: str
    message_zh: str
    lot_id: int | None = None
    object_id: int | None = None


# --- process chains -------------------------------------------------------------------------------------

chains = Router(tags=["process chains"])


class ChainOut(Schema):
    id: int
    product_id: int
    product_name_zh: str
    product_name_en: str
    version: int
    effective_from: dt.date
    effective_until: dt.date | None
    note: str


class SegmentOut(Schema):
    id: int
    position: int
    code: str
    stage: str
    name_zh: str
    name_en: str
    site_id: int
    site_name_zh: str
    site_name_en: str
    enterprise_id: int
    country_code: str
    region_code: str
    region_name_zh: str
    region_name_en: str
    feeds: list[str]


class CrossingOut(Schema):
    kind: Literal["provincial", "national"]
    source_segment_id: int
    source_code: str
    target_segment_id: int
    target_code: str
    from_country: str
    from_region: str
    to_country: str
    to_region: str


class ChainDetailOut(ChainOut):
    segments: list[SegmentOut]
    border_crossings: list[CrossingOut]


class SegmentIn(In):
    code: str
    stage: str
    name_zh: str
    name_en: str
    site_id: DbId
    feeds: list[str] = Field(default_factory=list, description="Codes of the segments this one feeds")


class ChainIn(In):
    product_id: DbId
    effective_from: dt.date
    effective_until: dt.date | None = None
    version: Whole | None = None
    note: str = ""
    segments: list[SegmentIn]
    reason: str = ""


class ChainFilter(FilterSchema):
    product: Annotated[DbId | None, FilterLookup("product_id")] = None


def chain_out(chain) -> dict[str, Any]:
    return {
        "id": chain.pk,
        "product_id": chain.product_id,
        "product_name_zh": chain.product.name_zh,
        "product_name_en": chain.product.name_en,
        "version": chain.version,
        "effective_from": chain.effective_from,
        "effective_until": chain.effective_until,
        "note": chain.note,
    }


def chain_detail_out(chain) -> dict[str, Any]:
    segments = selectors.chain_segments(chain=chain)
    return {
        **chain_out(chain),
        "segments": [
            {
                "id": s.pk,
                "position": s.position,
                "code": s.code,
                "stage": s.stage,
                "name_zh": s.name_zh,
                "name_en": s.name_en,
                "site_id": s.site_id,
                "site_name_zh": s.site.name_zh,
                "site_name_en": s.site.name_en,
                "enterprise_id": s.site.enterprise_id,
                "country_code": s.site.country_code,
                "region_code": s.site.region_code,
                "region_name_zh": _region(s.site.region_code, "zh"),
                "region_name_en": _region(s.site.region_code, "en"),
                "feeds": [t.code for t in sorted(s.feeds.all(), key=lambda t: t.position)],
            }
            for s in segments
        ],
        "border_crossings": [c.as_dict() for c in selectors.chain_border_crossings(chain=chain)],
    }


@chains.get("", response={200: list[ChainOut], **ERRORS}, summary="Process chains you can see")
@paginate(Pagination)
def chain_list(request: HttpRequest, filters: Query[ChainFilter]):
    return [chain_out(c) for c in ordered(filters.filter(selectors.chain_list(scope=_scope(request))))]


@chains.get("/{int:id}", response={200: ChainDetailOut, **ERRORS}, summary="One chain, with its border crossings")
def chain_detail(request: HttpRequest, id: int):
    return chain_detail_out(selectors.chain_get(scope=_scope(request), pk=id))


@chains.post("", response={201: ChainDetailOut, **ERRORS}, summary="Define a version of a product's chain")
def chain_create(request: HttpRequest, payload: ChainIn):
    product = ref(registry_selectors.product_get, request, payload.product_id, "product_id", "product")
    segments = []
    for i, s in enumerate(payload.segments):
        site = ref(registry_selectors.site_get, request, s.site_id, f"segments.{i}.site_id", "site")
        segments.append({**s.model_dump(exclude={"site_id"}), "site": site})
    chain = services.chain_create(
        actor=request.user,
        product=product,
        effective_from=payload.effective_from,
        effective_until=payload.effective_until,
        version=payload.version,
        note=payload.note,
        segments=segments,
        reason=payload.reason,
    )
    return Status(201, chain_detail_out(chain))


add_object_routes(chains, "chains")


# --- lots ---------------------------------------------------------------------------------------------

lots = Router(tags=["lots"])


class LotFilter(FilterSchema):
    product: Annotated[DbId | None, FilterLookup("product_id")] = None
    site: Annotated[DbId | None, FilterLookup("site_id")] = None
    status: str | None = Field(None, description=" | ".join(LotStatus.values))
    q: Annotated[str | None, FilterLookup(["lot_number__icontains", "material__icontains"])] = Field(
        None, description="Search in lot numbers and material codes"
    )

    def filter_status(self, value: str | None) -> Q:
        if value is None:
            return Q()
        _check_choice("status", value, LotStatus.values)
        return Q(status=value)


class CertificateResultOut(Schema):
    position: int
    test: str
    method: str
    unit: str
    spec_min: Decimal | None
    spec_max: Decimal | None
    spec_text: str
    value: Decimal | None
    result_text: str
    outcome: Literal["pass", "fail"]


class CertificateOut(Schema):
    id: int
    reference: str
    file_name: str
    sha256: str
    issued_on: dt.date
    results_file_name: str = Field("", description="The CSV/XLSX the results were imported from, if any.")
    results_sha256: str = Field("", description="The SHA-256 of that file (kept under it).")
    results: list[CertificateResultOut] = []

    @staticmethod
    def resolve_results(obj) -> list:
        return list(obj.results.all()) if hasattr(obj, "results") else []


class ReleaseOut(Schema):
    id: int
    lot_id: int
    kind: str
    released_by: str
    printed_name: str
    certificate_id: int
    certificate_reference: str
    created_at: dt.datetime
    signature: dict[str, Any] | None


class HoldOut(Schema):
    id: int
    excursion_id: int | None
    previous_status: str
    lifted: bool
    created_at: dt.datetime


class LotShipmentOut(Schema):
    shipment_id: int
    reference: str
    quantity: Decimal
    shipped_at: dt.datetime
    received_at: dt.datetime | None
    to_site_id: int | None
    consignee_id: int | None
    destination_name_zh: str
    destination_name_en: str


class InputOut(Schema):
    lot_id: int
    lot_number: str
    material: str
    quantity: Decimal
    unit: str


class LotDetailOut(LotOut):
    remaining: Decimal
    produced_by_id: int | None
    certificates: list[CertificateOut]
    releases: list[ReleaseOut]
    holds: list[HoldOut]
    shipments: list[LotShipmentOut]
    inputs: list[InputOut]
    release_blockers: dict[str, list[ProblemOut]] = Field(
        description="Per release kind still missing: every reason it cannot be given now (empty: it can)."
    )


def release_out(release, lot=None) -> dict[str, Any]:
    signatures = audit_selectors.signatures_for(release)
    return {
        "id": release.pk,
        "lot_id": release.lot_id,
        "kind": release.kind,
        "released_by": release.released_by.get_username(),
        "printed_name": release.released_by.printed_name,
        "certificate_id": release.certificate_id,
        "certificate_reference": release.certificate.reference,
        "created_at": release.created_at,
        "signature": signature_out(signatures[0]) if signatures else None,
    }


def lot_detail_out(detail) -> dict[str, Any]:
    lot = detail.lot
    return {
        **lot_out(lot),
        "remaining": detail.remaining,
        "produced_by_id": lot.produced_by_id,
        "certificates": [
            {
                "id": c.pk,
                "reference": c.reference,
                "file_name": c.file_name,
                "sha256": c.sha256,
                "issued_on": c.issued_on,
            }
            for c in detail.certificates
        ],
        "releases": [release_out(r) for r in detail.releases],
        "holds": [
            {
                "id": h.pk,
                "excursion_id": h.excursion_id,
                "previous_status": h.previous_status,
                "lifted": h.lifted,
                "created_at": h.created_at,
            }
            for h in detail.holds
        ],
        "shipments": [
            {
                "shipment_id": line.shipment_id,
                "reference": line.shipment.reference,
                "quantity": line.quantity,
                "shipped_at": line.shipment.shipped_at,
                "received_at": line.shipment.received_at,
                "to_site_id": line.shipment.to_site_id,
                "consignee_id": line.shipment.consignee_id,
                "destination_name_zh": (line.shipment.to_site or line.shipment.consignee).name_zh,
                "destination_name_en": (line.shipment.to_site or line.shipment.consignee).name_en,
            }
            for line in detail.shipment_lines
        ],
        "inputs": [
            {
                "lot_id": i.lot_id,
                "lot_number": i.lot.lot_number,
                "material": i.lot.material,
                "quantity": i.quantity,
                "unit": i.lot.unit,
            }
            for i in detail.inputs
        ],
        "release_blockers": {kind: [b.as_dict() for b in bs] for kind, bs in detail.release_blockers.items()},
    }


class LotIn(In):
    segment_id: DbId = Field(description="A segment that nothing feeds (cell bank, raw material, first drug substance)")
    lot_number: str
    quantity: Decimal
    unit: str
    manufactured_on: dt.date
    expires_on: dt.date
    reference: str = ""
    reason: str = ""


class ReasonIn(In):
    reason: str = Field("", description="Why (GMP audit trail).")


class CertificateResultIn(In):
    test: str = Field(max_length=200, examples=["Protein content (UV A280)"])
    method: str = Field("", max_length=200)
    unit: str = Field("", max_length=30, examples=["mg/mL"])
    spec_min: Decimal | None = Field(None, description="Lower limit (inclusive); leave out for none.")
    spec_max: Decimal | None = Field(None, description="Upper limit (inclusive); leave out for none.")
    spec_text: str = Field("", max_length=300, description="The specification as text (qualitative tests).")
    value: Decimal | None = Field(None, description="A numeric result, judged against the limits.")
    result_text: str = Field("", max_length=300)
    conforms: bool | None = Field(None, description="For a qualitative result: does it conform?")


class CertificateIn(In):
    reference: str
    file_name: str
    issued_on: dt.date
    sha256: str = Field(description="SHA-256 of the certificate file (64 hex digits).")
    results: list[CertificateResultIn] = Field(default_factory=list, max_length=500)
    reason: str = ""


class ReleaseIn(In):
    kind: Literal["cmo_qa", "qualified_person"]
    password: str = Field(description="Your password, re-entered to sign the release.")
    reason: str = ""


class RejectIn(In):
    reason: str = Field(description="Why the lot is rejected (GMP audit trail).")
    password: str = Field(description="Your password, re-entered to sign the rejection (meaning: rejected).")


class RecallIn(In):
    reason: str
    recall_class: str = Field(
        "", description="Required. 药品召回管理办法 Art. 15: class_1 (may cause serious harm), class_2, class_3."
    )
    status: Literal["on_hold", "recalled"] = RecallStatus.ON_HOLD
    password: str = Field(description="Your password, re-entered to sign the recall (meaning: recalled).")


class RecallOut(Schema):
    id: int
    lot_id: int
    status: str
    recall_class: str
    reason: str
    affected_count: int
    initiated_by: str
    created_at: dt.datetime


class TraceOut(Schema):
    direction: str
    root_ids: list[int]
    expanded: bool
    lots: list[dict[str, Any]]
    edges: list[dict[str, Any]]
    transformations: list[dict[str, Any]]
    shipments: list[dict[str, Any]] = Field(description="Every shipment line; empty when not expanded.")
    shipment_count: int
    shipment_line_count: int
    destinations: list[dict[str, Any]] = Field(
        description="Per site or consignee shipped to: shipment, line and lot counts, first/last shipped_at."
    )
    shipment_lines_page: dict[str, Any] | None = Field(
        None,
        description="When not expanded (more than 10,000 lots): {offset, limit, total, lines}, one page of "
        "the shipment lines chosen with lines_offset / lines_limit.",
    )
    consignees: list[dict[str, Any]]
    sites: list[dict[str, Any]]
    products: list[dict[str, Any]]


LinesOffset = Annotated[int, Field(ge=0, description="First shipment line of the page (when not expanded).")]
LinesLimit = Annotated[int, Field(ge=1, le=1000, description="Shipment lines per page (when not expanded).")]


def trace_out(result, lines_offset: int, lines_limit: int) -> dict:
    """``TraceResult.as_dict``, with a page of shipment lines when the trace is not expanded."""
    if result.expanded or not result.shipment_line_count:
        return result.as_dict()
    lines = result.shipment_lines(offset=lines_offset, limit=lines_limit)
    data = result.as_dict()  # after the page: its sites are in ``sites``
    data["shipment_lines_page"] = {
        "offset": lines_offset,
        "limit": lines_limit,
        "total": result.shipment_line_count,
        "lines": [
            {
                **{k: getattr(s, k) for k in ("line_id", "shipment_id", "reference", "lot_id")},
                "quantity": str(s.quantity),
                **{k: getattr(s, k) for k in ("from_site_id", "to_site_id", "consignee_id")},
                "shipped_at": s.shipped_at.isoformat(),
                "received_at": s.received_at.isoformat() if s.received_at else None,
                "path": list(s.path),
            }
            for s in lines
        ],
    }
    return data


@lots.get("", response={200: list[LotOut], **ERRORS}, summary="Lots you can see")
@paginate(Pagination)
def lot_list(request: HttpRequest, filters: Query[LotFilter]):
    return [lot_out(lot) for lot in ordered(filters.filter(selectors.lot_list(scope=_scope(request))))]


@lots.get("/{int:id}", response={200: LotDetailOut, **ERRORS}, summary="One lot: releases, blockers, CoAs, holds")
def lot_detail(request: HttpRequest, id: int):
    return lot_detail_out(selectors.lot_detail(scope=_scope(request), pk=id))


@lots.post("", response={201: LotDetailOut, **ERRORS}, summary="Register a lot of a segment nothing feeds")
def lot_create(request: HttpRequest, payload: LotIn):
    segment = ref(selectors.segment_get, request, payload.segment_id, "segment_id", "segment")
    lot = services.lot_create(actor=request.user, segment=segment, **payload.model_dump(exclude={"segment_id"}))
    return Status(201, lot_detail_out(selectors.lot_detail(scope=_scope(request), pk=lot.pk)))


@lots.post("/{int:id}/reject", response={200: LotOut, **ERRORS_409}, summary="Reject a lot (e-signature)")
def lot_reject(request: HttpRequest, id: int, payload: RejectIn):
    lot = selectors.lot_get(scope=_scope(request), pk=id)
    services.lot_reject(actor=request.user, lot=lot, reason=payload.reason, password=payload.password)
    return lot_out(selectors.lot_get(scope=_scope(request), pk=id))


@lots.post("/{int:id}/certificates", response={201: CertificateOut, **ERRORS}, summary="Record a CoA")
def coa_record(request: HttpRequest, id: int, payload: CertificateIn):
    lot = selectors.lot_get(scope=_scope(request), pk=id)
    return Status(201, services.coa_record(actor=request.user, lot=lot, **payload.model_dump()))


@lots.post(
    "/{int:id}/releases",
    response={201: ReleaseOut, **ERRORS_409},
    summary="Release a lot (e-signature; 409 lists every blocker)",
)
def lot_release(request: HttpRequest, id: int, payload: ReleaseIn):
    lot = selectors.lot_get(scope=_scope(request), pk=id)
    release = services.lot_release(
        actor=request.user, password=payload.password, lot=lot, kind=payload.kind, reason=payload.reason
    )
    return Status(201, release_out(release))


@lots.get("/{int:id}/trace", response={200: TraceOut, **ERRORS}, summary="Backward or forward trace from a lot")
def lot_trace(
    request: HttpRequest,
    id: int,
    direction: Literal["forward", "backward"] = "forward",
    include_shipments: bool = True,
    lines_offset: LinesOffset = 0,
    lines_limit: LinesLimit = 100,
):
    result = selectors.lot_trace(scope=_scope(request), pk=id, direction=direction, include_shipments=include_shipments)
    return trace_out(result, lines_offset, lines_limit)


@lots.post(
    "/{int:id}/recall",
    response={201: RecallOut, **ERRORS_409},
    summary="Hold or recall a lot and its descendants (e-signature)",
)
def lot_recall(request: HttpRequest, id: int, payload: RecallIn):
    lot = selectors.lot_get(scope=_scope(request), pk=id)
    action = services.lot_recall(
        actor=request.user,
        lot=lot,
        reason=payload.reason,
        status=payload.status,
        recall_class=payload.recall_class,
        password=payload.password,
    )
    return Status(
        201,
        {
            "id": action.pk,
            "lot_id": action.lot_id,
            "status": action.status,
            "recall_class": action.recall_class,
            "reason": action.reason,
            "affected_count": action.affected_count,
            "initiated_by": action.initiated_by.get_username(),
            "created_at": action.created_at,
        },
    )


@lots.get(
    "/{int:id}/release-certificate",
    response={200: None, **ERRORS},
    summary="The bilingual release certificate (PDF)",
)
def lot_release_certificate(request: HttpRequest, id: int):
    from bioseg.reporting.release_certificate import release_certificate_pdf

    detail = selectors.lot_detail(scope=_scope(request), pk=id)
    response = HttpResponse(
        release_certificate_pdf(detail=detail, scope=_scope(request)), content_type="application/pdf"
    )
    response["Content-Disposition"] = f'attachment; filename="release-certificate-{detail.lot.pk}.pdf"'
    return response


@lots.get("/{int:id}/recall-report", response={200: None, **ERRORS}, summary="Recall-impact report (PDF or XLSX)")
def lot_recall_report(request: HttpRequest, id: int, format: Literal["pdf", "xlsx"] = "pdf"):
    from bioseg.reporting import recall_report

    scope = _scope(request)
    lot = selectors.lot_get(scope=scope, pk=id)
    report = recall_report.build(scope=scope, lot=lot)
    lang = formatting.language(get_language())  # statuses in the request's language (Accept-Language, cookie)
    if format == "xlsx":
        body, ctype = recall_report.to_xlsx(report, lang=lang), recall_report.XLSX_TYPE
    else:
        body, ctype = recall_report.to_pdf(report, lang=lang), "application/pdf"
    response = HttpResponse(body, content_type=ctype)
    response["Content-Disposition"] = f'attachment; filename="recall-impact-{lot.pk}.{format}"'
    return response


add_object_routes(lots, "lots")


# --- transformations ----------------------------------------------------------------------------------

transformations = Router(tags=["lots"])


class InputIn(In):
    lot_id: DbId
    quantity: Decimal


class OutputIn(In):
    lot_number: str
    quantity: Decimal
    unit: str
    expires_on: dt.date
    manufactured_on: dt.date | None = None


class TransformationIn(In):
    kind: str = Field(description="manufacture | blend | fill | rework")
    segment_id: DbId
    performed_on: dt.date
    inputs: list[InputIn] = Field(default_factory=list)
    outputs: list[OutputIn]
    reference: str = ""
    reason: str = ""


class TransformationOut(Schema):
    id: int
    kind: str
    product_id: int
    segment_id: int
    site_id: int
    performed_on: dt.date
    reference: str
    inputs: list[InputOut]
    outputs: list[LotOut]


def transformation_out(t) -> dict[str, Any]:
    return {
        "id": t.pk,
        "kind": t.kind,
        "product_id": t.product_id,
        "segment_id": t.segment_id,
        "site_id": t.site_id,
        "performed_on": t.performed_on,
        "reference": t.reference,
        "inputs": [
            {
                "lot_id": i.lot_id,
                "lot_number": i.lot.lot_number,
                "material": i.lot.material,
                "quantity": i.quantity,
                "unit": i.lot.unit,
            }
            for i in t.inputs.select_related("lot").order_by("lot_id")
        ],
        "outputs": [
            lot_out(lot) for lot in t.outputs.select_related("product", "segment", "site").order_by("lot_number")
        ],
    }


@transformations.post("", response={201: TransformationOut, **ERRORS}, summary="Record a transformation")
def transformation_record(request: HttpRequest, payload: TransformationIn):
    segment = ref(selectors.segment_get, request, payload.segment_id, "segment_id", "segment")
    inputs = [
        (ref(selectors.lot_get, request, i.lot_id, f"inputs.{n}.lot_id", "lot"), i.quantity)
        for n, i in enumerate(payload.inputs)
    ]
    t = services.transformation_record(
        actor=request.user,
        kind=payload.kind,
        segment=segment,
        performed_on=payload.performed_on,
        inputs=inputs,
        outputs=[o.model_dump(exclude_none=True) for o in payload.outputs],
        reference=payload.reference,
        reason=payload.reason,
    )
    return Status(201, transformation_out(t))


@transformations.get("/{int:id}", response={200: TransformationOut, **ERRORS}, summary="One transformation")
def transformation_detail(request: HttpRequest, id: int):
    return transformation_out(selectors.transformation_get(scope=_scope(request), pk=id))


# --- consignees ----------------------------------------------------------------------------------------

consignees = Router(tags=["shipments"])


class ConsigneeOut(Schema):
    id: int
    name_zh: str
    name_en: str
    country_code: str
    region_code: str
    address: str


class ConsigneeIn(In):
    name_zh: str
    name_en: str
    country_code: str = "CN"
    region_code: str = ""
    address: str = ""
    reason: str = ""


@consignees.get("", response={200: list[ConsigneeOut], **ERRORS}, summary="Consignees (a shared directory)")
@paginate(Pagination)
def consignee_list(request: HttpRequest):
    return ordered(selectors.consignee_list(scope=_scope(request)))


@consignees.post("", response={201: ConsigneeOut, **ERRORS}, summary="Register a consignee")
def consignee_create(request: HttpRequest, payload: ConsigneeIn):
    return Status(201, services.consignee_create(actor=request.user, **payload.model_dump()))


# --- shipments and cold chain ------------------------------------------------------------------------

shipments = Router(tags=["shipments"])


class ShipmentOut(Schema):
    id: int
    reference: str
    from_site_id: int
    to_site_id: int | None
    consignee_id: int | None
    destination_name_zh: str
    destination_name_en: str
    shipped_at: dt.datetime
    received_at: dt.datetime | None


class ShipmentLineOut(Schema):
    lot_id: int
    lot_number: str
    product_id: int
    quantity: Decimal
    unit: str
    status: str


class DispositionOut(Schema):
    party: str = Field(description="holder | cmo: who disposes of the lots the excursion holds")
    enterprise_ids: list[int]
    name: str = Field(description="The party and its enterprises, in English.")
    name_zh: str
    default: bool = Field(description="True: the quality agreement sets nothing for it; bioseg's default applies.")
    agreement_reference: str


class ExcursionOut(Schema):
    id: int
    shipment_id: int
    product_id: int
    log_id: int
    storage_min_c: Decimal
    storage_max_c: Decimal
    lowest_c: Decimal
    highest_c: Decimal
    minutes_out_of_range: Decimal
    first_out_at: dt.datetime
    status: str
    assessment: dict[str, Any] | None
    disposition_by: DispositionOut


class TemperatureLogOut(Schema):
    id: int
    shipment_id: int
    file_name: str
    sha256: str
    reading_count: int
    first_reading_at: dt.datetime
    last_reading_at: dt.datetime
    min_c: Decimal
    max_c: Decimal
    mean_c: Decimal
    excursions: list[ExcursionOut]


class ShipmentDetailOut(ShipmentOut):
    lines: list[ShipmentLineOut]
    temperature_logs: list[TemperatureLogOut]


class ShipmentFilter(FilterSchema):
    from_site: Annotated[DbId | None, FilterLookup("from_site_id")] = None
    to_site: Annotated[DbId | None, FilterLookup("to_site_id")] = None
    q: Annotated[str | None, FilterLookup("reference__icontains")] = None


class ShipmentLineIn(In):
    lot_id: DbId
    quantity: Decimal


class ShipmentIn(In):
    reference: str
    from_site_id: DbId
    to_site_id: DbId | None = None
    consignee_id: DbId | None = None
    shipped_at: dt.datetime
    lines: list[ShipmentLineIn]
    reason: str = ""


class ReceiveIn(In):
    received_at: dt.datetime
    reason: str = ""


class ExcursionAssessIn(In):
    outcome: Literal["accepted", "rejected"]
    justification: str
    password: str = Field(description="Your password, re-entered to sign the assessment.")
    reason: str = ""


class ExcursionAssessmentOut(Schema):
    id: int
    excursion_id: int
    outcome: str
    justification: str
    assessed_by: str
    created_at: dt.datetime
    signature: dict[str, Any] | None


def shipment_out(s) -> dict[str, Any]:
    dest = s.to_site or s.consignee
    return {
        "id": s.pk,
        "reference": s.reference,
        "from_site_id": s.from_site_id,
        "to_site_id": s.to_site_id,
        "consignee_id": s.consignee_id,
        "destination_name_zh": dest.name_zh,
        "destination_name_en": dest.name_en,
        "shipped_at": s.shipped_at,
        "received_at": s.received_at,
    }


def assessment_out(a) -> dict[str, Any]:
    signatures = audit_selectors.signatures_for(a)
    return {
        "id": a.pk,
        "excursion_id": a.excursion_id,
        "outcome": a.outcome,
        "justification": a.justification,
        "assessed_by": a.assessed_by.get_username(),
        "created_at": a.created_at,
        "signature": signature_out(signatures[0]) if signatures else None,
    }


def excursion_out(e) -> dict[str, Any]:
    assessment = getattr(e, "assessment", None) if e.status == ExcursionStatus.ASSESSED else None
    return {
        "id": e.pk,
        "shipment_id": e.shipment_id,
        "product_id": e.product_id,
        "log_id": e.log_id,
        "storage_min_c": e.storage_min_c,
        "storage_max_c": e.storage_max_c,
        "lowest_c": e.lowest_c,
        "highest_c": e.highest_c,
        "minutes_out_of_range": e.minutes_out_of_range,
        "first_out_at": e.first_out_at,
        "status": e.status,
        "assessment": assessment_out(assessment) if assessment else None,
        "disposition_by": disposition_out(e),
    }


def disposition_out(e) -> dict[str, Any]:
    authority = excursion_disposition_authority(e)
    name, name_zh = authority_names(authority)
    return {
        "party": authority.party,
        "enterprise_ids": sorted(authority.enterprise_ids),
        "name": name,
        "name_zh": name_zh,
        "default": authority.default,
        "agreement_reference": authority.agreement_reference,
    }


def temperature_log_out(log) -> dict[str, Any]:
    return {
        "id": log.pk,
        "shipment_id": log.shipment_id,
        "file_name": log.file_name,
        "sha256": log.sha256,
        "reading_count": log.reading_count,
        "first_reading_at": log.first_reading_at,
        "last_reading_at": log.last_reading_at,
        "min_c": log.min_c,
        "max_c": log.max_c,
        "mean_c": log.mean_c,
        "excursions": [excursion_out(e) for e in log.excursions.order_by("id")],
    }


def shipment_detail_out(scope, s) -> dict[str, Any]:
    return {
        **shipment_out(s),
        "lines": [
            {
                "lot_id": line.lot_id,
                "lot_number": line.lot.lot_number,
                "product_id": line.lot.product_id,
                "quantity": line.quantity,
                "unit": line.lot.unit,
                "status": line.lot.status,
            }
            for line in sorted(
                selectors.shipment_lines(scope=scope, shipment=s), key=lambda x: (x.lot.lot_number, x.pk)
            )
        ],
        "temperature_logs": [
            temperature_log_out(log)
            for log in selectors.temperature_log_list(scope=scope).filter(shipment=s).order_by("id")
        ],
    }


@shipments.get("", response={200: list[ShipmentOut], **ERRORS}, summary="Shipments you can see")
@paginate(Pagination)
def shipment_list(request: HttpRequest, filters: Query[ShipmentFilter]):
    return [shipment_out(s) for s in ordered(filters.filter(selectors.shipment_list(scope=_scope(request))))]


@shipments.get("/{int:id}", response={200: ShipmentDetailOut, **ERRORS}, summary="One shipment, with cold chain")
def shipment_detail(request: HttpRequest, id: int):
    scope = _scope(request)
    return shipment_detail_out(scope, selectors.shipment_get(scope=scope, pk=id))


@shipments.post("", response={201: ShipmentDetailOut, **ERRORS}, summary="Record a shipment")
def shipment_create(request: HttpRequest, payload: ShipmentIn):
    from_site = ref(registry_selectors.site_get, request, payload.from_site_id, "from_site_id", "site")
    to_site = (
        ref(registry_selectors.site_get, request, payload.to_site_id, "to_site_id", "site")
        if payload.to_site_id is not None
        else None
    )
    consignee = (
        ref(selectors.consignee_get, request, payload.consignee_id, "consignee_id", "consignee")
        if payload.consignee_id is not None
        else None
    )
    lines = [
        (ref(selectors.lot_get, request, line.lot_id, f"lines.{n}.lot_id", "lot"), line.quantity)
        for n, line in enumerate(payload.lines)
    ]
    shipment = services.shipment_create(
        actor=request.user,
        reference=payload.reference,
        from_site=from_site,
        to_site=to_site,
        consignee=consignee,
        shipped_at=payload.shipped_at,
        lines=lines,
        reason=payload.reason,
    )
    scope = _scope(request)
    return Status(201, shipment_detail_out(scope, selectors.shipment_get(scope=scope, pk=shipment.pk)))


@shipments.post("/{int:id}/receive", response={200: ShipmentOut, **ERRORS}, summary="Record receipt")
def shipment_receive(request: HttpRequest, id: int, payload: ReceiveIn):
    shipment = selectors.shipment_get(scope=_scope(request), pk=id)
    services.shipment_receive(
        actor=request.user, shipment=shipment, received_at=payload.received_at, reason=payload.reason
    )
    return shipment_out(selectors.shipment_get(scope=_scope(request), pk=id))


@shipments.post(
    "/{int:id}/temperature-logs",
    response={201: TemperatureLogOut, **ERRORS},
    summary="Upload a temperature-logger CSV (timestamp, °C); a malformed file is refused naming the line",
)
def temperature_log_upload(request: HttpRequest, id: int, file: File[UploadedFile], reason: Form[str] = ""):
    shipment = selectors.shipment_get(scope=_scope(request), pk=id)
    log = services.temperature_log_upload(
        actor=request.user, shipment=shipment, file_name=file.name or "", content=file.read(), reason=reason
    )
    return Status(201, temperature_log_out(log))


add_object_routes(shipments, "shipments")


excursions = Router(tags=["shipments"])


class ExcursionFilter(FilterSchema):
    status: str | None = Field(None, description=" | ".join(ExcursionStatus.values))

    def filter_status(self, value: str | None) -> Q:
        if value is None:
            return Q()
        _check_choice("status", value, ExcursionStatus.values)
        return Q(status=value)


@excursions.get("", response={200: list[ExcursionOut], **ERRORS}, summary="Temperature excursions you can see")
@paginate(Pagination)
def excursion_list(request: HttpRequest, filters: Query[ExcursionFilter]):
    return [excursion_out(e) for e in ordered(filters.filter(selectors.excursion_list(scope=_scope(request))))]


@excursions.post(
    "/{int:id}/assess", response={201: ExcursionAssessmentOut, **ERRORS}, summary="Assess an excursion (e-signature)"
)
def excursion_assess(request: HttpRequest, id: int, payload: ExcursionAssessIn):
    excursion = selectors.excursion_get(scope=_scope(request), pk=id)
    assessment = services.excursion_assess(actor=request.user, excursion=excursion, **payload.model_dump())
    return Status(201, assessment_out(assessment))


# --- trace from a site ---------------------------------------------------------------------------------

site_trace_router = Router(tags=["lots"])


@site_trace_router.get(
    "/sites/{int:id}/trace", response={200: TraceOut, **ERRORS}, summary="Trace from the lots made at a site"
)
def site_trace(
    request: HttpRequest,
    id: int,
    date_from: dt.date,
    date_to: dt.date,
    direction: Literal["forward", "backward"] = "forward",
    include_shipments: bool = True,
    lines_offset: LinesOffset = 0,
    lines_limit: LinesLimit = 100,
):
    result = selectors.site_trace(
        scope=_scope(request),
        site_pk=id,
        date_from=date_from,
        date_to=date_to,
        direction=direction,
        include_shipments=include_shipments,
    )
    return trace_out(result, lines_offset, lines_limit)


# (prefix, router) pairs mounted by ``bioseg.api.main``.
ROUTERS = [
    ("/chains", chains),
    ("/lots", lots),
    ("/transformations", transformations),
    ("/consignees", consignees),
    ("/shipments", shipments),
    ("/excursions", excursions),
    ("", site_trace_router),
]

__all__ = ["ROUTERS"]
