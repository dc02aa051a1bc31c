"""The figures of the end-of-pilot evaluation (试点总结评估), as of a date, for the country, a province or a product.

Reproducible: every figure counts records by their *business* time (an event's ``occurred_at``, a lot's
manufacture date, a shipment's departure, a signature's time) up to the end of ``as_of`` (Beijing time), never
by when a row happened to be written, so the same date gives the same figures; each figure carries the sentence
saying which records it counts (``counts_en`` / ``counts_zh``). Everything is aggregated in the database; the
report is built from this structure (``bioseg.reporting.evaluation``) in PDF and XLSX, and the web page shows it.

Scope: a product report counts that product; a province report the products whose holder is registered in the
province or that have a chain segment at a site there (a province supervises both); the national report every
product. The sections of the quality system and of supervision are added by ``SECTIONS`` (see the bottom).
"""

from __future__ import annotations

import datetime as dt
import statistics
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import Count, F, Min, Q

from bioseg.audit.models import Signature
from bioseg.common.errors import ValidationFailed
from bioseg.common.regions import is_province_code, province_name
from bioseg.common.scoping import get_in_scope
from bioseg.pilots.models import ApplicationEvent, ApplicationStatus
from bioseg.production.models import (
    Excursion,
    ExcursionAssessment,
    Lot,
    LotEdge,
    LotEvent,
    LotEventKind,
    ProcessChain,
    Segment,
    Shipment,
    ShipmentLine,
    Stage,
)
from bioseg.registry.models import Product, Site

BEIJING = ZoneInfo("Asia/Shanghai")
DS_STAGES = (Stage.DRUG_SUBSTANCE, Stage.COMPONENT_DS, Stage.CONJUGATION)
DP_STAGES = (Stage.DRUG_PRODUCT, Stage.FILL, Stage.FORMULATION)


# --- the structure -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Figure:
    key: str
    label_en: str
    label_zh: str
    value: int | Decimal | None
    unit: str = ""  # "", "days", "%", "ms"
    counts_en: str = ""
    counts_zh: str = ""


@dataclass(frozen=True)
class Column:
    key: str
    label_en: str
    label_zh: str
    kind: str = "auto"  # auto | text | number | date | status


@dataclass
class Table:
    key: str
    title_en: str
    title_zh: str
    columns: list[Column]
    rows: list[dict[str, Any]]
    counts_en: str = ""
    counts_zh: str = ""
    labels: dict[str, dict[str, tuple[str, str]]] = field(default_factory=dict)  # column → code → (en, zh)


@dataclass(frozen=True)
class ChartSpec:
    key: str
    kind: str  # bar | stacked | series
    title_en: str
    title_zh: str
    categories: tuple[tuple[str, str], ...] = ()  # (en, zh) per category
    values: tuple[Any, ...] = ()  # bar
    stacks: tuple[tuple[str, str, tuple[Any, ...]], ...] = ()  # stacked: (en, zh, values per category)
    series: tuple[tuple[str, str, tuple[tuple[dt.date, Any], ...]], ...] = ()  # series: (en, zh, points)


@dataclass
class Section:
    key: str
    title_en: str
    title_zh: str
    figures: list[Figure] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    charts: list[ChartSpec] = field(default_factory=list)


@dataclass(frozen=True)
class Scope:
    kind: str  # national | province | product
    code: str = ""  # province code or product id
    label_en: str = ""
    label_zh: str = ""
    product_ids: frozenset[int] = frozenset()
    region_codes: frozenset[str] = frozenset()  # the provinces whose regulators' records count (supervision)


@dataclass
class Evaluation:
    as_of: dt.date
    scope: Scope
    sections: list[Section]
    narratives: list[Any] = field(default_factory=list)

    def figure(self, key: str) -> Figure:
        for s in self.sections:
            for f in s.figures:
                if f.key == key:
                    return f
        raise KeyError(key)

    def table(self, key: str) -> Table:
        for s in self.sections:
            for t in s.tables:
                if t.key == key:
                    return t
        raise KeyError(key)


Progress = Callable[[int, str], None]


def end_of(day: dt.date) -> dt.datetime:
    """The last instant of ``day`` in Beijing time (the pilot's calendar), as an aware datetime."""
    return dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0), tzinfo=BEIJING) - dt.timedelta(microseconds=1)


def _days(delta: dt.timedelta) -> Decimal:
    return (Decimal(delta.total_seconds()) / Decimal(86400)).quantize(Decimal("0.1"))


def _median(values: list[Decimal]) -> Decimal | None:
    return Decimal(statistics.median(values)).quantize(Decimal("0.1")) if values else None


def _p90(values: list[Decimal]) -> Decimal | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, -(-9 * len(ordered) // 10) - 1))]


def _pct(part: int, whole: int) -> Decimal | None:
    return (Decimal(100) * part / whole).quantize(Decimal("0.1")) if whole else None


# --- scope -----------------------------------------------------------------------------------------------------


def scope_of(*, province: str | None = None, product: int | str | None = None) -> Scope:
    """The scope of a report: national (neither), a province (GB/T 2260 code) or a product (id)."""
    if province and product:
        raise ValidationFailed({"province": ("Give a province or a product, not both.", "省份与产品只能二选一。")})
    if product not in (None, ""):
        p = get_in_scope(Product.objects.select_related("holder"), None, product, "product")
        regions = {p.holder.region_code} | set(
            Segment.objects.filter(chain__product=p).values_list("site__region_code", flat=True)
        )
        return Scope("product", str(p.pk), p.name_en, p.name_zh, frozenset({p.pk}), frozenset(r for r in regions if r))
    if province:
        if not is_province_code(province):
            raise ValidationFailed(
                {
                    "province": (
                        f"{province!r} is not a GB/T 2260 provincial code.",
                        f"{province!r} 不是省级行政区划代码。",
                    )
                }
            )
        here = Q(holder__region_code=province) | Q(
            id__in=Segment.objects.filter(site__region_code=province).values("chain__product_id")
        )
        ids = frozenset(Product.objects.filter(here).values_list("id", flat=True))
        return Scope(
            "province",
            province,
            province_name(province, "en"),
            province_name(province, "zh"),
            ids,
            frozenset({province}),
        )
    ids = frozenset(Product.objects.values_list("id", flat=True))
    regions = frozenset(r for r in Site.objects.values_list("region_code", flat=True).distinct() if r)
    return Scope("national", "", "China (national)", "全国", ids, regions)


# --- applications -----------------------------------------------------------------------------------------------

STATUS_ZH = {
    "draft": "草稿",
    "submitted": "已提交",
    "under_review": "省局审查中",
    "information_requested": "要求补充资料",
    "recommended": "各省局均已推荐",
    "objected": "省局提出异议",
    "joint_plan_agreed": "联合监管方案已商定",
    "approved": "国家药监局已批准",
    "rejected": "国家药监局不予批准",
    "returned": "国家药监局已退回",
}
STATUS_EN = {s.value: str(s.label) for s in ApplicationStatus}
DECIDED = {"approved", "rejected", "returned"}


def applications_section(scope: Scope, as_of: dt.date) -> Section:
    end = end_of(as_of)
    events = (
        ApplicationEvent.objects.filter(application__product_id__in=scope.product_ids, occurred_at__lte=end)
        .exclude(status_to="")
        .order_by("application_id", "occurred_at", "id")
        .values_list("application_id", "status_to", "occurred_at")
    )
    timeline: dict[int, list[tuple[str, dt.datetime]]] = defaultdict(list)
    for app_id, status, at in events:
        timeline[app_id].append((status, at))
    status_now = {app: steps[-1][0] for app, steps in timeline.items()}
    submitted = {app for app, steps in timeline.items() if any(s == "submitted" for s, _ in steps)}
    counts = Counter(status_now[a] for a in submitted)
    approved = counts["approved"]
    refused = counts["rejected"] + counts["returned"]
    pending = len(submitted) - approved - refused
    # time spent in each step: from entering a status to the next change, for steps left by as_of
    spent: dict[str, list[Decimal]] = defaultdict(list)
    for steps in timeline.values():
        for (status, start), (_, stop) in zip(steps, steps[1:], strict=False):
            spent[status].append(_days(stop - start))
    order = [s.value for s in ApplicationStatus if s.value not in DECIDED]
    rows = [
        {
            "status": status,
            "steps": len(spent[status]),
            "median_days": _median(spent[status]),
            "max_days": max(spent[status]) if spent[status] else None,
        }
        for status in order
        if spent[status]
    ]
    counts_en = "pilot applications of the products in scope with a submission event on or before the date; status = the last status change by then"
    counts_zh = "范围内产品的试点申请中，截至该日已有提交记录者；状态取截至该日的最后一次状态变更"
    section = Section("applications", "Pilot applications", "试点申请")
    section.figures = [
        Figure("applications.submitted", "Submitted", "已提交", len(submitted), "", counts_en, counts_zh),
        Figure("applications.approved", "Approved by NMPA", "国家药监局已批准", approved, "", counts_en, counts_zh),
        Figure(
            "applications.refused",
            "Refused or returned",
            "不予批准或退回",
            refused,
            "",
            counts_en,
            counts_zh,
        ),
        Figure("applications.pending", "Pending", "尚在办理中", pending, "", counts_en, counts_zh),
    ]
    section.tables = [
        Table(
            "applications.by_status",
            "Applications by status on the date",
            "截至该日各状态的申请数",
            [Column("status", "Status", "状态", "status"), Column("applications", "Applications", "申请数", "number")],
            [
                {"status": s, "applications": n}
                for s, n in sorted(counts.items(), key=lambda kv: order.index(kv[0]) if kv[0] in order else 99)
            ],
            counts_en,
            counts_zh,
            labels={"status": {k: (STATUS_EN[k], STATUS_ZH[k]) for k in STATUS_ZH}},
        ),
        Table(
            "applications.time_in_step",
            "Time in each step (days)",
            "各环节用时（天）",
            [
                Column("status", "Step", "环节", "status"),
                Column("steps", "Times passed", "经过次数", "number"),
                Column("median_days", "Median", "中位数", "number"),
                Column("max_days", "Longest", "最长", "number"),
            ],
            rows,
            "from entering a status to the next status change, for every step an application left on or before the date",
            "自进入某一状态至下一次状态变更，计截至该日已结束的各环节",
            labels={"status": {k: (STATUS_EN[k], STATUS_ZH[k]) for k in STATUS_ZH}},
        ),
    ]
    if counts:
        keys = [k for k in STATUS_ZH if counts.get(k)]
        section.charts = [
            ChartSpec(
                "applications.chart",
                "bar",
                "Pilot applications by status",
                "试点申请状态分布",
                tuple((STATUS_EN[k], STATUS_ZH[k]) for k in keys),
                tuple(counts[k] for k in keys),
            )
        ]
    return section


# --- products and chains ------------------------------------------------------------------------------------------


def products_section(scope: Scope, as_of: dt.date) -> Section:
    chains = (
        ProcessChain.objects.filter(product_id__in=scope.product_ids, effective_from__lte=as_of)
        .filter(Q(effective_until__isnull=True) | Q(effective_until__gte=as_of))
        .select_related("product", "product__holder")
        .order_by("product__name_en", "-version")
    )
    seen: set[int] = set()
    rows = []
    crossings = Counter()
    for chain in chains:
        if chain.product_id in seen:
            continue
        seen.add(chain.product_id)
        segments = list(chain.segments.select_related("site").prefetch_related("feeds"))
        by_pk = {s.pk: s for s in segments}
        provincial = national = 0
        for s in segments:
            for target in s.feeds.all():
                a, b = s.site, by_pk[target.pk].site
                if a.country_code != b.country_code:
                    national += 1
                elif a.region_code != b.region_code:
                    provincial += 1
        crossings["provincial"] += provincial
        crossings["national"] += national
        rows.append(
            {
                "product_en": chain.product.name_en,
                "product_zh": chain.product.name_zh,
                "holder_en": chain.product.holder.name_en,
                "holder_zh": chain.product.holder.name_zh,
                "chain_version": chain.version,
                "segments": len(segments),
                "provinces": ", ".join(sorted({s.site.region_code for s in segments if s.site.region_code})),
                "countries": ", ".join(sorted({s.site.country_code for s in segments})),
                "provincial_crossings": provincial,
                "national_crossings": national,
            }
        )
    counts_en = "products in scope with a process chain version in force on the date"
    counts_zh = "范围内于该日有生效工艺链版本的产品"
    section = Section("products", "Products and their chains", "产品及其工艺链")
    section.figures = [
        Figure(
            "products.count",
            "Products with a chain in force",
            "有生效工艺链的产品",
            len(rows),
            "",
            counts_en,
            counts_zh,
        ),
        Figure(
            "products.cross_province",
            "Links crossing a provincial border",
            "跨省环节数",
            crossings["provincial"],
            "",
            "segment-to-segment links of those chains whose sites are in different provinces",
            "上述工艺链中上下游场地位于不同省份的环节",
        ),
        Figure(
            "products.cross_border",
            "Links crossing a national border",
            "跨境环节数",
            crossings["national"],
            "",
            "segment-to-segment links of those chains whose sites are in different countries",
            "上述工艺链中上下游场地位于不同国家的环节",
        ),
    ]
    section.tables = [
        Table(
            "products.chains",
            "Products and chains",
            "产品与工艺链",
            [
                Column("product", "Product", "产品", "text"),
                Column("holder", "Holder", "持有人", "text"),
                Column("chain_version", "Chain version", "工艺链版本", "number"),
                Column("segments", "Segments", "生产阶段数", "number"),
                Column("provinces", "Provinces", "所涉省份", "text"),
                Column("countries", "Countries", "所涉国家", "text"),
                Column("provincial_crossings", "Provincial crossings", "跨省环节", "number"),
                Column("national_crossings", "National crossings", "跨境环节", "number"),
            ],
            rows,
            counts_en,
            counts_zh,
        )
    ]
    return section


# --- production -----------------------------------------------------------------------------------------------------

STAGE_ZH = {
    "cell_bank": "细胞库",
    "raw_material": "原辅料",
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
STAGE_EN = {s.value: str(s.label) for s in Stage}


def _lots_by_stage(scope: Scope, kind: str, end: dt.datetime) -> Counter:
    rows = (
        LotEvent.objects.filter(kind=kind, occurred_at__lte=end, lot__product_id__in=scope.product_ids)
        .values("lot__segment__stage")
        .annotate(n=Count("lot_id", distinct=True))
    )
    return Counter({r["lot__segment__stage"]: r["n"] for r in rows})


def _release_times(scope: Scope, end: dt.datetime, stages) -> dict[int, dt.datetime]:
    return dict(
        LotEvent.objects.filter(
            kind=LotEventKind.RELEASED,
            occurred_at__lte=end,
            lot__product_id__in=scope.product_ids,
            lot__segment__stage__in=stages,
        )
        .values("lot_id")
        .annotate(at=Min("occurred_at"))
        .values_list("lot_id", "at")
    )


def production_section(scope: Scope, as_of: dt.date) -> Section:
    end = end_of(as_of)
    made_rows = (
        Lot.objects.filter(product_id__in=scope.product_ids, manufactured_on__lte=as_of)
        .values("segment__stage")
        .annotate(n=Count("id"))
    )
    made = Counter({r["segment__stage"]: r["n"] for r in made_rows})
    released = _lots_by_stage(scope, LotEventKind.RELEASED, end)
    rejected = _lots_by_stage(scope, LotEventKind.REJECTED, end)
    recalled = _lots_by_stage(scope, LotEventKind.RECALLED, end)
    stages = [s.value for s in Stage if made.get(s.value) or released.get(s.value)]
    rows = [
        {
            "stage": s,
            "made": made.get(s, 0),
            "released": released.get(s, 0),
            "rejected": rejected.get(s, 0),
            "recalled": recalled.get(s, 0),
        }
        for s in stages
    ]
    # release lead time: a drug-product lot's QP release after the latest release of its drug-substance inputs
    dp_released = _release_times(scope, end, DP_STAGES)
    ds_released = _release_times(scope, end, DS_STAGES)
    latest_input: dict[int, dt.datetime] = {}
    dp_ids = list(dp_released)
    for start in range(0, len(dp_ids), 900):
        for child, parent in LotEdge.objects.filter(child_lot_id__in=dp_ids[start : start + 900]).values_list(
            "child_lot_id", "parent_lot_id"
        ):
            at = ds_released.get(parent)
            if at is not None and (child not in latest_input or at > latest_input[child]):
                latest_input[child] = at
    lead = [_days(dp_released[c] - at) for c, at in latest_input.items() if dp_released[c] >= at]
    # shipments, excursions
    lines = ShipmentLine.objects.filter(lot__product_id__in=scope.product_ids, shipment__shipped_at__lte=end)
    shipment_ids = lines.values("shipment_id")
    shipments = Shipment.objects.filter(id__in=shipment_ids)
    cross_province = (
        shipments.filter(to_site__isnull=False).exclude(to_site__region_code=F("from_site__region_code")).count()
    )
    total_shipments = shipments.count()
    excursions = Excursion.objects.filter(product_id__in=scope.product_ids, first_out_at__lte=end)
    assessed_at = {
        int(pk): at
        for pk, at in Signature.objects.filter(
            table_name=ExcursionAssessment._meta.db_table, signed_at__lte=end
        ).values_list("object_pk", "signed_at")
    }
    dispositions = Counter()
    for assessment_id, outcome in excursions.values_list("assessment__id", "assessment__outcome"):
        if assessment_id is not None and assessment_id in assessed_at:
            dispositions[outcome] += 1
        else:
            dispositions["open"] += 1
    section = Section("production", "Production", "生产")
    lots_en = "lots of the products in scope made on or before the date (manufacture date); released, rejected and recalled: lots with that event on or before the date"
    lots_zh = "范围内产品截至该日生产（按生产日期）的批；放行、拒收、召回：截至该日有相应记录的批"
    section.figures = [
        Figure("production.lots_made", "Lots made", "生产批数", sum(made.values()), "", lots_en, lots_zh),
        Figure(
            "production.lots_released",
            "Lots released (QP)",
            "放行批数（质量受权人）",
            sum(released.values()),
            "",
            lots_en,
            lots_zh,
        ),
        Figure("production.lots_rejected", "Lots rejected", "拒收批数", sum(rejected.values()), "", lots_en, lots_zh),
        Figure("production.lots_recalled", "Lots recalled", "召回批数", sum(recalled.values()), "", lots_en, lots_zh),
        Figure(
            "production.release_lead_median",
            "Release lead time, drug substance → drug product (median)",
            "原液放行至制剂放行的周期（中位数）",
            _median(lead),
            "days",
            "drug-product lots released on or before the date: their QP release minus the latest QP release of the drug-substance lots they were made from",
            "截至该日已放行的制剂批：其质量受权人放行时间减去所用原液批中最晚的放行时间",
        ),
        Figure(
            "production.release_lead_p90",
            "Release lead time (90th percentile)",
            "放行周期（第 90 百分位）",
            _p90(lead),
            "days",
            "the same drug-product lots as the median",
            "与中位数相同的制剂批",
        ),
        Figure(
            "production.shipments",
            "Shipments",
            "运输次数",
            total_shipments,
            "",
            "shipments that left on or before the date carrying a lot of a product in scope",
            "截至该日发出、载有范围内产品批的运输",
        ),
        Figure(
            "production.shipments_cross_province",
            "Shipments between provinces",
            "跨省运输次数",
            cross_province,
            "",
            "of those, shipments to a chain site in another province",
            "其中发往其他省份生产场地的运输",
        ),
        Figure(
            "production.excursions",
            "Cold-chain excursions",
            "冷链温度偏离",
            sum(dispositions.values()),
            "",
            "excursions of products in scope first out of range on or before the date",
            "截至该日首次超出范围的范围内产品温度偏离",
        ),
    ]
    section.tables = [
        Table(
            "production.by_stage",
            "Lots by segment",
            "各生产阶段的批",
            [
                Column("stage", "Segment", "生产阶段", "status"),
                Column("made", "Made", "生产", "number"),
                Column("released", "Released", "放行", "number"),
                Column("rejected", "Rejected", "拒收", "number"),
                Column("recalled", "Recalled", "召回", "number"),
            ],
            rows,
            lots_en,
            lots_zh,
            labels={"stage": {k: (STAGE_EN[k], STAGE_ZH[k]) for k in STAGE_ZH}},
        ),
        Table(
            "production.excursions",
            "Cold-chain excursions by disposition",
            "温度偏离处置情况",
            [
                Column("disposition", "Disposition", "处置", "status"),
                Column("excursions", "Excursions", "偏离数", "number"),
            ],
            [
                {"disposition": k, "excursions": dispositions[k]}
                for k in ("accepted", "rejected", "open")
                if dispositions[k]
            ],
            "excursions first out of range on or before the date; accepted or rejected if the signed assessment is dated on or before it, open otherwise",
            "截至该日首次超出范围的温度偏离；截至该日已签名评估者计为接受或拒收，否则为待评估",
            labels={
                "disposition": {
                    "accepted": ("accepted — quality not affected", "接受——质量未受影响"),
                    "rejected": ("rejected — lots rejected", "拒收"),
                    "open": ("not yet assessed", "待评估"),
                }
            },
        ),
    ]
    if rows:
        section.charts = [
            ChartSpec(
                "production.chart",
                "stacked",
                "Lots by segment",
                "各生产阶段的批",
                tuple((STAGE_EN[r["stage"]], STAGE_ZH[r["stage"]]) for r in rows),
                stacks=(
                    ("released", "放行", tuple(r["released"] for r in rows)),
                    ("not released", "未放行", tuple(max(0, r["made"] - r["released"]) for r in rows)),
                ),
            )
        ]
    return section


# --- trace drills -----------------------------------------------------------------------------------------------------


def trace_drill_section(scope: Scope, as_of: dt.date, *, sample: int = 10) -> Section:
    """Times a forward trace (with shipments) from up to ``sample`` drug-substance lots of the scope — the newest
    made on or before the date — as a recall would. A measurement of this installation when the report is built."""
    from bioseg.production.trace import trace

    ids = list(
        Lot.objects.filter(product_id__in=scope.product_ids, manufactured_on__lte=as_of, segment__stage__in=DS_STAGES)
        .order_by("-manufactured_on", "-id")
        .values_list("id", flat=True)[:sample]
    )
    times = []
    reached = []
    for pk in ids:
        t0 = time.perf_counter()
        result = trace(roots=Lot.objects.filter(pk=pk), direction="forward", include_shipments=True)
        times.append(Decimal(str(round((time.perf_counter() - t0) * 1000, 1))))
        reached.append(len(result.lots))
    section = Section("trace_drills", "Trace drills", "追溯演练")
    section.figures = [
        Figure(
            "trace.drills",
            "Lots traced",
            "演练批数",
            len(ids),
            "",
            "the newest drug-substance lots of the scope (up to ten) traced forward with their shipments",
            "范围内最新的原液批（至多十个），向下游追溯并列出运输",
        ),
        Figure(
            "trace.median_ms",
            "Time to trace a lot (median)",
            "追溯一个批所需时间（中位数）",
            _median(times) if times else None,
            "ms",
            "measured on this installation when the report was built (not part of the reproducible figures)",
            "在生成报告时于本系统实测（不属于可复现的统计数字）",
        ),
    ]
    return section


# --- the report ---------------------------------------------------------------------------------------------------------

SECTIONS: list[Callable[[Scope, dt.date], Section]] = [applications_section, products_section, production_section]


def register_section(builder: Callable[[Scope, dt.date], Section]) -> None:
    """Adds a section (idempotent)."""
    if builder not in SECTIONS:
        SECTIONS.append(builder)


def evaluation(
    *,
    as_of: dt.date,
    province: str | None = None,
    product: int | str | None = None,
    drills: bool = True,
    progress: Progress | None = None,
) -> Evaluation:
    """The evaluation as of ``as_of`` for the country, a province or a product."""
    if not isinstance(as_of, dt.date):
        raise ValidationFailed({"as_of": ("Give the date of the evaluation.", "请给出评估日期。")})
    scope = scope_of(province=province, product=product)
    builders = list(SECTIONS) + ([trace_drill_section] if drills else [])
    sections = []
    for n, builder in enumerate(builders):
        if progress:
            progress(int(100 * n / len(builders)), builder.__name__)
        sections.append(builder(scope, as_of))
    if progress:
        progress(100, "done")
    from bioseg.evaluation.selectors import narratives_for

    return Evaluation(as_of=as_of, scope=scope, sections=sections, narratives=narratives_for(scope=scope, as_of=as_of))


__all__ = ["Evaluation", "Figure", "Section", "Table", "evaluation", "register_section", "scope_of"]
