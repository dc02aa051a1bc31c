"""The eligibility wizard: asks only for the facts that still matter.

Each step assesses the case (``bioseg.regulation.assess``); the determination's missing facts become the
next questions — a form generated from the fact paths and the case model's types (yes/no/unknown radios
for flags, date inputs, choices for categories, origins and stages, province selects for regions, rows for
lists). Answering re-assesses; "unknown" leaves a fact unknown (never false). The case travels in the form
(hidden JSON, editable under "the case as JSON"), so nothing is written to the database.

A user may start from a registry product in their scope (``?product=<id>``): the case is prefilled with
what the registry knows (``bioseg.pilots.facts.case_from_product``). "Download PDF" exports the bilingual
report (``bioseg.reporting.assessment_pdf``).
"""

from __future__ import annotations

import enum
import json
import types
import typing
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from pydantic import BaseModel

from bioseg.accounts.scope import scope_for
from bioseg.common import clock
from bioseg.common.errors import NotFound
from bioseg.common.regions import PROVINCES
from bioseg.registry import selectors
from bioseg.regulation import (
    RULESET_NAMES,
    Case,
    InputError,
    assess,
    determination_to_dict,
    get_ruleset,
    parse_case,
    ruleset_for,
)
from bioseg.regulation.case import CATEGORY_LABELS, ORIGIN_LABELS, Category, Origin, Stage
from bioseg.regulation.labels import FACT_LABELS as FIELD_LABELS
from bioseg.regulation.labels import STAGE_LABELS, fact_label, generic_path, parse_path
from bioseg.web.labels import is_zh, outcome_pair
from bioseg.web.views.common import page_view
from bioseg.web.views.dashboard import SHORTCUT_PROVIDERS, Shortcut

CHOICE_LABELS: dict[type, dict] = {Category: CATEGORY_LABELS, Origin: ORIGIN_LABELS, Stage: STAGE_LABELS}

SECTION_LABELS: dict[str, tuple[str, str]] = {
    "product": ("Product", "产品"),
    "holder": ("Holder", "持有人"),
    "segments": ("Segments", "生产阶段"),
    "contract_manufacturers": ("Contract manufacturers", "受托生产企业"),
    "stationed_personnel": ("Stationed personnel", "派驻人员"),
    "joint_regulatory_plan": ("Regulators", "监管部门"),
    "nmpa_consent": ("Regulators", "监管部门"),
    "pilot_approval": ("Regulators", "监管部门"),
    "application": ("Application", "申请"),
}

# For a list that is not known at all, ask only what identifies its rows; the rest follows if it matters.
LIST_ROW_FIELDS = {
    "segments": ("stage", "enterprise", "region"),
    "contract_manufacturers": ("name",),
    "stationed_personnel": ("name", "qualified", "stationed_at"),
}
LIST_ROWS = {"segments": 3, "contract_manufacturers": 2, "stationed_personnel": 4}
ABROAD_CODES = ("HK", "MO", "TW")
MAX_STATE = 200_000  # characters of case JSON accepted back from the browser


# ------------------------------------------------------------------------------------------------ fact paths


def _unwrap(annotation: Any) -> Any:
    """``X | None`` → X, ``Annotated[X, ...]`` → X (keeping list[...] as is)."""
    while True:
        origin = typing.get_origin(annotation)
        if origin in (typing.Union, types.UnionType):
            args = [a for a in typing.get_args(annotation) if a is not type(None)]
            annotation = args[0]
        elif origin is typing.Annotated:
            annotation = typing.get_args(annotation)[0]
        else:
            return annotation


def field_type(path: str) -> tuple[str, Any]:
    """The kind of the fact at ``path`` and its Python type: bool | date | choice | region | regions | text |
    list | model."""
    current: Any = Case
    parts = [p for p in parse_path(path) if isinstance(p, str)]
    annotation: Any = Case
    for i, part in enumerate(parts):
        model = _unwrap(current)
        if typing.get_origin(model) is list:
            model = _unwrap(typing.get_args(model)[0])
        annotation = _unwrap(model.model_fields[part].annotation)
        current = annotation
        if i == len(parts) - 1:
            break
    last = parts[-1] if parts else ""
    if typing.get_origin(annotation) is list:
        item = _unwrap(typing.get_args(annotation)[0])
        if isinstance(item, type) and issubclass(item, BaseModel):
            # a list the path indexes into is a row; otherwise the whole list
            return ("list", item)
        return ("regions", str)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return ("model", annotation)
    if annotation is bool:
        return ("bool", bool)
    if annotation is date:
        return ("date", date)
    if isinstance(annotation, type) and issubclass(annotation, enum.Enum):
        return ("choice", annotation)
    if last in ("region",):
        return ("region", str)
    return ("text", str)


# ------------------------------------------------------------------------------------------------ questions


def _pair(en: str, zh: str) -> dict[str, str]:
    first, second = (zh, en) if is_zh() else (en, zh)
    return {"en": en, "zh": zh, "first": first, "second": second if second != first else ""}


def field_label(path: str) -> dict[str, str]:
    key = generic_path(path)
    if key in FIELD_LABELS:
        return _pair(*FIELD_LABELS[key])
    return _pair(key, key)


def _choices(kind: str, py: Any, case: dict) -> list[dict[str, str]]:
    if kind == "choice":
        labels = CHOICE_LABELS.get(py, {})
        out = []
        for member in py:
            en, zh = labels.get(member, (member.value, member.value))
            pair = _pair(en, zh)
            out.append({"value": member.value, "label": f"{pair['first']} · {pair['second']}".strip(" ·")})
        return out
    if kind in ("region", "regions"):
        out = []
        for p in PROVINCES:
            if p.code in ("710000", "810000", "820000"):
                continue
            out.append({"value": p.code, "label": (p.name_zh if is_zh() else f"{p.name_en} {p.name_zh}")})
        return out
    return []


@dataclass
class Input:
    """One form control of a question."""

    name: str  # the form field: "f:" + fact path
    path: str
    kind: str
    label: dict[str, str]
    choices: list[dict[str, str]] = field(default_factory=list)
    value: Any = None
    error: str = ""


@dataclass
class Question:
    path: str  # the missing fact as the rules name it
    kind: str  # a single input kind, or "list" (rows of inputs) or "group" (several inputs)
    label: dict[str, str]
    section: dict[str, str]
    rules: list[str]
    inputs: list[Input] = field(default_factory=list)
    rows: list[list[Input]] = field(default_factory=list)
    none_name: str = ""  # for lists: the "there are none" checkbox


def _subject(path: str, case: dict) -> str:
    """How a question about one list entry names the entry (its name or its position)."""
    parts = parse_path(path)
    if len(parts) >= 2 and isinstance(parts[1], tuple):
        return parts[1][1]
    if len(parts) >= 2 and isinstance(parts[1], int):
        items = case.get(parts[0]) or []
        entry = items[parts[1]] if parts[1] < len(items) and isinstance(items[parts[1]], dict) else {}
        if parts[0] == "segments":
            bits = [entry.get("enterprise"), _stage_label(entry.get("stage"))]
            text = " · ".join(b for b in bits if b)
            return f"#{parts[1] + 1}" + (f" {text}" if text else "")
        return entry.get("name") or f"#{parts[1] + 1}"
    return ""


def _stage_label(value: str | None) -> str:
    if not value:
        return ""
    en, zh = STAGE_LABELS.get(value, (value, value))
    return zh if is_zh() else en


def _cmo_names(case: dict) -> list[str]:
    names: dict[str, None] = {}
    for entry in case.get("contract_manufacturers") or []:
        if isinstance(entry, dict) and entry.get("name"):
            names.setdefault(entry["name"], None)
    holder = ((case.get("holder") or {}).get("name") or "").strip().casefold()
    for segment in case.get("segments") or []:
        name = segment.get("enterprise") if isinstance(segment, dict) else None
        if name and name.strip().casefold() != holder:
            names.setdefault(name, None)
    return list(names)


def _involved_provinces(case: dict) -> list[str]:
    codes: list[str] = []
    regions = [(case.get("holder") or {}).get("region")]
    regions += [s.get("region") for s in case.get("segments") or [] if isinstance(s, dict)]
    for region in regions:
        if isinstance(region, str) and region.isdigit() and len(region) == 6:
            province = region[:2] + "0000"
            if province not in codes and province not in ("710000", "810000", "820000"):
                codes.append(province)
    return codes


def _input(path: str, case: dict, *, label: dict[str, str] | None = None) -> Input:
    kind, py = field_type(path)
    choices = _choices(kind, py, case)
    if generic_path(path) == "stationed_personnel.stationed_at":
        names = _cmo_names(case)
        if names:
            kind, choices = "choice", [{"value": n, "label": n} for n in names]
    if kind == "regions":
        involved = _involved_provinces(case)
        if involved:
            choices = [c for c in choices if c["value"] in involved]
    return Input(name=f"f:{path}", path=path, kind=kind, label=label or field_label(path), choices=choices)


def questions_for(determination, case: dict) -> list[Question]:
    """One question per missing fact of the determination, in rule order."""
    asked_by: dict[str, list[str]] = {}
    for finding in determination.findings:
        for path in finding.missing_facts:
            asked_by.setdefault(path, []).append(finding.rule)
    out: list[Question] = []
    for path in determination.missing_facts:
        parts = parse_path(path)
        top = parts[0] if parts and isinstance(parts[0], str) else ""
        section = _pair(*SECTION_LABELS.get(top, (top, top)))
        label = field_label(path)
        subject = _subject(path, case)
        if subject:
            label = {**label, "first": f"{subject}{'：' if is_zh() else ': '}{label['first']}"}
        kind, py = field_type(path)
        q = Question(path=path, kind=kind, label=label, section=section, rules=asked_by.get(path, []))
        if kind == "list":
            fields = LIST_ROW_FIELDS.get(top) or tuple(
                n for n in py.model_fields if field_type(f"{path}[0].{n}")[0] not in ("list", "model")
            )
            existing = len(case.get(top) or []) if isinstance(case.get(top), list) else 0
            for i in range(existing, existing + LIST_ROWS.get(top, 3)):
                q.rows.append([_input(f"{path}[{i}].{n}", case, label=field_label(f"{path}.{n}")) for n in fields])
            q.none_name = f"none:{path}"
        elif kind == "model":
            q.kind = "group"
            for name in py.model_fields:
                sub = f"{path}.{name}"
                if field_type(sub)[0] not in ("list", "model"):
                    q.inputs.append(_input(sub, case))
        else:
            q.inputs.append(_input(path, case, label=label))
        out.append(q)
    return out


# ------------------------------------------------------------------------------------------------ answers


class AnswerError(Exception):
    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


def _parse_value(kind: str, raw: list[str], choices: list[str] | None = None) -> tuple[bool, Any]:
    """(given, value) for one input; ``given`` is False when the answer is "unknown" / left blank."""
    values = [v.strip() for v in raw if v is not None and v.strip() != ""]
    if kind == "regions":
        if "none" in values:
            return True, []
        return (True, values) if values else (False, None)
    if not values:
        return False, None
    value = values[0]
    if kind == "bool":
        if value not in ("true", "false"):
            raise ValueError(str(_("Answer yes, no or unknown.")))
        return True, value == "true"
    if kind == "date":
        try:
            return True, date.fromisoformat(value).isoformat()
        except ValueError:
            raise ValueError(str(_("Enter a date as YYYY-MM-DD."))) from None
    if kind == "region":
        return True, value.upper() if value.isalpha() else value
    return True, value


def _resolve(container: Any, part: Any, create_next: Any) -> Any:
    if isinstance(part, tuple):  # [name="X"] within a list of dicts
        key, wanted = part
        for entry in container:
            if isinstance(entry, dict) and (entry.get(key) or "").strip().casefold() == wanted.strip().casefold():
                return entry
        entry = {key: wanted}
        container.append(entry)
        return entry
    if isinstance(part, int):
        while len(container) <= part:
            container.append({})
        if container[part] is None:
            container[part] = {}
        return container[part]
    if container.get(part) is None:
        container[part] = create_next()
    return container[part]


def set_fact(case: dict, path: str, value: Any) -> None:
    """Set the fact at ``path`` in the case dict, creating the objects and list entries on the way."""
    parts = parse_path(path)
    target: Any = case
    for i, part in enumerate(parts[:-1]):
        following = parts[i + 1]
        target = _resolve(target, part, (lambda f=following: [] if not isinstance(f, str) else {}))
    last = parts[-1]
    if isinstance(last, str):
        target[last] = value
    else:  # a path ending in an index or a selector: the entry itself
        entry = _resolve(target, last, dict)
        if isinstance(value, dict):
            entry.update(value)


def apply_answers(case: dict, questions: list[Question], data) -> dict:
    """A copy of ``case`` with the posted answers; raises :class:`AnswerError` naming the bad inputs."""
    new = json.loads(json.dumps(case))
    errors: dict[str, str] = {}
    for q in questions:
        if q.kind == "list":
            top = q.path
            rows = []
            for row in q.rows:
                entry: dict[str, Any] = {}
                for inp in row:
                    try:
                        given, value = _parse_value(inp.kind, data.getlist(inp.name))
                    except ValueError as exc:
                        errors[inp.name] = str(exc)
                        continue
                    if given:
                        entry[generic_path(inp.path).split(".")[-1]] = value
                if entry:
                    rows.append(entry)
            if rows:
                set_fact(new, top, rows)  # the list was unknown: these are its entries
            elif data.get(q.none_name):
                set_fact(new, top, [])
            continue
        for inp in q.inputs:
            try:
                given, value = _parse_value(inp.kind, data.getlist(inp.name))
            except ValueError as exc:
                errors[inp.name] = str(exc)
                continue
            if given:
                set_fact(new, inp.path, value)
    if errors:
        raise AnswerError(errors)
    return new


# ------------------------------------------------------------------------------------------------ state


def _load_state(raw: str | None) -> dict:
    if not raw:
        return {}
    if len(raw) > MAX_STATE:
        raise InputError("case_too_large", "the case is too large", "案例过大", field="state")
    try:
        data = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise InputError(
            "case_json_malformed",
            f"the case is not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})",
            f"案例不是有效的 JSON（第{exc.lineno}行第{exc.colno}列：{exc.msg}）",
            field="state",
        ) from None
    if not isinstance(data, dict):
        raise InputError("case_not_a_mapping", "the case must be a JSON object", "案例必须是 JSON 对象", field="state")
    parse_case({k: v for k, v in data.items() if k != "as_of"})
    return data


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
    lang = "zh" if is_zh() else "en"
    return ruleset or default_ruleset(day), day, lang


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
            questions = questions_for(determination, case)
            for q in questions:
                for inp in [*q.inputs, *(i for row in q.rows for i in row)]:
                    if answer_errors and inp.name in answer_errors:
                        inp.error = answer_errors[inp.name]
            ctx["questions"] = questions
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
            ruleset, chosen, _lang = _options(request.GET)
        except InputError as exc:
            ctx = _context(
                request, case=case, ruleset=default_ruleset(day), day=day, error=_error(exc), product=product
            )
            return _render(request, ctx)
        return _render(request, _context(request, case=case, ruleset=ruleset, day=chosen or day, product=product))

    data = request.POST
    try:
        case = _load_state(data.get("state"))
        ruleset, day, _lang = _options(data)
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
    except AnswerError as exc:
        return _render(request, _context(request, case=case, ruleset=ruleset, day=day, answer_errors=exc.errors))
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
        case = _load_state(request.POST.get("state"))
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
