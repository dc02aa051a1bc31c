"""``bioseg assess`` as a user runs it: the real console script on case files written to tmp_path."""

from __future__ import annotations

import csv
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pypdf
import pytest
import yaml
from openpyxl import load_workbook

from bioseg.regulation import get_ruleset

BIOSEG = shutil.which("bioseg", path=str(Path(sys.executable).parent)) or "bioseg"

ELIGIBLE = """\
name: HX-101 antibody, Jiangsu + Shanghai
as_of: 2025-06-30
application: {submitted_on: 2025-06-30}
holder:
  name: Huaxin Biologics
  domestic: true
  import_drug_holder: false
  region: "320500"
  capabilities: {independent_rd: true, quality_management: true, risk_control: true, liability_compensation: true}
product: {name: HX-101, category: antibody, innovative: true, urgent_clinical_need: false,
          nmpa_specified: false, origin: originally_developed}
segments:
  - {stage: drug_substance, enterprise: Huaxin Biologics, region: "320500"}
  - {stage: drug_product, enterprise: Pudong Fill-Finish, region: "310115"}
contract_manufacturers:
  - {name: Pudong Fill-Finish, commercial_biologics_production_since: 2018-03-01, qa_system_complete: true,
     unified_quality_system: true}
stationed_personnel:
  - {name: Li Wei, qualified: true, stationed_at: Pudong Fill-Finish}
  - {name: Zhang Min, qualified: true, stationed_at: Pudong Fill-Finish}
joint_regulatory_plan: {agreed_by: ["320000", "310000"]}
nmpa_consent: false
"""


def run(args: list[str], cwd: Path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("BIOSEG_DATABASE_URL", "DJANGO_SETTINGS_MODULE")}
    env["BIOSEG_DATA_DIR"] = str(cwd / "data")
    env["COLUMNS"] = "120"
    return subprocess.run(
        [BIOSEG, "assess", *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=120, check=False
    )


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def changed(**changes) -> str:
    data = yaml.safe_load(ELIGIBLE)
    for dotted, value in changes.items():
        target = data
        *parents, last = dotted.split("__")
        for key in parents:
            target = target[key]
        target[last] = value
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)


def test_an_eligible_case_as_json(tmp_path):
    write(tmp_path, "case.yaml", ELIGIBLE)
    result = run(["case.yaml", "--format", "json"], tmp_path)
    assert result.returncode == 0, result.stderr
    body = json.loads(result.stdout)
    assert body["outcome"] == "eligible"
    assert body["ruleset"] == "pilot2024"
    assert body["as_of"] == "2025-06-30"
    assert [f["rule"] for f in body["findings"]] == list(get_ruleset("pilot2024").rule_ids)
    finding = body["findings"][0]
    assert {"rule", "outcome", "reason_en", "reason_zh", "citations", "missing_facts", "needs_determination_by"} <= set(
        finding
    )


def test_text_in_english_and_in_chinese(tmp_path):
    write(tmp_path, "case.yaml", ELIGIBLE)
    en = run(["case.yaml", "--lang", "en"], tmp_path)
    assert en.returncode == 0, en.stderr
    assert "Outcome: eligible (eligible)" in en.stdout
    assert "✔ pilot2024.cmo.experience" in en.stdout
    zh = run(["case.yaml", "--lang", "zh"], tmp_path)
    assert zh.returncode == 0
    assert "结论: 符合条件 (eligible)" in zh.stdout


def test_as_of_option_overrides_the_case_and_the_pilot_end_fails(tmp_path):
    write(tmp_path, "case.yaml", ELIGIBLE)
    result = run(["case.yaml", "--as-of", "2027-01-01", "--ruleset", "pilot2024", "--format", "json"], tmp_path)
    assert result.returncode == 0, result.stderr
    body = json.loads(result.stdout)
    assert body["as_of"] == "2027-01-01"
    assert body["outcome"] == "ineligible"
    outcomes = {f["rule"]: f["outcome"] for f in body["findings"]}
    assert outcomes["pilot2024.timeline.pilot_period"] == "fail"


@pytest.mark.parametrize(
    ("as_of", "ruleset"),
    [("2025-12-31", "pilot2024"), ("2026-05-14", "pilot2024"), ("2026-05-15", "reg2026"), ("2027-01-01", "reg2026")],
)
def test_without_ruleset_the_ruleset_of_the_assessment_date(tmp_path, as_of, ruleset):
    write(tmp_path, "case.yaml", ELIGIBLE)
    option = run(["case.yaml", "--as-of", as_of, "--format", "json"], tmp_path)
    assert option.returncode == 0, option.stderr
    assert json.loads(option.stdout)["ruleset"] == ruleset
    write(tmp_path, "dated.yaml", changed(as_of=as_of))
    own = run(["dated.yaml", "--format", "json"], tmp_path)
    assert json.loads(own.stdout)["ruleset"] == ruleset
    assert json.loads(own.stdout)["as_of"] == as_of


def test_the_reg2026_ruleset(tmp_path):
    write(tmp_path, "case.yaml", ELIGIBLE)
    result = run(["case.yaml", "--ruleset", "reg2026", "--as-of", "2026-06-30", "--format", "json"], tmp_path)
    assert result.returncode == 0, result.stderr
    body = json.loads(result.stdout)
    assert body["ruleset"] == "reg2026"
    assert body["outcome"] == "incomplete"
    assert "holder.segmentation_need" in body["missing_facts"]


def test_an_ineligible_case_exits_0_unless_fail_on(tmp_path):
    write(tmp_path, "case.yaml", changed(product__category="chemical_drug"))
    plain = run(["case.yaml", "--format", "json"], tmp_path)
    assert plain.returncode == 0
    assert json.loads(plain.stdout)["outcome"] == "ineligible"
    assert run(["case.yaml", "--fail-on", "ineligible"], tmp_path).returncode == 1


def test_fail_on_follows_the_precedence_of_outcomes(tmp_path):
    write(tmp_path, "incomplete.yaml", changed(product__origin=None))
    assert run(["incomplete.yaml", "--fail-on", "ineligible"], tmp_path).returncode == 0
    assert run(["incomplete.yaml", "--fail-on", "incomplete"], tmp_path).returncode == 1
    assert run(["incomplete.yaml", "--fail-on", "needs_determination"], tmp_path).returncode == 1
    write(tmp_path, "eligible.yaml", ELIGIBLE)
    assert run(["eligible.yaml", "--fail-on", "needs_determination"], tmp_path).returncode == 0


def test_malformed_yaml_exits_2_with_the_line(tmp_path):
    write(tmp_path, "bad.yaml", "as_of: 2025-06-30\nproduct: {category: [antibody\n")
    result = run(["bad.yaml", "--lang", "en"], tmp_path)
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.startswith("error [case_file_malformed]: bad.yaml: not valid YAML (line 3, column 1)")


def test_an_unknown_category_exits_2_naming_the_field(tmp_path):
    write(tmp_path, "case.yaml", changed(product__category="antibodyy"))
    result = run(["case.yaml", "--lang", "en"], tmp_path)
    assert result.returncode == 2
    assert result.stdout == ""
    first = result.stderr.splitlines()[0]
    assert first.startswith("error [invalid_case] in field product.category: product.category: Input should be")
    zh = run(["case.yaml", "--lang", "zh"], tmp_path)
    assert zh.returncode == 2
    assert zh.stderr.startswith("错误 [invalid_case]（字段 product.category）：字段 product.category 有误：取值无效")


def test_several_field_errors_are_all_listed(tmp_path):
    text = changed(product__category="antibodyy", holder__domestic="yes")
    write(tmp_path, "case.yaml", text)
    result = run(["case.yaml", "--lang", "en"], tmp_path)
    assert result.returncode == 2
    lines = result.stderr.splitlines()
    assert "(and 1 more)" in lines[0]
    assert lines[1].startswith("  - holder.domestic: ")
    assert lines[2].startswith("  - product.category: ")


def test_a_date_before_the_plan_was_issued_exits_2(tmp_path):
    write(tmp_path, "case.yaml", changed(as_of="2024-10-20"))
    result = run(["case.yaml", "--lang", "en"], tmp_path)
    assert result.returncode == 2
    assert result.stderr.startswith(
        "error [as_of_before_ruleset] in field as_of: as_of 2024-10-20 is before 2024-10-21, "
        "the first day ruleset pilot2024 covers"
    )
    option = run(["case.yaml", "--as-of", "2024-10-20"], tmp_path)
    assert option.returncode == 2
    assert "as_of_before_ruleset" in option.stderr


def test_a_submission_before_the_plan_exits_2(tmp_path):
    write(tmp_path, "case.yaml", changed(application__submitted_on="2024-01-02"))
    result = run(["case.yaml", "--lang", "en"], tmp_path)
    assert result.returncode == 2
    assert result.stderr.startswith("error [submitted_before_plan]")


@pytest.mark.parametrize(
    ("args", "code", "field"),
    [
        (["case.yaml", "--as-of", "30/06/2025"], "invalid_as_of", "as_of"),
        (["case.yaml", "--ruleset", "pilot2023"], "unknown_ruleset", "ruleset"),
        (["case.yaml", "--format", "docx"], "unknown_format", "format"),
        (["case.yaml", "--lang", "fr"], "unknown_lang", "lang"),
        (["case.yaml", "--fail-on", "eligible"], "unknown_fail_on", "fail_on"),
        (["case.yaml", "--format", "pdf"], "out_required", "out"),
        (["missing.yaml"], "case_file_not_found", None),
        ([], "case_missing", "case"),
    ],
)
def test_bad_options_exit_2_naming_the_field(tmp_path, args, code, field):
    write(tmp_path, "case.yaml", ELIGIBLE)
    result = run([*args, "--lang", "en"] if "--lang" not in args else args, tmp_path)
    assert result.returncode == 2, result.stdout + result.stderr
    where = f" in field {field}" if field else ""
    if "--lang" in args and "fr" in args:
        assert result.stderr.startswith(f"error [{code}]{where}: --lang 'fr' is not one of: zh, en")
    else:
        assert result.stderr.startswith(f"error [{code}]{where}: ")


def test_the_pdf_report(tmp_path):
    write(tmp_path, "case.yaml", changed(product__origin="licensed_in"))
    result = run(["case.yaml", "--format", "pdf", "--out", "out/report.pdf", "--lang", "en"], tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "needs_determination → out/report.pdf"
    reader = pypdf.PdfReader(tmp_path / "out" / "report.pdf")
    assert len(reader.pages) >= 5
    text = "\n".join(page.extract_text() for page in reader.pages)
    assert "needs_determination" in text
    for rule_id in get_ruleset("pilot2024").rule_ids:
        assert rule_id in text
    assert "需由监管部门认定" in text


def test_text_to_a_file(tmp_path):
    write(tmp_path, "case.json", json.dumps(yaml.load(ELIGIBLE, Loader=yaml.BaseLoader)))
    # BaseLoader reads every scalar as a string: booleans become "true" — a clear refusal, not a guess.
    result = run(["case.json", "--lang", "en"], tmp_path)
    assert result.returncode == 2
    assert "in field" in result.stderr
    write(tmp_path, "case.yaml", ELIGIBLE)
    ok = run(["case.yaml", "--out", "assessment.txt", "--lang", "en"], tmp_path)
    assert ok.returncode == 0
    assert ok.stdout.strip() == "eligible → assessment.txt"
    assert (tmp_path / "assessment.txt").read_text(encoding="utf-8").startswith("Assessment: ")


def _batch_dir(tmp_path: Path) -> Path:
    cases = tmp_path / "cases"
    write(cases, "a_eligible.yaml", ELIGIBLE)
    write(cases, "b_chemical.yaml", changed(product__category="chemical_drug"))
    write(cases, "c_unknown_category.yaml", changed(product__category="antibodyy"))
    write(cases, "d_malformed.yaml", "product: [\n")
    write(cases, "notes.txt", "not a case")
    return cases


def test_batch_to_csv_with_a_progress_bar(tmp_path):
    _batch_dir(tmp_path)
    result = run(["--batch", "cases", "--out", "summary.csv", "--lang", "en"], tmp_path)
    assert result.returncode == 0, result.stderr
    assert "4/4" in result.stdout  # the progress bar's last state
    assert "4 cases → summary.csv (eligible: 1, error: 2, ineligible: 1)" in result.stdout
    assert "2 file(s) could not be assessed" in result.stderr
    with (tmp_path / "summary.csv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert [(r["file"], r["outcome"]) for r in rows] == [
        ("a_eligible.yaml", "eligible"),
        ("b_chemical.yaml", "ineligible"),
        ("c_unknown_category.yaml", "error"),
        ("d_malformed.yaml", "error"),
    ]
    assert rows[1]["pilot2024.scope.biologic"] == "fail"
    assert rows[2]["error_field"] == "product.category"


def test_batch_to_xlsx_and_fail_on(tmp_path):
    _batch_dir(tmp_path)
    result = run(["--batch", "cases", "--out", "summary.xlsx", "--fail-on", "ineligible"], tmp_path)
    assert result.returncode == 1
    sheet = load_workbook(tmp_path / "summary.xlsx", read_only=True)["assessments"]
    values = [row for row in sheet.iter_rows(values_only=True)]
    assert values[0][:3] == ("file", "name", "outcome")
    assert [row[2] for row in values[1:]] == ["eligible", "ineligible", "error", "error"]


def test_batch_errors(tmp_path):
    _batch_dir(tmp_path)
    no_out = run(["--batch", "cases", "--lang", "en"], tmp_path)
    assert no_out.returncode == 2
    assert no_out.stderr.startswith("error [out_required] in field out: ")
    bad_out = run(["--batch", "cases", "--out", "summary.ods", "--lang", "en"], tmp_path)
    assert bad_out.returncode == 2
    assert bad_out.stderr.startswith("error [batch_bad_output] in field out: ")
    no_dir = run(["--batch", "nowhere", "--out", "s.csv", "--lang", "en"], tmp_path)
    assert no_dir.returncode == 2
    assert no_dir.stderr.startswith("error [batch_dir_not_found] in field directory: ")
    both = run(["case.yaml", "--batch", "cases", "--out", "s.csv", "--lang", "en"], tmp_path)
    assert both.returncode == 2
    assert both.stderr.startswith("error [case_and_batch] in field case: ")
    assert not (tmp_path / "s.csv").exists()


def test_a_deeply_nested_case_file_is_exit_2_not_a_traceback(tmp_path):
    case = write(tmp_path, "deep.json", "[" * 200_000 + "]" * 200_000)
    result = run([str(case), "--lang", "en"], tmp_path)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr + result.stdout
    assert f"[case_file_too_deep]: {case}: nested too deeply to be a case file" in result.stderr + result.stdout


@pytest.mark.parametrize("fmt", ["json", "pdf"])
def test_out_under_an_existing_file_is_exit_2_and_writes_nothing(tmp_path, fmt):
    case = write(tmp_path, "case.yaml", ELIGIBLE)
    blocker = write(tmp_path, "report", "keep me")
    target = blocker / f"out.{fmt}"
    result = run([str(case), "--format", fmt, "--out", str(target)], tmp_path)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr + result.stdout
    assert (
        f"[out_unwritable]（字段 out）：无法写入 {target}：路径中有一段是文件而不是目录"
        in result.stderr + result.stdout
    )
    assert blocker.read_text(encoding="utf-8") == "keep me"
