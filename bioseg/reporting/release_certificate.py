"""The bilingual lot release certificate (批放行证书) as a PDF, set with the shared PDF kit
(``bioseg.reporting.pdf``: embedded CJK font, hashes in its monospaced face, metadata, page x of y).

The certificate holds:

1. the lot: number, material (segment), product, holder, site, province or country, quantity, dates,
   status and its certificate of analysis;
2. every release of the lot: kind, signer's printed name, meaning, time (UTC), the SHA-256 of the signed
   record and whether the signature is still intact;
3. every ancestor lot (backward trace) with its status — a lot is released only when all of them are.

Reads only (``bioseg.production.selectors`` and the audit selectors); writes nothing.
"""

from __future__ import annotations

import datetime as dt

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, Spacer

from bioseg.audit import selectors as audit_selectors
from bioseg.common import clock, formatting
from bioseg.common.regions import country_name, province_name
from bioseg.production import selectors
from bioseg.production.models import STATUS_EN, STATUS_ZH, Stage
from bioseg.reporting import pdf
from bioseg.reporting.pdf import Labels, table, utc
from bioseg.reporting.pdf import text as t

STATUS_LABELS = {code: (STATUS_EN[code], STATUS_ZH[code]) for code in STATUS_EN}
MARGINS = (16 * mm, 16 * mm, 16 * mm, 14 * mm)
RELEASE_KIND = {
    "cmo_qa": ("Contract manufacturer QA release", "受托方质量部门放行"),
    "qualified_person": ("Qualified-person release", "质量受权人放行"),
}
MEANING = {
    "released": ("Released", "放行"),
    "approved": ("Approved", "批准"),
    "reviewed": ("Reviewed", "审核"),
    "authored": ("Authored", "编写"),
}
STAGE_ZH = {
    "cell_bank": "细胞库",
    "raw_material": "原材料",
    "drug_substance": "原液",
    "drug_product": "制剂",
    "packaging": "包装",
    "antibody_intermediate": "抗体中间体",
    "linker_payload": "连接子-载荷",
    "conjugation": "偶联",
    "fill": "灌装",
    "component_ds": "组分原液",
    "formulation": "配制",
}
STAGE_EN = {
    "cell_bank": "Cell bank",
    "raw_material": "Raw material",
    "drug_substance": "Drug substance",
    "drug_product": "Drug product",
    "packaging": "Packaging",
    "antibody_intermediate": "Antibody intermediate",
    "linker_payload": "Linker-payload",
    "conjugation": "Conjugation",
    "fill": "Fill",
    "component_ds": "Component drug substance",
    "formulation": "Formulation",
}
assert set(STAGE_EN) == set(Stage.values) == set(STAGE_ZH)


def place(country: str, region: str) -> str:
    """ "江苏省 / Jiangsu" for a Chinese province, "瑞士 / Switzerland" abroad."""
    if country == "CN" and region:
        return f"{province_name(region, 'zh')} / {province_name(region, 'en')}"
    return f"{country_name(country, 'zh')} / {country_name(country, 'en')}"


def pair(zh: str, en: str) -> str:
    return zh if zh == en else f"{zh} / {en}"


def _facts(detail) -> list[list[str]]:
    lot = detail.lot
    segment = lot.segment
    product = lot.product
    site = lot.site
    coa = detail.certificates[0] if detail.certificates else None
    return [
        ["批号 Lot number", lot.lot_number],
        ["物料 Material", f"{lot.material} — {pair(segment.name_zh, segment.name_en)}"],
        ["产品 Product", pair(product.name_zh, product.name_en)],
        ["持有人 Holder", pair(product.holder.name_zh, product.holder.name_en)],
        [
            "生产场地 Site",
            f"{pair(site.name_zh, site.name_en)} ({pair(site.enterprise.name_zh, site.enterprise.name_en)})",
        ],
        ["所在地 Province / country", place(site.country_code, site.region_code)],
        ["数量 Quantity", Labels("zh").quantity(lot.quantity, lot.unit)],
        ["生产日期 Manufactured on", lot.manufactured_on.isoformat()],
        ["有效期至 Expires on", lot.expires_on.isoformat()],
        ["状态 Status", f"{STATUS_ZH[lot.status]} / {STATUS_EN[lot.status]}"],
        [
            "检验报告书 Certificate of analysis",
            f"{coa.reference} ({coa.issued_on.isoformat()})\nSHA-256 {coa.sha256}" if coa else "— 缺失 / missing",
        ],
    ]


def release_rows(detail) -> list[list[str]]:
    """One row per release: kind, printed name, meaning, time (UTC), record SHA-256, signature status."""
    rows = []
    for release in detail.releases:
        kind_en, kind_zh = RELEASE_KIND[release.kind]
        statuses = audit_selectors.signatures_for(release)
        if not statuses:
            rows.append(
                [f"{kind_zh} / {kind_en}", release.released_by.printed_name, "—", "—", "—", "未签名 / unsigned"]
            )
            continue
        s = statuses[0]
        meaning_en, meaning_zh = MEANING.get(s.signature.meaning, (s.signature.meaning, s.signature.meaning))
        rows.append(
            [
                f"{kind_zh} / {kind_en}",
                s.signature.printed_name,
                f"{meaning_zh} / {meaning_en}",
                utc(s.signature.signed_at),
                s.signature.record_sha256,
                "完好 / intact" if s.intact else "已失效 / broken",
            ]
        )
    return rows


def ancestor_rows(trace) -> list[list[str]]:
    """Every lot upstream of the certified lot: lot, material, site, place, status."""
    sites = {s.id: s for s in trace.sites}
    rows = []
    for lot in trace.lots:
        if lot.depth == 0:
            continue
        site = sites[lot.site_id]
        rows.append(
            [
                lot.lot_number,
                f"{lot.material} ({STAGE_ZH.get(lot.stage, lot.stage)} / {STAGE_EN.get(lot.stage, lot.stage)})",
                pair(site.name_zh, site.name_en),
                place(site.country_code, site.region_code),
                f"{STATUS_ZH[lot.status]} / {STATUS_EN[lot.status]}",
            ]
        )
    return rows


def _release_table(rows: list[list[str]], width: float, st: dict):
    """One block per release: kind, signer, meaning, time, signature status; the record hash below it."""
    header = ["类型 Kind", "签名人 Signed by", "含义 Meaning", "时间 Time (UTC)", "签名 Signature"]
    body: list[list] = [header]
    spans = []
    for kind, signer, meaning, when, sha, status in rows:
        body.append([kind, signer, meaning, when, status])
        body.append([Paragraph(t(f"记录哈希 Record SHA-256: {sha}"), st["mono"]), "", "", "", ""])
        spans.append(("SPAN", (0, len(body) - 1), (-1, len(body) - 1)))
    return table(body, [w * width for w in (0.3, 0.2, 0.14, 0.22, 0.14)], st, commands=spans)


def _unreleased(n: int) -> str:
    lots = formatting.unit_label("lot", "en", n)
    return f"{n} 个上游批尚未放行 / {n} ancestor {lots} not released."


def release_certificate_pdf(*, detail, scope, generated_at: dt.datetime | None = None) -> bytes:
    """The certificate of ``detail`` (a ``selectors.LotDetail`` the caller fetched within ``scope``)."""
    st = pdf.styles()
    lot = detail.lot
    at = generated_at or clock.now()
    trace = selectors.lot_trace(scope=scope, pk=lot.pk, direction="backward", include_shipments=False)
    width = pdf.frame_width(A4, MARGINS[0], MARGINS[1])
    product = pair(lot.product.name_zh, lot.product.name_en)
    story: list = [
        Paragraph(t("批放行证书 Lot release certificate"), st["title"]),
        Paragraph(t(f"{lot.lot_number} · {product}"), st["subtitle"]),
        table(_facts(detail), [0.3 * width, 0.7 * width], st, header=False),
        Paragraph(t("放行记录 Releases"), st["h1"]),
    ]
    releases = release_rows(detail)
    if releases:
        story.append(_release_table(releases, width, st))
    else:
        story.append(Paragraph(t("尚未放行 / Not released yet."), st["base"]))
    story.append(Paragraph(t("上游批 Ancestor lots"), st["h1"]))
    ancestors = ancestor_rows(trace)
    if ancestors:
        unreleased = sum(1 for lot_ in trace.lots if lot_.depth > 0 and lot_.status != "released")
        story.append(
            Paragraph(
                t(
                    "全部上游批均已放行 / Every ancestor lot is released."
                    if not unreleased
                    else _unreleased(unreleased)
                ),
                st["base"],
            )
        )
        story.append(Spacer(1, 3))
        header = ["批号 Lot", "物料 Material", "生产场地 Site", "所在地 Place", "状态 Status"]
        story.append(
            table([header, *ancestors], [0.14 * width, 0.24 * width, 0.26 * width, 0.18 * width, 0.18 * width], st)
        )
    else:
        story.append(Paragraph(t("无上游批 / No ancestor lots."), st["base"]))
    story.append(Spacer(1, 10))
    story.append(Paragraph(t(f"生成时间 Generated at: {utc(at)} · bioseg"), st["muted"]))
    return pdf.build_pdf(
        story,
        info=pdf.DocumentInfo(
            title=f"批放行证书 Lot release certificate {lot.lot_number}",
            subject=f"{product} · {lot.lot_number} · {STATUS_ZH[lot.status]} / {STATUS_EN[lot.status]}",
            keywords=(lot.lot_number, lot.material, lot.status),
            lang="zh",
        ),
        footer=f"批放行证书 Lot release certificate · {lot.lot_number} · {product} · 生成时间 Generated at {utc(at)}",
        generated_at=at,
        margins=MARGINS,
    )
