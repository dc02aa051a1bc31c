"""CAPA (``/api/v1/capas``): list (status, product, owner, overdue), detail with actions and the steps you may take,
plan, add an action, record one done, and the workflow's steps (``approve_plan`` ✍, ``submit_effectiveness``,
``close`` ✍, ``reopen``); ``/{id}/history`` and ``/signatures``."""

import datetime as dt
from typing import Annotated

from django.http import HttpRequest
from ninja import Field, FilterLookup, FilterSchema, Query, Router, Schema, Status
from ninja.pagination import paginate

from bioseg.accounts.models import User
from bioseg.api.audit import add_object_routes
from bioseg.api.deviations import DeviationEventOut
from bioseg.api.errors import ERRORS
from bioseg.api.pagination import Pagination
from bioseg.api.registry import In, ordered, ref
from bioseg.api.types import DbId
from bioseg.common import clock
from bioseg.common.errors import NotFound, ValidationFailed
from bioseg.quality import capa as capas
from bioseg.quality import selectors as quality_selectors
from bioseg.quality.capa import CAPA_WORKFLOW
from bioseg.quality.models import CapaAction
from bioseg.registry import selectors as registry_selectors
from bioseg.registry.scope import scope_for

router = Router(tags=["capas"])


class CapaActionOut(Schema):
    id: int
    position: int
    description: str
    kind: str
    owner: str = Field(alias="owner.username")
    due_on: dt.date
    done_on: dt.date | None
    evidence: str


class CapaOut(Schema):
    id: int
    reference: str
    product_id: int
    owner_id: int
    agreement_id: int | None
    source: str
    deviation_id: int | None
    source_reference: str
    title: str
    problem: str
    status: str
    approver_party: str
    effectiveness_plan: str
    effectiveness_due: dt.date | None
    effectiveness_result: str
    created_at: dt.datetime
    closed_at: dt.datetime | None


class CapaDetailOut(CapaOut):
    actions: list[CapaActionOut] = []
    events: list[DeviationEventOut] = []
    allowed_actions: list[str] = Field([], description="The workflow steps you may take now.")

    @staticmethod
    def resolve_actions(obj):
        return list(obj.actions.select_related("owner").order_by("position"))

    @staticmethod
    def resolve_events(obj):
        return list(obj.events.select_related("actor").order_by("occurred_at", "id"))

    @staticmethod
    def resolve_allowed_actions(obj, context) -> list[str]:
        return CAPA_WORKFLOW.allowed_actions(context["request"].user, obj)


class CapaFilter(FilterSchema):
    status: str | None = None
    product: Annotated[DbId | None, FilterLookup("product_id")] = None
    owner: Annotated[DbId | None, FilterLookup("owner_id")] = None
    q: Annotated[str | None, FilterLookup(["reference__icontains", "title__icontains"])] = None


class CapaActionIn(In):
    description: str
    kind: str = Field(description="corrective or preventive")
    owner_id: DbId = Field(description="A quality person of the holder or of the CAPA's owner.")
    due_on: dt.date


class CapaIn(In):
    product_id: DbId
    owner_id: DbId
    source: str
    deviation_id: DbId | None = None
    source_reference: str = ""
    title: str
    problem: str
    actions: list[CapaActionIn]
    reason: str = ""


class CapaStepIn(In):
    password: str | None = None
    plan: str | None = None
    due_on: dt.date | None = None
    result: str | None = None
    reason: str = ""


class CapaDoneIn(In):
    done_on: dt.date
    evidence: str
    reason: str = ""


def _owner(pk: int, field: str) -> User:
    user = User.objects.filter(pk=pk, is_active=True).first()
    if user is None:
        raise ValidationFailed({field: (f"There is no active user {pk}.", f"不存在有效用户 {pk}。")})
    return user


def _fresh(request: HttpRequest, capa):
    return capas.capa_get(scope=scope_for(request.user), pk=capa.pk)


@router.get("", response={200: list[CapaOut], **ERRORS}, summary="CAPAs you can see")
@paginate(Pagination)
def capa_list(request: HttpRequest, filters: Query[CapaFilter], overdue: bool = False):
    qs = filters.filter(capas.capa_list(scope=scope_for(request.user)))
    return ordered(qs.overdue(clock.today()) if overdue else qs)


@router.get("/{int:id}", response={200: CapaDetailOut, **ERRORS}, summary="One CAPA")
def capa_detail(request: HttpRequest, id: int):
    return capas.capa_get(scope=scope_for(request.user), pk=id)


@router.post("", response={201: CapaDetailOut, **ERRORS}, summary="Plan a CAPA")
def capa_create(request: HttpRequest, payload: CapaIn):
    product = ref(registry_selectors.product_get, request, payload.product_id, "product_id", "product")
    owner = ref(registry_selectors.enterprise_get, request, payload.owner_id, "owner_id", "enterprise")
    deviation = None
    if payload.deviation_id is not None:
        deviation = ref(quality_selectors.deviation_get, request, payload.deviation_id, "deviation_id", "deviation")
    actions = [
        {"description": a.description, "kind": a.kind, "owner": _owner(a.owner_id, f"actions.{i}"), "due_on": a.due_on}
        for i, a in enumerate(payload.actions)
    ]
    capa = capas.capa_create(
        actor=request.user,
        product=product,
        owner=owner,
        source=payload.source,
        deviation=deviation,
        source_reference=payload.source_reference,
        title=payload.title,
        problem=payload.problem,
        actions=actions,
        reason=payload.reason,
    )
    return Status(201, _fresh(request, capa))


@router.post("/{int:id}/actions", response={201: CapaDetailOut, **ERRORS}, summary="Add an action to a CAPA")
def capa_add_action(request: HttpRequest, id: int, payload: CapaActionIn):
    capa = capas.capa_get(scope=scope_for(request.user), pk=id)
    capas.capa_add_action(
        actor=request.user,
        capa=capa,
        description=payload.description,
        kind=payload.kind,
        owner=_owner(payload.owner_id, "owner_id"),
        due_on=payload.due_on,
    )
    return Status(201, _fresh(request, capa))


@router.post(
    "/{int:id}/actions/{int:action_id}/done", response={200: CapaDetailOut, **ERRORS}, summary="Record an action done"
)
def capa_action_done(request: HttpRequest, id: int, action_id: int, payload: CapaDoneIn):
    capa = capas.capa_get(scope=scope_for(request.user), pk=id)
    action = CapaAction.objects.filter(capa=capa, pk=action_id).select_related("capa", "capa__product").first()
    if action is None:
        raise NotFound("action", action_id)
    capas.capa_complete_action(
        actor=request.user, action=action, done_on=payload.done_on, evidence=payload.evidence, reason=payload.reason
    )
    return _fresh(request, capa)


add_object_routes(router, "capas")  # before /{id}/{step}, which would otherwise take GET …/history

STEPS = {
    "approve_plan": lambda u, c, p: capas.capa_approve(actor=u, capa=c, password=p.password or "", reason=p.reason),
    "submit_effectiveness": lambda u, c, p: capas.capa_submit_effectiveness(
        actor=u, capa=c, plan=p.plan or "", due_on=p.due_on, reason=p.reason
    ),
    "close": lambda u, c, p: capas.capa_close(
        actor=u, capa=c, password=p.password or "", result=p.result or "", reason=p.reason
    ),
    "reopen": lambda u, c, p: capas.capa_reopen(actor=u, capa=c, reason=p.reason),
}


@router.post("/{int:id}/{step}", response={200: CapaDetailOut, **ERRORS}, summary="Take a step of a CAPA's workflow")
def capa_step(request: HttpRequest, id: int, step: str, payload: CapaStepIn):
    capa = capas.capa_get(scope=scope_for(request.user), pk=id)
    if step not in STEPS:
        raise NotFound("action", step)
    STEPS[step](request.user, capa, payload)
    return _fresh(request, capa)
