"""The bilingual determination report, read back with a real PDF parser (pypdf)."""

from __future__ import annotations

import copy
import io
from datetime import UTC, date, datetime

import pypdf
import pytest

from bioseg.regulation import assess, get_ruleset, read_data_file
from bioseg.regulation.api import SCHEMA_PATH
from bioseg.reporting.assessment_pdf import assessment_pdf, pdf_filename, write_assessment_pdf

BASELINES = SCHEMA_PATH.parents[1] / "bioseg" / "regulation" / "cases" / "_baselines.yaml"


@pytest.fixture(scope="module")
def eligible() -> dict:
    return read_data_file(BASELINES)["eligible_antibody"]


def read(pdf: bytes) -> tuple[pypdf.PdfReader, str]:
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    return reader, "\n".join(page.extract_text() for page in reader.pages)


def test_an_eligible_case(eligible):
    det = assess(eligible, as_of=date(2025, 6, 30))
    reader, text = read(assessment_pdf(det, case=eligible, lang="zh"))
    assert len(reader.pages) == 8
    assert reader.metadata.title == (
        "Segmented-production assessment report — HX-101 antibody, Jiangsu + Shanghai (2025-06-30)"
    )
    # the cover
    assert "生物制品分段生产评估报告" in text
    assert "Segmented-production assessment report" in text
    assert "HX-101 antibody, Jiangsu + Shanghai" in text
    assert "评估日期 / Assessment date\n2025-06-30" in text
    assert f"pilot2024 (版本 / version {get_ruleset('pilot2024').version})" in text
    assert "符合条件 / eligible (eligible)" in text
    # every rule, with its outcome word, in the findings table
    for rule_id in get_ruleset("pilot2024").rule_ids:
        assert rule_id in text
    assert "pilot2024.scope.vaccine_segmentation\n不适用\nnot_applicable" in text
    # the citations: Chinese original and English rendering
    assert "「血液制品、麻醉药品、精神药品、医疗用毒性药品、药品类易制毒化学品不得委托生产" in text
    assert "Blood products, narcotic drugs, psychotropic drugs" in text
    # nothing is missing, nobody must decide
    assert "无缺少的事实。 / No fact is missing." in text
    assert "无需监管部门认定的事项。 / No question awaits a regulator." in text


def test_missing_facts_and_who_must_decide(eligible):
    case = copy.deepcopy(eligible)
    case["product"]["origin"] = "licensed_in"
    del case["contract_manufacturers"][0]["qa_system_complete"]
    det = assess(case, as_of=date(2025, 6, 30))
    assert str(det.outcome) == "incomplete"
    _, text = read(assessment_pdf(det, case=case, lang="en"))
    assert "incomplete — facts are missing / 信息不完整——缺少事实 (incomplete)" in text
    assert "contract_manufacturers[0].qa_system_complete — needed by / 所需规则: pilot2024.cmo.qa_system" in text
    assert "National Medical Products Administration (NMPA) / 国家药品监督管理局" in text
    assert "pilot2024.holder.original_product: The product was licensed in." in text


def test_the_explanation_tree_lists_the_rules_that_did_not_apply(eligible):
    det = assess(eligible, as_of=date(2025, 6, 30))
    _, text = read(assessment_pdf(det, case=eligible, lang="en"))
    tree = text[text.index("Explanation / 说明树") :]
    assert "Rules that pass (14)" in tree
    assert "Rules that do not apply (2)" in tree
    assert "[not_applicable] pilot2024.scope.vaccine_segmentation" in tree
    assert "[pass] pilot2024.cmo.experience" in tree


def test_an_ineligible_case_under_the_2026_regulations(eligible):
    case = copy.deepcopy(eligible)
    case["product"]["category"] = "blood_product"
    det = assess(case, as_of=date(2026, 6, 30), ruleset="reg2026")
    assert str(det.outcome) == "ineligible"
    reader, text = read(assessment_pdf(det, case=case, lang="en"))
    assert len(reader.pages) >= 4
    assert "ineligible / 不符合条件 (ineligible)" in text
    for rule_id in get_ruleset("reg2026").rule_ids:
        assert rule_id in text
    assert "reg2026.art31.prohibited\n不符合\nfail" in text


def test_the_same_determination_gives_the_same_bytes(eligible, tmp_path):
    det = assess(eligible, as_of=date(2025, 6, 30))
    at = datetime(2025, 7, 1, 8, 0, tzinfo=UTC)
    first = assessment_pdf(det, case=eligible, generated_at=at)
    assert first == assessment_pdf(det, case=eligible, generated_at=at)
    assert first.startswith(b"%PDF-")
    assert pypdf.PdfReader(io.BytesIO(first)).metadata.creation_date == at  # the real creation time
    later = assessment_pdf(det, case=eligible, generated_at=datetime(2025, 7, 2, 8, 0, tzinfo=UTC))
    assert later != first
    path = write_assessment_pdf(det, tmp_path / "a" / "report.pdf", case=eligible, generated_at=at)
    assert path.read_bytes() == first
    assert pdf_filename(det) == "assessment-pilot2024-2025-06-30.pdf"


def test_an_empty_case_without_a_case_summary():
    det = assess({}, as_of=date(2025, 6, 30))
    reader, text = read(assessment_pdf(det))
    assert "信息不完整——缺少事实 / incomplete — facts are missing (incomplete)" in text
    assert "product.category — 所需规则 / needed by: pilot2024.scope.biologic, pilot2024.scope.prohibited" in text
    assert len(reader.pages) >= 4


def test_an_unknown_language_is_refused(eligible):
    det = assess(eligible, as_of=date(2025, 6, 30))
    with pytest.raises(ValueError, match="lang must be 'zh' or 'en', not 'fr'"):
        assessment_pdf(det, lang="fr")


def test_the_report_embeds_its_font_and_says_what_it_is(eligible):
    from tests.reporting import pdfcheck

    det = assess(eligible, as_of=date(2025, 6, 30))
    at = datetime(2025, 7, 1, 8, 0, tzinfo=UTC)
    data = assessment_pdf(det, case=eligible, lang="en", generated_at=at)
    used = pdfcheck.fonts(data)
    assert {f.base_font.split("+", 1)[1] for f in used} == {"WenQuanYiMicroHei-0", "WenQuanYiMicroHeiMono-1"}
    assert {f.file_key for f in used} == {"/FontFile2"}  # every font embedded (no Courier, no CID font)
    reader = pdfcheck.reader(data)
    assert reader.metadata.author == "bioseg"
    assert reader.metadata.subject == "生物制品分段生产评估报告 · pilot2024 1.3.0: eligible"
    assert reader.metadata["/Keywords"] == "pilot2024, 1.3.0, eligible, 2025-06-30"
    assert reader.metadata.creation_date == at
    assert reader.trailer["/Root"]["/Lang"] == "en"
    last = reader.pages[-1].extract_text()
    assert (
        f"page {len(reader.pages)} of {len(reader.pages)} / 第 {len(reader.pages)} 页，共 {len(reader.pages)} 页"
        in last
    )
    assert "bioseg — same inputs, same determination" in last
