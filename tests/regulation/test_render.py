"""The JSON shape the CLI/API serve, readable text in both languages, and determinism across processes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

from bioseg.regulation import assess, determination_to_dict, render

FINDING_KEYS = {
    "rule",
    "outcome",
    "reason_en",
    "reason_zh",
    "citations",
    "missing_facts",
    "needs_determination_by",
    "awaited_facts",
}


def test_json_has_the_issue_shape(antibody):
    antibody["product"]["origin"] = "licensed_in"
    data = json.loads(render(assess(antibody, as_of=date(2025, 6, 30)), fmt="json"))
    assert data["outcome"] == "needs_determination"
    assert data["ruleset"] == "pilot2024" and data["ruleset_version"] == "1.3.0"
    assert data["as_of"] == "2025-06-30"
    assert data["awaited_facts"] == []
    assert len(data["findings"]) == 16
    for finding in data["findings"]:
        assert FINDING_KEYS <= set(finding)
        for citation in finding["citations"]:
            assert {"document", "article_zh", "article_en", "text_zh", "text_en", "url", "verification"} <= set(
                citation
            )
    origin = next(f for f in data["findings"] if f["rule"] == "pilot2024.holder.original_product")
    assert origin["outcome"] == "undetermined"
    assert origin["needs_determination_by"][0]["authority"] == "NMPA"
    assert origin["facts"] == {"product.origin": "licensed_in"}
    tree = data["explanation"]
    assert tree["kind"] == "determination" and tree["outcome"] == "needs_determination"
    groups = {g["key"]: [c["key"] for c in g["children"]] for g in tree["children"] if g["kind"] == "group"}
    assert groups["needs_determination"] == ["pilot2024.holder.original_product"]
    assert "pilot2024.scope.vaccine_segmentation" in groups["not_applicable"]
    assert [n["key"] for n in data["notes"]] == ["relation.reg2026", "relation.carry_over"]


def test_missing_facts_are_listed_for_the_wizard_in_rule_order(antibody):
    antibody["product"]["category"] = None
    antibody["holder"]["capabilities"]["risk_control"] = None
    det = assess(antibody, as_of=date(2025, 6, 30))
    assert det.missing_facts == ("product.category", "holder.capabilities.risk_control")
    assert determination_to_dict(det)["missing_facts"] == ["product.category", "holder.capabilities.risk_control"]


def test_text_in_english_and_chinese_explains_and_cites(antibody):
    antibody["contract_manufacturers"][0]["commercial_biologics_production_since"] = "2023-01-01"
    det = assess(antibody, as_of=date(2025, 6, 30))
    en = render(det, fmt="text", lang="en")
    zh = render(det, fmt="text", lang="zh")
    assert "Outcome: ineligible" in en
    assert "✘ pilot2024.cmo.experience" in en and "3 years complete on 2026-01-01" in en
    assert "具有三年以上生物制品商业化生产经验" in en  # the Chinese original is always shown
    assert "结论: 不符合条件" in zh and "2026-01-01满3年" in zh
    assert "《生物制品分段生产试点工作方案》二、（二）试点企业 第二段" in zh


def test_after_the_pilot_the_text_points_to_reg2026(antibody):
    det = assess(antibody, as_of=date(2027, 3, 1), ruleset="pilot2024")
    finding = det.finding("pilot2024.timeline.pilot_period")
    assert str(finding.outcome) == "fail"
    assert "reg2026" in finding.reason_en and "reg2026" in finding.reason_zh
    assert "Q11" in finding.reason_en


def test_same_input_same_output_across_processes_and_hash_seeds(antibody, tmp_path):
    path = tmp_path / "case.json"
    antibody["as_of"] = "2025-06-30"
    antibody["joint_regulatory_plan"] = {"agreed_by": ["310000"]}
    path.write_text(json.dumps(antibody), encoding="utf-8")
    script = (
        "import sys; from bioseg.regulation import assess, render; "
        "sys.stdout.write(render(assess(sys.argv[1]), fmt='json') + render(assess(sys.argv[1]), fmt='text', lang='zh'))"
    )
    root = Path(__file__).resolve().parents[2]
    outputs = set()
    for seed in ("0", "1", "12345"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        result = subprocess.run(
            [sys.executable, "-c", script, str(path)], capture_output=True, text=True, env=env, cwd=root, check=True
        )
        outputs.add(result.stdout)
    assert len(outputs) == 1
    in_process = render(assess(path), fmt="json") + render(assess(path), fmt="text", lang="zh")
    assert outputs == {in_process}


def test_sub_checks_name_their_subject_in_both_languages(antibody):
    det = assess(antibody, as_of=date(2025, 6, 30))
    zh = render(det, fmt="text", lang="zh").splitlines()
    en = render(det, fmt="text", lang="en").splitlines()
    for line in (
        "✔ 自主研发：具备",
        "✔ 持有人：江苏省为试点地区",
        "✔ 第1段（原液）：江苏省为试点地区",
        "✔ 上海市：已同意",
    ):
        assert f"      {line}" in zh, line
    for line in (
        "✔ independent R&D: yes",
        "✔ holder: Jiangsu is a pilot region",
        "✔ segment 2 (drug product): Shanghai is a pilot region",
        "✔ Shanghai: agreed",
    ):
        assert f"      {line}" in en, line
    tree = determination_to_dict(det)["explanation"]
    region = next(
        f for g in tree["children"] if g["kind"] == "group" for f in g["children"] if f["key"].endswith("pilot_region")
    )
    assert [(c["label_en"], c["label_zh"]) for c in region["children"]] == [
        ("holder", "持有人"),
        ("segment 1 (drug substance)", "第1段（原液）"),
        ("segment 2 (drug product)", "第2段（制剂）"),
    ]


def test_an_unknown_flag_of_a_contract_manufacturer_is_said_not_given_as_a_path(antibody):
    antibody["contract_manufacturers"][0]["qa_system_complete"] = None
    det = assess(antibody, as_of=date(2025, 6, 30))
    finding = det.finding("pilot2024.cmo.qa_system")
    assert str(finding.outcome) == "undetermined"
    assert finding.missing_facts == ("contract_manufacturers[0].qa_system_complete",)
    (check,) = finding.checks
    assert (check.subject, check.reason_en, check.reason_zh) == (
        "Pudong Fill-Finish Co., Ltd.",
        "not known whether it has a complete drug quality assurance system",
        "尚不清楚是否具备完善的药品质量保证体系",
    )


def test_the_summary_names_rules_by_title(antibody):
    antibody["contract_manufacturers"][0]["commercial_biologics_production_since"] = "2023-01-01"
    explanation = determination_to_dict(assess(antibody, as_of=date(2025, 6, 30)))["explanation"]
    assert explanation["text_zh"] == "不符合条件：“受托生产企业具有三年以上生物制品商业化生产经验”不符合。"
    assert explanation["text_en"] == (
        "Ineligible: “Each contract manufacturer: at least 3 years of commercial biologics production” fails."
    )


def test_fact_labels_name_list_entries_from_the_case():
    from bioseg.regulation.labels import fact_label

    case = {"contract_manufacturers": [{"name": "Pudong Fill-Finish"}], "segments": [{"stage": "conjugation"}]}
    assert fact_label("holder.capabilities.independent_rd") == (
        "The holder has independent R&D capability for the product",
        "持有人具备该品种的自主研发能力",
    )
    assert fact_label("contract_manufacturers[0].qa_system_complete", case) == (
        "Pudong Fill-Finish: Has a complete drug quality assurance system",
        "Pudong Fill-Finish：具有完善的药品质量保证体系",
    )
    assert fact_label("contract_manufacturers[1].qa_system_complete", case) == (
        "contract manufacturer 2: Has a complete drug quality assurance system",
        "第2家受托生产企业：具有完善的药品质量保证体系",
    )
    assert fact_label("segments[0].region", case) == ("segment 1 (conjugation): Where", "第1段（偶联）：生产地")
    assert fact_label("stationed_personnel[1].qualified") == (
        "stationed person 2: Qualified",
        "第2名派驻人员：具备资质",
    )
    assert fact_label("no.such.fact") == ("no.such.fact", "no.such.fact")
