"""A missing fact is never silently false: erasing any known fact never turns a pass into a fail, and the
rules it changes become undetermined and name it — as a missing fact (the case is incomplete), or, for a
fact that records a regulator's act (a joint plan agreed, NMPA's consent), as the awaited act of the
regulator it names (the case needs that regulator's determination)."""

from __future__ import annotations

import copy
from datetime import date

import pytest

from bioseg.regulation import assess
from bioseg.rulebook import Outcome

# "Not submitted" is how the issue defines an absent submission date: deadline and experience then use as_of.
EXEMPT = {"application.submitted_on", "application"}


def leaf_paths(data, prefix=""):
    """Paths of every known fact in a case dict (scalars, and lists of scalars as a whole)."""
    if isinstance(data, dict):
        for key, value in data.items():
            path = f"{prefix}.{key}" if prefix else key
            if isinstance(value, dict):
                yield path
                yield from leaf_paths(value, path)
            elif isinstance(value, list):
                yield path
                if value and isinstance(value[0], dict):
                    for i, item in enumerate(value):
                        yield from leaf_paths(item, f"{path}[{i}]")
            else:
                yield path


def erase(data, path):
    data = copy.deepcopy(data)
    node = data
    parts = path.replace("[", ".[").split(".")
    for part in parts[:-1]:
        node = node[int(part[1:-1])] if part.startswith("[") else node[part]
    last = parts[-1]
    if last.startswith("["):
        node[int(last[1:-1])] = None
    else:
        node[last] = None
    return data


def check_erasures(case, as_of, ruleset):
    base = assess(case, as_of=as_of, ruleset=ruleset)
    base_outcomes = {f.rule: f.outcome for f in base.findings}
    checked = 0
    awaiting: set[str] = set()
    for path in leaf_paths(case):
        if path in ("name",) or path in EXEMPT:
            continue
        det = assess(erase(case, path), as_of=as_of, ruleset=ruleset)
        changed = [f for f in det.findings if f.outcome is not base_outcomes[f.rule]]
        for finding in changed:
            assert finding.outcome is Outcome.UNDETERMINED, (path, finding.rule, finding.outcome)
            assert finding.missing_facts or (finding.awaited_facts and finding.needs_determination_by), (
                path,
                finding.rule,
            )
        if changed:
            missing = [m for f in changed for m in f.missing_facts]
            awaited = [m for f in changed for m in f.awaited_facts]
            named = missing or awaited
            assert any(m == path or m.startswith(path + ".") or m.startswith(path + "[") for m in named), (
                path,
                named,
            )
            assert str(det.outcome) == ("incomplete" if missing else "needs_determination"), path
            if not missing:
                awaiting.add(path)
        checked += 1
    return checked, awaiting


def test_erasing_any_fact_of_an_eligible_pilot_case_never_fails_it(antibody):
    checked, awaiting = check_erasures(antibody, date(2025, 6, 30), "pilot2024")
    assert checked > 30
    # erasing the provinces' agreement makes the case await them; every other erasure makes it incomplete
    assert awaiting == {"joint_regulatory_plan", "joint_regulatory_plan.agreed_by"}


def test_erasing_any_fact_of_an_eligible_vaccine_case_never_fails_it(antibody):
    antibody["product"]["category"] = "vaccine_multivalent"
    antibody["nmpa_consent"] = True
    checked, awaiting = check_erasures(antibody, date(2025, 6, 30), "pilot2024")
    assert checked > 30
    assert awaiting == {"joint_regulatory_plan", "joint_regulatory_plan.agreed_by", "nmpa_consent"}


def test_erasing_any_fact_of_an_eligible_reg2026_case_never_fails_it(reg2026_case):
    checked, awaiting = check_erasures(reg2026_case, date(2026, 6, 30), "reg2026")
    assert checked > 25
    assert awaiting == set()


def test_erasing_nmpa_approval_of_an_eligible_reg2026_vaccine_awaits_nmpa(reg2026_case):
    reg2026_case["product"]["category"] = "vaccine_multivalent"
    reg2026_case["holder"]["vaccine_capacity_exceeded"] = True
    reg2026_case["nmpa_consent"] = True
    assert str(assess(reg2026_case, as_of=date(2026, 6, 30), ruleset="reg2026").outcome) == "eligible"
    checked, awaiting = check_erasures(reg2026_case, date(2026, 6, 30), "reg2026")
    assert checked > 25
    assert awaiting == {"nmpa_consent"}


@pytest.mark.parametrize("ruleset,as_of", [("pilot2024", date(2025, 6, 30)), ("reg2026", date(2026, 6, 30))])
def test_an_empty_case_fails_nothing_that_needs_facts(ruleset, as_of):
    det = assess({}, as_of=as_of, ruleset=ruleset)
    for finding in det.findings:
        if finding.outcome is Outcome.FAIL:
            # only the calendar can fail an empty case
            assert finding.rule.startswith("pilot2024.timeline."), finding.rule
        if finding.outcome is Outcome.UNDETERMINED:
            assert finding.missing_facts or finding.needs_determination_by
    assert str(det.outcome) == "incomplete"
