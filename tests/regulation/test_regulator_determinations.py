"""A regulator's recorded determination settles the rule that awaits it — and only that rule, only while it
awaits that regulator, only from the day it was made (``rulebook.evaluate`` via ``regulation.assess``)."""

from __future__ import annotations

import datetime as dt

import pytest

from bioseg.regulation import assess, determination_to_dict
from bioseg.regulation.case import CaseError
from bioseg.rulebook import Outcome, RegulatorDetermination

RULE = "reg2026.transition.pilot_approval"
AFTER = dt.date(2027, 1, 10)


def case(*determinations, approved=True):
    out = {"pilot_approval": {"approved": approved}}
    if determinations:
        out["regulator_determinations"] = list(determinations)
    return out


def settled(outcome="pass", *, on="2027-01-06", authority="NMPA", rule=RULE, reference="SA-2027-0001 Q11"):
    return {
        "rule": rule,
        "authority": authority,
        "outcome": outcome,
        "determined_on": on,
        "text": "试点批复依第三十二条继续有效。",
        "reference": reference,
    }


def finding(c, as_of=AFTER):
    return next(
        f for f in determination_to_dict(assess(c, as_of=as_of, ruleset="reg2026"))["findings"] if f["rule"] == RULE
    )


def test_without_a_determination_the_rule_awaits_nmpa():
    f = finding(case())
    assert (f["outcome"], [a["authority"] for a in f["needs_determination_by"]], f["regulator_determination"]) == (
        "undetermined",
        ["NMPA"],
        None,
    )


@pytest.mark.parametrize("outcome", ["pass", "fail", "not_applicable"])
def test_nmpas_determination_settles_the_rule_with_its_outcome_and_words(outcome):
    f = finding(case(settled(outcome)))
    assert f["outcome"] == outcome
    assert f["needs_determination_by"] == []
    assert f["reason_zh"] == "国家药品监督管理局于2027-01-06认定（SA-2027-0001 Q11）：试点批复依第三十二条继续有效。"
    assert f["reason_en"] == (
        "National Medical Products Administration (NMPA) determined on 2027-01-06 (SA-2027-0001 Q11): "
        "试点批复依第三十二条继续有效。"
    )
    assert f["regulator_determination"] == {
        "rule": RULE,
        "authority": "NMPA",
        "outcome": outcome,
        "determined_on": "2027-01-06",
        "reference": "SA-2027-0001 Q11",
        "text": "试点批复依第三十二条继续有效。",
    }
    # the question that was put stays in the explanation
    assert f["checks"][-1]["subject"] == "The question put to the regulator"
    assert f["checks"][-1]["outcome"] == "undetermined"
    assert f["checks"][-1]["reason_en"].startswith("The pilot ended on 2026-12-31.")


def test_a_failed_rule_makes_the_whole_determination_ineligible():
    det = assess(case(settled("fail")), as_of=AFTER, ruleset="reg2026")
    assert det.finding(RULE).outcome is Outcome.FAIL
    assert str(det.outcome) == "ineligible"


def test_a_determination_made_after_the_assessment_day_is_not_applied():
    f = finding(case(settled(on="2027-02-01")))
    assert (f["outcome"], f["regulator_determination"]) == ("undetermined", None)
    assert f["checks"][-1]["reason_zh"] == "认定日期（2027-02-01）晚于本次评估日期，未予适用。"


def test_a_determination_by_another_authority_is_not_applied():
    f = finding(case(settled(authority="PROV-320000")))
    assert (f["outcome"], f["regulator_determination"]) == ("undetermined", None)
    assert f["checks"][-1]["reason_en"].startswith("A determination by PROV-320000 is on record, but the rule")


def test_a_rule_the_facts_decide_ignores_a_determination_and_says_so():
    before_end = finding(case(settled(on="2026-06-01")), as_of=dt.date(2026, 12, 4))
    assert (before_end["outcome"], before_end["regulator_determination"]) == ("pass", None)
    assert before_end["checks"][-1]["reason_zh"] == "已有监管部门的认定记录，但本规则已不再等待该认定：由事实判断。"
    no_pilot = finding(case(settled(), approved=False))
    assert (no_pilot["outcome"], no_pilot["regulator_determination"]) == ("not_applicable", None)


def test_a_determination_on_a_rule_nobody_asked_about_changes_no_finding():
    plain = determination_to_dict(assess(case(), as_of=AFTER, ruleset="reg2026"))
    other = determination_to_dict(assess(case(settled(rule="reg2026.art99.unknown")), as_of=AFTER, ruleset="reg2026"))
    assert other["findings"] == plain["findings"] and other["outcome"] == plain["outcome"]


def test_two_determinations_on_one_rule_are_refused_naming_the_second():
    with pytest.raises(CaseError) as info:
        assess(case(settled(), settled("fail")), as_of=AFTER, ruleset="reg2026")
    assert (info.value.code, info.value.field) == ("determination_repeated", "regulator_determinations[1].rule")
    assert "每条规则至多一项" in info.value.message_zh


@pytest.mark.parametrize(
    ("field", "value", "where"),
    [
        ("outcome", "undetermined", "regulator_determinations[0].outcome"),
        ("authority", "Jiangsu", "regulator_determinations[0].authority"),
        ("determined_on", "2027-02-30", "regulator_determinations[0].determined_on"),
        ("text", "", "regulator_determinations[0].text"),
    ],
)
def test_a_malformed_determination_is_refused_naming_its_field(field, value, where):
    with pytest.raises(CaseError) as info:
        assess(case({**settled(), field: value}), as_of=AFTER, ruleset="reg2026")
    assert (info.value.code, info.value.field) == ("invalid_case", where)


def test_a_determination_cannot_leave_its_rule_undetermined():
    with pytest.raises(ValueError, match="must settle it"):
        RegulatorDetermination(RULE, "NMPA", Outcome.UNDETERMINED, AFTER, "t")
