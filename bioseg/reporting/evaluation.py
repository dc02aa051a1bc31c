"""The end-of-pilot evaluation report (试点总结评估报告) as PDF and XLSX, in Chinese or in English.

Built from ``bioseg.evaluation.figures.Evaluation`` — the same structure the web page shows — so the file and the
page never disagree. The PDF (the shared kit: embedded CJK font subset, metadata, page x of y) has, per section,
its figures with what each counts, its tables and its charts (``charts.py``), then each province's signed
narrative. The XLSX has a "figures" sheet (every figure with its definition) and one sheet per table.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.platypus import KeepTogether, Paragraph, Spacer

from bioseg.common import formatting
from bioseg.evaluation.figures import ChartSpec, Evaluation, Figure, Table
from bioseg.reporting import charts, pdf
from bioseg.reporting.xlsx import Column as XColumn
from bioseg.reporting.xlsx import Workbook

WORDS = {
    "title": ("End-of-pilot evaluation", "生物制品分段生产试点总结评估"),
    "as_of": ("As of", "截至"),
    "scope": ("Scope", "范围"),
    "national": ("National", "全国"),
    "province": ("Province", "省份"),
    "product": ("Product", "产品"),
    "figure": ("Figure", "指标"),
    "value": ("Value", "数值"),
    "counts": ("What it counts", "统计口径"),
    "narratives": ("The provinces' narratives", "各省总结评估叙述"),
    "signed_by": ("signed by", "签名人"),
    "no_narrative": ("No province has signed a narrative for this date yet.", "尚无省份签署截至该日的叙述。"),
    "figures_sheet": ("figures", "指标"),
    "section": ("Section", "部分"),
    "footer": (
        "bioseg · every figure counts records by their business date up to the end of the date above (Beijing time); "
        "the same date gives the same figures, except the trace drills, measured when the report was built.",
        "bioseg · 各项数字均按业务日期统计至上述日期当日结束（北京时间）；同一日期得出相同数字，追溯演练除外（生成报告时实测）。",
    ),
    "days": ("days", "天"),
    "ms": ("ms", "毫秒"),
    "none": ("—", "—"),
}


def _w(key: str, lang: str) -> str:
    en, zh = WORDS[key]
    return zh if lang == "zh" else en


def _pick(en: str, zh: str, lang: str) -> str:
    return zh if lang == "zh" else en


def value_text(f: Figure, lang: str) -> str:
    if f.value is None:
        return "—"
    number = formatting.format_number(f.value, lang)
    if f.unit == "%":
        return f"{number}%"
    if f.unit in ("days", "ms"):
        return f"{number} {_w(f.unit, lang)}"
    return number


def scope_text(ev: Evaluation, lang: str) -> str:
    kind = _w(ev.scope.kind, lang)
    if ev.scope.kind == "national":
        return kind
    return f"{kind}：{ev.scope.label_zh}" if lang == "zh" else f"{kind}: {ev.scope.label_en}"


def _cell(table: Table, column, row: dict, lang: str):
    if column.key in ("product", "holder"):
        return row.get(f"{column.key}_{'zh' if lang == 'zh' else 'en'}", "")
    value = row.get(column.key)
    if column.kind == "status" and value is not None:
        en, zh = table.labels.get(column.key, {}).get(value, (value, value))
        return _pick(en, zh, lang)
    return value


def _cell_text(value, lang: str) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return ("是" if value else "否") if lang == "zh" else ("yes" if value else "no")
    if isinstance(value, int | Decimal | float):
        return formatting.format_number(value, lang)
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def chart_of(spec: ChartSpec, lang: str) -> charts.Chart:
    title = _pick(spec.title_en, spec.title_zh, lang)
    cats = [_pick(en, zh, lang) for en, zh in spec.categories]
    if spec.kind == "bar":
        return charts.bar_chart(cats, list(spec.values), title=title, lang=lang)
    if spec.kind == "stacked":
        return charts.stacked_bar_chart(
            cats, {_pick(en, zh, lang): list(values) for en, zh, values in spec.stacks}, title=title, lang=lang
        )
    return charts.time_series_chart(
        {_pick(en, zh, lang): list(points) for en, zh, points in spec.series}, title=title, lang=lang, step=True
    )


def to_pdf(ev: Evaluation, *, lang: str = "zh", generated_at: dt.datetime | None = None) -> bytes:
    lang = formatting.language(lang)
    st = pdf.styles()
    w = pdf.frame_width(A4)
    t = pdf.text
    story: list = [
        Paragraph(t(_w("title", lang)), st["title"]),
        Paragraph(t(f"{scope_text(ev, lang)} · {_w('as_of', lang)} {ev.as_of.isoformat()}"), st["subtitle"]),
    ]
    for section in ev.sections:
        story.append(Paragraph(t(_pick(section.title_en, section.title_zh, lang)), st["h1"]))
        if section.figures:
            rows = [[_w("figure", lang), _w("value", lang), _w("counts", lang)]]
            rows += [
                [_pick(f.label_en, f.label_zh, lang), value_text(f, lang), _pick(f.counts_en, f.counts_zh, lang)]
                for f in section.figures
            ]
            story.append(pdf.table(rows, [0.32 * w, 0.16 * w, 0.52 * w], st))
        for table in section.tables:
            if not table.rows:
                continue
            head = [_pick(c.label_en, c.label_zh, lang) for c in table.columns]
            body = [[_cell_text(_cell(table, c, r, lang), lang) for c in table.columns] for r in table.rows]
            share = w / len(table.columns)
            story.append(
                KeepTogether(
                    [
                        Paragraph(t(_pick(table.title_en, table.title_zh, lang)), st["h2"]),
                        pdf.table([head, *body], [share] * len(table.columns), st),
                        Paragraph(t(_pick(table.counts_en, table.counts_zh, lang)), st["muted"]),
                    ]
                )
            )
        for spec in section.charts:
            story.append(Spacer(1, 3 * mm))
            story.append(chart_of(spec, lang).flowable(w))
    story.append(Paragraph(t(_w("narratives", lang)), st["h1"]))
    if not ev.narratives:
        story.append(Paragraph(t(_w("no_narrative", lang)), st["base"]))
    for n in ev.narratives:
        from bioseg.common.regions import province_name

        who = n.author.printed_name or n.author.get_username()
        story.append(
            Paragraph(
                t(f"{province_name(n.region_code, lang)} · {n.as_of.isoformat()} · {_w('signed_by', lang)} {who}"),
                st["h2"],
            )
        )
        story.append(Paragraph(t(n.text(lang)), st["quote"]))
    info = pdf.DocumentInfo(
        title=f"{_w('title', lang)} — {scope_text(ev, lang)} ({ev.as_of.isoformat()})",
        lang=lang,
        subject=_w("title", lang),
        keywords=("evaluation", ev.scope.kind, ev.scope.code or "national", ev.as_of.isoformat()),
    )
    return pdf.build_pdf(story, info=info, footer=_w("footer", lang), generated_at=generated_at)


def to_xlsx(ev: Evaluation, *, lang: str = "zh") -> bytes:
    lang = formatting.language(lang)
    book = Workbook(lang=lang)
    figures = book.sheet(
        _w("figures_sheet", lang),
        [
            XColumn(_w("section", lang), "text", 24),
            XColumn(_pick("Key", "编号", lang), "text", 34),
            XColumn(_w("figure", lang), "text", 40),
            XColumn(_w("value", lang), "auto", 14),
            XColumn(_pick("Unit", "单位", lang), "text", 8),
            XColumn(_w("counts", lang), "text", 90),
        ],
    )
    figures.title(f"{_w('title', lang)} · {scope_text(ev, lang)} · {_w('as_of', lang)} {ev.as_of.isoformat()}")
    for section in ev.sections:
        for f in section.figures:
            figures.append(
                [
                    _pick(section.title_en, section.title_zh, lang),
                    f.key,
                    _pick(f.label_en, f.label_zh, lang),
                    f.value,
                    _w(f.unit, lang) if f.unit in ("days", "ms") else f.unit,
                    _pick(f.counts_en, f.counts_zh, lang),
                ]
            )
    for section in ev.sections:
        for table in section.tables:
            columns = [
                XColumn(_pick(c.label_en, c.label_zh, lang), "number" if c.kind == "number" else "text", 22)
                for c in table.columns
            ]
            sheet = book.sheet(table.key, columns)
            for row in table.rows:
                sheet.append([_cell(table, c, row, lang) for c in table.columns])
    if ev.narratives:
        sheet = book.sheet(
            _w("narratives", lang),
            [
                XColumn(_w("province", lang), "text", 16),
                XColumn(_w("as_of", lang), "date", 12),
                XColumn(_pick("Narrative", "叙述", lang), "text", 120),
            ],
        )
        for n in ev.narratives:
            sheet.append([n.region_code, n.as_of, n.text(lang)])
    return book.to_bytes()
