"""Pilot applications (试点申请): ``/api/v1/pilot-applications``.

Reads go through ``bioseg.pilots.selectors`` with the caller's scope (an application outside it is a 404);
every write is one service of ``bioseg.pilots.services``, which checks the role and the workflow state.
Signing steps (submit, joint-plan approval, decision, return) take the caller's password, re-entered.
"""

import datetime as dt
from typing import Annotated, Any, Literal

from django.http import FileResponse, HttpRequest
from ninja import Field, File, FilterLookup, FilterSchema, Form, Query, Router, Schema, Status, UploadedFile
from ninja.pagination import paginate

from bioseg.api.audit import SignatureOut, signature_out
from bioseg.api.errors import ERRORS, ErrorOut, choice_filter
from bioseg.api.pagination import Pagination
from bioseg.api.registry import In, ref
from bioseg.api.types import DbId
from bioseg.audit import selectors as audit_selectors
from bioseg.common.errors import NotFound
from bioseg.pilots import evidence as evidence_files
from bioseg.pilots import permissions, selectors, services
from bioseg.pilots.models import STATUS_EN, STATUS_ZH, ApplicationStatus, PilotApplication
from bioseg.registry import selectors as registry_selectors
from bioseg.registry.scope import scope_for
from bioseg.regulation.facts import province_name

router = Router(tags=["pilot-applications"])
ACTION_ERRORS = {**ERRORS, 409: ErrorOut}


# --- output -------------------------------------------------------------------------------------------


class ProvinceOut(Schema):
    code: str
    name_zh: str
    name_en: str


def _provinces(codes: list[str]) -> list[dict[str, str]]:
    return [{"code": c, "name_zh": province_name(c, "zh"), "name_en": province_name(c)} for c in codes]


class ApplicationOut(Schema):
    id: int
    reference: str
    product_id: int
    product_name_zh: str = Field(alias="product.name_zh")
    product_name_en: str = Field(alias="product.name_en")
    holder_id: int
    holder_name_zh: str = Field(alias="holder.name_zh")
    holder_name_en: str = Field(alias="holder.name_en")
    status: str
    status_en: str = ""
    status_zh: str = ""
    ruleset: str
    submitted_on: dt.date | None
    submission_round: int
    involved_provinces: list[ProvinceOut] = []
    decided_on: dt.date | None
    created_at: dt.datetime
    updated_at: dt.datetime

    @staticmethod
    def resolve_status_en(obj) -> str:
        return STATUS_EN[obj.status]

    @staticmethod
    def resolve_status_zh(obj) -> str:
        return STATUS_ZH[obj.status]

    @staticmethod
    def resolve_involved_provinces(obj) -> list[dict[str, str]]:
        return _provinces(obj.province_list)


class DeterminationOut(Schema):
    id: int
    purpose: str
    ruleset: str
    ruleset_version: str
    as_of: dt.date
    outcome: str
    case_sha256: str
    determination_sha256: str
    parameters_sha256: str
    created_by: str = Field(alias="created_by.username")
    created_at: dt.datetime


class DeterminationFullOut(DeterminationOut):
    case: dict[str, Any]
    determination: dict[str, Any]

    @staticmethod
    def resolve_case(obj) -> dict[str, Any]:
        import json

        return json.loads(obj.case_json)

    @staticmethod
    def resolve_determination(obj) -> dict[str, Any]:
        return selectors.determination_data(obj)


class ReproductionOut(Schema):
    determination_id: int
    ruleset: str
    stored_version: str
    current_version: str | None
    as_of: str
    reproducible: bool = Field(description="The same ruleset version is available to re-run it.")
    identical: bool = Field(description="The re-run gives byte-identical canonical JSON.")
    stored_sha256: str
    current_sha256: str | None
    parameters_match: bool
    case_intact: bool
    differences: list[str]
    message_en: str
    message_zh: str


class EvidenceOut(Schema):
    id: int
    requirement: str
    kind: str
    description: str
    file_name: str
    content_type: str
    sha256: str
    size: int
    submission_round: int
    uploaded_by: str = Field(alias="uploaded_by.username")
    created_at: dt.datetime


class ReviewOut(Schema):
    id: int
    province: ProvinceOut
    reviewer: str = Field(alias="reviewer.username")
    action: str
    comment: str
    at: dt.datetime
    submission_round: int

    @staticmethod
    def resolve_province(obj) -> dict[str, str]:
        return _provinces([obj.province_code])[0]


class ApprovalOut(Schema):
    province: ProvinceOut
    approver: str | None
    approved_at: dt.datetime | None
    signatures: list[SignatureOut]


class JointPlanOut(Schema):
    id: int
    status: str
    provinces: list[ProvinceOut]
    agreed_on: dt.date | None
    approvals: list[ApprovalOut]


class DecisionOut(Schema):
    id: int
    decision: str
    conditions: str
    reason: str
    decided_on: dt.date
    officer: str
    signatures: list[SignatureOut]


class EventOut(Schema):
    id: int
    kind: str
    status_from: str
    status_to: str
    actor: str = Field(alias="actor.username")
    occurred_at: dt.datetime
    message_en: str
    message_zh: str
    data: dict[str, Any]


class PartyOut(Schema):
    enterprise_id: int
    name_zh: str = Field(alias="enterprise.name_zh")
    name_en: str = Field(alias="enterprise.name_en")
    role: str
    active: bool


class ApplicationDetailOut(ApplicationOut):
    registry_facts: dict[str, Any]
    declared_facts: dict[str, Any]
    case_facts: dict[str, Any]
    parties: list[PartyOut]
    allowed_actions: list[str]
    latest_determination: DeterminationOut | None
    decided_determination: DeterminationOut | None = Field(
        description="Once NMPA decided: the determination the decision was taken on. It stays the application's "
        "answer; a later assessment (latest_determination) is a new record that never replaces it."
    )
    evidence: list[EvidenceOut]
    reviews: list[ReviewOut]
    joint_plan: JointPlanOut | None
    decision: DecisionOut | None

    # ``_detail`` computes these once and hangs them on the instance as ``api_<name>``.
    @staticmethod
    def resolve_parties(obj):
        return obj.api_parties

    @staticmethod
    def resolve_allowed_actions(obj):
        return obj.api_allowed_actions

    @staticmethod
    def resolve_latest_determination(obj):
        return obj.api_latest_determination

    @staticmethod
    def resolve_decided_determination(obj):
        return obj.api_decided_determination

    @staticmethod
    def resolve_evidence(obj):
        return obj.api_evidence

    @staticmethod
    def resolve_reviews(obj):
        return obj.api_reviews

    @staticmethod
    def resolve_joint_plan(obj):
        return obj.api_joint_plan

    @staticmethod
    def resolve_decision(obj):
        return obj.api_decision


def _plan_out(plan) -> dict[str, Any] | None:
    if plan is None:
        return None
    return {
        "id": plan.pk,
        "status": plan.status,
        "provinces": _provinces(plan.province_list),
        "agreed_on": plan.agreed_on,
        "approvals": [
            {
                "province": _provinces([a.province_code])[0],
                "approver": a.approver.username if a.approver else None,
                "approved_at": a.approved_at,
                "signatures": [signature_out(s) for s in audit_selectors.signatures_for(a)],
            }
            for a in plan.approvals.all()
        ],
    }


def _decision_out(decision) -> dict[str, Any] | None:
    if decision is None:
        return None
    return {
        "id": decision.pk,
        "decision": decision.decision,
        "conditions": decision.conditions,
        "reason": decision.reason,
        "decided_on": decision.decided_on,
        "officer": decision.officer.username,
        "signatures": [signature_out(s) for s in audit_selectors.signatures_for(decision)],
    }


def _detail(request: HttpRequest, pk: int) -> PilotApplication:
    """The application with everything the detail shows, re-read within the caller's scope."""
    app = selectors.application_get(scope=scope_for(request.user), pk=pk)
    app.api_parties = list(app.parties.select_related("enterprise"))
    app.api_allowed_actions = sorted(permissions.allowed_actions(request.user, app))
    app.api_latest_determination = selectors.determination_list(application=app).first()
    app.api_decided_determination = selectors.decided_determination(application=app)
    app.api_evidence = list(selectors.evidence_list(application=app))
    app.api_reviews = list(selectors.review_list(application=app))
    app.api_joint_plan = _plan_out(selectors.joint_plan_for(application=app))
    app.api_decision = _decision_out(selectors.decision_for(application=app))
    return app


def _get(request: HttpRequest, pk: int) -> PilotApplication:
    return selectors.application_get(scope=scope_for(request.user), pk=pk)


# --- input --------------------------------------------------------------------------------------------


class ApplicationFilter(FilterSchema):
    status: str | None = Field(None, description=" | ".join(ApplicationStatus.values))
    product: Annotated[DbId | None, FilterLookup("product_id")] = None
    q: Annotated[str | None, FilterLookup(["reference__icontains", "product__name_en__icontains"])] = None

    filter_status = choice_filter("status", ApplicationStatus.values)


class DraftIn(In):
    product_id: DbId
    ruleset: Literal["pilot2024", "reg2026"] = "pilot2024"


class FactsIn(In):
    facts: dict[str, Any] = Field(description="Case-format facts the registry does not hold (see /schemas/case).")
    reason: str


class AssessIn(In):
    as_of: dt.date | None = Field(None, description="Default: today.")
    ruleset: Literal["pilot2024", "reg2026"] | None = None


class PasswordIn(In):
    password: str = Field(description="Your password, re-entered to sign.")


class ReviewIn(In):
    action: Literal["request_information", "recommend", "object"]
    comment: str = ""


class DecisionIn(In):
    decision: Literal["approve", "reject", "return"]
    conditions: str = Field("", description="Product-specific conditions (一品一策); required to approve.")
    reason: str
    password: str


class ReturnIn(In):
    reason: str
    password: str


class RuleDeterminationIn(In):
    rule: str = Field(max_length=120, description="The id of a rule that awaits your determination today.")
    outcome: Literal["pass", "fail", "not_applicable"]
    determination: str = Field(max_length=4000)
    reasoning: str = Field(max_length=4000)
    password: str


class RuleDeterminationOut(Schema):
    id: int
    rule: str
    authority: str
    outcome: str
    determination: str
    reasoning: str
    determined_by: str = Field(alias="determined_by.username")
    determined_at: dt.datetime
    determined_on: dt.date


class AwaitingRuleOut(Schema):
    rule: str
    title_en: str
    title_zh: str
    reason_en: str
    reason_zh: str
    authorities: list[str]
    may_determine: bool = Field(description="You are the regulator the rule awaits, and may record it now.")


# --- endpoints ----------------------------------------------------------------------------------------


@router.get("", response={200: list[ApplicationOut], **ERRORS}, summary="Pilot applications you can see")
@paginate(Pagination)
def application_list(request: HttpRequest, filters: Query[ApplicationFilter]):
    qs = selectors.application_list(scope=scope_for(request.user))
    return filters.filter(qs).order_by("-created_at", "-id")


@router.post("", response={201: ApplicationDetailOut, **ACTION_ERRORS}, summary="Draft an application (holder)")
def application_draft(request: HttpRequest, payload: DraftIn):
    product = ref(registry_selectors.product_get, request, payload.product_id, "product_id", "product")
    app = services.application_draft(actor=request.user, product=product, ruleset=payload.ruleset)
    return Status(201, _detail(request, app.pk))


@router.get("/{int:id}", response={200: ApplicationDetailOut, **ERRORS}, summary="One application")
def application_detail(request: HttpRequest, id: int):
    return _detail(request, id)


@router.post("/{int:id}/facts", response={200: ApplicationDetailOut, **ACTION_ERRORS}, summary="Declare facts")
def application_facts(request: HttpRequest, id: int, payload: FactsIn):
    services.application_facts_declare(
        actor=request.user, application=_get(request, id), facts=payload.facts, reason=payload.reason
    )
    return _detail(request, id)


@router.post(
    "/{int:id}/assess", response={201: DeterminationFullOut, **ACTION_ERRORS}, summary="Assess and store the result"
)
def application_assess(request: HttpRequest, id: int, payload: AssessIn):
    stored = services.application_assess(
        actor=request.user, application=_get(request, id), as_of=payload.as_of, ruleset=payload.ruleset
    )
    return Status(201, stored)


@router.get(
    "/{int:id}/determinations", response={200: list[DeterminationOut], **ERRORS}, summary="Stored determinations"
)
@paginate(Pagination)
def determination_list(request: HttpRequest, id: int):
    return selectors.determination_list(application=_get(request, id))


@router.get(
    "/{int:id}/determinations/{int:det_id}",
    response={200: DeterminationFullOut, **ERRORS},
    summary="One stored determination with its case",
)
def determination_detail(request: HttpRequest, id: int, det_id: int):
    return selectors.determination_get(application=_get(request, id), pk=det_id)


@router.post(
    "/{int:id}/determinations/{int:det_id}/reproduce",
    response={200: ReproductionOut, **ERRORS},
    summary="Re-run a stored determination with the same ruleset version and as_of; compare exactly",
)
def determination_reproduce(request: HttpRequest, id: int, det_id: int):
    stored = selectors.determination_get(application=_get(request, id), pk=det_id)
    return selectors.determination_reproduce(stored=stored).as_dict()


@router.get("/{int:id}/evidence", response={200: list[EvidenceOut], **ERRORS}, summary="Evidence files")
def evidence_list(request: HttpRequest, id: int):
    return list(selectors.evidence_list(application=_get(request, id)))


@router.post(
    "/{int:id}/evidence",
    response={201: EvidenceOut, **ACTION_ERRORS},
    summary="Attach evidence (multipart: file, requirement, kind, description)",
)
def evidence_upload(
    request: HttpRequest,
    id: int,
    file: File[UploadedFile],
    requirement: Form[str],
    kind: Form[str],
    description: Form[str] = "",
):
    item = services.evidence_attach(
        actor=request.user,
        application=_get(request, id),
        requirement=requirement,
        kind=kind,
        file_name=file.name or "",
        content=_read_upload(file),
        description=description,
    )
    return Status(201, item)


def _read_upload(file: UploadedFile) -> bytes:
    limit = evidence_files.max_bytes()
    if file.size is not None and file.size > limit:
        # Do not read a file that is too big; the service's message names the limit.
        return b"\0" * (limit + 1)
    return file.read()


@router.get("/{int:id}/evidence/{int:ev_id}/file", response={200: None, **ERRORS}, summary="Download an evidence file")
def evidence_download(request: HttpRequest, id: int, ev_id: int):
    item = selectors.evidence_get(application=_get(request, id), pk=ev_id)
    path = evidence_files.storage_path(item.storage_name)
    if not path.exists():
        raise NotFound("evidence file", item.sha256)
    return FileResponse(path.open("rb"), as_attachment=True, filename=item.file_name, content_type=item.content_type)


@router.post("/{int:id}/submit", response={200: ApplicationDetailOut, **ACTION_ERRORS}, summary="Submit (e-signature)")
def application_submit(request: HttpRequest, id: int, payload: PasswordIn):
    services.application_submit(actor=request.user, application=_get(request, id), password=payload.password)
    return _detail(request, id)


@router.get("/{int:id}/reviews", response={200: list[ReviewOut], **ERRORS}, summary="Provincial reviews")
def review_list(request: HttpRequest, id: int):
    return list(selectors.review_list(application=_get(request, id)))


@router.post("/{int:id}/reviews", response={201: ReviewOut, **ACTION_ERRORS}, summary="Record a provincial review")
def review_create(request: HttpRequest, id: int, payload: ReviewIn):
    review = services.review_record(
        actor=request.user, application=_get(request, id), action=payload.action, comment=payload.comment
    )
    return Status(201, review)


@router.get("/{int:id}/joint-plan", response={200: JointPlanOut, **ERRORS}, summary="The joint regulatory plan")
def joint_plan_detail(request: HttpRequest, id: int):
    plan = selectors.joint_plan_for(application=_get(request, id))
    if plan is None:
        raise NotFound("joint regulatory plan", id)
    return _plan_out(plan)


@router.post(
    "/{int:id}/joint-plan/approve",
    response={200: JointPlanOut, **ACTION_ERRORS},
    summary="Approve the joint regulatory plan for your province (e-signature)",
)
def joint_plan_approve(request: HttpRequest, id: int, payload: PasswordIn):
    app = _get(request, id)
    plan = selectors.joint_plan_for(application=app)
    if plan is None:
        raise NotFound("joint regulatory plan", id)
    services.joint_plan_approve(actor=request.user, plan=plan, password=payload.password)
    return _plan_out(selectors.joint_plan_for(application=app))


@router.post("/{int:id}/decision", response={201: DecisionOut, **ACTION_ERRORS}, summary="NMPA decision (e-signature)")
def application_decide(request: HttpRequest, id: int, payload: DecisionIn):
    decision = services.nmpa_decide(
        actor=request.user,
        application=_get(request, id),
        decision=payload.decision,
        conditions=payload.conditions,
        reason=payload.reason,
        password=payload.password,
    )
    return Status(201, _decision_out(decision))


@router.get(
    "/{int:id}/rule-determinations",
    response={200: list[RuleDeterminationOut], **ERRORS},
    summary="Regulators' determinations on the application's rules",
)
def rule_determination_list(request: HttpRequest, id: int):
    return list(_get(request, id).rule_determinations.select_related("determined_by"))


@router.get(
    "/{int:id}/rules-awaiting",
    response={200: list[AwaitingRuleOut], **ERRORS},
    summary="Rules that await a regulator's determination today",
)
def rules_awaiting(request: HttpRequest, id: int):
    return [
        {**f, "authorities": [a["authority"] for a in f["needs_determination_by"]]}
        for f in services.rules_awaiting(_get(request, id), request.user)
    ]


@router.post(
    "/{int:id}/rule-determinations",
    response={201: RuleDeterminationOut, **ACTION_ERRORS},
    summary="The regulator a rule awaits records its determination on it (e-signature)",
)
def rule_determine(request: HttpRequest, id: int, payload: RuleDeterminationIn):
    item = services.rule_determine(
        actor=request.user,
        application=_get(request, id),
        rule=payload.rule,
        outcome=payload.outcome,
        determination=payload.determination,
        reasoning=payload.reasoning,
        password=payload.password,
    )
    return Status(201, item)


@router.post("/{int:id}/return", response={201: DecisionOut, **ACTION_ERRORS}, summary="NMPA returns the application")
def application_return(request: HttpRequest, id: int, payload: ReturnIn):
    decision = services.application_return(
        actor=request.user, application=_get(request, id), reason=payload.reason, password=payload.password
    )
    return Status(201, _decision_out(decision))


@router.get("/{int:id}/events", response={200: list[EventOut], **ERRORS}, summary="The timeline of the application")
def event_list(request: HttpRequest, id: int):
    return list(selectors.event_list(application=_get(request, id)))


class HistoryRowOut(Schema):
    id: int
    occurred_at: str
    action: str
    actor: str
    organisation: str
    reason: str
    request_id: str
    changed: list[dict[str, Any]]
    hash: str


@router.get(
    "/{int:id}/history", response={200: list[HistoryRowOut], **ERRORS}, summary="Audit trail of the application row"
)
def application_history(request: HttpRequest, id: int):
    return audit_selectors.history_rows(_get(request, id))
