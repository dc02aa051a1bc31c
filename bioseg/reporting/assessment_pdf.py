"""The bilingual determination report (评估报告) as a PDF, drawn with ReportLab.

The report holds:

1. a cover: the case, the assessment date, the ruleset (id, version, title) and the overall outcome;
2. the findings table: rule id, outcome, reason in Chinese and English;
3. the explanation tree (groups → findings → sub-checks, and the notes on how the rulesets relate);
4. per rule: its citations (document, article, the Chinese original, the English rendering, how well the
   text is known) with the facts it read;
5. the missing facts and who must decide.

Set with the shared PDF kit (``bioseg.reporting.pdf``: embedded CJK font, metadata, wrapped footer with
page x of y). No Django import: the same determination and ``generated_at`` always give the same bytes.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from reportlab.lib import colors
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import KeepTogether, PageBreak, Paragraph, Spacer

from bioseg.reporting import pdf
from bioseg.reporting.pdf import Markup, mono, table
from bioseg.reporting.pdf import text as _t
from bioseg.rulebook import OUTCOME_LABELS, Determination, Finding
from bioseg.rulebook.render import plain

OUTCOME_COLOURS = {
    "pass": colors.HexColor("#1b7f3b"),
    "fail": colors.HexColor("#b3261e"),
    "undetermined": colors.HexColor("#9a6700"),
    "not_applicable": colors.HexColor("#5f6368"),
    "eligible": colors.HexColor("#1b7f3b"),
    "ineligible": colors.HexColor("#b3261e"),
    "incomplete": colors.HexColor("#9a6700"),
    "needs_determination": colors.HexColor("#9a6700"),
}

VERIFICATION_LABELS = {
    "verified": ("original text", "原文"),
    "secondary": ("secondary source — not the original text", "二手来源，非原文"),
    "inference": ("inference — to be checked", "推断，待核实"),
}

LABELS = {
    "title": ("Segmented-production assessment report", "生物制品分段生产评估报告"),
    "case": ("Case", "案例"),
    "product": ("Product", "产品"),
    "holder": ("Holder", "持有人"),
    "as_of": ("Assessment date", "评估日期"),
    "ruleset": ("Ruleset", "规则集"),
    "version": ("version", "版本"),
    "outcome": ("Overall outcome", "总体结论"),
    "counts": ("Findings", "各规则结论"),
    "findings": ("Findings", "逐条结论"),
    "rule": ("Rule", "规则"),
    "result": ("Outcome", "结论"),
    "reason": ("Reason", "理由"),
    "tree": ("Explanation", "说明树"),
    "basis": ("Legal basis per rule", "各规则的法律依据"),
    "effective": ("in force", "施行期间"),
    "open_ended": ("open-ended", "至今"),
    "facts": ("Facts read", "所读取的事实"),
    "missing": ("Missing facts", "缺少的事实"),
    "missing_none": ("No fact is missing.", "无缺少的事实。"),
    "decide": ("Who must decide", "需由以下部门认定"),
    "decide_none": ("No question awaits a regulator.", "无需监管部门认定的事项。"),
    "needed_by": ("needed by", "所需规则"),
    "notes": ("Notes", "说明"),
    "unknown": ("unknown", "未知"),
    "page": ("page", "第页"),
    "footer": (
        "bioseg — same inputs, same determination; the ruleset version and date above reproduce it.",
        "bioseg——相同输入得出相同结论；凭上述规则集版本与评估日期可复现。",
    ),
}


def _styles() -> dict[str, ParagraphStyle]:
    st = pdf.styles()
    st["small"] = ParagraphStyle("small", parent=st["base"], fontSize=8, leading=10.5)
    st["muted"] = ParagraphStyle("muted", parent=st["small"], textColor=pdf.GREY)
    st["title"] = ParagraphStyle("title", parent=st["base"], fontSize=18, leading=24, spaceAfter=4)
    st["subtitle"] = ParagraphStyle("subtitle", parent=st["base"], fontSize=12, leading=16, spaceAfter=12)
    st["h1"] = ParagraphStyle("h1", parent=st["base"], fontSize=13, leading=18, spaceBefore=10, spaceAfter=6)
    st["mono"] = ParagraphStyle("mono", parent=st["mono"], fontSize=6.5, leading=9)
    return st


class _Labels(pdf.Labels):
    """The kit's bilingual labels, with this report's label table and outcome words."""

    def __call__(self, key: str, sep: str = " / ") -> str:
        en, zh = LABELS[key]
        return self.pair(en, zh, sep)

    def outcome(self, value: str) -> str:
        en, zh = OUTCOME_LABELS[value]
        return f"{self.pair(en, zh)} ({value})"


def _coloured(value: str, text: str) -> str:
    """``text`` (already markup) in the colour of an outcome."""
    colour = OUTCOME_COLOURS.get(value, colors.black).hexval()[2:]
    return Markup(f'<font color="#{colour}">{text}</font>')


def _case_summary(case: Any) -> dict[str, str | None]:
    """Name, product and holder of a case (a ``Case`` or a mapping), if known."""
    if case is None:
        return {"name": None, "product": None, "holder": None}
    if hasattr(case, "model_dump"):
        case = case.model_dump(mode="json")
    product = case.get("product") or {}
    holder = case.get("holder") or {}
    return {"name": case.get("name"), "product": product.get("name"), "holder": holder.get("name")}


# ---------------------------------------------------------------------------------------------- sections


def _cover(det: Determination, case: Any, L: _Labels, st: dict[str, ParagraphStyle]) -> list:
    root = det.explanation
    info = _case_summary(case)
    outcome = str(det.outcome)
    flow: list = [
        Paragraph(_t(LABELS["title"][1]), st["title"]),
        Paragraph(_t(LABELS["title"][0]), st["subtitle"]),
    ]
    rows = []
    for key, value in (("case", info["name"]), ("product", info["product"]), ("holder", info["holder"])):
        if value:
            rows.append([Paragraph(_t(L(key)), st["cell"]), Paragraph(_t(value), st["cell"])])
    rows += [
        [Paragraph(_t(L("as_of")), st["cell"]), Paragraph(_t(det.as_of.isoformat()), st["cell"])],
        [
            Paragraph(_t(L("ruleset")), st["cell"]),
            Paragraph(
                _t(f"{det.ruleset} ({L('version')} {det.ruleset_version})")
                + "<br/>"
                + _t(L.pair(root.label_en.split(" — ")[0], root.label_zh.split("——")[0])),
                st["cell"],
            ),
        ],
        [Paragraph(_t(L("outcome")), st["cell"]), Paragraph(_coloured(outcome, _t(L.outcome(outcome))), st["cell"])],
    ]
    counts: dict[str, int] = {}
    for finding in det.findings:
        counts[str(finding.outcome)] = counts.get(str(finding.outcome), 0) + 1
    summary = "; ".join(
        f"{L.pair(*OUTCOME_LABELS[k], sep='/')} {counts[k]}"
        for k in ("fail", "undetermined", "pass", "not_applicable")
        if k in counts
    )
    rows.append([Paragraph(_t(L("counts")), st["cell"]), Paragraph(_t(summary), st["cell"])])
    cover = table(rows, [40 * mm, 130 * mm], st, header=False)
    flow += [cover, Spacer(1, 8)]
    flow.append(
        Paragraph(
            _coloured(outcome, _t(OUTCOME_LABELS[outcome][1] + " · " + OUTCOME_LABELS[outcome][0])), st["outcome"]
        )
    )
    first, second = L.order(root.text_en, root.text_zh)
    flow += [Paragraph(_t(first), st["base"]), Paragraph(_t(second), st["base"])]
    return flow


def _findings_table(det: Determination, L: _Labels, st: dict[str, ParagraphStyle]) -> list:
    head = [Paragraph(_t(L(k)), st["head"]) for k in ("rule", "result", "reason")]
    rows = [head]
    for f in det.findings:
        value = str(f.outcome)
        first, second = L.order(f.reason_en, f.reason_zh)
        rows.append(
            [
                Paragraph(_t(f.rule), st["mono"]),
                Paragraph(_coloured(value, _t(OUTCOME_LABELS[value][1]) + "<br/>" + _t(value)), st["cell"]),
                Paragraph(_t(first) + "<br/>" + _t(second), st["cell"]),
            ]
        )
    findings = table(rows, [58 * mm, 27 * mm, 85 * mm], st)
    return [Paragraph(_t(L("findings")), st["h1"]), findings]


def _tree(det: Determination, L: _Labels, st: dict[str, ParagraphStyle]) -> list:
    flow: list = [Paragraph(_t(L("tree")), st["h1"])]

    def walk(node, depth: int) -> None:
        if node.kind == "group" and not node.children:
            return
        indent = 12 * depth
        style = ParagraphStyle(f"tree{depth}", parent=st["small"], leftIndent=indent, spaceBefore=2)
        if node.kind == "determination":
            text = _t(L.pair(node.label_en, node.label_zh))
        elif node.kind == "group":
            text = "<b>" + _t(L.pair(node.label_en, node.label_zh)) + "</b>"
        elif node.kind == "finding":
            value = node.outcome or ""
            text = (
                _coloured(value, "[" + _t(value) + "]")
                + " "
                + mono(node.key)
                + " "
                + _t(L.pair(node.label_en, node.label_zh))
            )
        elif node.kind == "check":
            value = node.outcome or ""
            first, second = L.order(node.text_en, node.text_zh)
            text = _coloured(value, "[" + _t(value) + "]") + " " + _t(node.label_en) + ": " + _t(first)
            if second and second != first:
                text += " / " + _t(second)
        else:  # note
            first, second = L.order(node.text_en, node.text_zh)
            text = "• " + _t(first) + "<br/>" + _t(second)
        flow.append(Paragraph(text, style))
        for child in node.children:
            walk(child, depth + 1)

    walk(det.explanation, 0)
    return flow


def _citations(det: Determination, L: _Labels, st: dict[str, ParagraphStyle]) -> list:
    flow: list = [PageBreak(), Paragraph(_t(L("basis")), st["h1"])]
    for f in det.findings:
        block: list = [Paragraph(mono(f.rule) + " · " + _t(L.pair(f.title_en, f.title_zh)), st["h2"])]
        until = f.effective_until.isoformat() if f.effective_until else L("open_ended")
        block.append(
            Paragraph(
                _t(f"{L('version')} {f.rule_version}; {L('effective')} {f.effective_from.isoformat()} – {until}")
                + " · "
                + _coloured(str(f.outcome), _t(L.outcome(str(f.outcome)))),
                st["muted"],
            )
        )
        for c in f.citations:
            doc = c.document
            head = f"《{doc.title_zh}》{c.article_zh}".replace("《《", "《").replace("》》", "》")
            ver_en, ver_zh = VERIFICATION_LABELS.get(str(c.verification), (str(c.verification), str(c.verification)))
            block.append(Paragraph(_t(head) + " · " + _t(f"{doc.title_en}, {c.article_en}"), st["small"]))
            block.append(Paragraph("「" + _t(c.text_zh) + "」", st["quote"]))
            block.append(Paragraph("“" + _t(c.text_en) + "”", st["quote"]))
            extra = L.pair(ver_en, ver_zh)
            url = c.url or doc.url
            if url:
                extra += " · " + url
            note = L.pair(c.note_en, c.note_zh) if (c.note_en or c.note_zh) else ""
            block.append(Paragraph(_t(extra) + ("<br/>" + _t(note) if note else ""), st["muted"]))
        if f.facts:
            facts = "; ".join(f"{path} = {_fact(value, L)}" for path, value in f.facts)
            block.append(Paragraph(_t(L("facts")) + ": " + _t(facts), st["muted"]))
        flow.append(KeepTogether(block[:3]))
        flow += block[3:]
    return flow


def _fact(value: Any, L: _Labels) -> str:
    value = plain(value)
    if value is None:
        return L("unknown", "/")
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "[" + ", ".join(str(_fact(v, L)) for v in value) + "]"
    return str(value)


def _open_questions(det: Determination, L: _Labels, st: dict[str, ParagraphStyle]) -> list:
    flow: list = [Paragraph(_t(L("missing")), st["h1"])]
    needing: dict[str, list[str]] = {}
    for f in det.findings:
        for path in f.missing_facts:
            needing.setdefault(path, []).append(f.rule)
    if needing:
        for path, rules in needing.items():
            flow.append(
                Paragraph(
                    mono(path) + " — " + _t(L("needed_by") + ": " + ", ".join(rules)),
                    st["small"],
                )
            )
    else:
        flow.append(Paragraph(_t(L("missing_none")), st["small"]))
    flow.append(Paragraph(_t(L("decide")), st["h1"]))
    deciders: dict[str, tuple[Any, list[Finding]]] = {}
    for f in det.findings:
        for authority in f.needs_determination_by:
            deciders.setdefault(authority.code, (authority, []))[1].append(f)
    if deciders:
        for _code, (authority, findings) in deciders.items():
            flow.append(Paragraph("<b>" + _t(L.pair(authority.name_en, authority.name_zh)) + "</b>", st["small"]))
            for f in findings:
                first, second = L.order(f.reason_en, f.reason_zh)
                flow.append(
                    Paragraph(
                        mono(f.rule) + ": " + _t(first) + "<br/>" + _t(second),
                        ParagraphStyle("dec", parent=st["small"], leftIndent=12),
                    )
                )
    else:
        flow.append(Paragraph(_t(L("decide_none")), st["small"]))
    if det.notes:
        flow.append(Paragraph(_t(L("notes")), st["h1"]))
        for note in det.notes:
            first, second = L.order(note.text_en, note.text_zh)
            flow.append(Paragraph("• " + _t(first) + "<br/>" + _t(second), st["small"]))
    return flow


# ---------------------------------------------------------------------------------------------- document


def assessment_pdf(
    determination: Determination, *, case: Any = None, lang: str = "zh", generated_at: dt.datetime | None = None
) -> bytes:
    """The report as PDF bytes. ``case`` (a ``Case`` or a mapping, optional) names the case, product and
    holder on the cover; ``lang`` (``zh``/``en``) decides which language comes first — both are always there;
    ``generated_at`` (timezone-aware, default now) is the PDF's creation time.
    """
    labels = _Labels(lang)
    styles = _styles()
    info = _case_summary(case)
    det = determination
    flow: list = []
    flow += _cover(det, case, labels, styles)
    flow += _findings_table(det, labels, styles)
    flow += _open_questions(det, labels, styles)
    flow += [PageBreak()]
    flow += _tree(det, labels, styles)
    flow += _citations(det, labels, styles)
    return pdf.build_pdf(
        flow,
        info=pdf.DocumentInfo(
            title=f"{LABELS['title'][0]} — {info['name'] or det.ruleset} ({det.as_of.isoformat()})",
            subject=f"{LABELS['title'][1]} · {det.ruleset} {det.ruleset_version}: {det.outcome}",
            keywords=(det.ruleset, det.ruleset_version, str(det.outcome), det.as_of.isoformat()),
            lang=lang,
        ),
        footer=f"{det.ruleset} {det.ruleset_version} · {det.as_of.isoformat()} · {labels('footer')}",
        generated_at=generated_at,
    )


def write_assessment_pdf(
    determination: Determination,
    path: str | Path,
    *,
    case: Any = None,
    lang: str = "zh",
    generated_at: dt.datetime | None = None,
) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(assessment_pdf(determination, case=case, lang=lang, generated_at=generated_at))
    return path


def pdf_filename(determination: Determination, case: Any = None) -> str:
    """A safe file name for downloads, e.g. ``assessment-pilot2024-2025-06-30.pdf``."""
    return f"assessment-{determination.ruleset}-{determination.as_of.isoformat()}.pdf"


__all__ = ["assessment_pdf", "pdf_filename", "write_assessment_pdf"]
