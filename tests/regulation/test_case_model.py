"""The case format: the issue's shape is accepted; bad input is refused with the field named."""

from __future__ import annotations

import json
from datetime import date

import pytest

from bioseg.regulation import (
    SCHEMA_PATH,
    CaseError,
    assess,
    case_json_schema,
    case_json_schema_text,
    load_case,
    parse_case,
)

ISSUE_EXAMPLE = """
as_of: 2025-06-30
application: {submitted_on: 2025-06-30}
holder: {name: Holder Co, domestic: true, import_drug_holder: false, region: "320000",
         capabilities: {independent_rd: true, quality_management: true, risk_control: true, liability_compensation: true}}
product: {name: Product X, category: antibody, innovative: true, urgent_clinical_need: false,
          nmpa_specified: false, origin: originally_developed}
segments: [{stage: drug_substance, enterprise: Holder Co, region: "320000"}, {stage: drug_product, enterprise: CMO Co, region: "310000"}]
contract_manufacturers: [{name: CMO Co, commercial_biologics_production_since: 2018-03-01, qa_system_complete: true,
                          unified_quality_system: true}]
stationed_personnel: [{name: A, qualified: true, stationed_at: CMO Co}, {name: B, qualified: true, stationed_at: CMO Co}]
joint_regulatory_plan: {agreed_by: ["320000", "310000"]}
nmpa_consent: false
"""


def test_the_issue_example_is_accepted_and_eligible(tmp_path):
    path = tmp_path / "case.yaml"
    path.write_text(ISSUE_EXAMPLE, encoding="utf-8")
    case = load_case(path)
    assert case.as_of == date(2025, 6, 30)
    assert case.contract_manufacturers[0].commercial_biologics_production_since == date(2018, 3, 1)
    assert str(assess(case).outcome) == "eligible"


def test_json_case_files_are_read_too(tmp_path):
    import yaml

    from bioseg.regulation.api import CaseLoader

    data = yaml.load(ISSUE_EXAMPLE, Loader=CaseLoader)
    path = tmp_path / "case.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    assert load_case(path) == load_case(data)


@pytest.mark.parametrize(
    ("data", "field", "words"),
    [
        ({"product": {"category": "biosimilar"}}, "product.category", "antibody"),
        ({"product": {"origin": "stolen"}}, "product.origin", "licensed_in"),
        ({"application": {"submitted_on": "2025-02-30"}}, "application.submitted_on", "not a calendar date"),
        ({"application": {"submitted_on": "30/06/2025"}}, "application.submitted_on", "YYYY-MM-DD"),
        ({"as_of": 20250630}, "as_of", "YYYY-MM-DD"),
        ({"as_of": "2025-06-30T10:00:00"}, "as_of", "YYYY-MM-DD"),
        ({"holder": {"colour": "red"}}, "holder.colour", "unknown field"),
        ({"surprise": 1}, "surprise", "unknown field"),
        ({"holder": {"region": "990000"}}, "holder.region", "GB/T 2260"),
        ({"holder": {"region": "XX"}}, "holder.region", "ISO 3166"),
        ({"segments": [{"region": "310000"}, {"stage": "mixing"}]}, "segments[1].stage", "drug_substance"),
        (
            {"contract_manufacturers": [{"qa_system_complete": "yes"}]},
            "contract_manufacturers[0].qa_system_complete",
            "boolean",
        ),
        ({"joint_regulatory_plan": {"agreed_by": ["320000", 12]}}, "joint_regulatory_plan.agreed_by[1]", "GB/T 2260"),
    ],
)
def test_bad_values_are_refused_naming_the_field(data, field, words):
    with pytest.raises(CaseError) as err:
        parse_case(data)
    assert err.value.field == field
    assert err.value.code == "invalid_case"
    assert words in err.value.message_en
    assert field in err.value.message_zh
    assert err.value.details["errors"][0]["field"] == field


def test_a_case_must_be_a_mapping():
    with pytest.raises(CaseError) as err:
        parse_case([1, 2])
    assert err.value.code == "case_not_a_mapping"


def test_regions_accept_numbers_and_keep_norway_norwegian(tmp_path):
    path = tmp_path / "case.yaml"
    path.write_text("holder: {region: 320500}\nsegments: [{region: NO}, {region: de}]\n", encoding="utf-8")
    case = load_case(path)
    assert case.holder.region == "320500"
    assert [s.region for s in case.segments] == ["NO", "DE"]


def test_malformed_and_missing_files_give_clear_errors(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("holder: {name: [unclosed\n", encoding="utf-8")
    with pytest.raises(CaseError) as err:
        load_case(bad)
    assert err.value.code == "case_file_malformed" and "line" in err.value.message_en
    with pytest.raises(CaseError) as err:
        load_case(tmp_path / "absent.yaml")
    assert err.value.code == "case_file_not_found"
    broken = tmp_path / "bad.json"
    broken.write_text("{", encoding="utf-8")
    with pytest.raises(CaseError) as err:
        load_case(broken)
    assert err.value.code == "case_file_malformed"


def test_unknown_ruleset_is_an_input_error(antibody):
    from bioseg.rulebook import InputError

    with pytest.raises(InputError) as err:
        assess(antibody, as_of=date(2025, 6, 30), ruleset="pilot2099")
    assert err.value.field == "ruleset"


def test_the_published_schema_is_current():
    assert SCHEMA_PATH.read_text(encoding="utf-8") == case_json_schema_text()


def test_the_schema_describes_every_field_as_optional_and_lists_categories():
    schema = case_json_schema()
    assert schema["$schema"].startswith("https://json-schema.org/")
    assert "required" not in schema
    assert schema["additionalProperties"] is False
    categories = schema["$defs"]["Category"]["enum"]
    assert categories == [
        "antibody",
        "adc",
        "glp1",
        "insulin",
        "vaccine_combination",
        "vaccine_multivalent",
        "vaccine",
        "blood_product",
        "cell_gene_therapy",
        "other_biologic",
        "chemical_drug",
    ]
    assert schema["properties"]["as_of"]["anyOf"][0] == {"format": "date", "type": "string"}
