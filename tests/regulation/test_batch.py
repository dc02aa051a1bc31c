"""Batch assessment of a directory into CSV or XLSX, with progress and per-file errors."""

from __future__ import annotations

import csv
import json
from datetime import date

import pytest

from bioseg.regulation import batch_assess
from bioseg.rulebook import InputError


@pytest.fixture
def case_dir(tmp_path, antibody):
    folder = tmp_path / "cases"
    folder.mkdir()
    antibody["as_of"] = "2025-06-30"
    (folder / "a_eligible.json").write_text(json.dumps(antibody), encoding="utf-8")
    late = dict(antibody, application={"submitted_on": "2026-01-05"}, as_of="2026-02-01")
    (folder / "b_late.json").write_text(json.dumps(late), encoding="utf-8")
    (folder / "c_empty.yaml").write_text("as_of: 2025-06-30\n", encoding="utf-8")
    (folder / "d_bad_category.yaml").write_text("as_of: 2025-06-30\nproduct: {category: soap}\n", encoding="utf-8")
    (folder / "e_too_early.yaml").write_text("as_of: 2024-01-01\n", encoding="utf-8")
    (folder / "notes.txt").write_text("not a case", encoding="utf-8")
    return folder


def test_csv_summary_one_row_per_case_file(case_dir, tmp_path):
    calls = []
    result = batch_assess(case_dir, tmp_path / "out" / "summary.csv", progress=lambda n, t: calls.append((n, t)))
    assert result.total == 5
    assert result.counts == {"eligible": 1, "error": 2, "incomplete": 1, "ineligible": 1}
    assert result.errors == 2
    assert calls == [(1, 5), (2, 5), (3, 5), (4, 5), (5, 5)]
    with result.out.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert [r["file"] for r in rows] == [
        "a_eligible.json",
        "b_late.json",
        "c_empty.yaml",
        "d_bad_category.yaml",
        "e_too_early.yaml",
    ]
    assert [r["outcome"] for r in rows] == ["eligible", "ineligible", "incomplete", "error", "error"]
    assert rows[1]["pilot2024.timeline.application_deadline"] == "fail"
    assert rows[2]["missing_facts"].startswith("product.category; segments")
    assert rows[3]["error_field"] == "product.category"
    assert rows[4]["error_field"] == "as_of"


def test_without_a_ruleset_each_case_gets_the_ruleset_of_its_day(case_dir, tmp_path):
    (case_dir / "f_standing.yaml").write_text("as_of: 2026-06-30\nproduct: {category: antibody}\n", encoding="utf-8")
    result = batch_assess(case_dir, tmp_path / "s.csv")
    with result.out.open(encoding="utf-8") as handle:
        rows = {r["file"]: r for r in csv.DictReader(handle)}
    assert {name: r["ruleset"] for name, r in rows.items()} == {
        "a_eligible.json": "pilot2024",
        "b_late.json": "pilot2024",
        "c_empty.yaml": "pilot2024",
        "d_bad_category.yaml": "",  # not readable: no day to choose by
        "e_too_early.yaml": "pilot2024",  # refused by the ruleset of its day
        "f_standing.yaml": "reg2026",
    }
    assert rows["f_standing.yaml"]["reg2026.art32.drug_scope"] == "undetermined"
    assert rows["f_standing.yaml"]["pilot2024.scope.category"] == ""
    assert rows["a_eligible.json"]["reg2026.art32.drug_scope"] == ""


def test_the_same_directory_gives_the_same_table(case_dir, tmp_path):
    one = batch_assess(case_dir, tmp_path / "one.csv").out.read_bytes()
    two = batch_assess(case_dir, tmp_path / "two.csv").out.read_bytes()
    assert one == two


def test_as_of_and_ruleset_can_be_forced_for_the_whole_batch(case_dir, tmp_path):
    result = batch_assess(case_dir, tmp_path / "s.csv", as_of=date(2026, 6, 30), ruleset="reg2026")
    with result.out.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert {r["ruleset"] for r in rows} == {"reg2026"}
    assert {r["as_of"] for r in rows if r["outcome"] != "error"} == {"2026-06-30"}
    assert "reg2026.art33.vaccine" in rows[0]


def test_xlsx_summary_with_sheets(case_dir, tmp_path):
    from openpyxl import load_workbook

    result = batch_assess(case_dir, tmp_path / "summary.xlsx")
    book = load_workbook(result.out, read_only=True)
    assert book.sheetnames == ["assessments", "summary", "rules"]
    rows = list(book["assessments"].iter_rows(values_only=True))
    assert rows[0][:3] == ("file", "name", "outcome")
    assert [r[2] for r in rows[1:]] == ["eligible", "ineligible", "incomplete", "error", "error"]
    summary = dict(list(book["summary"].iter_rows(values_only=True))[1:])
    assert summary == {"eligible": 1, "error": 2, "incomplete": 1, "ineligible": 1}
    rules = list(book["rules"].iter_rows(values_only=True))
    # no ruleset given: each case gets the ruleset of its day, so both rulesets' rules are listed —
    # pilot2024's 16 (one of them in two versions) and reg2026's 9
    assert len(rules) == 1 + 17 + 9
    forced = batch_assess(case_dir, tmp_path / "forced.xlsx", ruleset="pilot2024")
    assert len(list(load_workbook(forced.out, read_only=True)["rules"].iter_rows())) == 1 + 17


def test_bad_output_or_directory_is_refused(case_dir, tmp_path):
    with pytest.raises(InputError) as err:
        batch_assess(case_dir, tmp_path / "summary.pdf")
    assert err.value.field == "out"
    with pytest.raises(InputError) as err:
        batch_assess(tmp_path / "nowhere", tmp_path / "s.csv")
    assert err.value.field == "directory"
