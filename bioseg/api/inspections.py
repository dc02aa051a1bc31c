"""Inspections (``/api/v1/inspections``) and regulatory samples (``/api/v1/samples``).

Inspections: list (kind, status, year), detail with team, scope, findings (and the CAPA each raised), samples and
the steps you may take; plan one; record a finding, a sample; the workflow's steps (``notify``, ``start``,
``finish_site_work``, ``sign_report`` ✍, ``close`` ✍, ``cancel``). Samples: list, detail, record the result. A
secret unannounced inspection answers 404 to everyone outside its team (and the approver of its plan) — the same
404 as an unknown id; every view of it by the team is logged."""

import datetime as dt
from decimal import Decimal

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from bioseg.accounts.models import User
from bioseg.api.errors import ERRORS
from bioseg.api.pagination import Pagination
from bioseg.api.registry import In, ref
from bioseg.api.types import DbId, Year
from bioseg.common.errors import NotFound, ValidationFailed
from bioseg.oversight import selectors as sel
from bioseg.oversight import services as svc
from bioseg.oversight.workflows import INSPECTION_WORKFLOW
from bioseg.production.models import Lot
from bioseg.registry import selectors as registry_selectors
from bioseg.registry.models import Site

router = Router(tags=["inspections"])
samples = Router(tags=["samples"])


class MemberOut(Schema):
    user_id: int
    username: str = Field(alias="user.username")
    name: str = Field(alias="user.printed_name")
    region_code: str
    is_leader: bool
    is_official: bool


class InspectionSiteOut(Schema):
    site_id: int
    segment_id: int | None


class FindingOut(Schema):
    id: int
    number: int
    site_id: int
    grade: str
    gmp_clause: str
    description: str
    rectification_due: dt.date
    capa_id: int | None
    capa_reference: str | None = None

    @staticmethod
    def resolve_capa_reference(obj):
        return obj.capa.reference if obj.capa_id else None


class SampleOut(Schema):
    id: int
    reference: str
    inspection_id: int
    lot_id: int
    lot_number: str = Field(alias="lot.lot_number")
    quantity: Decimal
    unit: str
    laboratory: str
    taken_on: dt.date
    result: str
    result_on: dt.date | None
    result_detail: str
    oos_id: int | None
    for_cause_id: int | None


class InspectionEventOut(Schema):
    kind: str
    status_from: str
    status_to: str
    actor: str = Field(alias="actor.username")
    occurred_at: dt.datetime
    message_en: str
    message_zh: str


class InspectionOut(Schema):
    id: int
    reference: str
    kind: str
    region_code: str
    partner_region_code: str
    product_id: int | None
    status: str
    planned_from: dt.date | None
    planned_to: dt.date | None
    notified_at: dt.datetime | None
    started_on: dt.date | None
    ended_on: dt.date | None
    purpose: str
    conclusion: str
    report_summary: str
    report_signed_at: dt.datetime | None
    follow_up_of_id: int | None


class InspectionDetailOut(InspectionOut):
    team: list[MemberOut] = []
    sites: list[InspectionSiteOut] = []
    findings: list[FindingOut] = []
    samples: list[SampleOut] = []
    events: list[InspectionEventOut] = []
    allowed_actions: list[str] = Field([], description="The workflow steps you may take now.")

    @staticmethod
    def resolve_team(obj):
        return list(obj.members.select_related("user").order_by("-is_leader", "id"))

    @staticmethod
    def resolve_sites(obj):
        return list(obj.sites.order_by("id"))

    @staticmethod
    def resolve_findings(obj):
        return list(obj.findings.select_related("capa").order_by("number"))

    @staticmethod
    def resolve_samples(obj):
        return list(obj.samples.select_related("lot").order_by("id"))

    @staticmethod
    def resolve_events(obj):
        return list(obj.events.select_related("actor").order_by("occurred_at", "id"))

    @staticmethod
    def resolve_allowed_actions(obj, context) -> list[str]:
        return INSPECTION_WORKFLOW.allowed_actions(context["request"].user, obj)


class InspectionIn(In):
    kind: str
    product_id: DbId
    site_ids: list[DbId]
    team_ids: list[DbId] = Field(description="The inspectors of the team, the leader included.")
    leader_id: DbId
    planned_from: dt.date
    planned_to: dt.date
    partner_region_code: str = Field("", description="The other province of a joint inspection (GB/T 2260).")
    purpose: str = ""
    follow_up_of_id: DbId | None = None
    reason: str = ""


class FindingIn(In):
    site_id: DbId
    grade: str = Field(description="critical (严重), major (主要) or minor (一般)")
    gmp_clause: str
    description: str
    rectification_due: dt.date
    reason: str = ""


class SampleIn(In):
    lot_id: DbId
    quantity: Decimal = Field(gt=0, max_digits=12, decimal_places=3)
    unit: str
    laboratory: str
    taken_on: dt.date
    reason: str = ""


class StepIn(In):
    password: str | None = None
    started_on: dt.date | None = Field(None, description="start: the first day on site.")
    ended_on: dt.date | None = Field(None, description="finish_site_work: the last day on site.")
    conclusion: str | None = None
    summary: str | None = None
    reason: str = ""


class ResultIn(In):
    result: str = Field(description="qualified or unqualified")
    result_on: dt.date
    detail: str = ""
    reason: str = ""


def _people(ids: list[int], field: str) -> list[User]:
    found = {u.pk: u for u in User.objects.filter(pk__in=ids).select_related("organisation")}
    missing = [i for i in ids if i not in found]
    if missing:
        raise ValidationFailed({field: (f"There is no user {missing[0]}.", f"不存在用户 {missing[0]}。")})
    return [found[i] for i in ids]


def _get(request, id):
    return sel.inspection_get(user=request.user, pk=id, what="API")


@router.get("", response={200: list[InspectionOut], **ERRORS}, summary="Inspections you can see")
@paginate(Pagination)
def inspection_list(request: HttpRequest, kind: str = "", status: str = "", year: Year | None = Query(None)):
    return sel.inspection_list(user=request.user, kind=kind, status=status, year=year)


@router.get("/{int:id}", response={200: InspectionDetailOut, **ERRORS}, summary="One inspection")
def inspection_detail(request: HttpRequest, id: int):
    return _get(request, id)


@router.post("", response={201: InspectionDetailOut, **ERRORS}, summary="Plan an inspection")
def inspection_create(request: HttpRequest, payload: InspectionIn):
    product = ref(registry_selectors.product_get, request, payload.product_id, "product_id", "product")
    sites = list(Site.objects.filter(pk__in=payload.site_ids))
    if len(sites) != len(set(payload.site_ids)):
        raise ValidationFailed({"site_ids": ("A site id is unknown.", "场地编号不存在。")})
    follow = None
    if payload.follow_up_of_id is not None:
        follow = _get(request, payload.follow_up_of_id)
    team = _people(payload.team_ids, "team_ids")
    leader = _people([payload.leader_id], "leader_id")[0]
    i = svc.inspection_create(
        actor=request.user,
        kind=payload.kind,
        product=product,
        sites=sites,
        team=team,
        leader=leader,
        planned_from=payload.planned_from,
        planned_to=payload.planned_to,
        partner_region_code=payload.partner_region_code,
        purpose=payload.purpose,
        follow_up_of=follow,
        reason=payload.reason,
    )
    return Status(201, _get(request, i.pk))


@router.post("/{int:id}/findings", response={201: InspectionDetailOut, **ERRORS}, summary="Record a finding")
def finding_create(request: HttpRequest, id: int, payload: FindingIn):
    i = _get(request, id)
    site = Site.objects.filter(pk=payload.site_id).first()
    svc.finding_record(
        actor=request.user,
        inspection=i,
        site=site,
        grade=payload.grade,
        gmp_clause=payload.gmp_clause,
        description=payload.description,
        rectification_due=payload.rectification_due,
        reason=payload.reason,
    )
    return Status(201, _get(request, id))


@router.post("/{int:id}/samples", response={201: SampleOut, **ERRORS}, summary="Record a sample taken")
def sample_create(request: HttpRequest, id: int, payload: SampleIn):
    i = _get(request, id)
    lot = Lot.objects.filter(pk=payload.lot_id).first()
    s = svc.sample_record(
        actor=request.user,
        inspection=i,
        lot=lot,
        quantity=payload.quantity,
        unit=payload.unit,
        laboratory=payload.laboratory,
        taken_on=payload.taken_on,
        reason=payload.reason,
    )
    return Status(201, sel.sample_get(user=request.user, pk=s.pk))


STEPS = {
    "notify": lambda u, i, p: svc.inspection_notify(actor=u, inspection=i, reason=p.reason),
    "start": lambda u, i, p: svc.inspection_start(actor=u, inspection=i, started_on=p.started_on, reason=p.reason),
    "finish_site_work": lambda u, i, p: svc.inspection_finish_site(
        actor=u, inspection=i, ended_on=p.ended_on, reason=p.reason
    ),
    "sign_report": lambda u, i, p: svc.inspection_sign_report(
        actor=u,
        inspection=i,
        conclusion=p.conclusion or "",
        summary=p.summary or "",
        password=p.password or "",
        reason=p.reason,
    ),
    "close": lambda u, i, p: svc.inspection_close(actor=u, inspection=i, password=p.password or "", reason=p.reason),
    "cancel": lambda u, i, p: svc.inspection_cancel(actor=u, inspection=i, reason=p.reason),
}


@router.post("/{int:id}/{step}", response={200: InspectionDetailOut, **ERRORS}, summary="Take a step of an inspection")
def inspection_step(request: HttpRequest, id: int, step: str, payload: StepIn):
    i = _get(request, id)
    if step not in STEPS:
        raise NotFound("action", step)
    STEPS[step](request.user, i, payload)
    return _get(request, id)


@samples.get("", response={200: list[SampleOut], **ERRORS}, summary="Regulatory samples you can see")
@paginate(Pagination)
def sample_list(request: HttpRequest, result: str = ""):
    qs = sel.sample_list(user=request.user).order_by("-taken_on", "-id")
    return qs.filter(result=result) if result else qs


@samples.get("/{int:id}", response={200: SampleOut, **ERRORS}, summary="One regulatory sample")
def sample_detail(request: HttpRequest, id: int):
    return sel.sample_get(user=request.user, pk=id)


@samples.post("/{int:id}/result", response={200: SampleOut, **ERRORS}, summary="Record a sample's result")
def sample_result(request: HttpRequest, id: int, payload: ResultIn):
    s = sel.sample_get(user=request.user, pk=id)
    svc.sample_result_record(
        actor=request.user,
        sample=s,
        result=payload.result,
        result_on=payload.result_on,
        detail=payload.detail,
        reason=payload.reason,
    )
    return sel.sample_get(user=request.user, pk=id)
