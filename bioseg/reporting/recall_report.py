"""The recall-impact report of a lot (召回影响报告), as a PDF (the shared PDF kit, ``bioseg.reporting.pdf``) and
as an XLSX workbook (the shared XLSX kit, ``bioseg.reporting.xlsx``): every lot downstream of it (the lot itself first), with quantity, status, site
and province, the path from the starting lot, the shipments that carried them and the consignees they
reached.

``build`` reads the forward trace through ``bioseg.production.selectors.lot_trace`` (so the starting lot
must be visible to the scope); ``to_pdf`` and ``to_xlsx`` render the same ``RecallReport``. Writes nothing.

Workbook layout (row 1 is the header of each data sheet; bilingual headers):

- ``Summary``: label / value rows (starting lot, product, direction, counts, generation time);
- ``Lots``: one row per affected lot, in trace order (depth, then lot number); the status and the unit in the
  workbook's language, quantities as numbers, dates as dates;
- ``Shipments``: one row per shipment line, in shipping order; times as date-times in UTC;
- ``Consignees``: one row per consignee reached.

Every text cell is a text cell (a lot number ``=HYPERLINK(…)`` stays text), see the XLSX kit.

A trace beyond the expand limit (a working-cell-bank lot: tens of thousands of lots, hundreds of thousands
of shipment lines; ``trace.expanded`` false) is reported from the database's summary: the paths are worked
out in bulk, the ``Shipments`` sheet lists the first ``LINE_LIMIT`` lines (read through the trace's paged
accessor; the summary says how many there are), the per-lot shipment and consignee columns are left empty,
and each consignee row gives its counts (shipments, lines, lots, first and last shipping time) instead of
the lists.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, Spacer

from bioseg.common import clock, formatting
from bioseg.production import selectors
from bioseg.production.models import Unit
from bioseg.reporting import pdf
from bioseg.reporting.pdf import Labels, table, utc
from bioseg.reporting.pdf import text as t
from bioseg.reporting.release_certificate import STATUS_LABELS, pair, place
from bioseg.reporting.xlsx import XLSX_TYPE, Column, Workbook

LOT_HEADER = [
    "批号 Lot number",
    "产品 Product",
    "物料 Material",
    "状态 Status",
    "数量 Quantity",
    "单位 Unit",
    "生产日期 Manufactured on",
    "生产场地 Site",
    "企业 Enterprise",
    "所在地 Province / country",
    "层级 Depth",
    "路径 Path",
    "运输 Shipments",
    "收货方 Consignees",
]
SHIPMENT_HEADER = [
    "运输单号 Reference",
    "批号 Lot number",
    "数量 Quantity",
    "单位 Unit",
    "发出场地 From site",
    "发出地 From province / country",
    "目的地 To",
    "目的地所在地 To province / country",
    "发运时间 Shipped at (UTC)",
    "接收时间 Received at (UTC)",
    "路径 Path",
]
CONSIGNEE_HEADER = ["收货方 Consignee", "所在地 Province / country", "运输 Shipments", "批号 Lots"]
LINE_LIMIT = 10_000  # shipment lines listed when the trace is not expanded


@dataclass
class RecallReport:
    lot_number: str
    product: str
    direction: str
    generated_at: dt.datetime
    lots: list[list] = field(default_factory=list)
    shipments: list[list] = field(default_factory=list)
    consignees: list[list] = field(default_factory=list)
    shipment_line_count: int | None = None  # set when the trace is not expanded (shipments lists a part)
    shipment_count: int | None = None

    def summary(self) -> list[list]:
        rows = [
            ["起始批 Starting lot", self.lot_number],
            ["产品 Product", self.product],
            ["方向 Direction", "正向（下游）forward" if self.direction == "forward" else "反向（上游）backward"],
            ["受影响的批 Affected lots", len(self.lots)],
            ["运输 Shipment lines", len(self.shipments)],
            ["收货方 Consignees", len(self.consignees)],
            ["生成时间 Generated at (UTC)", self.generated_at],
        ]
        if self.shipment_line_count is not None:
            rows[4] = ["运输 Shipment lines", self.shipment_line_count]
            rows.insert(4, ["运输 Shipments", self.shipment_count])
            rows.append(
                [
                    "说明 Note",
                    f"追溯范围较大，运输明细仅列出前 {len(self.shipments)} 条，收货方按汇总列出。 The trace is too "
                    f"large to list in full: the first {len(self.shipments)} shipment lines are listed and the "
                    "consignees are summarised.",
                ]
            )
        return rows


def build(*, scope, lot, direction: str = "forward", generated_at: dt.datetime | None = None) -> RecallReport:
    """The report of ``lot`` (visible to ``scope``; 404 otherwise) and everything ``direction`` of it."""
    trace = selectors.lot_trace(scope=scope, pk=lot.pk, direction=direction, include_shipments=True)
    sites = {s.id: s for s in trace.sites}
    products = {p.id: p for p in trace.products}
    consignees = {c.id: c for c in trace.consignees}
    numbers = {x.id: x.lot_number for x in trace.lots}
    units = {x.id: x.unit for x in trace.lots}

    paths = trace.paths()  # in bulk (a few queries) when the trace is not expanded

    def path(lot_id: int) -> str:
        return " → ".join(numbers[i] for i in paths[lot_id])

    def destination(s) -> tuple[str, str]:
        if s.to_site_id:
            d = sites[s.to_site_id]
        else:
            d = consignees[s.consignee_id]
        return pair(d.name_zh, d.name_en), place(d.country_code, d.region_code)

    lines = trace.shipments if trace.expanded else trace.shipment_lines(limit=LINE_LIMIT)
    sites = {s.id: s for s in trace.sites}  # the lines may name more sites
    shipped: dict[int, list[str]] = {}
    reached: dict[int, list[str]] = {}
    for s in trace.shipments:
        shipped.setdefault(s.lot_id, []).append(s.reference)
        if s.consignee_id:
            reached.setdefault(s.lot_id, []).append(
                pair(consignees[s.consignee_id].name_zh, consignees[s.consignee_id].name_en)
            )

    root = trace.lot(trace.root_ids[0])
    product = products[root.product_id]
    report = RecallReport(
        lot_number=root.lot_number,
        product=pair(product.name_zh, product.name_en),
        direction=direction,
        generated_at=generated_at or clock.now(),
    )
    for x in trace.lots:
        site = sites[x.site_id]
        report.lots.append(
            [
                x.lot_number,
                pair(products[x.product_id].name_zh, products[x.product_id].name_en),
                x.material,
                x.status,
                x.quantity,
                x.unit,
                x.manufactured_on,
                pair(site.name_zh, site.name_en),
                pair(site.enterprise_name_zh, site.enterprise_name_en),
                place(site.country_code, site.region_code),
                x.depth,
                path(x.id),
                ", ".join(dict.fromkeys(shipped.get(x.id, []))),
                "; ".join(dict.fromkeys(reached.get(x.id, []))),
            ]
        )
    by_consignee: dict[int, tuple[list[str], list[str]]] = {}
    for s in lines:
        origin = sites[s.from_site_id]
        to_name, to_place = destination(s)
        report.shipments.append(
            [
                s.reference,
                numbers[s.lot_id],
                s.quantity,
                units[s.lot_id],
                pair(origin.name_zh, origin.name_en),
                place(origin.country_code, origin.region_code),
                to_name,
                to_place,
                s.shipped_at,
                s.received_at,
                path(s.lot_id),
            ]
        )
        if s.consignee_id and trace.expanded:
            refs, lot_numbers = by_consignee.setdefault(s.consignee_id, ([], []))
            refs.append(s.reference)
            lot_numbers.append(numbers[s.lot_id])
    if not trace.expanded:
        report.shipment_line_count = trace.shipment_line_count
        report.shipment_count = trace.shipment_count
        counts = {d.consignee_id: d for d in trace.destinations if d.consignee_id}
        for c in trace.consignees:
            d = counts[c.id]
            report.consignees.append(
                [
                    pair(c.name_zh, c.name_en),
                    place(c.country_code, c.region_code),
                    f"{d.shipment_count} 次运输 shipments ({d.line_count} 条明细 lines), "
                    f"{utc(d.first_shipped_at)} – {utc(d.last_shipped_at)}",
                    f"{d.lot_count} 个批 lots",
                ]
            )
        return report
    for c in trace.consignees:
        refs, lot_numbers = by_consignee.get(c.id, ([], []))
        report.consignees.append(
            [
                pair(c.name_zh, c.name_en),
                place(c.country_code, c.region_code),
                ", ".join(dict.fromkeys(refs)),
                ", ".join(dict.fromkeys(lot_numbers)),
            ]
        )
    return report


# A unit code → how each language writes it in a column headed 单位 Unit: 'vial' in English, '支' in Chinese.
UNIT_LABELS = {u.value: (u.value, formatting.unit_label(u.value, "zh")) for u in Unit}

LOT_COLUMNS = [
    Column(LOT_HEADER[0], "text", 16),
    Column(LOT_HEADER[1], "text", 24),
    Column(LOT_HEADER[2], "text", 12),
    Column(LOT_HEADER[3], "status", 14, labels=STATUS_LABELS),
    Column(LOT_HEADER[4], "number", 12),
    Column(LOT_HEADER[5], "status", 10, labels=UNIT_LABELS),
    Column(LOT_HEADER[6], "date", 14),
    Column(LOT_HEADER[7], "text", 26),
    Column(LOT_HEADER[8], "text", 26),
    Column(LOT_HEADER[9], "text", 20),
    Column(LOT_HEADER[10], "number", 8),
    Column(LOT_HEADER[11], "text", 30),
    Column(LOT_HEADER[12], "text", 20),
    Column(LOT_HEADER[13], "text", 30),
]
SHIPMENT_COLUMNS = [
    Column(SHIPMENT_HEADER[0], "text", 16),
    Column(SHIPMENT_HEADER[1], "text", 16),
    Column(SHIPMENT_HEADER[2], "number", 12),
    Column(SHIPMENT_HEADER[3], "status", 10, labels=UNIT_LABELS),
    Column(SHIPMENT_HEADER[4], "text", 26),
    Column(SHIPMENT_HEADER[5], "text", 20),
    Column(SHIPMENT_HEADER[6], "text", 26),
    Column(SHIPMENT_HEADER[7], "text", 20),
    Column(SHIPMENT_HEADER[8], "datetime", 20),
    Column(SHIPMENT_HEADER[9], "datetime", 20),
    Column(SHIPMENT_HEADER[10], "text", 30),
]
CONSIGNEE_COLUMNS = [Column(h, "text", w) for h, w in zip(CONSIGNEE_HEADER, (30, 20, 40, 30), strict=True)]


def to_xlsx(report: RecallReport, *, lang: str = "zh") -> bytes:
    """The workbook; ``lang`` is the language statuses are written in (headers are bilingual)."""
    book = Workbook(lang=lang)
    summary = book.sheet("Summary", [Column(width=30), Column(width=60)], header=False)
    summary.title("召回影响报告 Recall-impact report")
    for row in report.summary():
        summary.append(row)
    for title, columns, rows in (
        ("Lots", LOT_COLUMNS, report.lots),
        ("Shipments", SHIPMENT_COLUMNS, report.shipments),
        ("Consignees", CONSIGNEE_COLUMNS, report.consignees),
    ):
        sheet = book.sheet(title, columns)
        for row in rows:
            sheet.append(row)
    return book.to_bytes()


def _status(code: str) -> str:
    en, zh = STATUS_LABELS.get(code, (code, code))
    return f"{zh} / {en}"


def _summary_value(value) -> str:
    if isinstance(value, dt.datetime):
        return utc(value)
    if isinstance(value, int):
        return formatting.format_number(value, "en")
    return str(value)


def to_pdf(report: RecallReport, *, lang: str = "zh") -> bytes:
    st = pdf.styles()
    labels = Labels(lang)
    margins = (12 * mm, 12 * mm, 12 * mm, 10 * mm)
    size = landscape(A4)
    w = pdf.frame_width(size, margins[0], margins[1])
    story: list = [
        Paragraph(t("召回影响报告 Recall-impact report"), st["title"]),
        Paragraph(t(f"{report.lot_number} · {report.product}"), st["subtitle"]),
        table([[a, _summary_value(b)] for a, b in report.summary()], [0.3 * w, 0.7 * w], st, header=False),
        Paragraph(t(f"受影响的批 Affected lots ({len(report.lots)})"), st["h1"]),
    ]
    lot_header = [LOT_HEADER[i] for i in (0, 2, 3, 4, 7, 9, 11, 12, 13)]
    lot_rows = [
        [row[0], row[2], _status(row[3]), labels.quantity(row[4], row[5]), row[7], row[9], row[11], row[12], row[13]]
        for row in report.lots
    ]
    story.append(
        table([lot_header, *lot_rows], [w * f for f in (0.08, 0.06, 0.11, 0.12, 0.15, 0.11, 0.15, 0.09, 0.13)], st)
    )
    story.append(Paragraph(t(f"运输 Shipments ({len(report.shipments)})"), st["h1"]))
    if report.shipments:
        ship_header = [SHIPMENT_HEADER[i] for i in (0, 1, 2, 4, 6, 7, 8, 9)]
        ship_rows = [
            [row[0], row[1], labels.quantity(row[2], row[3]), row[4], row[6], row[7], utc(row[8]), utc(row[9])]
            for row in report.shipments
        ]
        story.append(
            table([ship_header, *ship_rows], [w * f for f in (0.08, 0.07, 0.11, 0.16, 0.16, 0.12, 0.15, 0.15)], st)
        )
    else:
        story.append(Paragraph(t("无 / None."), st["base"]))
    story.append(Paragraph(t(f"收货方 Consignees ({len(report.consignees)})"), st["h1"]))
    if report.consignees:
        story.append(table([CONSIGNEE_HEADER, *report.consignees], [w * f for f in (0.35, 0.2, 0.25, 0.2)], st))
    else:
        story.append(Paragraph(t("无 / None."), st["base"]))
    story.append(Spacer(1, 8))
    story.append(Paragraph(t("bioseg"), st["muted"]))
    return pdf.build_pdf(
        story,
        info=pdf.DocumentInfo(
            title=f"召回影响报告 Recall-impact report {report.lot_number}",
            subject=f"{report.product} · {report.lot_number} · {report.direction}",
            keywords=(report.lot_number, report.direction),
            lang=lang,
        ),
        footer=(
            f"召回影响报告 Recall-impact report · {report.lot_number} · {report.product} · "
            f"生成时间 Generated at {utc(report.generated_at)}"
        ),
        generated_at=report.generated_at,
        pagesize=size,
        margins=margins,
    )


__all__ = [
    "CONSIGNEE_HEADER",
    "LOT_HEADER",
    "SHIPMENT_HEADER",
    "XLSX_TYPE",
    "RecallReport",
    "build",
    "to_pdf",
    "to_xlsx",
]
