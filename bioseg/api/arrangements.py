"""Standing-route arrangements (分段生产安排, Order No. 828 Arts. 31–34): ``/api/v1/arrangements``.

Reads go through ``bioseg.pilots.selectors`` with the caller's scope (outside it: 404); every write is one service
of ``bioseg.pilots.standing``, which enforces the workflow table (``ARRANGEMENT_WORKFLOW``; ``GET
/arrangements/workflow`` returns it as data). Signing steps take the caller's password, re-entered.
"""

import datetime as dt
import json
from typing import Any, Literal

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate

from bioseg.api.errors import ERRORS, ErrorOut
from bioseg.api.pagination import Pagination
from bioseg.api.registry import In, ref
from bioseg.api.types import DbId
from bioseg.pilots import selectors, standing
from bioseg.pilots.models import SegmentedArrangement
from bioseg.registry import selectors as registry_selectors
from bioseg.registry.scope import scope_for
from bioseg.regulation.facts import province_name

router = Router(tags=["arrangements"])
ACTION_ERRORS = {**ERRORS, 409: ErrorOut}


class ArrangementProvinceOut(Schema):
    code: str
    name_zh: str
    name_en: str


def _provinces(codes: list[str]) -> list[dict[str, str]]:
    return [{"code": c, "name_zh": province_name(c, "zh"), "name_en": province_name(c)} for c in codes]


class ArrangementOut(Schema):
    id: int
    reference: str
    product_id: int
    product_name_zh: str = Field(alias="product.name_zh")
    product_name_en: str = Field(alias="product.name_en")
    holder_id: int
    status: str
    status_en: str = ""
    status_zh: str = ""
    ruleset: str
    vaccine: bool
    pilot_application_id: int | None
    holder_province: str
    consent_provinces: list[ArrangementProvinceOut] = []
    involved_provinces: list[ArrangementProvinceOut] = []
    submitted_on: dt.date | None
    recorded_on: dt.date | None
    record_reference: str
    created_at: dt.datetime

    @staticmethod
    def resolve_status_en(obj) -> str:
        return standing.STATE_LABELS[obj.status][0]

    @staticmethod
    def resolve_status_zh(obj) -> str:
        return standing.STATE_LABELS[obj.status][1]

    @staticmethod
    def resolve_consent_provinces(obj) -> list[dict[str, str]]:
        return _provinces(obj.consent_province_list)

    @staticmethod
    def resolve_involved_provinces(obj) -> list[dict[str, str]]:
        return _provinces(obj.province_list)


class CarryOverItemOut(Schema):
    key: str
    title_en: str
    title_zh: str
    detail_en: str
    detail_zh: str
    awaits: str = Field("", description="The open question the item waits on, if any.")


class OpenQuestionOut(Schema):
    id: int
    key: str
    source: str
    authority: str
    rule: str = Field(description="The rule NMPA's answer settles (empty: a question answered yes or no).")
    outcomes: list[str] = Field(description="The answers NMPA may give to this question.")
    text_en: str
    text_zh: str
    status: str
    outcome: str = Field(description="NMPA's answer once determined (pass/fail/not_applicable or yes/no).")
    determination: str
    reasoning: str
    determined_by: str | None = None
    determined_at: dt.datetime | None

    @staticmethod
    def resolve_determined_by(obj) -> str | None:
        return obj.determined_by.username if obj.determined_by_id else None

    @staticmethod
    def resolve_outcomes(obj) -> list[str]:
        return [str(o.value) for o in obj.outcomes]


class ConsentOut(Schema):
    province_code: str
    status: str
    reviewer: str | None = None
    at: dt.datetime | None
    comment: str

    @staticmethod
    def resolve_reviewer(obj) -> str | None:
        return obj.reviewer.username if obj.reviewer_id else None


class ArrangementDeterminationOut(Schema):
    id: int
    purpose: str
    ruleset: str
    ruleset_version: str
    as_of: dt.date
    outcome: str
    case_sha256: str
    determination_sha256: str
    determination: dict[str, Any]

    @staticmethod
    def resolve_determination(obj) -> dict[str, Any]:
        return json.loads(obj.determination_json)


class ArrangementEventOut(Schema):
    kind: str
    status_from: str
    status_to: str
    actor: str = Field(alias="actor.username")
    occurred_at: dt.datetime
    message_en: str
    message_zh: str


class ArrangementDetailOut(ArrangementOut):
    case_facts: dict[str, Any]
    carry_over: list[CarryOverItemOut]
    questions: list[OpenQuestionOut]
    consents: list[ConsentOut]
    latest_determination: ArrangementDeterminationOut | None
    events: list[ArrangementEventOut]
    allowed_actions: list[str]

    # ``_detail`` computes these once and hangs them on the instance as ``api_<name>``.
    @staticmethod
    def resolve_questions(obj):
        return obj.api_questions

    @staticmethod
    def resolve_consents(obj):
        return obj.api_consents

    @staticmethod
    def resolve_latest_determination(obj):
        return obj.api_latest_determination

    @staticmethod
    def resolve_events(obj):
        return obj.api_events

    @staticmethod
    def resolve_allowed_actions(obj):
        return obj.api_allowed_actions


def _detail(request: HttpRequest, pk: int) -> SegmentedArrangement:
    """The arrangement with everything the detail shows, re-read within the caller's scope."""
    a = _get(request, pk)
    a.api_questions = list(selectors.arrangement_questions(arrangement=a))
    a.api_consents = list(selectors.arrangement_consents(arrangement=a))
    a.api_latest_determination = selectors.arrangement_determinations(arrangement=a).first()
    a.api_events = list(selectors.arrangement_events(arrangement=a))
    a.api_allowed_actions = standing.ARRANGEMENT_WORKFLOW.allowed_actions(request.user, a)
    return a


def _get(request: HttpRequest, pk: int) -> SegmentedArrangement:
    return selectors.arrangement_get(scope=scope_for(request.user), pk=pk)


class ArrangementDraftIn(In):
    product_id: DbId


class ArrangementFactsIn(In):
    facts: dict[str, Any] = Field(description="Case-format facts laid over the arrangement's (see /schemas/case).")
    reason: str


class ArrangementTransitionIn(In):
    action: Literal[
        "assess",
        "submit",
        "consent",
        "withhold_consent",
        "pass_review",
        "refuse",
        "nmpa_approve",
        "nmpa_reject",
        "record",
    ]
    password: str = Field("", description="Your password, re-entered to sign (every step but assess).")
    comment: str = Field("", max_length=4000, description="consent, withhold_consent, pass_review, refuse.")
    reason: str = Field("", max_length=4000, description="nmpa_approve, nmpa_reject.")
    reference: str = Field("", max_length=200, description="record: the licence or registration change.")


class QuestionDeterminationIn(In):
    outcome: str = Field(
        max_length=20, description="pass / fail / not_applicable for a question on a rule; yes / no otherwise"
    )
    determination: str = Field(max_length=4000)
    reasoning: str = Field(max_length=4000)
    password: str


@router.get("", response={200: list[ArrangementOut], **ERRORS}, summary="Arrangements you can see")
@paginate(Pagination)
def arrangement_list(request: HttpRequest):
    return selectors.arrangement_list(scope=scope_for(request.user))


@router.get("/workflow", response={200: list[dict[str, Any]], **ERRORS}, summary="The workflow table, as data")
def arrangement_workflow(request: HttpRequest):
    return standing.ARRANGEMENT_WORKFLOW.rows() + standing.QUESTION_WORKFLOW.rows()


@router.post("", response={201: ArrangementDetailOut, **ACTION_ERRORS}, summary="Draft an arrangement (holder)")
def arrangement_draft(request: HttpRequest, payload: ArrangementDraftIn):
    product = ref(registry_selectors.product_get, request, payload.product_id, "product_id", "product")
    arrangement = standing.arrangement_draft(actor=request.user, product=product)
    return Status(201, _detail(request, arrangement.pk))


@router.get("/{int:id}", response={200: ArrangementDetailOut, **ERRORS}, summary="One arrangement")
def arrangement_detail(request: HttpRequest, id: int):
    return _detail(request, id)


@router.post("/{int:id}/facts", response={200: ArrangementDetailOut, **ACTION_ERRORS}, summary="Declare facts")
def arrangement_facts(request: HttpRequest, id: int, payload: ArrangementFactsIn):
    standing.arrangement_facts_declare(
        actor=request.user, arrangement=_get(request, id), facts=payload.facts, reason=payload.reason
    )
    return _detail(request, id)


@router.post(
    "/{int:id}/transitions", response={200: ArrangementDetailOut, **ACTION_ERRORS}, summary="Take one workflow step"
)
def arrangement_transition(request: HttpRequest, id: int, payload: ArrangementTransitionIn):
    a, user, p = _get(request, id), request.user, payload
    calls = {
        "assess": lambda: standing.arrangement_assess(actor=user, arrangement=a),
        "submit": lambda: standing.arrangement_submit(actor=user, arrangement=a, password=p.password),
        "consent": lambda: standing.arrangement_consent(
            actor=user, arrangement=a, give=True, comment=p.comment, password=p.password
        ),
        "withhold_consent": lambda: standing.arrangement_consent(
            actor=user, arrangement=a, give=False, comment=p.comment, password=p.password
        ),
        "pass_review": lambda: standing.arrangement_review(
            actor=user, arrangement=a, passed=True, comment=p.comment, password=p.password
        ),
        "refuse": lambda: standing.arrangement_review(
            actor=user, arrangement=a, passed=False, comment=p.comment, password=p.password
        ),
        "nmpa_approve": lambda: standing.arrangement_nmpa_decide(
            actor=user, arrangement=a, approve=True, reason=p.reason, password=p.password
        ),
        "nmpa_reject": lambda: standing.arrangement_nmpa_decide(
            actor=user, arrangement=a, approve=False, reason=p.reason, password=p.password
        ),
        "record": lambda: standing.arrangement_record(
            actor=user, arrangement=a, reference=p.reference, password=p.password
        ),
    }
    calls[p.action]()
    return _detail(request, id)


@router.post(
    "/{int:id}/questions/{int:question_id}/determination",
    response={200: OpenQuestionOut, **ACTION_ERRORS},
    summary="NMPA records its determination on an open question (e-signature)",
)
def question_determination(request: HttpRequest, id: int, question_id: int, payload: QuestionDeterminationIn):
    question = selectors.arrangement_question_get(arrangement=_get(request, id), pk=question_id)
    return standing.question_determine(
        actor=request.user,
        question=question,
        outcome=payload.outcome,
        determination=payload.determination,
        reasoning=payload.reasoning,
        password=payload.password,
    )
