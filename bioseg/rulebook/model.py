"""The vocabulary of the rules engine: outcomes, citations, verdicts, findings, rules, rulesets.

Everything here is an immutable value. Nothing imports Django or the regulation content: a ruleset is
handed to :func:`bioseg.rulebook.evaluate` by its caller (OpenFisca habit: the engine never imports the
rules package).
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any, NamedTuple


class Outcome(enum.StrEnum):
    """What one rule says about one case."""

    PASS = "pass"
    FAIL = "fail"
    UNDETERMINED = "undetermined"
    NOT_APPLICABLE = "not_applicable"


class Overall(enum.StrEnum):
    """What the whole ruleset says about one case (precedence: ineligible > incomplete >
    needs_determination > eligible)."""

    INELIGIBLE = "ineligible"
    INCOMPLETE = "incomplete"
    NEEDS_DETERMINATION = "needs_determination"
    ELIGIBLE = "eligible"


OUTCOME_LABELS: Mapping[str, tuple[str, str]] = {
    Outcome.PASS: ("pass", "符合"),
    Outcome.FAIL: ("fail", "不符合"),
    Outcome.UNDETERMINED: ("undetermined", "待定"),
    Outcome.NOT_APPLICABLE: ("not applicable", "不适用"),
    Overall.INELIGIBLE: ("ineligible", "不符合条件"),
    Overall.INCOMPLETE: ("incomplete — facts are missing", "信息不完整——缺少事实"),
    Overall.NEEDS_DETERMINATION: ("needs a regulator's determination", "需由监管部门认定"),
    Overall.ELIGIBLE: ("eligible", "符合条件"),
}


class Verification(enum.StrEnum):
    """How well the cited text is known (the register's [V]/[S]/[R] labels)."""

    VERIFIED = "verified"  # the Chinese original was read
    SECONDARY = "secondary"  # known from commentary or press; text_zh is a summary, not the original
    INFERENCE = "inference"  # recollection or inference, to be checked


@dataclass(frozen=True, slots=True)
class Document:
    """A legal or policy document that citations point into."""

    id: str
    title_zh: str
    title_en: str
    issuer_zh: str
    issuer_en: str
    issued_on: date | None = None
    in_force_from: date | None = None
    url: str | None = None
    register_ref: str | None = None  # the source id in shared/domain/requirements.md (S1, S8, …)


@dataclass(frozen=True, slots=True)
class Citation:
    """One place in one document, with the Chinese original and an English rendering."""

    document: Document
    article_zh: str
    article_en: str
    text_zh: str
    text_en: str
    verification: Verification = Verification.VERIFIED
    url: str | None = None  # a deep link, when it differs from the document's
    note_en: str = ""
    note_zh: str = ""

    def as_dict(self) -> dict[str, Any]:
        doc = self.document
        return {
            "document": doc.id,
            "document_zh": doc.title_zh,
            "document_en": doc.title_en,
            "issuer_zh": doc.issuer_zh,
            "issuer_en": doc.issuer_en,
            "article_zh": self.article_zh,
            "article_en": self.article_en,
            "text_zh": self.text_zh,
            "text_en": self.text_en,
            "verification": str(self.verification),
            "url": self.url or doc.url,
            "register_ref": doc.register_ref,
            "note_en": self.note_en,
            "note_zh": self.note_zh,
        }


@dataclass(frozen=True, slots=True)
class Authority:
    """Who must decide an open question: NMPA, or the medical products administration of a province."""

    code: str  # "NMPA" or "PROV-320000"
    name_en: str
    name_zh: str
    region: str | None = None  # GB/T 2260 code for a provincial authority

    def as_dict(self) -> dict[str, Any]:
        return {"authority": self.code, "region": self.region, "name_en": self.name_en, "name_zh": self.name_zh}


@dataclass(frozen=True, slots=True)
class Note:
    """A bilingual remark attached to a determination (e.g. how two rulesets relate)."""

    key: str
    text_en: str
    text_zh: str


class Check(NamedTuple):
    """One sub-test inside a rule (e.g. one contract manufacturer), shown in the explanation tree.

    Check, Verdict, Finding and ExplanationNode are immutable NamedTuples rather than frozen dataclasses:
    dozens are built per assessment and a NamedTuple is about three times cheaper to construct (bench/).
    """

    subject: str  # how the check names what it tests, in English (or a name, the same in both languages)
    outcome: Outcome
    reason_en: str
    reason_zh: str
    subject_zh: str = ""  # the subject in Chinese; empty when it is a name (a company, a person)


FactValue = Any
Facts = tuple[tuple[str, FactValue], ...]


class Verdict(NamedTuple):
    """What a rule's function returns. The engine wraps it into a :class:`Finding`.

    ``missing_facts`` are facts the applicant has not given (the case is *incomplete*);
    ``needs_determination_by`` names the regulators who must act; ``awaited_facts`` are the facts that will
    record that act once it is done (a joint plan agreed, NMPA's consent) — not missing facts: their
    absence means the case awaits the regulator, not that the applicant left something out.
    """

    outcome: Outcome
    reason_en: str
    reason_zh: str
    facts: Facts = ()
    missing_facts: tuple[str, ...] = ()
    needs_determination_by: tuple[Authority, ...] = ()
    checks: tuple[Check, ...] = ()
    awaited_facts: tuple[str, ...] = ()


def passed(reason_en: str, reason_zh: str, *, facts: Facts = (), checks: tuple[Check, ...] = ()) -> Verdict:
    return Verdict(Outcome.PASS, reason_en, reason_zh, facts=facts, checks=checks)


def failed(reason_en: str, reason_zh: str, *, facts: Facts = (), checks: tuple[Check, ...] = ()) -> Verdict:
    return Verdict(Outcome.FAIL, reason_en, reason_zh, facts=facts, checks=checks)


def not_applicable(reason_en: str, reason_zh: str, *, facts: Facts = (), checks: tuple[Check, ...] = ()) -> Verdict:
    return Verdict(Outcome.NOT_APPLICABLE, reason_en, reason_zh, facts=facts, checks=checks)


def undetermined(
    reason_en: str,
    reason_zh: str,
    *,
    missing: tuple[str, ...] | list[str] = (),
    by: tuple[Authority, ...] | list[Authority] = (),
    awaits: tuple[str, ...] | list[str] = (),
    facts: Facts = (),
    checks: tuple[Check, ...] = (),
) -> Verdict:
    """``missing``: facts the applicant must give; ``by``: the regulators who must act; ``awaits``: the facts
    that record the awaited act (only with ``by``)."""
    return Verdict(
        Outcome.UNDETERMINED,
        reason_en,
        reason_zh,
        facts=facts,
        missing_facts=tuple(missing),
        needs_determination_by=tuple(by),
        checks=checks,
        awaited_facts=tuple(awaits),
    )


@dataclass(frozen=True, slots=True)
class Context:
    """What a rule may read besides the case: the assessment date and the dated parameters."""

    as_of: date
    parameters: Parameters

    def param(self, name: str) -> Any:
        return self.parameters.value(name, self.as_of)


RuleFunction = Callable[[Any, Context], Verdict]


@dataclass(frozen=True, slots=True)
class Rule:
    """One version of one rule. Several versions may share an id with disjoint effective periods."""

    id: str
    title_en: str
    title_zh: str
    citations: tuple[Citation, ...]
    effective_from: date
    function: RuleFunction
    effective_until: date | None = None  # inclusive; None = open-ended
    reads: tuple[str, ...] = ()  # the fact paths the rule may read (documentation and the wizard)

    @property
    def version(self) -> str:
        return self.effective_from.isoformat()

    def in_force_on(self, day: date) -> bool:
        return self.effective_from <= day and (self.effective_until is None or day <= self.effective_until)


@dataclass(frozen=True, slots=True)
class RegulatorDetermination:
    """A regulator's recorded determination on one rule that awaits it: who (``authority``, an
    :class:`Authority` code), when, the outcome it settles the rule with, and its words. The engine applies it
    only while the rule still awaits that regulator and nothing is missing (see :func:`evaluate`)."""

    rule: str
    authority: str
    outcome: Outcome  # PASS, FAIL or NOT_APPLICABLE: a determination settles the rule
    determined_on: date
    text: str
    reference: str = ""

    def __post_init__(self) -> None:
        if self.outcome is Outcome.UNDETERMINED:
            raise ValueError(f"a determination on {self.rule} must settle it (pass, fail or not applicable)")

    def as_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "authority": self.authority,
            "outcome": self.outcome.value,
            "determined_on": self.determined_on.isoformat(),
            "reference": self.reference,
            "text": self.text,
        }


class Finding(NamedTuple):
    """The result of one rule on one case, with everything needed to explain it."""

    rule: str
    rule_version: str
    title_en: str
    title_zh: str
    outcome: Outcome
    reason_en: str
    reason_zh: str
    citations: tuple[Citation, ...]
    facts: Facts
    missing_facts: tuple[str, ...]
    needs_determination_by: tuple[Authority, ...]
    checks: tuple[Check, ...]
    effective_from: date
    effective_until: date | None
    awaited_facts: tuple[str, ...] = ()  # facts that will record the act of needs_determination_by
    # the regulator's determination that settled this rule (None: decided by the facts alone)
    regulator_determination: RegulatorDetermination | None = None


class ExplanationNode(NamedTuple):
    """A node of the explanation tree: the determination, a group of findings, a finding, a check, a note."""

    kind: str  # determination | group | finding | check | note
    key: str
    label_en: str
    label_zh: str
    outcome: str | None = None
    text_en: str = ""
    text_zh: str = ""
    children: tuple[ExplanationNode, ...] = ()


@dataclass(frozen=True, slots=True)
class Determination:
    outcome: Overall
    findings: tuple[Finding, ...]
    explanation: ExplanationNode
    ruleset: str
    ruleset_version: str
    as_of: date
    notes: tuple[Note, ...] = ()

    def finding(self, rule_id: str) -> Finding:
        for item in self.findings:
            if item.rule == rule_id:
                return item
        raise KeyError(rule_id)

    @property
    def missing_facts(self) -> tuple[str, ...]:
        """Every missing fact, in rule order, without repeats — what the wizard should ask next."""
        seen: dict[str, None] = {}
        for item in self.findings:
            for path in item.missing_facts:
                seen.setdefault(path, None)
        return tuple(seen)

    @property
    def awaited_facts(self) -> tuple[str, ...]:
        """Every fact that will record an awaited regulator's act, in rule order, without repeats and without
        the missing facts — what a form may offer to record once the regulator has acted."""
        if not any(item.awaited_facts for item in self.findings):
            return ()
        missing = set(self.missing_facts)
        seen: dict[str, None] = {}
        for item in self.findings:
            for path in item.awaited_facts:
                if path not in missing:
                    seen.setdefault(path, None)
        return tuple(seen)


@dataclass(frozen=True, slots=True)
class ParameterValue:
    """One dated value of a parameter: valid from ``start`` until the next value starts."""

    start: date
    value: Any
    citations: tuple[Citation, ...] = ()
    note_en: str = ""
    note_zh: str = ""


@dataclass(frozen=True, slots=True)
class Parameter:
    name: str
    description_en: str
    description_zh: str
    values: tuple[ParameterValue, ...]  # sorted by start
    unit: str = ""

    def at(self, day: date) -> ParameterValue:
        chosen: ParameterValue | None = None
        for item in self.values:
            if item.start <= day:
                chosen = item
            else:
                break
        if chosen is None:
            from .errors import ParameterNotDefinedError

            raise ParameterNotDefinedError(self.name, day)
        return chosen


@dataclass(frozen=True, slots=True)
class Parameters:
    """A set of dated parameters (OpenFisca habit: each value carries its own citation)."""

    items: Mapping[str, Parameter] = field(default_factory=dict)

    def value(self, name: str, day: date) -> Any:
        return self.items[name].at(day).value

    def get(self, name: str) -> Parameter:
        return self.items[name]

    def replace(self, name: str, values: tuple[ParameterValue, ...]) -> Parameters:
        """A copy with one parameter's dated values replaced (e.g. the pilot regions NMPA users keep)."""
        current = self.items[name]
        new = Parameter(
            name=current.name,
            description_en=current.description_en,
            description_zh=current.description_zh,
            values=tuple(sorted(values, key=lambda v: v.start)),
            unit=current.unit,
        )
        return Parameters({**self.items, name: new})


Precheck = Callable[[Any, Context], None]
NotesFunction = Callable[[Any, Context], tuple[Note, ...]]


@dataclass(frozen=True, slots=True)
class Ruleset:
    """A named, versioned collection of rules over one case model."""

    id: str
    version: str
    title_en: str
    title_zh: str
    valid_from: date  # evaluating an earlier date is an error, not a guess
    rules: tuple[Rule, ...]
    parameters: Parameters
    valid_from_reason_en: str = ""
    valid_from_reason_zh: str = ""
    precheck: Precheck | None = None
    notes: NotesFunction | None = None

    @property
    def rule_ids(self) -> tuple[str, ...]:
        """Distinct rule ids, in the order they are declared."""
        return tuple(dict.fromkeys(rule.id for rule in self.rules))

    def versions(self, rule_id: str) -> tuple[Rule, ...]:
        return tuple(rule for rule in self.rules if rule.id == rule_id)

    def in_force(self, day: date) -> tuple[Rule, ...]:
        return tuple(rule for rule in self.rules if rule.in_force_on(day))

    def with_parameters(self, parameters: Parameters) -> Ruleset:
        return Ruleset(
            id=self.id,
            version=self.version,
            title_en=self.title_en,
            title_zh=self.title_zh,
            valid_from=self.valid_from,
            rules=self.rules,
            parameters=parameters,
            valid_from_reason_en=self.valid_from_reason_en,
            valid_from_reason_zh=self.valid_from_reason_zh,
            precheck=self.precheck,
            notes=self.notes,
        )
