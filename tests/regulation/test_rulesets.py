"""The rule table, citations, effective periods (temporal coverage) and dated parameters."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from bioseg.regulation import assess, get_ruleset, load_parameters
from bioseg.rulebook import ParameterValue, Verification

ISSUE_TABLE = [
    "scope.biologic",
    "scope.prohibited",
    "scope.category",
    "scope.vaccine_segmentation",
    "scope.segmented",
    "holder.capabilities",
    "holder.original_product",
    "cmo.experience",
    "cmo.qa_system",
    "cmo.unified_qms",
    "holder.stationed_personnel",
    "region.pilot_region",
    "cross_province.joint_plan",
    "cross_border.participation",
    "timeline.application_deadline",
    "timeline.pilot_period",
]
REG2026_IDS = [
    "reg2026.art31.prohibited",
    "reg2026.art31.no_redelegation",
    "reg2026.art32.segmented",
    "reg2026.art32.drug_scope",
    "reg2026.art32.genuine_need",
    "reg2026.art32.unified_qa_system",
    "reg2026.art33.vaccine",
    "reg2026.art34.electronic_records",
    "reg2026.transition.pilot_approval",
]


def test_pilot2024_has_exactly_the_issue_table_ids_prefixed():
    assert list(get_ruleset("pilot2024").rule_ids) == [f"pilot2024.{i}" for i in ISSUE_TABLE]


def test_reg2026_ids():
    assert list(get_ruleset("reg2026").rule_ids) == REG2026_IDS


def _days(start: date, end: date):
    day = start
    while day <= end:
        yield day
        day += timedelta(days=1)


@pytest.mark.parametrize(("name", "first"), [("pilot2024", date(2024, 10, 21)), ("reg2026", date(2026, 5, 15))])
def test_exactly_one_version_of_every_rule_is_in_force_each_day_until_2027(name, first):
    ruleset = get_ruleset(name)
    assert ruleset.valid_from == first
    for rule_id in ruleset.rule_ids:
        versions = ruleset.versions(rule_id)
        for day in _days(first, date(2027, 12, 31)):
            in_force = [v for v in versions if v.in_force_on(day)]
            assert len(in_force) == 1, (rule_id, day, [v.version for v in in_force])


def test_the_prohibition_switches_version_when_the_regulations_take_effect():
    versions = get_ruleset("pilot2024").versions("pilot2024.scope.prohibited")
    assert [(v.effective_from, v.effective_until) for v in versions] == [
        (date(2024, 10, 21), date(2026, 5, 14)),
        (date(2026, 5, 15), None),
    ]
    assert {c.document.id for c in versions[1].citations} >= {"drug-administration-law-implementing-regulations-2026"}


@pytest.mark.parametrize("name", ["pilot2024", "reg2026"])
def test_every_rule_is_bilingual_and_cited(name):
    for rule in get_ruleset(name).rules:
        assert rule.title_en and rule.title_zh and rule.reads
        assert rule.citations, rule.id
        for citation in rule.citations:
            assert citation.article_zh and citation.article_en and citation.text_en
            assert citation.text_zh and any("\u4e00" <= ch <= "\u9fff" for ch in citation.text_zh)
            secondary = citation.text_zh.startswith("［二手来源转述，非原文］")
            assert secondary == (citation.verification is Verification.SECONDARY), (rule.id, citation.article_en)


def test_pilot_parameters_and_their_citations():
    params = load_parameters("pilot2024")
    on = date(2025, 6, 30)
    assert params.value("plan_issued_on", on) == date(2024, 10, 21)
    assert params.value("application_deadline", on) == date(2025, 12, 31)
    assert params.value("pilot_end", on) == date(2026, 12, 31)
    assert params.value("cmo_min_commercial_years", on) == 3
    assert params.value("stationed_min_people", on) == 2
    assert params.value("listed_categories", on) == (
        "vaccine_combination",
        "vaccine_multivalent",
        "antibody",
        "adc",
        "glp1",
        "insulin",
    )
    assert sorted(params.value("pilot_regions", on)) == sorted(
        ["110000", "120000", "130000", "310000", "320000", "330000", "340000", "440000", "510000", "500000", "460000"]
    )
    for param in params.items.values():
        for value in param.values:
            assert value.citations and value.note_en and value.note_zh
    assert load_parameters("reg2026").value("in_force_from", date(2026, 5, 15)) == date(2026, 5, 15)


def test_a_pilot_region_list_maintained_by_nmpa_users_takes_effect_from_its_date(antibody):
    antibody["segments"][1]["region"] = "420100"  # Hubei
    antibody["joint_regulatory_plan"] = {"agreed_by": ["320000", "420000"]}
    base = load_parameters("pilot2024")
    default = base.get("pilot_regions").values[0]
    added = ParameterValue(date(2025, 6, 1), default.value + ("420000",), default.citations, "Hubei designated", "湖北")
    ruleset = get_ruleset("pilot2024", parameters=base.replace("pilot_regions", (default, added)))
    before = assess(antibody, as_of=date(2025, 5, 31), ruleset=ruleset)
    after = assess(antibody, as_of=date(2025, 6, 1), ruleset=ruleset)
    assert str(before.finding("pilot2024.region.pilot_region").outcome) == "undetermined"
    assert str(after.finding("pilot2024.region.pilot_region").outcome) == "pass"
    assert str(after.outcome) == "eligible"
