"""The engine on a toy ruleset: precedence, versions, invariants, dates, determinism, explanation tree."""

from __future__ import annotations

from datetime import date

import pytest

from bioseg.rulebook import (
    Authority,
    Citation,
    Document,
    Outcome,
    Overall,
    Parameter,
    Parameters,
    ParameterValue,
    Rule,
    RuleDefinitionError,
    Ruleset,
    RulesetNotInForceError,
    Verdict,
    determination_to_dict,
    evaluate,
    failed,
    not_applicable,
    passed,
    render_text,
    undetermined,
)

DOC = Document("toy", "玩具法", "Toy Act", "立法者", "Legislator", url="https://example.invalid/toy")
CITE = Citation(DOC, "第一条", "Art. 1", "中文原文。", "English rendering.")
REGULATOR = Authority("NMPA", "NMPA", "国家药监局")
START = date(2024, 1, 1)


def rule(rule_id, function, start=START, until=None):
    return Rule(rule_id, f"{rule_id} en", f"{rule_id} 中", (CITE,), start, function, effective_until=until)


def by_key(key):
    """A rule whose verdict is read from the case dict — lets one ruleset express every outcome."""

    def function(case, ctx):
        kind = case.get(key, "pass")
        if kind == "pass":
            return passed("ok", "符合")
        if kind == "fail":
            return failed("no", "不符合")
        if kind == "missing":
            return undetermined("unknown", "未知", missing=(key,))
        if kind == "regulator":
            return undetermined("regulator", "监管", by=(REGULATOR,))
        return not_applicable("n/a", "不适用")

    return function


PARAMS = Parameters(
    {
        "threshold": Parameter(
            "threshold",
            "t",
            "阈",
            (
                ParameterValue(START, 1, (CITE,)),
                ParameterValue(date(2025, 1, 1), 2, (CITE,)),
            ),
        ),
    }
)

TOY = Ruleset(
    id="toy",
    version="1",
    title_en="Toy",
    title_zh="玩具",
    valid_from=START,
    rules=(rule("toy.a", by_key("a")), rule("toy.b", by_key("b")), rule("toy.c", by_key("c"))),
    parameters=PARAMS,
)


@pytest.mark.parametrize(
    ("case", "overall"),
    [
        ({}, Overall.ELIGIBLE),
        ({"a": "na"}, Overall.ELIGIBLE),
        ({"a": "regulator"}, Overall.NEEDS_DETERMINATION),
        ({"a": "regulator", "b": "missing"}, Overall.INCOMPLETE),
        ({"a": "regulator", "b": "missing", "c": "fail"}, Overall.INELIGIBLE),
        ({"a": "fail", "b": "na"}, Overall.INELIGIBLE),
    ],
)
def test_precedence_fail_then_missing_then_regulator_then_eligible(case, overall):
    assert evaluate(case, date(2024, 6, 1), ruleset=TOY).outcome is overall


def test_explanation_tree_groups_every_finding_once_in_precedence_order():
    det = evaluate({"a": "fail", "b": "missing", "c": "na"}, date(2024, 6, 1), ruleset=TOY)
    root = det.explanation
    assert root.kind == "determination" and root.outcome == "ineligible"
    groups = [(g.key, [c.key for c in g.children]) for g in root.children if g.kind == "group"]
    assert groups == [
        ("failed", ["toy.a"]),
        ("missing_facts", ["toy.b"]),
        ("needs_determination", []),
        ("passed", []),
        ("not_applicable", ["toy.c"]),
    ]


def test_a_date_before_the_ruleset_is_an_error_not_a_guess():
    with pytest.raises(RulesetNotInForceError) as err:
        evaluate({}, date(2023, 12, 31), ruleset=TOY)
    assert err.value.field == "as_of"
    assert err.value.code == "as_of_before_ruleset"
    assert "2024-01-01" in err.value.message_en and "2024-01-01" in err.value.message_zh


def test_only_the_version_in_force_runs():
    old = rule("toy.v", lambda c, x: passed("old", "旧"), until=date(2024, 12, 31))
    new = rule("toy.v", lambda c, x: failed("new", "新"), start=date(2025, 1, 1))
    rs = Ruleset("v", "1", "V", "V", START, (old, new), PARAMS)
    assert [f.reason_en for f in evaluate({}, date(2024, 12, 31), ruleset=rs).findings] == ["old"]
    assert [f.rule_version for f in evaluate({}, date(2025, 1, 1), ruleset=rs).findings] == ["2025-01-01"]


def test_dated_parameters_change_on_their_start_day():
    def threshold(case, ctx):
        return passed(str(ctx.param("threshold")), "阈")

    rs = Ruleset("p", "1", "P", "P", START, (rule("p.t", threshold),), PARAMS)
    assert evaluate({}, date(2024, 12, 31), ruleset=rs).findings[0].reason_en == "1"
    assert evaluate({}, date(2025, 1, 1), ruleset=rs).findings[0].reason_en == "2"


@pytest.mark.parametrize(
    "verdict",
    [
        Verdict(Outcome.UNDETERMINED, "x", "x"),  # undetermined without saying what is missing
        Verdict(Outcome.PASS, "x", "x", missing_facts=("a",)),  # a decision cannot report missing facts
        Verdict(Outcome.FAIL, "x", "x", needs_determination_by=(REGULATOR,)),
        Verdict(Outcome.PASS, "x", ""),  # no Chinese reason
    ],
)
def test_rules_that_break_the_contract_are_refused(verdict):
    rs = Ruleset("bad", "1", "B", "B", START, (rule("bad.r", lambda c, x: verdict),), PARAMS)
    with pytest.raises(RuleDefinitionError):
        evaluate({}, date(2024, 6, 1), ruleset=rs)


def test_same_input_gives_equal_output():
    case = {"a": "missing", "b": "regulator"}
    one = evaluate(case, date(2024, 6, 1), ruleset=TOY)
    two = evaluate(dict(case), date(2024, 6, 1), ruleset=TOY)
    assert one == two
    assert determination_to_dict(one) == determination_to_dict(two)


def test_json_shape_has_the_documented_keys():
    data = determination_to_dict(evaluate({"b": "regulator"}, date(2024, 6, 1), ruleset=TOY))
    assert set(data) >= {"outcome", "findings", "ruleset", "ruleset_version", "as_of", "explanation"}
    finding = data["findings"][1]
    assert finding["rule"] == "toy.b"
    assert finding["outcome"] == "undetermined"
    assert finding["needs_determination_by"] == [
        {"authority": "NMPA", "region": None, "name_en": "NMPA", "name_zh": "国家药监局"}
    ]
    assert finding["missing_facts"] == []
    assert finding["citations"][0]["text_zh"] == "中文原文。"
    assert finding["citations"][0]["text_en"] == "English rendering."


def test_text_rendering_in_both_languages():
    det = evaluate({"a": "fail"}, date(2024, 6, 1), ruleset=TOY)
    en = render_text(det, lang="en")
    zh = render_text(det, lang="zh")
    assert "ineligible" in en and "toy.a en" in en and "中文原文。" in en
    assert "不符合条件" in zh and "toy.a 中" in zh and "《玩具法》第一条" in zh
    with pytest.raises(ValueError):
        render_text(det, lang="fr")
