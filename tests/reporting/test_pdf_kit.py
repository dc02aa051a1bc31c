"""The shared PDF kit, read back with pypdf: embedded font subset, metadata, Chinese text, footers, tables."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
from reportlab.lib.units import mm
from reportlab.platypus import PageBreak, Paragraph

from bioseg.reporting import fonts, pdf
from tests.reporting import pdfcheck

AT = dt.datetime(2025, 4, 1, 9, 30, 15, tzinfo=dt.UTC)
NASTY = "<b>&x</b> &amp; <font name='Helvetica'>"


def make(story=None, *, footer="bioseg", lang="zh", **info) -> bytes:
    st = pdf.styles()
    story = story if story is not None else [Paragraph(pdf.text("生物制品分段生产评估报告"), st["title"])]
    return pdf.build_pdf(
        story,
        info=pdf.DocumentInfo(title=info.pop("title", "测试报告 Test report"), lang=lang, **info),
        footer=footer,
        generated_at=AT,
    )


def test_every_font_is_embedded_as_a_truetype_subset():
    st = pdf.styles()
    data = make([Paragraph(pdf.text("中文 English −196.25 °C"), st["base"]), Paragraph(pdf.text("a1b2"), st["mono"])])
    used = pdfcheck.fonts(data)
    assert [(f.subtype, f.file_key) for f in used] == [("/TrueType", "/FontFile2")] * 2
    # a subset (six-letter tag), of the regular and of the monospaced face of WenQuanYi Micro Hei
    assert [f.base_font.split("+", 1)[1] for f in used] == ["WenQuanYiMicroHei-0", "WenQuanYiMicroHeiMono-1"]
    assert all(len(f.base_font.split("+", 1)[0]) == 6 for f in used)


def test_no_base_font_is_left_unembedded_even_in_tables():
    data = make([pdf.table([["批号 Lot", "数量"], ["A-1", "40,000 支"]], [60 * mm, 60 * mm])])
    assert all(f.file_key == "/FontFile2" for f in pdfcheck.fonts(data))
    assert not [f for f in pdfcheck.fonts(data) if "Helvetica" in f.base_font]


def test_chinese_text_extracts_as_written():
    st = pdf.styles()
    data = make(
        [
            Paragraph(pdf.text("生物制品分段生产试点：原液（江苏）→ 制剂（上海）"), st["base"]),
            Paragraph(pdf.text("「血液制品不得委托生产」《药品管理法》第三十二条 −196.25 °C"), st["base"]),
        ]
    )
    text = pdfcheck.text(data)
    assert "生物制品分段生产试点：原液（江苏）→ 制剂（上海）" in text
    assert "「血液制品不得委托生产」《药品管理法》第三十二条 −196.25 °C" in text


def test_metadata_and_the_real_creation_time():
    data = make(
        title="召回影响报告 Recall-impact report D2",
        subject="PD-1单抗 · D2",
        keywords=("D2", "forward"),
        lang="en",
    )
    reader = pdfcheck.reader(data)
    meta = reader.metadata
    assert meta.title == "召回影响报告 Recall-impact report D2"
    assert meta.author == "bioseg"
    assert meta.subject == "PD-1单抗 · D2"
    assert meta["/Keywords"] == "D2, forward"
    assert meta["/Creator"] == "bioseg"
    assert meta.creation_date == AT
    assert meta.modification_date == AT
    assert reader.trailer["/Root"]["/Lang"] == "en"
    assert pdfcheck.reader(make(lang="zh")).trailer["/Root"]["/Lang"] == "zh-CN"


def test_the_same_story_and_time_give_the_same_bytes_and_another_time_other_bytes():
    assert make() == make()
    st = pdf.styles()
    later = pdf.build_pdf(
        [Paragraph(pdf.text("生物制品分段生产评估报告"), st["title"])],
        info=pdf.DocumentInfo(title="测试报告 Test report"),
        footer="bioseg",
        generated_at=AT + dt.timedelta(seconds=1),
    )
    assert later != make()


def test_a_naive_creation_time_is_refused():
    with pytest.raises(ValueError, match="timezone-aware"):
        pdf.build_pdf([], info=pdf.DocumentInfo(title="x"), generated_at=dt.datetime(2025, 1, 1))


def test_a_long_footer_wraps_below_the_text_and_every_page_says_x_of_y():
    st = pdf.styles()
    footer = " ".join(f"第{i}段 segment-{i}" for i in range(60)) + " END-OF-FOOTER"
    story = [Paragraph(pdf.text(f"正文 body line {i}"), st["base"]) for i in range(120)]
    data = make(story, footer=footer)
    reader = pdfcheck.reader(data)
    pages = len(reader.pages)
    assert pages == 3
    for n in range(pages):
        page_text = reader.pages[n].extract_text()
        assert f"第 {n + 1} 页，共 {pages} 页 / page {n + 1} of {pages}" in page_text
        assert "END-OF-FOOTER" in page_text  # wrapped, not cut
        assert "segment-0" in page_text
        runs = pdfcheck.positions(data, n)
        body = [y for t, y in runs if t.startswith("正文")]
        foot = [y for t, y in runs if "segment-" in t]
        assert len(foot) >= 3  # the footer takes several lines
        assert min(body) > max(foot) + 5  # the text stops above the footer: nothing overlaps
    # the whole body is there, in order
    text = pdfcheck.text(data)
    assert [int(line.split()[-1]) for line in text.splitlines() if line.startswith("正文")] == list(range(120))


def test_english_first_page_label():
    data = make(lang="en")
    assert "page 1 of 1 / 第 1 页，共 1 页" in pdfcheck.text(data)


def test_text_is_escaped_so_markup_in_data_prints_literally():
    assert pdf.text("<b>&x") == "&lt;b&gt;&amp;x"
    assert pdf.text(None) == ""
    assert pdf.text("a\nb") == "a<br/>b"
    st = pdf.styles()
    data = make([Paragraph(pdf.text(NASTY), st["base"]), pdf.table([["批号 Lot"], [NASTY]], [80 * mm])])
    text = pdfcheck.text(data)
    assert text.count(NASTY) == 2
    assert all(f.file_key == "/FontFile2" for f in pdfcheck.fonts(data))  # the <font> in the data did nothing


def test_numbers_in_text_have_separators_and_no_trailing_zeros():
    from decimal import Decimal

    assert pdf.text(Decimal("40000.000")) == "40,000"
    assert pdf.text(Decimal("-196.250")) == "−196.25"


def test_markup_built_on_purpose_is_kept():
    st = pdf.styles()
    markup = pdf.join("ID ", pdf.mono("<SHA>"), " · ", pdf.coloured(pdf.GREY, "灰色 & grey"))
    assert markup == (
        f'ID <font name="{pdf.MONO_FONT}">&lt;SHA&gt;</font> · <font color="#5f6368">灰色 &amp; grey</font>'
    )
    text = pdfcheck.text(make([Paragraph(markup, st["base"])]))
    assert "ID <SHA> · 灰色 & grey" in text


def test_table_cells_wrap_long_text_within_their_column():
    token = "LOT-" + "X" * 300
    widths = [30 * mm, 60 * mm]
    tbl = pdf.table([["批号 Lot", "说明 Note"], [token, "很长的说明 " * 40]], widths)
    width, height = tbl.wrap(sum(widths), 1000)
    assert width == pytest.approx(sum(widths))
    assert height > 100  # grew downwards instead of running off the page
    text = pdfcheck.text(make([tbl]))
    assert "".join(text.split()).count(token) == 1  # every character is printed


def test_table_header_repeats_on_each_page():
    rows = [["批号 Lot number", "数量 Quantity"]] + [[f"L-{i}", f"{i} 支"] for i in range(150)]
    data = make([pdf.table(rows, [60 * mm, 60 * mm])])
    reader = pdfcheck.reader(data)
    assert len(reader.pages) >= 2
    assert all("批号 Lot number" in p.extract_text() for p in reader.pages)


def test_labels_put_the_active_language_first():
    zh, en = pdf.Labels("zh"), pdf.Labels("en")
    assert zh.pair("Lot", "批号") == "批号 / Lot"
    assert en.pair("Lot", "批号") == "Lot / 批号"
    assert zh.pair("L", "L") == "L"
    assert zh.order("a", "甲") == ("甲", "a")
    assert zh.page(2, 8) == "第 2 页，共 8 页 / page 2 of 8"
    assert en.page(1, 1) == "page 1 of 1 / 第 1 页，共 1 页"
    from decimal import Decimal

    assert zh.quantity(Decimal("40000"), "vial") == "40,000 支 / 40,000 vials"
    assert en.quantity(Decimal("12.50"), "L") == "12.5 L"
    assert zh.quantity(1, "lot") == "1 批 / 1 lot"
    with pytest.raises(ValueError, match="lang must be 'zh' or 'en', not 'fr'"):
        pdf.Labels("fr")


def test_a_multipage_document_counts_its_pages():
    st = pdf.styles()
    data = make(
        [
            Paragraph("一", st["base"]),
            PageBreak(),
            Paragraph("二", st["base"]),
            PageBreak(),
            Paragraph("三", st["base"]),
        ]
    )
    reader = pdfcheck.reader(data)
    assert [p.extract_text().splitlines()[0] for p in reader.pages] == ["一", "二", "三"]
    assert "第 3 页，共 3 页 / page 3 of 3" in reader.pages[2].extract_text()


# ---------------------------------------------------------------------------------------------- the font


def test_the_font_comes_from_the_pypi_package_and_is_debians_file():
    font = fonts.find_font()
    assert font.source == "pypi:paperang-p2-fonts-cjk"
    assert hashlib.sha256(font.path.read_bytes()).hexdigest() == fonts.FONT_SHA256
    assert (font.regular_index, font.mono_index) == (0, 1)


def test_the_font_can_be_chosen_and_a_missing_one_is_a_clear_error(monkeypatch, tmp_path):
    real = fonts.find_font()
    try:
        monkeypatch.setenv("BIOSEG_CJK_FONT", str(real.path))
        fonts.reset()
        assert fonts.find_font() == fonts.FontFile(real.path, "BIOSEG_CJK_FONT", 0, 1)
        monkeypatch.setenv("BIOSEG_CJK_FONT", str(tmp_path / "nowhere.ttf"))
        fonts.reset()
        with pytest.raises(fonts.FontMissing, match="fonts-wqy-microhei") as err:
            fonts.find_font()
        assert "未找到报告所需的中文字体" in str(err.value)
    finally:
        monkeypatch.delenv("BIOSEG_CJK_FONT")
        fonts.reset()
    assert fonts.find_font() == real
