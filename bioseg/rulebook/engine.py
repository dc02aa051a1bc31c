"""``evaluate(case, as_of, ruleset=...)``: run every rule in force, aggregate, explain.

The explanation tree and the overall outcome come from the same grouping of findings, so the tree can
never disagree with the decision.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from .errors import RuleDefinitionError, RulesetNotInForceError
from .model import (
    OUTCOME_LABELS,
    Check,
    Context,
    Determination,
    ExplanationNode,
    Finding,
    Outcome,
    Overall,
    RegulatorDetermination,
    Rule,
    Ruleset,
    Verdict,
)

# Groups of the explanation tree, in the order of precedence they decide the overall outcome.
GROUPS: tuple[tuple[str, str, str, Overall | None], ...] = (
    ("failed", "Rules that fail", "不符合的规则", Overall.INELIGIBLE),
    ("missing_facts", "Rules waiting for missing facts", "缺少事实、尚无法判断的规则", Overall.INCOMPLETE),
    (
        "needs_determination",
        "Rules a regulator must determine",
        "需由监管部门认定的规则",
        Overall.NEEDS_DETERMINATION,
    ),
    ("passed", "Rules that pass", "符合的规则", None),
    ("not_applicable", "Rules that do not apply", "不适用的规则", None),
)


_VALUE = {member: member.value for member in Outcome}


def _group_of(finding: Finding) -> str:
    if finding.outcome is Outcome.FAIL:
        return "failed"
    if finding.outcome is Outcome.UNDETERMINED:
        return "missing_facts" if finding.missing_facts else "needs_determination"
    if finding.outcome is Outcome.PASS:
        return "passed"
    return "not_applicable"


def _check_verdict(rule: Rule, verdict: Verdict) -> None:
    if not isinstance(verdict, Verdict):
        raise RuleDefinitionError(f"rule {rule.id} returned {type(verdict).__name__}, not a Verdict")
    if verdict.outcome is Outcome.UNDETERMINED:
        if not verdict.missing_facts and not verdict.needs_determination_by:
            raise RuleDefinitionError(
                f"rule {rule.id} is undetermined without naming a missing fact or who must determine it"
            )
        if verdict.awaited_facts and not verdict.needs_determination_by:
            raise RuleDefinitionError(f"rule {rule.id} awaits a regulator's act without naming the regulator")
    elif verdict.missing_facts or verdict.needs_determination_by or verdict.awaited_facts:
        raise RuleDefinitionError(
            f"rule {rule.id} decided {verdict.outcome} while reporting missing facts or a pending determination"
        )
    if not verdict.reason_en or not verdict.reason_zh:
        raise RuleDefinitionError(f"rule {rule.id} gave no reason in both languages")


def _applied(
    verdict: Verdict, recorded: RegulatorDetermination | None, as_of: date
) -> tuple[Verdict, RegulatorDetermination | None]:
    """The verdict once a regulator's recorded determination is read. It settles the rule only while the rule
    awaits that very regulator with nothing missing and nothing else awaited, and only from the day it was
    made; otherwise the rule keeps its own verdict and a check says why the determination was not applied."""
    if recorded is None:
        return verdict, None
    authority = next((a for a in verdict.needs_determination_by if a.code == recorded.authority), None)
    if recorded.determined_on > as_of:
        why = (
            f"A determination recorded on {recorded.determined_on.isoformat()} is later than this assessment.",
            f"认定日期（{recorded.determined_on.isoformat()}）晚于本次评估日期，未予适用。",
        )
    elif verdict.outcome is not Outcome.UNDETERMINED or authority is None:
        why = (
            f"A determination by {recorded.authority} is on record, but the rule no longer awaits it: the facts "
            "decide it.",
            "已有监管部门的认定记录，但本规则已不再等待该认定：由事实判断。",
        )
    elif verdict.missing_facts or verdict.awaited_facts:
        why = (
            "A regulator's determination is on record, but facts are still missing or another act is awaited.",
            "已有监管部门的认定记录，但仍缺少事实或尚待其他监管行为，未予适用。",
        )
    else:
        ref_en = f" ({recorded.reference})" if recorded.reference else ""
        ref_zh = f"（{recorded.reference}）" if recorded.reference else ""
        day = recorded.determined_on.isoformat()
        question = Check(
            "The question put to the regulator",
            Outcome.UNDETERMINED,
            verdict.reason_en,
            verdict.reason_zh,
            subject_zh="提请监管部门认定的问题",
        )
        settled = Verdict(
            recorded.outcome,
            f"{authority.name_en} determined on {day}{ref_en}: {recorded.text}",
            f"{authority.name_zh}于{day}认定{ref_zh}：{recorded.text}",
            facts=verdict.facts,
            checks=(*verdict.checks, question),
        )
        return settled, recorded
    note = Check("Regulator's determination on record", verdict.outcome, why[0], why[1], subject_zh="监管部门认定记录")
    return verdict._replace(checks=(*verdict.checks, note)), None


def _finding(rule: Rule, verdict: Verdict, recorded: RegulatorDetermination | None = None) -> Finding:
    return Finding(
        rule=rule.id,
        rule_version=rule.version,
        title_en=rule.title_en,
        title_zh=rule.title_zh,
        outcome=verdict.outcome,
        reason_en=verdict.reason_en,
        reason_zh=verdict.reason_zh,
        citations=rule.citations,
        facts=verdict.facts,
        missing_facts=verdict.missing_facts,
        needs_determination_by=verdict.needs_determination_by,
        checks=verdict.checks,
        effective_from=rule.effective_from,
        effective_until=rule.effective_until,
        awaited_facts=verdict.awaited_facts,
        regulator_determination=recorded,
    )


def _finding_node(finding: Finding) -> ExplanationNode:
    children = tuple(
        ExplanationNode(
            kind="check",
            key=f"{finding.rule}/{check.subject}",
            label_en=check.subject,
            label_zh=check.subject_zh or check.subject,
            outcome=_VALUE[check.outcome],
            text_en=check.reason_en,
            text_zh=check.reason_zh,
        )
        for check in finding.checks
    )
    return ExplanationNode(
        kind="finding",
        key=finding.rule,
        label_en=finding.title_en,
        label_zh=finding.title_zh,
        outcome=_VALUE[finding.outcome],
        text_en=finding.reason_en,
        text_zh=finding.reason_zh,
        children=children,
    )


def decide(findings: tuple[Finding, ...], ruleset: Ruleset, as_of: date, notes=()) -> Determination:
    """Aggregate findings into the overall outcome and the explanation tree."""
    buckets: dict[str, list[Finding]] = {key: [] for key, *_ in GROUPS}
    for finding in findings:
        buckets[_group_of(finding)].append(finding)

    overall = Overall.ELIGIBLE
    for key, _en, _zh, verdict in GROUPS:
        if verdict is not None and buckets[key]:
            overall = verdict
            break

    group_nodes = tuple(
        ExplanationNode(
            kind="group",
            key=key,
            label_en=f"{label_en} ({len(buckets[key])})",
            label_zh=f"{label_zh}（{len(buckets[key])}）",
            children=tuple(_finding_node(item) for item in buckets[key]),
        )
        for key, label_en, label_zh, _ in GROUPS
    )
    note_nodes = tuple(
        ExplanationNode(
            kind="note", key=note.key, label_en="Note", label_zh="说明", text_en=note.text_en, text_zh=note.text_zh
        )
        for note in notes
    )
    label_en, label_zh = OUTCOME_LABELS[overall]
    root = ExplanationNode(
        kind="determination",
        key=ruleset.id,
        label_en=f"{ruleset.title_en} — {label_en}",
        label_zh=f"{ruleset.title_zh}——{label_zh}",
        outcome=str(overall),
        text_en=_summary_en(overall, buckets),
        text_zh=_summary_zh(overall, buckets),
        children=group_nodes + note_nodes,
    )
    return Determination(
        outcome=overall,
        findings=findings,
        explanation=root,
        ruleset=ruleset.id,
        ruleset_version=ruleset.version,
        as_of=as_of,
        notes=tuple(notes),
    )


def _titles_en(findings: list[Finding]) -> str:
    """The rules by their titles, as a reader knows them (the ids are in the findings)."""
    return "; ".join(f"“{f.title_en}”" for f in findings)


def _titles_zh(findings: list[Finding]) -> str:
    return "、".join(f"“{f.title_zh}”" for f in findings)


def _summary_en(overall: Overall, buckets: dict[str, list[Finding]]) -> str:
    if overall is Overall.INELIGIBLE:
        failed = buckets["failed"]
        return f"Ineligible: {_titles_en(failed)} {'fails' if len(failed) == 1 else 'fail'}."
    if overall is Overall.INCOMPLETE:
        return f"Incomplete: facts are missing for {_titles_en(buckets['missing_facts'])}."
    if overall is Overall.NEEDS_DETERMINATION:
        return (
            f"A regulator must determine {_titles_en(buckets['needs_determination'])}; every other rule passes or "
            "does not apply."
        )
    return "Eligible: every rule in force passes or does not apply."


def _summary_zh(overall: Overall, buckets: dict[str, list[Finding]]) -> str:
    if overall is Overall.INELIGIBLE:
        return f"不符合条件：{_titles_zh(buckets['failed'])}不符合。"
    if overall is Overall.INCOMPLETE:
        return f"信息不完整：{_titles_zh(buckets['missing_facts'])}缺少事实。"
    if overall is Overall.NEEDS_DETERMINATION:
        return f"需由监管部门认定：{_titles_zh(buckets['needs_determination'])}；其余规则均符合或不适用。"
    return "符合条件：现行有效的全部规则均符合或不适用。"


def evaluate(
    case: Any,
    as_of: date,
    *,
    ruleset: Ruleset,
    determinations: Mapping[str, RegulatorDetermination] | None = None,
) -> Determination:
    """Evaluate ``case`` on ``as_of`` against every rule of ``ruleset`` in force that day.

    ``determinations`` (rule id → :class:`RegulatorDetermination`) are the regulators' recorded determinations:
    one settles its rule while the rule awaits that regulator (see :func:`_applied`).

    Raises :class:`RulesetNotInForceError` for a date before the ruleset's first day. Deterministic: the
    same case, date and ruleset always give an equal determination.
    """
    if as_of < ruleset.valid_from:
        raise RulesetNotInForceError(
            ruleset.id, as_of, ruleset.valid_from, ruleset.valid_from_reason_en, ruleset.valid_from_reason_zh
        )
    ctx = Context(as_of=as_of, parameters=ruleset.parameters)
    if ruleset.precheck is not None:
        ruleset.precheck(case, ctx)
    findings = []
    for rule in ruleset.in_force(as_of):
        verdict = rule.function(case, ctx)
        _check_verdict(rule, verdict)
        verdict, recorded = _applied(verdict, (determinations or {}).get(rule.id), as_of)
        findings.append(_finding(rule, verdict, recorded))
    notes = ruleset.notes(case, ctx) if ruleset.notes is not None else ()
    return decide(tuple(findings), ruleset, as_of, notes)
