"""Every YAML rule case under bioseg/regulation/cases runs and matches, and together they cover each rule."""

from __future__ import annotations

from collections import defaultdict

import pytest

from bioseg.regulation import get_ruleset
from bioseg.regulation.testcases import load_test_cases, run_test_case

CASES = load_test_cases()


@pytest.mark.parametrize("case", CASES, ids=[f"{c.file}: {c.name}" for c in CASES])
def test_rule_case(case):
    assert run_test_case(case) == []


def test_there_are_at_least_forty_cases_named_as_distinct_sentences():
    assert len(CASES) >= 40
    names = [c.name for c in CASES]
    assert len(set(names)) == len(names)
    for name in names:
        assert name[0].isupper() and " " in name and not name.endswith("."), name


# The outcomes each pilot2024 rule can give; the YAML cases must assert every one of them.
POSSIBLE = {
    "scope.biologic": {"pass", "fail", "undetermined"},
    "scope.prohibited": {"pass", "fail", "undetermined"},
    "scope.category": {"pass", "fail", "undetermined", "not_applicable"},
    "scope.vaccine_segmentation": {"pass", "fail", "undetermined", "not_applicable"},
    "scope.segmented": {"pass", "fail", "undetermined"},
    "holder.capabilities": {"pass", "fail", "undetermined"},
    "holder.original_product": {"pass", "undetermined"},
    "cmo.experience": {"pass", "fail", "undetermined"},
    "cmo.qa_system": {"pass", "fail", "undetermined"},
    "cmo.unified_qms": {"pass", "fail", "undetermined"},
    "holder.stationed_personnel": {"pass", "fail", "undetermined"},
    "region.pilot_region": {"pass", "undetermined"},
    "cross_province.joint_plan": {"pass", "undetermined", "not_applicable"},
    "cross_border.participation": {"pass", "undetermined", "not_applicable"},
    "timeline.application_deadline": {"pass", "fail"},
    "timeline.pilot_period": {"pass", "fail"},
}


def test_cases_assert_every_outcome_of_every_pilot_rule():
    seen = defaultdict(set)
    for case in CASES:
        for rule_id, outcome in (case.expected.get("rules") or {}).items():
            seen[rule_id].add(outcome)
        for key in ("missing_facts", "needs_determination_by"):
            for rule_id in case.expected.get(key) or {}:
                seen[rule_id].add("undetermined")
    for short, outcomes in POSSIBLE.items():
        assert outcomes <= seen[f"pilot2024.{short}"], (short, outcomes - seen[f"pilot2024.{short}"])


def test_every_reg2026_rule_is_exercised():
    asserted = {rule for c in CASES for rule in (c.expected.get("rules") or {})}
    for rule_id in get_ruleset("reg2026").rule_ids:
        assert rule_id in asserted
