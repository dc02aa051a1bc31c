"""Assessments against the rules (``bioseg.regulation``): assess a case, get its PDF report, read the case
schema and the rulesets.

- ``POST /api/v1/assessments`` — body: a case (``GET /api/v1/schemas/case``) plus optional ``ruleset``
  (``pilot2024`` | ``reg2026``; without it, the ruleset that applies on ``as_of``, as
  ``bioseg.regulation.ruleset_for`` decides for every interface) and ``lang`` (``zh`` | ``en``); ``as_of`` is
  the case's own field. Answer:
  the determination (the JSON of ``bioseg assess --format json``). A case the rules cannot read is a 400
  in the API's error shape, ``details.field`` naming the field (e.g. ``product.category``).
- ``POST /api/v1/assessments/pdf`` — the same body; answer: the bilingual PDF report.
- ``GET /api/v1/schemas/case`` — the JSON Schema of the case format.
- ``GET /api/v1/rulesets`` — the rulesets, their versions and rules (titles, effective periods, citations).

Any signed-in user may assess (nothing is read from or written to the database).
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Body, Router, Schema
from pydantic import Field

from bioseg.api.errors import ERRORS, json_error
from bioseg.common import clock
from bioseg.regulation import (
    RULESET_NAMES,
    Determination,
    InputError,
    assess,
    case_json_schema,
    determination_to_dict,
    get_ruleset,
    load_case,
    ruleset_for,
)
from bioseg.rulebook.render import citation_to_dict

router = Router(tags=["assessments"])

LANGS = ("zh", "en")
OPTIONS = ("ruleset", "lang")

CASE_BODY_DOC = {
    "description": (
        "A case in the format of GET /api/v1/schemas/case (every field optional; an omitted field is an "
        "unknown fact), plus optional `ruleset` (pilot2024 | reg2026; default: the ruleset that applies on `as_of`) "
        "and `lang` (zh | en). "
        "`as_of` (YYYY-MM-DD) is required, in the case."
    ),
    "example": {
        "as_of": "2025-06-30",
        "ruleset": "pilot2024",
        "holder": {"name": "Suzhou Innovator", "domestic": True, "region": "320000"},
        "product": {"category": "antibody", "innovative": True, "origin": "originally_developed"},
        "segments": [
            {"stage": "drug_substance", "enterprise": "Suzhou Innovator", "region": "320000"},
            {"stage": "drug_product", "enterprise": "Shanghai CDMO", "region": "310000"},
        ],
    },
}


class AssessmentOut(Schema):
    """The determination (see docs/regulation.md)."""

    outcome: str
    outcome_en: str
    outcome_zh: str
    ruleset: str
    ruleset_version: str
    as_of: str
    missing_facts: list[str]
    awaited_facts: list[str] = Field(
        description="Facts that record a regulator's act the determination awaits (a joint plan agreed, NMPA's "
        "consent): not missing facts; see each finding's needs_determination_by."
    )
    findings: list[dict[str, Any]]
    notes: list[dict[str, Any]]
    explanation: dict[str, Any]


class RuleOut(Schema):
    id: str
    version: str
    title_en: str
    title_zh: str
    effective_from: str
    effective_until: str | None
    reads: list[str]
    citations: list[dict[str, Any]]


class RulesetOut(Schema):
    id: str
    version: str
    title_en: str
    title_zh: str
    valid_from: str
    default: bool = Field(description="The ruleset an assessment dated today gets when it names none (ruleset_for).")
    rule_ids: list[str]
    rules: list[RuleOut]


def input_error_response(exc: InputError) -> HttpResponse:
    """An InputError of the rules in the API's error shape: 400, ``details.field`` = the field at fault."""
    details = dict(exc.details)
    details.setdefault("field", exc.field)
    return json_error(400, exc.code, exc.message_en, exc.message_zh, details)


def _options(body: dict[str, Any]) -> tuple[dict[str, Any], str | None, str]:
    case = {k: v for k, v in body.items() if k not in OPTIONS}
    ruleset = body.get("ruleset")  # None: the ruleset of as_of (regulation.ruleset_for)
    lang = body.get("lang", "en")
    if ruleset is not None and (not isinstance(ruleset, str) or ruleset not in RULESET_NAMES):
        raise InputError(
            "unknown_ruleset",
            f"unknown ruleset {ruleset!r}; choose one of {', '.join(RULESET_NAMES)}",
            f"未知规则集 {ruleset!r}；可选：{'、'.join(RULESET_NAMES)}",
            field="ruleset",
        )
    if lang not in LANGS:
        raise InputError(
            "unknown_lang",
            f"lang must be one of {', '.join(LANGS)}",
            f"lang 须为 {'、'.join(LANGS)} 之一",
            field="lang",
        )
    return case, ruleset, lang


def _assess(body: dict[str, Any]) -> tuple[Determination, Any, str]:
    case, ruleset, lang = _options(body)
    parsed = load_case(case)
    return assess(parsed, ruleset=ruleset), parsed, lang


@router.post(
    "/assessments",
    response={200: AssessmentOut, **ERRORS},
    summary="Assess a case",
    openapi_extra={"requestBody": {"content": {"application/json": {"schema": {"type": "object", **CASE_BODY_DOC}}}}},
)
def assessment_create(request: HttpRequest, payload: Body[dict[str, Any]]):
    try:
        determination, _case, _lang = _assess(payload)
    except InputError as exc:
        return input_error_response(exc)
    return determination_to_dict(determination)


@router.post(
    "/assessments/pdf",
    response={**ERRORS},
    summary="Assess a case: the bilingual PDF report",
    openapi_extra={
        "requestBody": {"content": {"application/json": {"schema": {"type": "object", **CASE_BODY_DOC}}}},
        "responses": {
            "200": {
                "description": "The report (PDF)",
                "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}},
            }
        },
    },
)
def assessment_pdf(request: HttpRequest, payload: Body[dict[str, Any]]):
    from bioseg.reporting.assessment_pdf import assessment_pdf as render_pdf
    from bioseg.reporting.assessment_pdf import pdf_filename

    try:
        determination, case, lang = _assess(payload)
    except InputError as exc:
        return input_error_response(exc)
    response = HttpResponse(render_pdf(determination, case=case, lang=lang), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{pdf_filename(determination)}"'
    return response


@router.get("/schemas/case", response={200: dict[str, Any], **ERRORS}, summary="The JSON Schema of the case format")
def case_schema(request: HttpRequest):
    return case_json_schema()


def _ruleset_out(name: str) -> dict[str, Any]:
    rules = get_ruleset(name)
    return {
        "id": rules.id,
        "version": rules.version,
        "title_en": rules.title_en,
        "title_zh": rules.title_zh,
        "valid_from": rules.valid_from.isoformat(),
        "default": name == ruleset_for(clock.today()),
        "rule_ids": list(rules.rule_ids),
        "rules": [
            {
                "id": rule.id,
                "version": rule.version,
                "title_en": rule.title_en,
                "title_zh": rule.title_zh,
                "effective_from": rule.effective_from.isoformat(),
                "effective_until": rule.effective_until.isoformat() if rule.effective_until else None,
                "reads": list(rule.reads),
                "citations": [citation_to_dict(c) for c in rule.citations],
            }
            for rule in rules.rules
        ],
    }


@router.get("/rulesets", response={200: list[RulesetOut], **ERRORS}, summary="The rulesets and their rules")
def ruleset_list(request: HttpRequest):
    return [_ruleset_out(name) for name in RULESET_NAMES]
