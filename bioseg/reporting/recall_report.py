"""The recall-impact report of a lot (召回影响报告), as a PDF (ReportLab, CID font STSong-Light) and as an
XLSX workbook (openpyxl): every lot downstream of it (the lot itself first), with quantity, status, site
and province, the path from the starting lot, the shipments that carried them and the consignees they
reached.

``build`` reads the forward trace through ``bioseg.production.selectors.lot_trace`` (so the starting lot
must be visible to the scope); ``to_pdf`` and ``to_xlsx`` render the same ``RecallReport``. Writes nothing.

Workbook layout (row 1 is the header of each data sheet; bilingual headers):

- ``Summary``: label / value rows (starting lot, product, direction, counts, generation time);
- ``Lots``: one row per affected lot, in trace order (depth, then lot number);
- ``Shipments``: one row per shipment line, in shipping order;
- ``Consignees``: one row per consignee reached.

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
from decimal import Decimal
from io import BytesIO

from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer

from bioseg.common import clock
from bioseg.production import selectors
from bioseg.reporting.release_certificate import pair, place, register_fonts, styles, t, table, utc

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

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
            ["生成时间 Generated at (UTC)", utc(self.generated_at)],
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
                x.manufactured_on.isoformat(),
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
                utc(s.shipped_at),
                utc(s.received_at),
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


def _cell(value):
    """Quantities as numbers (an integer when whole), an empty text as an empty cell, the rest as is."""
    if value == "":
        return None
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def to_xlsx(report: RecallReport) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font, PatternFill

    wb = Workbook()
    summary = wb.active
    summary.title = "Summary"
    summary.append(["召回影响报告 Recall-impact report", ""])
    for row in report.summary():
        summary.append(row)
    summary["A1"].font = Font(bold=True, size=13)
    summary.column_dimensions["A"].width = 30
    summary.column_dimensions["B"].width = 60
    for title, header, rows in (
        ("Lots", LOT_HEADER, report.lots),
        ("Shipments", SHIPMENT_HEADER, report.shipments),
        ("Consignees", CONSIGNEE_HEADER, report.consignees),
    ):
        ws = wb.create_sheet(title)
        ws.append(header)
        for row in rows:
            ws.append([_cell(v) for v in row])
        for cell in ws[1]:
            cell.font = Font(bold=True, color="FFFFFF")
            cell.fill = PatternFill("solid", fgColor="1F4E79")
        ws.freeze_panes = "A2"
        for i, _ in enumerate(header, start=1):
            ws.column_dimensions[ws.cell(row=1, column=i).column_letter].width = 22
    out = BytesIO()
    wb.save(out)
    return out.getvalue()


def to_pdf(report: RecallReport) -> bytes:
    register_fonts()
    st = styles()
    buffer = BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=landscape(A4),
        leftMargin=12 * mm,
        rightMargin=12 * mm,
        topMargin=12 * mm,
        bottomMargin=12 * mm,
        title=f"Recall-impact report {report.lot_number}",
        author="bioseg",
        invariant=1,
    )
    w = doc.width
    story: list = [
        Paragraph(t("召回影响报告 Recall-impact report"), st["title"]),
        Paragraph(t(f"{report.lot_number} · {report.product}"), st["subtitle"]),
        table([[str(a), str(b)] for a, b in report.summary()], [0.3 * w, 0.7 * w], st, header=False),
        Paragraph(t(f"受影响的批 Affected lots ({len(report.lots)})"), st["h1"]),
    ]
    lot_cols = [0, 2, 3, 4, 5, 7, 9, 11, 12, 13]
    story.append(
        table(
            [[LOT_HEADER[i] for i in lot_cols], *[[row[i] for i in lot_cols] for row in report.lots]],
            [w * f for f in (0.08, 0.07, 0.07, 0.07, 0.05, 0.15, 0.1, 0.17, 0.1, 0.14)],
            st,
        )
    )
    story.append(Paragraph(t(f"运输 Shipments ({len(report.shipments)})"), st["h1"]))
    if report.shipments:
        ship_cols = [0, 1, 2, 3, 4, 6, 7, 8, 9]
        story.append(
            table(
                [[SHIPMENT_HEADER[i] for i in ship_cols], *[[row[i] for i in ship_cols] for row in report.shipments]],
                [w * f for f in (0.09, 0.08, 0.07, 0.05, 0.17, 0.17, 0.13, 0.12, 0.12)],
                st,
            )
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
    doc.build(story)
    return buffer.getvalue()
