"""The eligibility wizard: asks only for the facts that still matter.

Each step assesses the case (``bioseg.regulation.assess``); the questionnaire engine
(``bioseg.regulation.questions``) turns the determination's missing facts into the next questions — a form
generated from the case schema — and lays the answers over the case. This view only parses the request,
calls them and renders, each label in the active language. Answering re-assesses; "unknown" leaves a fact
unknown (never false). The case travels in the form (hidden JSON, editable under "the case as JSON"), so
nothing is written to the database.

A user may start from a registry product in their scope (``?product=<id>``): the case is prefilled with
what the registry knows (``bioseg.pilots.facts.case_from_product``). "Download PDF" exports the bilingual
report (``bioseg.reporting.assessment_pdf``).
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _

from bioseg.common import clock
from bioseg.common.errors import NotFound
from bioseg.registry import selectors
from bioseg.registry.scope import scope_for
from bioseg.regulation import (
    RULESET_NAMES,
    InputError,
    assess,
    determination_to_dict,
    get_ruleset,
    parse_case,
    ruleset_for,
)
from bioseg.regulation.labels import fact_label
from bioseg.regulation.questions import AWAITED_HEADING, AnswerErrors, apply_answers, case_from_json, questions_for
from bioseg.web.labels import is_zh, outcome_pair
from bioseg.web.views.common import page_view
from bioseg.web.views.dashboard import SHORTCUT_PROVIDERS, Shortcut


def _lang() -> str:
    return "zh" if is_zh() else "en"


def _pair(en: str, zh: str) -> dict[str, str]:
    """A text of the explanation in both languages, the active one first."""
    first, second = (zh, en) if is_zh() else (en, zh)
    return {"en": en, "zh": zh, "first": first, "second": second if second != first else ""}


def default_ruleset(day: date | None) -> str:
    """The ruleset that applies on ``day`` (default today), as every interface chooses it."""
    return ruleset_for(day or clock.today())


def _options(data) -> tuple[str, date | None, str]:
    ruleset = data.get("ruleset") or ""
    if ruleset:
        get_ruleset(ruleset)  # unknown → InputError(field=ruleset)
    raw = (data.get("as_of") or "").strip()
    day = None
    if raw:
        try:
            day = date.fromisoformat(raw)
        except ValueError:
            raise InputError(
                "invalid_as_of",
                f"as_of {raw!r} is not a date written YYYY-MM-DD",
                f"评估日期 {raw!r} 不是 YYYY-MM-DD 格式",
                field="as_of",
            ) from None
    return ruleset or default_ruleset(day), day, _lang()


def _error(exc: InputError) -> dict[str, Any]:
    zh = is_zh()
    errors = exc.details.get("errors") or []
    return {
        "code": exc.code,
        "field": exc.field,
        "message": exc.message_zh if zh else exc.message_en,
        "fields": [{"field": e.get("field"), "message": e.get("message_zh" if zh else "message")} for e in errors],
    }


# ------------------------------------------------------------------------------------------------ views


def _product_case(request, raw_id: str) -> tuple[dict, Any]:
    from bioseg.pilots.facts import case_from_product

    try:
        pk = int(raw_id)
    except (TypeError, ValueError):
        raise NotFound("product", raw_id) from None
    product = selectors.product_get(scope=scope_for(request.user), pk=pk)
    return case_from_product(product=product, as_of=clock.today()), product


def _finding_view(finding: dict, case: dict) -> dict[str, Any]:
    """One finding as the wizard shows it: every text as a pair (the active language first), the sub-checks
    and the missing facts by their labels, never by code."""
    return {
        **finding,
        "title": _pair(finding["title_en"], finding["title_zh"]),
        "outcome_label": _pair(*outcome_pair(finding["outcome"])),
        "reason": _pair(finding["reason_en"], finding["reason_zh"]),
        "check_lines": [
            {
                "outcome": c["outcome"],
                "outcome_label": _pair(*outcome_pair(c["outcome"]))["first"],
                "text": _pair(
                    f"{c['subject']}: {c['reason_en']}", f"{c.get('subject_zh') or c['subject']}：{c['reason_zh']}"
                ),
            }
            for c in finding["checks"]
        ],
        "missing_labels": [{"path": m, **_pair(*fact_label(m, case))} for m in finding["missing_facts"]],
        "authorities": [_pair(a["name_en"], a["name_zh"]) for a in finding["needs_determination_by"]],
    }


def _context(request, *, case: dict, ruleset: str, day: date, error=None, answer_errors=None, product=None):
    ctx: dict[str, Any] = {
        "case": case,
        "state": json.dumps(case, ensure_ascii=False, sort_keys=False),
        "state_pretty": json.dumps(case, ensure_ascii=False, indent=2),
        "ruleset": ruleset,
        "rulesets": RULESET_NAMES,
        "as_of": day.isoformat(),
        "error": error,
        "product": product,
        "determination": None,
        "questions": [],
        "answer_errors": answer_errors or {},
    }
    if error is None:
        try:
            determination = assess(case, as_of=day, ruleset=ruleset)
        except InputError as exc:
            ctx["error"] = _error(exc)
        else:
            data = determination_to_dict(determination)
            findings = {f["rule"]: f for f in data["findings"]}
            groups = []
            for node in data["explanation"]["children"]:
                if node["kind"] != "group" or not node["children"]:
                    continue
                groups.append(
                    {
                        "key": node["key"],
                        "label": _pair(node["label_en"], node["label_zh"]),
                        "findings": [_finding_view(findings[child["key"]], case) for child in node["children"]],
                    }
                )
            ctx["determination"] = data
            ctx["outcome_label"] = _pair(*outcome_pair(data["outcome"]))
            ctx["summary"] = _pair(data["explanation"]["text_en"], data["explanation"]["text_zh"])
            ctx["groups"] = groups
            ctx["notes"] = [_pair(n["text_en"], n["text_zh"]) for n in data["notes"]]
            lang = _lang()
            ctx["questions"] = [q.in_language(lang, answer_errors) for q in questions_for(determination, case)]
            ctx["first_awaited"] = next((q.path for q in ctx["questions"] if q.awaited_from), None)
            ctx["awaited_heading"] = AWAITED_HEADING.get(lang)
    return ctx


def _render(request, ctx: dict):
    """The whole page, or only the step (htmx). A refused answer is a 400, except for htmx (which swaps
    only 2xx answers) — the step then shows the error in place."""
    htmx = bool(getattr(request, "htmx", False))
    refused = bool(ctx.get("error") or ctx.get("answer_errors"))
    if not htmx:
        ctx["products"] = list(selectors.product_list(scope=scope_for(request.user)).order_by("name_en")[:500])
    template = "web/wizard_step.html" if htmx else "web/wizard.html"
    return render(request, template, ctx, status=400 if refused and not htmx else 200)


@page_view
def wizard(request):
    """GET: start (empty, or ``?product=<id>``); POST: apply the answers and re-assess."""
    today = clock.today()
    if request.method != "POST":
        case: dict = {}
        product = None
        if request.GET.get("product"):
            case, product = _product_case(request, request.GET["product"])
        day = date.fromisoformat(case.pop("as_of")) if case.get("as_of") else today
        try:
            ruleset, chosen, _language = _options(request.GET)
        except InputError as exc:
            ctx = _context(
                request, case=case, ruleset=default_ruleset(day), day=day, error=_error(exc), product=product
            )
            return _render(request, ctx)
        return _render(request, _context(request, case=case, ruleset=ruleset, day=chosen or day, product=product))

    data = request.POST
    try:
        case = case_from_json(data.get("state"))
        ruleset, day, _language = _options(data)
    except InputError as exc:
        return _render(
            request,
            _context(request, case={}, ruleset=default_ruleset(today), day=today, error=_error(exc)),
        )
    day = day or today
    if data.get("edited") == "1":
        # the case was edited as JSON: take it as it is, ask again
        return _render(request, _context(request, case=case, ruleset=ruleset, day=day))
    try:
        before = assess(case, as_of=day, ruleset=ruleset)
    except InputError as exc:
        return _render(request, _context(request, case=case, ruleset=ruleset, day=day, error=_error(exc)))
    questions = questions_for(before, case)
    try:
        updated = apply_answers(case, questions, data)
        parse_case(updated)
    except AnswerErrors as exc:
        errors = exc.in_language(_lang())
        return _render(request, _context(request, case=case, ruleset=ruleset, day=day, answer_errors=errors))
    except InputError as exc:
        ctx = _context(request, case=case, ruleset=ruleset, day=day)
        ctx["error"] = _error(exc)
        return _render(request, ctx)
    return _render(request, _context(request, case=updated, ruleset=ruleset, day=day))


@page_view
def wizard_pdf(request):
    """The bilingual PDF report of the wizard's current case (POST: the case travels in the form)."""
    from bioseg.reporting.assessment_pdf import assessment_pdf, pdf_filename

    if request.method != "POST":  # a bookmarked or reloaded PDF link: back to the wizard, not an empty 405
        return redirect("web:wizard")
    try:
        case = case_from_json(request.POST.get("state"))
        ruleset, day, lang = _options(request.POST)
        determination = assess(case, as_of=day or clock.today(), ruleset=ruleset)
    except InputError as exc:
        return _render(
            request,
            _context(request, case={}, ruleset=default_ruleset(None), day=clock.today(), error=_error(exc)),
        )
    response = HttpResponse(assessment_pdf(determination, case=case, lang=lang), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{pdf_filename(determination)}"'
    return response


def _wizard_shortcuts(request, scope) -> list[Shortcut]:
    return [Shortcut(_("Check eligibility"), "web:wizard")]


if _wizard_shortcuts not in SHORTCUT_PROVIDERS:
    SHORTCUT_PROVIDERS.append(_wizard_shortcuts)
