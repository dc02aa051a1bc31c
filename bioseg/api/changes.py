"""Change requests (变更): ``/api/v1/changes``.

Reads go through ``bioseg.quality.changes`` with the caller's scope (a change outside it is a 404); every write is
one service of that module, which checks the role, the party and the workflow state. Signing steps (impact
assessment, approval, implementation, rejection) take the caller's password, re-entered. Implementing a change
before every required record is in is a 409 whose ``details.missing`` lists each missing record.
"""

import datetime as dt
from typing import Annotated

from django.db.models import Q
from django.http import HttpRequest
from ninja import Field, FilterLookup, FilterSchema, Query, Router, Schema, Status
from ninja.pagination import paginate

from bioseg.api.audit import SignatureOut, add_object_routes, signature_out
from bioseg.api.errors import ERRORS, ErrorOut, check_choice
from bioseg.api.objects import KINDS, Kind
from bioseg.api.pagination import Pagination
from bioseg.api.registry import In, ordered, ref
from bioseg.api.types import DbId
from bioseg.production import selectors as production_selectors
from bioseg.quality import changes
from bioseg.quality.change_workflow import CHANGE_WORKFLOW
from bioseg.quality.models import ChangeRequest, ChangeRoute, ChangeStatus
from bioseg.registry import selectors as registry_selectors
from bioseg.registry.scope import scope_for

router = Router(tags=["changes"])
ACTION_ERRORS = {**ERRORS, 409: ErrorOut}
KINDS["changes"] = Kind("changes", "change request", changes.change_get)


# --- output -------------------------------------------------------------------------------------------


class ChangeRequestOut(Schema):
    id: int
    reference: str
    product_id: int
    product_name_zh: str = Field(alias="product.name_zh")
    product_name_en: str = Field(alias="product.name_en")
    site_id: int
    site_name_zh: str = Field(alias="site.name_zh")
    site_name_en: str = Field(alias="site.name_en")
    segment_id: int | None
    chain_id: int
    new_chain_id: int | None
    agreement_id: int | None
    kind: str
    title: str
    raised_on: dt.date
    planned_on: dt.date | None
    route: str = Field(description=" | ".join(ChangeRoute.values))
    gmp_impact: str
    key_change: bool
    reclassified_by_regulator: bool
    stability_followup: bool
    status: str = Field(description=" | ".join(ChangeStatus.values))
    status_en: str = ""
    status_zh: str = ""
    approver_party: str
    approved_at: dt.datetime | None
    regulatory_kind: str
    regulatory_reference: str
    regulatory_date: dt.date | None
    implemented_on: dt.date | None
    created_at: dt.datetime

    @staticmethod
    def resolve_status_en(obj) -> str:
        return CHANGE_WORKFLOW.state_label(obj.status, "en")

    @staticmethod
    def resolve_status_zh(obj) -> str:
        return CHANGE_WORKFLOW.state_label(obj.status, "zh")


class ChangeRequestAffectedOut(Schema):
    segment_id: int
    segment_code: str
    site_id: int
    enterprise_id: int
    because: str
    assessment_required: bool


class ChangeRequestAssessmentOut(Schema):
    id: int
    enterprise_id: int
    conclusion: str
    assessment: str
    actions: str
    assessed_by: str
    assessed_at: dt.datetime


class ChangeRequestMissingOut(Schema):
    code: str
    message: str
    message_zh: str
    enterprise_id: int | None = None


class ChangeRequestFlagOut(Schema):
    lot_id: int
    lot_number: str
    material: str
    site_id: int
    manufactured_on: dt.date
    because: str
    stability_followup: bool


class ChangeRequestEventOut(Schema):
    kind: str
    status_from: str
    status_to: str
    actor: str
    occurred_at: dt.datetime
    message_en: str
    message_zh: str
    data: dict


class ChangeRequestDetailOut(ChangeRequestOut):
    description: str
    justification: str
    classification_reason: str
    filing_authority_en: str
    filing_authority_zh: str
    affected: list[ChangeRequestAffectedOut]
    assessments: list[ChangeRequestAssessmentOut]
    missing: list[ChangeRequestMissingOut]
    flagged_lots: list[ChangeRequestFlagOut]
    events: list[ChangeRequestEventOut]
    signatures: list[SignatureOut]
    allowed_actions: list[str]


def _get(request: HttpRequest, pk: int) -> ChangeRequest:
    return changes.change_get(scope=scope_for(request.user), pk=pk)


class _Detail:
    """The change row with the detail's extra parts (attributes the row lacks come from the row)."""

    def __init__(self, obj, **extra) -> None:
        self._obj = obj
        self.__dict__.update(extra)

    def __getattr__(self, name: str):
        return getattr(self._obj, name)


def _detail(request: HttpRequest, pk: int) -> _Detail:
    c = _get(request, pk)
    authority = changes.filing_authority(c)
    return _Detail(
        c,
        description=c.description,
        justification=c.justification,
        classification_reason=c.classification_reason,
        filing_authority_en=authority[0],
        filing_authority_zh=authority[1],
        affected=[
            {
                "segment_id": a.segment_id,
                "segment_code": a.segment.code,
                "site_id": a.site_id,
                "enterprise_id": a.enterprise_id,
                "because": a.because,
                "assessment_required": a.assessment_required,
            }
            for a in changes.change_affected(c)
        ],
        assessments=[
            {
                "id": a.pk,
                "enterprise_id": a.enterprise_id,
                "conclusion": a.conclusion,
                "assessment": a.assessment,
                "actions": a.actions,
                "assessed_by": a.assessed_by.get_username(),
                "assessed_at": a.assessed_at,
            }
            for a in changes.change_assessments(c)
        ],
        missing=changes.change_missing(c) if c.status in (ChangeStatus.ASSESSING, ChangeStatus.APPROVED) else [],
        flagged_lots=[
            {
                "lot_id": f.lot.pk,
                "lot_number": f.lot.lot_number,
                "material": f.lot.material,
                "site_id": f.lot.site_id,
                "manufactured_on": f.lot.manufactured_on,
                "because": f.because,
                "stability_followup": f.stability,
            }
            for f in changes.change_lot_flags(c)
        ],
        events=[
            {
                "kind": e.kind,
                "status_from": e.status_from,
                "status_to": e.status_to,
                "actor": e.actor.get_username(),
                "occurred_at": e.occurred_at,
                "message_en": e.message_en,
                "message_zh": e.message_zh,
                "data": e.data,
            }
            for e in c.events.select_related("actor").order_by("occurred_at", "id")
        ],
        signatures=[signature_out(s) for s in changes.change_signatures(c)],
        allowed_actions=CHANGE_WORKFLOW.allowed_actions(request.user, c),
    )


# --- input --------------------------------------------------------------------------------------------


class ChangeRequestFilter(FilterSchema):
    product: Annotated[DbId | None, FilterLookup("product_id")] = None
    site: Annotated[DbId | None, FilterLookup("site_id")] = None
    status: str | None = Field(None, description="open_any | " + " | ".join(ChangeStatus.values))
    route: str | None = Field(None, description=" | ".join(ChangeRoute.values))
    q: Annotated[str | None, FilterLookup(["reference__icontains", "title__icontains"])] = None

    def filter_status(self, value: str | None) -> Q:
        if value is None:
            return Q()
        if value == "open_any":
            return Q(status__in=(ChangeStatus.ASSESSING, ChangeStatus.APPROVED))
        check_choice("status", value, ChangeStatus.values)
        return Q(status=value)

    def filter_route(self, value: str | None) -> Q:
        if value is None:
            return Q()
        check_choice("route", value, ChangeRoute.values)
        return Q(route=value)


class ChangeRequestIn(In):
    product_id: DbId
    site_id: DbId
    segment_id: DbId | None = Field(None, description="The segment changed; none: every segment made at the site")
    kind: str
    title: str
    description: str
    justification: str
    raised_on: dt.date
    planned_on: dt.date | None = None
    route: str
    gmp_impact: str
    classification_reason: str
    stability_followup: bool = False
    reason: str = ""


class ChangeRequestAssessmentIn(In):
    conclusion: str
    assessment: str
    actions: str = ""
    password: str


class ChangeRequestSignIn(In):
    password: str
    reason: str = ""


class ChangeRequestRegulatoryIn(In):
    reference: str
    recorded_on: dt.date
    reason: str = ""


class ChangeRequestImplementIn(In):
    implemented_on: dt.date
    password: str
    new_chain_id: DbId | None = Field(None, description="The chain version the change creates")
    reason: str = ""


class ChangeRequestRejectIn(In):
    password: str
    reason: str


class ChangeRequestReclassifyIn(In):
    route: str | None = None
    gmp_impact: str | None = None
    reason: str


# --- routes -------------------------------------------------------------------------------------------


@router.get("", response={200: list[ChangeRequestOut], **ERRORS}, summary="Change requests you can see")
@paginate(Pagination)
def change_list(request: HttpRequest, filters: Query[ChangeRequestFilter]):
    return ordered(filters.filter(changes.change_list(scope=scope_for(request.user))))


@router.get("/{int:id}", response={200: ChangeRequestDetailOut, **ERRORS}, summary="One change request")
def change_detail(request: HttpRequest, id: int):
    return _detail(request, id)


@router.post("", response={201: ChangeRequestDetailOut, **ACTION_ERRORS}, summary="Raise a change at a site")
def change_create(request: HttpRequest, payload: ChangeRequestIn):
    data = payload.model_dump()
    product = ref(registry_selectors.product_get, request, data.pop("product_id"), "product_id", "product")
    site = ref(registry_selectors.site_get, request, data.pop("site_id"), "site_id", "site")
    segment_id = data.pop("segment_id")
    segment = (
        ref(production_selectors.segment_get, request, segment_id, "segment_id", "segment") if segment_id else None
    )
    change = changes.change_raise(actor=request.user, product=product, site=site, segment=segment, **data)
    return Status(201, _detail(request, change.pk))


@router.post(
    "/{int:id}/assessments",
    response={201: ChangeRequestDetailOut, **ACTION_ERRORS},
    summary="Record your enterprise's impact assessment (e-signature)",
)
def change_assess(request: HttpRequest, id: int, payload: ChangeRequestAssessmentIn):
    changes.change_record_assessment(actor=request.user, change=_get(request, id), **payload.model_dump())
    return Status(201, _detail(request, id))


@router.post(
    "/{int:id}/approve", response={200: ChangeRequestDetailOut, **ACTION_ERRORS}, summary="Approve (e-signature)"
)
def change_approve(request: HttpRequest, id: int, payload: ChangeRequestSignIn):
    changes.change_approve(actor=request.user, change=_get(request, id), **payload.model_dump())
    return _detail(request, id)


@router.post(
    "/{int:id}/regulatory-record",
    response={200: ChangeRequestDetailOut, **ACTION_ERRORS},
    summary="Record the regulator's approval, the filing or the annual-report reference (holder)",
)
def change_regulatory(request: HttpRequest, id: int, payload: ChangeRequestRegulatoryIn):
    changes.change_record_regulatory(actor=request.user, change=_get(request, id), **payload.model_dump())
    return _detail(request, id)


@router.post(
    "/{int:id}/implement",
    response={200: ChangeRequestDetailOut, **ACTION_ERRORS},
    summary="Implement (e-signature); 409 naming each missing record",
)
def change_implement(request: HttpRequest, id: int, payload: ChangeRequestImplementIn):
    data = payload.model_dump()
    chain_id = data.pop("new_chain_id")
    chain = (
        ref(production_selectors.chain_get, request, chain_id, "new_chain_id", "process chain") if chain_id else None
    )
    changes.change_implement(actor=request.user, change=_get(request, id), new_chain=chain, **data)
    return _detail(request, id)


@router.post(
    "/{int:id}/reject", response={200: ChangeRequestDetailOut, **ACTION_ERRORS}, summary="Reject (e-signature)"
)
def change_reject(request: HttpRequest, id: int, payload: ChangeRequestRejectIn):
    changes.change_reject(actor=request.user, change=_get(request, id), **payload.model_dump())
    return _detail(request, id)


@router.post(
    "/{int:id}/reclassify",
    response={200: ChangeRequestDetailOut, **ACTION_ERRORS},
    summary="Re-classify the change (regulator, Order 828 Art. 27)",
)
def change_reclassify(request: HttpRequest, id: int, payload: ChangeRequestReclassifyIn):
    changes.change_reclassify(actor=request.user, change=_get(request, id), **payload.model_dump())
    return _detail(request, id)


add_object_routes(router, "changes")
