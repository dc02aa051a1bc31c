"""Rule test cases in YAML, named as sentences (OpenFisca habit), under ``bioseg/regulation/cases/``.

A file holds a list of tests::

    - name: A contract manufacturer whose third anniversary is the submission day has three years
      ruleset: pilot2024            # default pilot2024
      as_of: 2025-06-30
      base: eligible_antibody       # optional: a case from _baselines.yaml, deep-merged with `input`
      input: {contract_manufacturers: [{commercial_biologics_production_since: 2022-06-30}]}
      expected:
        outcome: eligible
        rules: {pilot2024.cmo.experience: pass}
        missing_facts: {pilot2024.cmo.experience: [...]}        # optional, exact
        needs_determination_by: {pilot2024.scope.category: [NMPA]}  # optional, exact
        awaited_facts: {pilot2024.cross_province.joint_plan: [joint_regulatory_plan]}  # optional, exact
        rule_versions: {pilot2024.scope.prohibited: "2026-05-15"}   # optional
      # or, for input that must be refused:
      # expected: {error: {code: as_of_before_ruleset, field: as_of}}

In ``input``, ``null`` means "unknown"; lists replace the base's lists; mappings merge.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from ..rulebook import InputError
from .api import CaseLoader, assess

CASES_DIR = Path(__file__).with_name("cases")
BASELINES_FILE = CASES_DIR / "_baselines.yaml"


@dataclass(frozen=True)
class RuleTestCase:
    file: str
    name: str
    ruleset: str
    as_of: date | None
    input: dict[str, Any]
    expected: dict[str, Any]


def deep_merge(base: Any, over: Any) -> Any:
    if isinstance(base, dict) and isinstance(over, dict):
        out = dict(base)
        for key, value in over.items():
            out[key] = deep_merge(base.get(key), value) if key in base else value
        return out
    return over


def _yaml(path: Path) -> Any:
    return yaml.load(path.read_text(encoding="utf-8"), Loader=CaseLoader)  # noqa: S506


def load_test_cases(directory: Path = CASES_DIR) -> list[RuleTestCase]:
    baselines = _yaml(directory / "_baselines.yaml") if (directory / "_baselines.yaml").exists() else {}
    out: list[RuleTestCase] = []
    for path in sorted(directory.glob("*.yaml")):
        if path.name.startswith("_"):
            continue
        for item in _yaml(path) or []:
            data = item.get("input") or {}
            if "base" in item:
                data = deep_merge(baselines[item["base"]], data)
            as_of = item.get("as_of")
            out.append(
                RuleTestCase(
                    file=path.name,
                    name=item["name"],
                    ruleset=item.get("ruleset", "pilot2024"),
                    as_of=date.fromisoformat(as_of) if isinstance(as_of, str) else as_of,
                    input=data,
                    expected=item["expected"],
                )
            )
    return out


def run_test_case(case: RuleTestCase) -> list[str]:
    """The differences between what the rules say and what the test expects (empty: the test passes)."""
    expected = case.expected
    try:
        det = assess(case.input, as_of=case.as_of, ruleset=case.ruleset)
    except InputError as exc:
        if "error" not in expected:
            return [f"unexpected error {exc.code} on {exc.field}: {exc.message_en}"]
        problems = []
        for key in ("code", "field"):
            want = expected["error"].get(key)
            got = getattr(exc, key)
            if want is not None and want != got:
                problems.append(f"error {key}: expected {want!r}, got {got!r}")
        return problems
    if "error" in expected:
        return [f"expected error {expected['error']}, got outcome {det.outcome}"]
    problems = []
    if "outcome" in expected and str(det.outcome) != expected["outcome"]:
        problems.append(f"outcome: expected {expected['outcome']}, got {det.outcome}")
    findings = {f.rule: f for f in det.findings}
    for rule_id, want in (expected.get("rules") or {}).items():
        finding = findings.get(rule_id)
        if finding is None:
            problems.append(f"{rule_id}: expected {want}, but the rule is not in force")
        elif str(finding.outcome) != want:
            problems.append(f"{rule_id}: expected {want}, got {finding.outcome} ({finding.reason_en})")
    for rule_id, want in (expected.get("missing_facts") or {}).items():
        got = list(findings[rule_id].missing_facts) if rule_id in findings else None
        if got != list(want):
            problems.append(f"{rule_id} missing_facts: expected {want}, got {got}")
    for rule_id, want in (expected.get("rule_versions") or {}).items():
        got = findings[rule_id].rule_version if rule_id in findings else None
        if got != str(want):
            problems.append(f"{rule_id} version: expected {want}, got {got}")
    for rule_id, want in (expected.get("needs_determination_by") or {}).items():
        got = [a.code for a in findings[rule_id].needs_determination_by] if rule_id in findings else None
        if got != list(want):
            problems.append(f"{rule_id} needs_determination_by: expected {want}, got {got}")
    for rule_id, want in (expected.get("awaited_facts") or {}).items():
        got = list(findings[rule_id].awaited_facts) if rule_id in findings else None
        if got != list(want):
            problems.append(f"{rule_id} awaited_facts: expected {want}, got {got}")
    return problems
