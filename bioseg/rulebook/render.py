"""Render a determination as a JSON-ready dict, a JSON string, or readable text in Chinese or English."""

from __future__ import annotations

import enum
import json
from datetime import date
from typing import Any

from .model import OUTCOME_LABELS, Citation, Determination, ExplanationNode, Finding, Outcome, Overall

_SCALARS = (str, int, float, bool, type(None))
_VALUE = {member: member.value for member in (*Outcome, *Overall)}  # enum .value is slow in 3.11


def plain(value: Any) -> Any:
    """A JSON-ready copy of a fact value (dates as ISO strings, enums as their values)."""
    kind = type(value)
    if kind in _SCALARS:
        return value
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    return str(value)


_CITATIONS: dict[int, tuple[Citation, dict[str, Any]]] = {}


def citation_to_dict(citation: Citation) -> dict[str, Any]:
    """The citation as a dict, computed once per citation object (treat the result as read-only)."""
    entry = _CITATIONS.get(id(citation))
    if entry is None or entry[0] is not citation:
        entry = (citation, citation.as_dict())
        _CITATIONS[id(citation)] = entry
    return entry[1]


_STATIC: dict[tuple[str, str], tuple[tuple[Citation, ...], list[dict[str, Any]], str | None]] = {}


def _static_parts(finding: Finding) -> tuple[list[dict[str, Any]], str | None]:
    """Citations and end date of a rule version, rendered once (treat as read-only)."""
    key = (finding.rule, finding.rule_version)
    entry = _STATIC.get(key)
    if entry is None or entry[0] is not finding.citations:
        until = finding.effective_until.isoformat() if finding.effective_until else None
        entry = (finding.citations, [citation_to_dict(c) for c in finding.citations], until)
        _STATIC[key] = entry
    return entry[1], entry[2]


def finding_to_dict(finding: Finding) -> dict[str, Any]:
    citations, until = _static_parts(finding)
    return {
        "rule": finding.rule,
        "rule_version": finding.rule_version,
        "title_en": finding.title_en,
        "title_zh": finding.title_zh,
        "outcome": _VALUE[finding.outcome],
        "reason_en": finding.reason_en,
        "reason_zh": finding.reason_zh,
        "citations": citations,
        "facts": {path: plain(value) for path, value in finding.facts},
        "missing_facts": list(finding.missing_facts),
        "needs_determination_by": [a.as_dict() for a in finding.needs_determination_by],
        "awaited_facts": list(finding.awaited_facts),
        "regulator_determination": (
            finding.regulator_determination.as_dict() if finding.regulator_determination is not None else None
        ),
        "checks": [
            {
                "subject": c.subject,
                "subject_zh": c.subject_zh or c.subject,
                "outcome": _VALUE[c.outcome],
                "reason_en": c.reason_en,
                "reason_zh": c.reason_zh,
            }
            for c in finding.checks
        ],
        "effective_from": finding.rule_version,  # a version is named by its first day
        "effective_until": until,
    }


def explanation_to_dict(node: ExplanationNode) -> dict[str, Any]:
    return {
        "kind": node.kind,
        "key": node.key,
        "label_en": node.label_en,
        "label_zh": node.label_zh,
        "outcome": node.outcome,
        "text_en": node.text_en,
        "text_zh": node.text_zh,
        "children": [explanation_to_dict(child) for child in node.children],
    }


def determination_to_dict(determination: Determination) -> dict[str, Any]:
    """The JSON shape served by ``bioseg assess --format json`` and ``POST /api/v1/assessments``."""
    label_en, label_zh = OUTCOME_LABELS[determination.outcome]
    return {
        "outcome": str(determination.outcome),
        "outcome_en": label_en,
        "outcome_zh": label_zh,
        "ruleset": determination.ruleset,
        "ruleset_version": determination.ruleset_version,
        "as_of": determination.as_of.isoformat(),
        "missing_facts": list(determination.missing_facts),
        "awaited_facts": list(determination.awaited_facts),
        "findings": [finding_to_dict(f) for f in determination.findings],
        "notes": [{"key": n.key, "text_en": n.text_en, "text_zh": n.text_zh} for n in determination.notes],
        "explanation": explanation_to_dict(determination.explanation),
    }


def render_json(determination: Determination, *, indent: int | None = 2) -> str:
    return json.dumps(determination_to_dict(determination), ensure_ascii=False, indent=indent, sort_keys=False)


_MARK = {
    Outcome.PASS: "✔",
    Outcome.FAIL: "✘",
    Outcome.UNDETERMINED: "?",
    Outcome.NOT_APPLICABLE: "–",
}

_TEXT = {
    "en": {
        "title": "Assessment",
        "ruleset": "Ruleset",
        "as_of": "As of",
        "outcome": "Outcome",
        "missing": "Missing facts",
        "decide": "To be determined by",
        "awaits": "Recorded once done",
        "cites": "Legal basis",
        "facts": "Facts read",
        "secondary": "secondary source — not the original text",
        "inference": "inference — to be checked",
        "notes": "Notes",
        "version": "version",
    },
    "zh": {
        "title": "评估结果",
        "ruleset": "规则集",
        "as_of": "评估日期",
        "outcome": "结论",
        "missing": "缺少的事实",
        "decide": "需由以下部门认定",
        "awaits": "办理后记录于",
        "cites": "依据",
        "facts": "所读取的事实",
        "secondary": "二手来源，非原文",
        "inference": "推断，待核实",
        "notes": "说明",
        "version": "版本",
    },
}


def _citation_lines(citation: Citation, lang: str) -> list[str]:
    t = _TEXT[lang]
    doc = citation.document
    if lang == "zh":
        head = f"《{doc.title_zh}》{citation.article_zh}".replace("《《", "《").replace("》》", "》")
        lines = [f"      · {head}"]
    else:
        lines = [f"      · {doc.title_en}, {citation.article_en}"]
    label = ""
    if citation.verification == "secondary":
        label = f" [{t['secondary']}]"
    elif citation.verification == "inference":
        label = f" [{t['inference']}]"
    lines.append(f"        「{citation.text_zh}」{label}")
    if lang == "en":
        lines.append(f"        “{citation.text_en}”")
    url = citation.url or doc.url
    if url:
        lines.append(f"        {url}")
    return lines


def render_text(determination: Determination, *, lang: str = "en", citations: bool = True) -> str:
    """A readable explanation in ``zh`` or ``en`` (the Chinese original of each citation is always shown)."""
    if lang not in _TEXT:
        raise ValueError(f"lang must be 'en' or 'zh', not {lang!r}")
    t = _TEXT[lang]
    zh = lang == "zh"
    root = determination.explanation
    label_en, label_zh = OUTCOME_LABELS[determination.outcome]
    out = [
        f"{t['title']}: {root.label_zh if zh else root.label_en}",
        f"{t['ruleset']}: {determination.ruleset} {t['version']} {determination.ruleset_version}",
        f"{t['as_of']}: {determination.as_of.isoformat()}",
        f"{t['outcome']}: {label_zh if zh else label_en} ({determination.outcome})",
        root.text_zh if zh else root.text_en,
        "",
    ]
    by_rule = {f.rule: f for f in determination.findings}
    for group in root.children:
        if group.kind != "group" or not group.children:
            continue
        out.append(group.label_zh if zh else group.label_en)
        for node in group.children:
            finding = by_rule[node.key]
            mark = _MARK[finding.outcome]
            title = finding.title_zh if zh else finding.title_en
            out.append(f"  {mark} {finding.rule} — {title}")
            out.append(f"      {finding.reason_zh if zh else finding.reason_en}")
            for check in finding.checks:
                out.append(
                    f"      {_MARK[check.outcome]} {check.subject_zh or check.subject}：{check.reason_zh}"
                    if zh
                    else f"      {_MARK[check.outcome]} {check.subject}: {check.reason_en}"
                )
            if finding.missing_facts:
                out.append(f"      {t['missing']}: {', '.join(finding.missing_facts)}")
            if finding.needs_determination_by:
                names = [a.name_zh if zh else a.name_en for a in finding.needs_determination_by]
                out.append(f"      {t['decide']}: {'、'.join(names) if zh else ', '.join(names)}")
            if finding.awaited_facts:
                out.append(f"      {t['awaits']}: {', '.join(finding.awaited_facts)}")
            if citations and finding.citations:
                out.append(f"      {t['cites']}:")
                for citation in finding.citations:
                    out.extend(_citation_lines(citation, lang))
        out.append("")
    if determination.notes:
        out.append(t["notes"])
        for note in determination.notes:
            out.append(f"  • {note.text_zh if zh else note.text_en}")
        out.append("")
    return "\n".join(out).rstrip() + "\n"
