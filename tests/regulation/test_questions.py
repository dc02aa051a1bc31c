"""The questionnaire engine (``bioseg.regulation.questions``): a form for any fact of the case schema, answers
read or refused in both languages, and laid over a case."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from datetime import date

import pytest

from bioseg.regulation import InputError, assess, parse_case
from bioseg.regulation.case import Category
from bioseg.regulation.questions import (
    AnswerErrors,
    Answers,
    InvalidAnswer,
    Kind,
    Option,
    Text,
    apply_answers,
    case_from_json,
    fact_kind,
    input_for,
    question_for,
    questions_for,
    questions_for_paths,
    schema_paths,
    set_fact,
)

AS_OF = date(2025, 6, 30)
CHINESE_ONLY = re.compile(r"^[^A-Za-z]+$")


def _indexed(path: str) -> str:
    """A schema path with an index into each list on the way (``segments.region`` → ``segments[0].region``)."""
    out, parts = "", path.split(".")
    for i, part in enumerate(parts):
        out += ("." if out else "") + part
        if i < len(parts) - 1 and fact_kind(out)[0] is Kind.LIST:
            out += "[0]"
    return out


# ------------------------------------------------------------------------------------------------ the schema


def test_every_fact_of_the_schema_has_a_question_labelled_in_both_languages():
    paths = list(schema_paths())
    assert len(paths) == 50
    assert paths[:4] == ["name", "as_of", "application", "application.submitted_on"]
    for path in paths:
        question = question_for(_indexed(path))
        assert question.label.en and question.label.en != path, path
        assert CHINESE_ONLY.match(question.label.zh), (path, question.label.zh)
        assert question.help.en and question.help.zh, path
        for inp in question.all_inputs():
            assert inp.label.en and inp.label.zh, inp.path
            for option in inp.choices:
                assert option.label.en and option.label.zh, (inp.path, option)


@pytest.mark.parametrize(
    ("path", "kind", "py"),
    [
        ("holder.domestic", Kind.BOOL, bool),
        ("contract_manufacturers[0].qa_system_complete", Kind.BOOL, bool),
        ("application.submitted_on", Kind.DATE, date),
        ("product.category", Kind.CHOICE, Category),
        ("holder.name", Kind.TEXT, str),
        ("holder.region", Kind.REGION, str),
        ("segments[2].region", Kind.REGION, str),
        ("joint_regulatory_plan.agreed_by", Kind.REGIONS, str),
        ("joint_regulatory_plan", Kind.GROUP, None),
        ("segments", Kind.LIST, None),
        ('contract_manufacturers[name="Shanghai CDMO"].redelegates', Kind.BOOL, bool),
    ],
)
def test_the_kind_of_a_fact_comes_from_the_case_schema(path, kind, py):
    got_kind, got_py = fact_kind(path)
    assert got_kind is kind
    if py is not None:
        assert got_py is py


def test_a_path_the_schema_does_not_have_is_refused():
    for path in ("colour", "holder.colour", "segments[0].colour"):
        with pytest.raises(KeyError):
            fact_kind(path)


def test_labels_help_and_choices_in_both_languages_from_the_schema():
    category = input_for("product.category")
    assert (category.name, category.kind, category.label) == (
        "f:product.category",
        Kind.CHOICE,
        Text("Product category", "产品类别"),
    )
    assert len(category.choices) == 11
    assert category.choices[0] == Option("antibody", Text("antibody product", "抗体类生物制品"))
    assert input_for("holder.capabilities.independent_rd").help == Text(
        "Independent R&D capability. Yes, no or unknown; unknown is never read as no.",
        "自主研发能力。是、否或未知；未知不会被视为否。",
    )
    region = input_for("segments[1].region", {"segments": [{}, {"stage": "drug_product"}]})
    assert region.label == Text("segment 2 (drug product): Where", "第2段（制剂）：生产地")
    assert region.choices[0] == Option("110000", Text("Beijing", "北京市"))
    assert {o.value for o in region.choices}.isdisjoint({"710000", "810000", "820000"})  # abroad: a country code


def test_choices_follow_what_the_case_already_says():
    case = {
        "holder": {"name": "Suzhou Innovator", "region": "320500"},
        "segments": [
            {"enterprise": "Suzhou Innovator", "region": "320500"},
            {"enterprise": "Shanghai CDMO", "region": "310115"},
        ],
        "contract_manufacturers": [{"name": "Beijing Fill"}],
    }
    post = input_for("stationed_personnel[0].stationed_at", case)
    assert post.kind is Kind.CHOICE
    assert [o.value for o in post.choices] == ["Beijing Fill", "Shanghai CDMO"]
    plan = input_for("joint_regulatory_plan.agreed_by", case)
    assert [(o.value, o.label.zh) for o in plan.choices] == [("310000", "上海市"), ("320000", "江苏省")]
    assert input_for("stationed_personnel[0].stationed_at").kind is Kind.TEXT  # nothing to choose from yet


# ------------------------------------------------------------------------------------------------ parsing


@pytest.mark.parametrize(
    ("path", "raw", "expected"),
    [
        ("holder.domestic", ["true"], (True, True)),
        ("holder.domestic", ["false"], (True, False)),
        ("holder.domestic", [""], (False, None)),  # unknown stays unknown, never false
        ("holder.domestic", [], (False, None)),
        ("application.submitted_on", [" 2025-06-30 "], (True, "2025-06-30")),
        ("product.category", ["adc"], (True, "adc")),
        ("holder.name", ["  Suzhou Innovator "], (True, "Suzhou Innovator")),
        ("holder.region", ["", "de"], (True, "DE")),  # the select left blank, a country code typed
        ("holder.region", ["320000", ""], (True, "320000")),
        ("joint_regulatory_plan.agreed_by", ["320000", "310000"], (True, ["320000", "310000"])),
        ("joint_regulatory_plan.agreed_by", ["none"], (True, [])),
        ("joint_regulatory_plan.agreed_by", [], (False, None)),
    ],
)
def test_a_submitted_value_is_read(path, raw, expected):
    assert input_for(path).parse(raw) == expected


@pytest.mark.parametrize(
    ("path", "raw", "message"),
    [
        ("holder.domestic", ["perhaps"], Text("Answer yes, no or unknown.", "请回答是、否或未知。")),
        (
            "application.submitted_on",
            ["30.06.2025"],
            Text("Enter a date as YYYY-MM-DD.", "请按 YYYY-MM-DD 格式填写日期。"),
        ),
        (
            "application.submitted_on",
            ["2025-02-30"],
            Text("Enter a date as YYYY-MM-DD.", "请按 YYYY-MM-DD 格式填写日期。"),
        ),
        ("product.category", ["biosimilar"], Text("Choose one of the values offered.", "请从所列选项中选择。")),
    ],
)
def test_a_value_that_cannot_be_read_is_refused_in_both_languages(path, raw, message):
    with pytest.raises(InvalidAnswer) as err:
        input_for(path).parse(raw)
    assert err.value.message == message


def test_an_int_input_reads_whole_numbers():
    from bioseg.regulation.questions import Input

    count = Input("x", Kind.INT, Text("Count", "数量"), Text("", ""))
    assert count.parse(["12"]) == (True, 12)
    with pytest.raises(InvalidAnswer) as err:
        count.parse(["1.5"])
    assert err.value.message == Text("Enter a whole number.", "请填写整数。")


def test_every_fact_of_the_schema_can_be_answered_into_a_valid_case():
    samples = {
        Kind.BOOL: ["true"],
        Kind.DATE: ["2020-01-01"],
        Kind.TEXT: ["Some name"],
        Kind.REGION: ["310000"],
        Kind.REGIONS: ["310000"],
    }
    case: dict = {}
    for path in schema_paths():
        kind, _ = fact_kind(path)
        if kind in (Kind.LIST, Kind.GROUP):
            continue
        inp = input_for(_indexed(path))
        raw = [inp.choices[0].value] if kind is Kind.CHOICE else samples[kind]
        given, value = inp.parse(raw)
        assert given, path
        set_fact(case, inp.path, value)
    parsed = parse_case(case)
    assert parsed.segments[0].region == "310000"
    assert parsed.joint_regulatory_plan.agreed_by == ["310000"]
    assert parsed.stationed_personnel[0].stationed_from == date(2020, 1, 1)


# ------------------------------------------------------------------------------------------------ questions


def test_the_questions_are_the_determinations_missing_facts_in_rule_order():
    determination = assess({}, as_of=AS_OF, ruleset="pilot2024")
    questions = questions_for(determination, {})
    assert [q.path for q in questions] == list(determination.missing_facts)
    assert [q.kind for q in questions] == [Kind.CHOICE, Kind.LIST, *[Kind.BOOL] * 4, Kind.CHOICE, Kind.LIST]
    category, segments = questions[0], questions[1]
    assert category.rules == (
        "pilot2024.scope.biologic",
        "pilot2024.scope.prohibited",
        "pilot2024.scope.category",
        "pilot2024.scope.vaccine_segmentation",
    )
    assert category.section == Text("Product", "产品")
    assert [[i.path for i in row] for row in segments.rows] == [
        [f"segments[{n}].stage", f"segments[{n}].enterprise", f"segments[{n}].region"] for n in range(3)
    ]
    assert segments.none_name == "none:segments"
    assert segments.rows[0][0].label == Text("Stage", "阶段")


def test_an_unknown_object_is_asked_as_a_group():
    group = question_for("holder.capabilities")
    assert group.kind is Kind.GROUP
    assert [i.path for i in group.inputs] == [
        "holder.capabilities.independent_rd",
        "holder.capabilities.quality_management",
        "holder.capabilities.risk_control",
        "holder.capabilities.liability_compensation",
    ]


def test_a_question_about_a_named_entry_names_it():
    case = {"contract_manufacturers": [{"name": "Shanghai CDMO"}]}
    question = question_for("contract_manufacturers[0].qa_system_complete", case)
    assert question.label == Text(
        "Shanghai CDMO: Has a complete drug quality assurance system", "Shanghai CDMO：具有完善的药品质量保证体系"
    )
    assert question.section == Text("Contract manufacturers", "受托生产企业")


def test_each_label_in_one_language_at_a_time():
    question = question_for("product.category")
    zh = question.in_language(
        "zh", {"f:product.category": Text("Choose one of the values offered.", "请从所列选项中选择。")}
    )
    assert (zh.label, zh.section, zh.kind) == ("产品类别", "产品", "choice")
    assert zh.inputs[0].choices[0] == ("antibody", "抗体类生物制品")
    assert zh.inputs[0].error == "请从所列选项中选择。"
    assert zh.inputs[0].help == "请选择一项，或保留为未知。"
    en = question.in_language("en")
    assert (en.label, en.inputs[0].choices[0], en.inputs[0].error) == (
        "Product category",
        ("antibody", "antibody product"),
        "",
    )


def test_a_form_for_any_set_of_facts():
    questions = questions_for_paths(["holder.region", "pilot_approval", "holder.region"])
    assert [(q.path, q.kind) for q in questions] == [("holder.region", Kind.REGION), ("pilot_approval", Kind.GROUP)]
    assert [i.path for i in questions[1].inputs] == [
        "pilot_approval.approved",
        "pilot_approval.approved_on",
        "pilot_approval.reference",
    ]


# ------------------------------------------------------------------------------------------------ answers


def test_answers_go_into_a_copy_of_the_case():
    case = {"product": {"category": "antibody"}}
    questions = questions_for_paths(["holder.capabilities", "segments", "product.origin"], case)
    data = Answers.of(
        {
            "f:holder.capabilities.independent_rd": "true",
            "f:holder.capabilities.risk_control": "false",
            "f:holder.capabilities.quality_management": "",
            "f:segments[0].stage": "drug_substance",
            "f:segments[0].enterprise": "Suzhou Innovator",
            "f:segments[0].region": ["320000", ""],
            "f:segments[1].enterprise": "Shanghai CDMO",
        }
    )
    new = apply_answers(case, questions, data)
    assert new == {
        "product": {"category": "antibody"},
        "holder": {"capabilities": {"independent_rd": True, "risk_control": False}},
        "segments": [
            {"stage": "drug_substance", "enterprise": "Suzhou Innovator", "region": "320000"},
            {"enterprise": "Shanghai CDMO"},
        ],
    }
    assert case == {"product": {"category": "antibody"}}


def test_there_are_none_makes_a_list_empty_and_silence_leaves_it_unknown():
    questions = questions_for_paths(["contract_manufacturers"])
    assert apply_answers({}, questions, Answers.of({"none:contract_manufacturers": "1"})) == {
        "contract_manufacturers": []
    }
    assert apply_answers({}, questions, Answers.of({})) == {}


def test_an_entry_named_by_a_selector_is_found_or_added():
    case = {"contract_manufacturers": [{"name": "Shanghai CDMO"}]}
    questions = questions_for_paths(
        [
            'contract_manufacturers[name="shanghai cdmo"].qa_system_complete',
            'contract_manufacturers[name="Beijing Fill"].redelegates',
        ],
        case,
    )
    data = Answers.of(
        {
            'f:contract_manufacturers[name="shanghai cdmo"].qa_system_complete': "true",
            'f:contract_manufacturers[name="Beijing Fill"].redelegates': "false",
        }
    )
    assert apply_answers(case, questions, data)["contract_manufacturers"] == [
        {"name": "Shanghai CDMO", "qa_system_complete": True},
        {"name": "Beijing Fill", "redelegates": False},
    ]


def test_bad_answers_are_named_and_nothing_is_applied():
    case = {"holder": {"name": "X"}}
    questions = questions_for_paths(["holder.domestic", "application.submitted_on", "product.innovative"], case)
    data = Answers.of(
        {"f:holder.domestic": "maybe", "f:application.submitted_on": "soon", "f:product.innovative": "true"}
    )
    with pytest.raises(AnswerErrors) as err:
        apply_answers(case, questions, data)
    assert err.value.in_language("zh") == {
        "f:holder.domestic": "请回答是、否或未知。",
        "f:application.submitted_on": "请按 YYYY-MM-DD 格式填写日期。",
    }
    assert err.value.in_language("en")["f:holder.domestic"] == "Answer yes, no or unknown."
    assert case == {"holder": {"name": "X"}}


def test_the_case_a_form_carries_as_json():
    assert case_from_json("") == {}
    assert case_from_json('{"as_of": "2025-06-30", "product": {"category": "adc"}}') == {
        "as_of": "2025-06-30",
        "product": {"category": "adc"},
    }
    for raw, code, field in (
        ("{oops", "case_json_malformed", "state"),
        ("[1]", "case_not_a_mapping", "state"),
        ('{"colour": "blue"}', "invalid_case", "colour"),
        (json.dumps({"name": "x" * 200_001}), "case_too_large", "state"),
    ):
        with pytest.raises(InputError) as err:
            case_from_json(raw)
        assert (err.value.code, err.value.field) == (code, field)
        assert err.value.message_zh


def test_the_engine_imports_no_django():
    code = "import sys, bioseg.regulation.questions; print(sorted(m for m in sys.modules if m.startswith('django')))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_the_acts_of_regulators_a_determination_awaits_come_last_and_say_whose_they_are(antibody):
    antibody["joint_regulatory_plan"] = None
    antibody["holder"]["capabilities"]["risk_control"] = None
    determination = assess(antibody, as_of=AS_OF, ruleset="pilot2024")
    questions = questions_for(determination, antibody)
    assert [q.path for q in questions] == ["holder.capabilities.risk_control", "joint_regulatory_plan"]
    missing, plan = questions
    assert missing.awaited_from == ()
    assert plan.rules == ("pilot2024.cross_province.joint_plan",)
    assert plan.awaited_from == (
        Text("Shanghai Medical Products Administration", "上海市药品监督管理局"),
        Text("Jiangsu Medical Products Administration", "江苏省药品监督管理局"),
    )
    assert plan.in_language("en").awaited_from == (
        "An act of Shanghai Medical Products Administration, Jiangsu Medical Products Administration; it is not a "
        "fact the applicant must give."
    )
    recorded = apply_answers(antibody, [plan], Answers.of({"f:joint_regulatory_plan.agreed_by": ["310000", "320000"]}))
    after = assess(recorded, as_of=AS_OF, ruleset="pilot2024")
    assert after.finding("pilot2024.cross_province.joint_plan").outcome == "pass"
    assert (after.missing_facts, after.awaited_facts) == (("holder.capabilities.risk_control",), ())
