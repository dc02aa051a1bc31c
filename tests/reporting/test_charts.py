"""The chart kit: Chinese set in the reports' CJK font (no missing glyph), PNG/SVG for the web, and the same
chart embedded in a PDF made with the PDF kit."""

from __future__ import annotations

import datetime as dt
import io
import warnings
from decimal import Decimal

import matplotlib
import pytest
from matplotlib import font_manager
from matplotlib.figure import Figure

from bioseg.reporting import charts, fonts, pdf
from tests.reporting import pdfcheck

T0 = dt.datetime(2025, 3, 2, 8, 0, tzinfo=dt.UTC)
PNG = b"\x89PNG\r\n\x1a\n"


def readings() -> list[tuple[dt.datetime, Decimal]]:
    values = [Decimal("5.0") + Decimal(i % 12) / 4 for i in range(96)]
    for i in range(30, 40):
        values[i] = Decimal("9.5")
    return [(T0 + dt.timedelta(minutes=15 * i), v) for i, v in enumerate(values)]


def every_chart(lang: str = "zh") -> list[charts.Chart]:
    return [
        charts.band_chart(
            readings(),
            low=2,
            high=8,
            periods=[(T0 + dt.timedelta(minutes=450), T0 + dt.timedelta(minutes=600))],
            title="运输 SH-1 温度记录：允许范围 2–8 °C，偏离 −196.25 °C",
            y_label="温度（°C）",
            lang=lang,
        ),
        charts.bar_chart(
            ["原液", "制剂", "细胞库"], [Decimal("40000"), 12, Decimal("2.5")], title="各分段批数", lang=lang
        ),
        charts.bar_chart(["江苏省", "上海市"], [3, 5], title="检查次数", horizontal=True, lang=lang),
        charts.stacked_bar_chart(
            ["2025-01", "2025-02"], {"已放行": [3, 4], "已拒收": [1, 0], "已召回": [0, 1]}, title="批处置", lang=lang
        ),
        charts.time_series_chart(
            {"江苏省": [(dt.date(2025, 1, 1), 1), (dt.date(2025, 6, 1), 2)], "上海市": [(dt.date(2025, 2, 1), 3)]},
            title="风险等级变化",
            step=True,
            lang=lang,
        ),
    ]


def missing_glyph_warnings(render) -> list[str]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        render()
    return [str(w.message) for w in caught if "missing from font" in str(w.message)]


def test_chinese_renders_with_the_cjk_font_and_no_glyph_is_missing():
    for chart in every_chart():
        assert missing_glyph_warnings(chart.png) == [], chart.title
        assert missing_glyph_warnings(chart.svg) == [], chart.title


def test_the_check_would_see_a_missing_glyph():
    # the same title in matplotlib's default font (DejaVu Sans, no Chinese) warns: the check above is real
    def render_default() -> None:
        with matplotlib.rc_context({"font.family": "sans-serif", "font.sans-serif": ["DejaVu Sans"]}):
            fig = Figure()
            fig.add_subplot().set_title("运输温度记录")
            fig.savefig(io.BytesIO(), format="png")

    assert missing_glyph_warnings(render_default)


def test_the_charts_font_is_the_reports_font():
    every_chart()[0].png()  # registers the font
    with matplotlib.rc_context(charts._rc()):
        path = font_manager.findfont(font_manager.FontProperties(family=["sans-serif"]), fallback_to_default=False)
    assert path == str(fonts.find_font().path)


def test_png_and_svg_bytes_for_the_web_are_repeatable():
    chart = every_chart()[0]
    png, svg = chart.png(), chart.svg()
    assert png.startswith(PNG)
    assert png == chart.png()
    assert svg.startswith(b"<?xml") and b"<svg" in svg
    assert svg == chart.svg()
    assert b"<text" not in svg  # text as outlines: the browser needs no CJK font
    assert chart.png(dpi=72) != png


def test_a_chart_in_a_pdf_is_an_embedded_image_beside_embedded_text():
    st = pdf.styles()
    story = [pdf.para("冷链温度 Cold chain", st["h1"])]
    story += [chart.flowable(pdf.frame_width() * 0.9) for chart in every_chart()[:2]]
    data = pdf.build_pdf(story, info=pdf.DocumentInfo(title="图表 Charts"))
    assert pdfcheck.image_count(data) == 2
    image = pdfcheck.reader(data).pages[0].images[0]
    assert image.image.size[0] >= 1000  # drawn at print resolution (200 dpi)
    assert {f.file_key for f in pdfcheck.fonts(data)} == {"/FontFile2"}
    assert "冷链温度 Cold chain" in pdfcheck.text(data)


def test_a_flowable_keeps_the_charts_proportions():
    img = charts.bar_chart(["a"], [1], size=(8.0, 2.0)).flowable(400)
    assert (img.drawWidth, img.drawHeight) == (400, 100)


def test_open_band_edges_and_english():
    chart = charts.band_chart(readings(), high=8, title="Temperatures", lang="en")
    assert missing_glyph_warnings(chart.png) == []
    assert charts.BAND_LEGEND["en"] == ("Readings", "Allowed range", "Excursion")


def test_mismatched_data_is_refused():
    with pytest.raises(ValueError, match="differ in length"):
        charts.bar_chart(["a", "b"], [1])
    with pytest.raises(ValueError, match="stack '已放行' has 1 values for 2 categories"):
        charts.stacked_bar_chart(["a", "b"], {"已放行": [1]})
