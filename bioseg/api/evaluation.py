"""The end-of-pilot evaluation: its figures as of a date (JSON), background builds of the PDF and XLSX, and the
provinces' narratives (a draft, then an e-signature)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Literal

from django.db import transaction
from django.http import HttpRequest, HttpResponse
from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate

from bioseg.api.errors import ERRORS, ErrorOut
from bioseg.api.pagination import Pagination
from bioseg.api.types import DbId
from bioseg.common.errors import PermissionDenied
from bioseg.evaluation import selectors, services
from bioseg.evaluation.figures import evaluation
from bioseg.registry.scope import scope_for
from bioseg.reporting.tasks import build_evaluation_report

router = Router(tags=["evaluation"])
ERRORS_409 = {**ERRORS, 409: ErrorOut}


class EvaluationFigureOut(Schema):
    key: str
    label_en: str
    label_zh: str
    value: Decimal | None
    unit: str
    counts_en: str
    counts_zh: str


class EvaluationSectionOut(Schema):
    key: str
    title_en: str
    title_zh: str
    figures: list[EvaluationFigureOut]
    tables: list[dict]


class EvaluationOut(Schema):
    as_of: dt.date
    scope_kind: str
    scope_code: str
    scope_en: str
    scope_zh: str
    sections: list[EvaluationSectionOut]


@router.get("/evaluation", response={200: EvaluationOut, **ERRORS}, summary="The evaluation's figures as of a date")
def evaluation_figures(request: HttpRequest, as_of: dt.date, province: str | None = None, product: DbId | None = None):
    kind = "province" if province else "product" if product else "national"
    code = province or (str(product) if product else "")
    if not selectors.report_allowed(user=request.user, kind=kind, code=code):
        raise PermissionDenied("see this evaluation", "查看该总结评估")
    ev = evaluation(as_of=as_of, province=province, product=product, drills=False)
    return {
        "as_of": ev.as_of,
        "scope_kind": ev.scope.kind,
        "scope_code": ev.scope.code,
        "scope_en": ev.scope.label_en,
        "scope_zh": ev.scope.label_zh,
        "sections": [
            {
                "key": s.key,
                "title_en": s.title_en,
                "title_zh": s.title_zh,
                "figures": [f.__dict__ for f in s.figures],
                "tables": [
                    {"key": t.key, "title_en": t.title_en, "title_zh": t.title_zh, "rows": t.rows} for t in s.tables
                ],
            }
            for s in ev.sections
        ],
    }


class EvaluationReportIn(Schema):
    scope_kind: Literal["national", "province", "product"]
    scope_code: str = Field("", max_length=20)
    as_of: dt.date
    language: Literal["zh", "en"] = "zh"


class EvaluationReportOut(Schema):
    id: int
    scope_kind: str
    scope_code: str
    as_of: dt.date
    language: str
    status: str
    progress: int
    step: str
    error: str
    pdf_sha256: str
    xlsx_sha256: str
    seconds: Decimal | None
    created_at: dt.datetime


@router.post(
    "/evaluation-reports", response={202: EvaluationReportOut, **ERRORS}, summary="Build the evaluation (background)"
)
def evaluation_report_request(request: HttpRequest, payload: EvaluationReportIn):
    with transaction.atomic():
        report = services.report_request(
            actor=request.user,
            kind=payload.scope_kind,
            code=payload.scope_code if payload.scope_kind != "national" else "",
            as_of=payload.as_of,
            language=payload.language,
        )
        transaction.on_commit(lambda: build_evaluation_report.enqueue(report.pk))
    return Status(202, report)


@router.get("/evaluation-reports", response={200: list[EvaluationReportOut], **ERRORS}, summary="Your builds")
@paginate(Pagination)
def evaluation_report_list(request: HttpRequest):
    return selectors.report_list(scope=scope_for(request.user))


@router.get("/evaluation-reports/{int:id}", response={200: EvaluationReportOut, **ERRORS}, summary="A build's progress")
def evaluation_report_detail(request: HttpRequest, id: int):
    return selectors.report_get(scope=scope_for(request.user), pk=id)


@router.get(
    "/evaluation-reports/{int:id}/file", response={200: None, **ERRORS_409}, summary="A finished build's PDF or XLSX"
)
def evaluation_report_file(request: HttpRequest, id: int, format: Literal["pdf", "xlsx"] = "pdf"):
    report = selectors.report_get(scope=scope_for(request.user), pk=id)
    content = services.report_file(report=report, fmt=format)
    kinds = {"pdf": "application/pdf", "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
    response = HttpResponse(content, content_type=kinds[format])
    response["Content-Disposition"] = f'attachment; filename="evaluation-{report.pk}.{format}"'
    return response


class NarrativeIn(Schema):
    as_of: dt.date
    text_zh: str = Field(max_length=20000)
    text_en: str = Field("", max_length=20000)


class NarrativeOut(Schema):
    id: int
    region_code: str
    as_of: dt.date
    text_zh: str
    text_en: str
    status: str
    author: str = Field(alias="author.username")


class NarrativeSignIn(Schema):
    password: str


@router.get("/evaluation-narratives", response={200: list[NarrativeOut], **ERRORS}, summary="The provinces' narratives")
@paginate(Pagination)
def narrative_list(request: HttpRequest):
    return selectors.narrative_list(scope=scope_for(request.user))


@router.post("/evaluation-narratives", response={201: NarrativeOut, **ERRORS}, summary="Draft the province's narrative")
def narrative_create(request: HttpRequest, payload: NarrativeIn):
    return Status(201, services.narrative_save(actor=request.user, **payload.model_dump()))


@router.post(
    "/evaluation-narratives/{int:id}/sign", response={200: NarrativeOut, **ERRORS_409}, summary="Sign it (e-signature)"
)
def narrative_sign(request: HttpRequest, id: int, payload: NarrativeSignIn):
    narrative = selectors.narrative_get(scope=scope_for(request.user), pk=id)
    return services.narrative_sign(actor=request.user, narrative=narrative, password=payload.password)
