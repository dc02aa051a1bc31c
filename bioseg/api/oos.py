"""OOS investigations (``/api/v1/oos``): list (status, product, lot), detail with the steps you may take, the steps
(``record_investigation``, ``invalidate`` ✍, ``confirm`` ✍, ``decide_recall`` ✍), ``/{id}/history`` and
``/signatures``. An investigation is opened by bioseg when a certificate records a failing result, never by hand."""

import datetime as dt
from typing import Annotated

from django.http import HttpRequest
from ninja import Field, FilterLookup, FilterSchema, Query, Router, Schema
from ninja.pagination import paginate

from bioseg.api.audit import add_object_routes
from bioseg.api.deviations import DeviationEventOut
from bioseg.api.errors import ERRORS
from bioseg.api.pagination import Pagination
from bioseg.api.registry import In, ordered
from bioseg.api.types import DbId, Whole
from bioseg.common.errors import NotFound
from bioseg.quality import oos as oq
from bioseg.quality.oos import OOS_WORKFLOW
from bioseg.registry.scope import scope_for

router = Router(tags=["oos"])


class OosOut(Schema):
    id: int
    reference: str
    result_id: int | None
    stability_result_id: int | None
    lot_id: int
    lot_number: str = Field(alias="lot.lot_number")
    product_id: int
    site_id: int
    agreement_id: int | None
    status: str
    approver_party: str
    summary_en: str
    summary_zh: str
    investigation: str
    root_cause: str
    regulator_reported_at: dt.datetime | None
    recall_decision: str
    recall_reasoning: str
    created_at: dt.datetime


class OosDetailOut(OosOut):
    lots_concerned: list[int] = []
    events: list[DeviationEventOut] = []
    allowed_actions: list[str] = []

    @staticmethod
    def resolve_lots_concerned(obj) -> list[int]:
        return oq.lots_concerned(obj)

    @staticmethod
    def resolve_events(obj):
        return list(obj.events.select_related("actor").order_by("occurred_at", "id"))

    @staticmethod
    def resolve_allowed_actions(obj, context) -> list[str]:
        return OOS_WORKFLOW.allowed_actions(context["request"].user, obj)


class OosFilter(FilterSchema):
    status: str | None = None
    product: Annotated[DbId | None, FilterLookup("product_id")] = None
    lot: Annotated[DbId | None, FilterLookup("lot_id")] = None


class OosStepIn(In):
    investigation: str | None = None
    root_cause: str | None = None
    decision: str | None = Field(None, description="recall or no_recall")
    reasoning: str | None = None
    password: str | None = None
    reason: str = ""


@router.get("", response={200: list[OosOut], **ERRORS}, summary="OOS investigations you can see")
@paginate(Pagination)
def oos_list(request: HttpRequest, filters: Query[OosFilter]):
    return ordered(filters.filter(oq.oos_list(scope=scope_for(request.user))))


@router.get("/{int:id}", response={200: OosDetailOut, **ERRORS}, summary="One OOS investigation")
def oos_detail(request: HttpRequest, id: int):
    return oq.oos_get(scope=scope_for(request.user), pk=id)


add_object_routes(router, "oos")  # before /{id}/{step}, which would otherwise take GET …/history

STEPS = {
    "record_investigation": lambda u, o, p: oq.oos_record_investigation(
        actor=u, oos=o, investigation=p.investigation or "", reason=p.reason
    ),
    "invalidate": lambda u, o, p: oq.oos_invalidate(
        actor=u, oos=o, root_cause=p.root_cause or "", password=p.password or "", reason=p.reason
    ),
    "confirm": lambda u, o, p: oq.oos_confirm(actor=u, oos=o, password=p.password or "", reason=p.reason),
    "decide_recall": lambda u, o, p: oq.oos_decide_recall(
        actor=u, oos=o, decision=p.decision or "", reasoning=p.reasoning or "", password=p.password or ""
    ),
}


@router.post("/{int:id}/{step}", response={200: OosDetailOut, **ERRORS}, summary="Take a step of an OOS investigation")
def oos_step(request: HttpRequest, id: int, step: str, payload: OosStepIn):
    oos = oq.oos_get(scope=scope_for(request.user), pk=id)
    if step not in STEPS:
        raise NotFound("action", step)
    STEPS[step](request.user, oos, payload)
    return oq.oos_get(scope=scope_for(request.user), pk=id)


stability_router = Router(tags=["oos"])


class StabilityIn(In):
    lot_id: DbId
    study: str
    condition: str
    timepoint_months: Whole
    test: str
    method: str = ""
    unit: str = ""
    spec_min: str | None = None
    spec_max: str | None = None
    value: str
    tested_on: dt.date


class StabilityOut(Schema):
    id: int
    lot_id: int
    study: str
    condition: str
    timepoint_months: int
    test: str
    outcome: str
    oos_id: int | None = None

    @staticmethod
    def resolve_oos_id(obj) -> int | None:
        oos = getattr(obj, "oos", None) if obj.outcome == "fail" else None
        return oos.pk if oos is not None else None


@stability_router.post("", response={201: StabilityOut, **ERRORS}, summary="Record a stability result")
def stability_create(request: HttpRequest, payload: StabilityIn):
    from ninja import Status

    from bioseg.api.registry import ref
    from bioseg.production import selectors as production_selectors

    data = payload.model_dump()
    lot = ref(production_selectors.lot_get, request, data.pop("lot_id"), "lot_id", "lot")
    row = oq.stability_result_record(actor=request.user, lot=lot, **data)
    return Status(201, row)
