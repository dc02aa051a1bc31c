"""The release certificate (PDF) and the recall-impact report (PDF and XLSX), opened with real parsers:
pypdf for the PDFs and openpyxl for the workbook, with exact values."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from bioseg.audit.models import AuditEvent
from bioseg.audit.selectors import signatures_for
from bioseg.production import selectors
from bioseg.registry.scope import scope_for
from bioseg.reporting import recall_report
from bioseg.reporting.release_certificate import release_certificate_pdf
from tests.production import conftest as production_fixtures

pytestmark = pytest.mark.django_db

world = production_fixtures.world
genealogy = production_fixtures.genealogy
market = production_fixtures.market

AT = dt.datetime(2025, 4, 1, 9, 30, tzinfo=dt.UTC)
AT_NAIVE = dt.datetime(2025, 4, 1, 9, 30)  # Excel has no time zones: UTC, as the header says


def pdf_text(data: bytes) -> str:
    assert data.startswith(b"%PDF-")
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def test_the_release_certificate_names_every_signature_and_ancestor(market, genealogy, world):
    g = genealogy
    scope = scope_for(world.qp)
    detail = selectors.lot_detail(scope=scope, pk=g.p2.pk)
    events = AuditEvent.objects.count()
    text = pdf_text(release_certificate_pdf(detail=detail, scope=scope, generated_at=AT))
    assert AuditEvent.objects.count() == events  # a report writes nothing
    lines = text.splitlines()
    assert lines[:3] == ["批放行证书 Lot release certificate", "P2 · PD-1单抗 / PD-1 mAb", "批号 Lot number"]
    for expected in (
        "DP — 制剂 / Drug product",
        "上海基地 / Shanghai site (Shanghai CDMO公司 / Shanghai CDMO)",
        "上海市 / Shanghai",
        "3,000 支 / 3,000 vials",  # units as users write them
        "2030-03-01",
        "已放行 / released",
        "COA-P2 (2025-03-20)",
        "SHA-256 " + "a" * 64,  # the hash on one line of its own, never broken
        "全部上游批均已放行 / Every ancestor lot is released.",
        "DS (原液 / Drug substance)",
        "生成时间 Generated at: 2025-04-01 09:30:00 UTC · bioseg",
    ):
        assert expected in lines, expected
    releases = {r.kind: r for r in detail.releases}
    for kind, user, label in (
        ("cmo_qa", world.cmo_qa, "受托方质量部门放行"),
        ("qualified_person", world.qp, "质量受权人放行"),
    ):
        (status,) = signatures_for(releases[kind])
        assert f"记录哈希 Record SHA-256: {status.signature.record_sha256}" in lines
        assert status.signature.printed_name == user.printed_name
        assert user.printed_name in lines
        assert label in text
        assert status.signature.signed_at.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S") in text
    assert text.count("完好 / intact") == 2
    assert text.count("放行 / Released") == 2
    # the ancestors of P2 are D2 and W1, not D1
    assert [x for x in lines if x in ("D1", "D2", "W1")] == ["D2", "W1"]


def test_a_certificate_of_an_unreleased_lot_says_so_and_counts_unreleased_ancestors(genealogy, world):
    scope = scope_for(world.cmo_qa)
    text = pdf_text(release_certificate_pdf(detail=selectors.lot_detail(scope=scope, pk=genealogy.p1.pk), scope=scope))
    assert "尚未放行 / Not released yet." in text
    assert "3 个上游批尚未放行 / 3 ancestor lots not released." in text
    assert "— 缺失 / missing" in text


def day(year: int, month: int, d: int) -> dt.datetime:
    return dt.datetime(year, month, d)  # openpyxl reads a date cell back as a datetime at midnight


def at(month: int, d: int, hour: int) -> dt.datetime:
    return dt.datetime(2025, month, d, hour)


def rows(ws) -> list[list]:
    return [list(r) for r in ws.iter_rows(values_only=True)]


def test_the_recall_impact_workbook_lists_every_lot_shipment_and_consignee(market, genealogy, world):
    report = recall_report.build(scope=scope_for(world.holder_qa), lot=genealogy.w1, generated_at=AT)
    wb = load_workbook(io.BytesIO(recall_report.to_xlsx(report)))
    assert wb.sheetnames == ["Summary", "Lots", "Shipments", "Consignees"]
    assert rows(wb["Summary"]) == [
        ["召回影响报告 Recall-impact report", None],
        ["起始批 Starting lot", "W1"],
        ["产品 Product", "PD-1单抗 / PD-1 mAb"],
        ["方向 Direction", "正向（下游）forward"],
        ["受影响的批 Affected lots", 5],
        ["运输 Shipment lines", 4],
        ["收货方 Consignees", 2],
        ["生成时间 Generated at (UTC)", AT_NAIVE],
    ]
    product = "PD-1单抗 / PD-1 mAb"
    suzhou = ["苏州基地 / Suzhou site", "Suzhou Holder公司 / Suzhou Holder", "江苏省 / Jiangsu"]
    shanghai = ["上海基地 / Shanghai site", "Shanghai CDMO公司 / Shanghai CDMO", "上海市 / Shanghai"]
    assert rows(wb["Lots"]) == [
        recall_report.LOT_HEADER,
        ["W1", product, "WCB", "已放行", 10, "支", day(2025, 1, 10), *suzhou, 0, "W1", None, None],
        ["D1", product, "DS", "已放行", 100, "L", day(2025, 3, 1), *suzhou, 1, "W1 → D1", "SH-1", None],
        ["D2", product, "DS", "已放行", 100, "L", day(2025, 3, 1), *suzhou, 1, "W1 → D2", "SH-1", None],
        ["P1", product, "DP", "待验", 5000, "支", day(2025, 3, 5), *shanghai, 2, "W1 → D1 → P1", None, None],
        [
            "P2",
            product,
            "DP",
            "已放行",
            3000,
            "支",
            day(2025, 3, 6),
            *shanghai,
            2,
            "W1 → D2 → P2",
            "SH-2, SH-3",
            "北京医药 / Beijing Pharma; 广州医药 / Guangzhou Pharma",
        ],
    ]
    js, sh = ["苏州基地 / Suzhou site", "江苏省 / Jiangsu"], ["上海基地 / Shanghai site", "上海市 / Shanghai"]
    assert rows(wb["Shipments"]) == [
        recall_report.SHIPMENT_HEADER,
        ["SH-1", "D1", 100, "L", *js, *sh, at(3, 2, 8), at(3, 3, 8), "W1 → D1"],
        ["SH-1", "D2", 100, "L", *js, *sh, at(3, 2, 8), at(3, 3, 8), "W1 → D2"],
        [
            "SH-2",
            "P2",
            1000,
            "支",
            *sh,
            "北京医药 / Beijing Pharma",
            "北京市 / Beijing",
            at(3, 21, 8),
            None,
            "W1 → D2 → P2",
        ],
        [
            "SH-3",
            "P2",
            500,
            "支",
            *sh,
            "广州医药 / Guangzhou Pharma",
            "广东省 / Guangdong",
            at(3, 22, 8),
            None,
            "W1 → D2 → P2",
        ],
    ]
    assert rows(wb["Consignees"]) == [
        recall_report.CONSIGNEE_HEADER,
        ["北京医药 / Beijing Pharma", "北京市 / Beijing", "SH-2", "P2"],
        ["广州医药 / Guangzhou Pharma", "广东省 / Guangdong", "SH-3", "P2"],
    ]


def test_the_recall_impact_pdf_has_the_same_content(market, genealogy, world):
    report = recall_report.build(scope=scope_for(world.holder_qa), lot=genealogy.d2, generated_at=AT)
    text = pdf_text(recall_report.to_pdf(report))
    lines = text.splitlines()
    assert lines[:2] == ["召回影响报告 Recall-impact report", "D2 · PD-1单抗 / PD-1 mAb"]
    assert "受影响的批 Affected lots (3)" in lines
    assert "运输 Shipments (3)" in lines
    assert "收货方 Consignees (2)" in lines
    for expected in ("D2 → P1", "D2 → P2", "SH-2", "SH-3", "北京医药 / Beijing Pharma", "广东省 / Guangdong"):
        assert expected in text, expected
    assert "W1" not in lines  # forward from D2 only


def test_a_report_for_a_lot_outside_the_scope_is_refused(genealogy, world):
    from bioseg.common.errors import NotFound

    with pytest.raises(NotFound):
        recall_report.build(scope=scope_for(world.gd_qa), lot=genealogy.w1)


def test_a_recall_report_beyond_the_expand_limit_summarises_the_consignees(market, genealogy, world, monkeypatch):
    from bioseg.production import trace as trace_module

    monkeypatch.setattr(trace_module, "EXPAND_LIMIT", 2)
    monkeypatch.setattr(recall_report, "LINE_LIMIT", 3)
    report = recall_report.build(scope=scope_for(world.holder_qa), lot=genealogy.w1, generated_at=AT)
    wb = load_workbook(io.BytesIO(recall_report.to_xlsx(report)))
    assert rows(wb["Summary"])[4:9] == [
        ["受影响的批 Affected lots", 5],
        ["运输 Shipments", 3],
        ["运输 Shipment lines", 4],
        ["收货方 Consignees", 2],
        ["生成时间 Generated at (UTC)", AT_NAIVE],
    ]
    assert rows(wb["Summary"])[9][0] == "说明 Note"
    assert "the first 3 shipment lines are listed" in rows(wb["Summary"])[9][1]
    # the paths are worked out in bulk; the per-lot shipment columns are left empty
    assert [(r[0], r[11], r[12], r[13]) for r in rows(wb["Lots"])[1:]] == [
        ("W1", "W1", None, None),
        ("D1", "W1 → D1", None, None),
        ("D2", "W1 → D2", None, None),
        ("P1", "W1 → D1 → P1", None, None),
        ("P2", "W1 → D2 → P2", None, None),
    ]
    assert [(r[0], r[1], r[10]) for r in rows(wb["Shipments"])[1:]] == [
        ("SH-1", "D1", "W1 → D1"),
        ("SH-1", "D2", "W1 → D2"),
        ("SH-2", "P2", "W1 → D2 → P2"),
    ]
    assert rows(wb["Consignees"])[1:] == [
        [
            "北京医药 / Beijing Pharma",
            "北京市 / Beijing",
            "1 次运输 shipments (1 条明细 lines), 2025-03-21 08:00:00 UTC – 2025-03-21 08:00:00 UTC",
            "1 个批 lots",
        ],
        [
            "广州医药 / Guangzhou Pharma",
            "广东省 / Guangdong",
            "1 次运输 shipments (1 条明细 lines), 2025-03-22 08:00:00 UTC – 2025-03-22 08:00:00 UTC",
            "1 个批 lots",
        ],
    ]
    assert pdf_text(recall_report.to_pdf(report)).count("SH-") == 3


def test_the_certificate_embeds_its_font_and_carries_its_metadata(market, genealogy, world):
    from tests.reporting import pdfcheck

    scope = scope_for(world.qp)
    data = release_certificate_pdf(
        detail=selectors.lot_detail(scope=scope, pk=genealogy.p2.pk), scope=scope, generated_at=AT
    )
    assert {f.file_key for f in pdfcheck.fonts(data)} == {"/FontFile2"}
    meta = pdfcheck.reader(data).metadata
    assert meta.title == "批放行证书 Lot release certificate P2"
    assert meta.subject == "PD-1单抗 / PD-1 mAb · P2 · 已放行 / released"
    assert meta.creation_date == AT
    text = pdf_text(data)
    assert "第 1 页，共 1 页 / page 1 of 1" in text
    assert (
        "批放行证书 Lot release certificate · P2 · PD-1单抗 / PD-1 mAb · 生成时间 Generated at 2025-04-01 09:30:00 UTC"
        in text
    )


def test_the_recall_pdf_embeds_its_font_and_writes_quantities_with_units(market, genealogy, world):
    from tests.reporting import pdfcheck

    report = recall_report.build(scope=scope_for(world.holder_qa), lot=genealogy.w1, generated_at=AT)
    data = recall_report.to_pdf(report)
    assert {f.file_key for f in pdfcheck.fonts(data)} == {"/FontFile2"}
    meta = pdfcheck.reader(data).metadata
    assert (meta.title, meta.creation_date) == ("召回影响报告 Recall-impact report W1", AT)
    lines = pdf_text(data).splitlines()
    for expected in (
        "10 支 / 10 vials",
        "100 L",
        "5,000 支 / 5,000 vials",
        "待验 / in quarantine",
        "2025-03-21 08:00:00 UTC",
    ):
        assert expected in lines, expected
    english = pdf_text(recall_report.to_pdf(report, lang="en")).splitlines()
    assert "5,000 vials / 5,000 支" in english


def test_the_recall_workbook_in_english_writes_english_statuses(market, genealogy, world):
    report = recall_report.build(scope=scope_for(world.holder_qa), lot=genealogy.w1, generated_at=AT)
    wb = load_workbook(io.BytesIO(recall_report.to_xlsx(report, lang="en")))
    assert [r[3] for r in rows(wb["Lots"])[1:]] == ["released", "released", "released", "in quarantine", "released"]
    assert [r[5] for r in rows(wb["Lots"])[1:]] == ["vial", "L", "L", "vial", "vial"]  # '支' in Chinese
    assert [r[3] for r in rows(wb["Shipments"])[1:]] == ["L", "L", "vial", "vial"]
    lots = wb["Lots"]
    assert lots["E2"].number_format == "#,##0"
    assert lots["G2"].number_format == "yyyy-mm-dd"
    assert wb["Shipments"]["I2"].number_format == "yyyy-mm-dd hh:mm:ss"
    assert lots.freeze_panes == "A2"
    assert lots["A1"].font.bold is True


def _statuses(data: bytes) -> list[str]:
    return [r[3] for r in rows(load_workbook(io.BytesIO(data))["Lots"])[1:]]


def _client(user, lang: str):
    from django.test import Client

    c = Client()
    c.force_login(user)
    c.cookies["django_language"] = lang
    return c


ZH_STATUSES = ["已放行", "已放行", "已放行", "待验", "已放行"]
EN_STATUSES = ["released", "released", "released", "in quarantine", "released"]


@pytest.mark.parametrize(
    ("lang", "statuses", "quantity"),
    [
        ("zh-hans", ZH_STATUSES, "5,000 支 / 5,000 vials"),
        ("en", EN_STATUSES, "5,000 vials / 5,000 支"),
    ],
)
def test_the_recall_report_downloaded_from_the_page_or_the_api_writes_statuses_in_the_readers_language(
    market, genealogy, world, lang, statuses, quantity
):
    c = _client(world.holder_qa, lang)
    w1 = genealogy.w1.pk
    for xlsx in (c.get(f"/lots/{w1}/recall-report.xlsx"), c.get(f"/api/v1/lots/{w1}/recall-report?format=xlsx")):
        assert xlsx.status_code == 200
        assert _statuses(xlsx.content) == statuses
    for pdf in (c.get(f"/lots/{w1}/recall-report.pdf"), c.get(f"/api/v1/lots/{w1}/recall-report")):
        assert pdf.status_code == 200
        assert quantity in pdf_text(pdf.content).splitlines()


def test_the_recall_report_command_writes_statuses_in_the_language_asked(market, genealogy, world, tmp_path):
    from tests.cli.test_trace import run

    for lang, statuses in (("en", EN_STATUSES), ("zh", ZH_STATUSES)):
        out = tmp_path / f"recall-{lang}.xlsx"
        result = run("recall-report", "W1", "--out", str(out), "--lang", lang)
        assert result.exit_code == 0, result.output
        assert _statuses(out.read_bytes()) == statuses
    refused = run("recall-report", "W1", "--out", str(tmp_path / "x.xlsx"), "--lang", "fr")
    assert (refused.exit_code, "error [bad_language]: --lang must be zh or en." in refused.output) == (2, True)
    assert not (tmp_path / "x.xlsx").exists()
