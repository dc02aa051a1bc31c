"""The supervision section of the end-of-pilot evaluation: inspections planned and done by kind, findings by grade,
the sampling pass rate, joint inspections, results shared with the other province on time, and the risk ratings
over time.

As of a date, reproducibly, by business time: an inspection counts as planned from its ``planned`` event, as done
when its on-site work ended on or before the date, as reported when its report was signed by the end of the date;
its findings count once the report is signed; a sample's result by its result date; a rating by when it was made.
Scope: the inspections of the products in scope and, for a province or the country, every inspection its
regulators led or joined.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter

from django.db.models import Q
from django.utils import timezone

from bioseg.evaluation.figures import (
    BEIJING,
    ChartSpec,
    Column,
    Figure,
    Scope,
    Section,
    Table,
    _pct,
    end_of,
    register_section,
)
from bioseg.oversight.joint import add_working_days
from bioseg.oversight.models import (
    Finding,
    Inspection,
    InspectionEvent,
    InspectionKind,
    JointSupervisionPlan,
    RiskRating,
    Sample,
)
from bioseg.oversight.services import GRADE_LABELS_ZH, KIND_LABELS_ZH
from bioseg.production.models import Segment

GRADES = ("critical", "major", "minor")
GRADE_EN = {"critical": "critical", "major": "major", "minor": "minor"}


def _inspections(scope: Scope):
    q = Q(product_id__in=scope.product_ids)
    if scope.kind != "product":
        q |= Q(region_code__in=scope.region_codes) | Q(partner_region_code__in=scope.region_codes)
    return Inspection.objects.filter(q)


def _month_ends(first: dt.date, last: dt.date) -> list[dt.date]:
    out, y, m = [], first.year, first.month
    while True:
        nxt = dt.date(y + (m == 12), m % 12 + 1, 1)
        end = min(nxt - dt.timedelta(days=1), last)
        out.append(end)
        if end >= last:
            return out
        y, m = nxt.year, nxt.month


def supervision_section(scope: Scope, as_of: dt.date) -> Section:
    end = end_of(as_of)
    inspections = _inspections(scope)
    planned_ids = set(
        InspectionEvent.objects.filter(inspection__in=inspections, kind="planned", occurred_at__lte=end).values_list(
            "inspection_id", flat=True
        )
    )
    rows_by_kind = {k: {"planned": 0, "done": 0, "reported": 0, "cancelled": 0} for k in InspectionKind.values}
    cancelled = set(
        InspectionEvent.objects.filter(
            inspection_id__in=planned_ids, kind="cancelled", occurred_at__lte=end
        ).values_list("inspection_id", flat=True)
    )
    joint_done = 0
    reported_ids = []
    for i in Inspection.objects.filter(pk__in=planned_ids).only(
        "id", "kind", "ended_on", "report_signed_at", "partner_region_code"
    ):
        row = rows_by_kind[i.kind]
        row["planned"] += 1
        if i.pk in cancelled:
            row["cancelled"] += 1
        if i.ended_on and i.ended_on <= as_of:
            row["done"] += 1
            joint_done += bool(i.partner_region_code)
        if i.report_signed_at and i.report_signed_at <= end:
            row["reported"] += 1
            reported_ids.append(i.pk)
    grades = Counter(Finding.objects.filter(inspection_id__in=reported_ids).values_list("grade", flat=True))
    results = Counter(
        Sample.objects.filter(inspection_id__in=planned_ids, result_on__lte=as_of)
        .exclude(result="pending")
        .values_list("result", flat=True)
    )
    tested = results["qualified"] + results["unqualified"]

    # results shared with the other province within the joint plan's limit (a plan signed by both by then)
    limits: dict[int, int] = {}
    for product_id, days in (
        JointSupervisionPlan.objects.filter(
            product_id__in=scope.product_ids, lead_signed_at__lte=end, partner_signed_at__lte=end
        )
        .order_by("version")
        .values_list("product_id", "exchange_working_days")
    ):
        limits[product_id] = days  # the latest version signed by then
    due = in_time = 0
    for i in Inspection.objects.filter(pk__in=planned_ids, product_id__in=list(limits), ended_on__isnull=False):
        limit = add_working_days(i.ended_on, limits[i.product_id])
        if limit > as_of:
            continue
        due += 1
        shared = timezone.localtime(i.report_signed_at, BEIJING).date() if i.report_signed_at else None
        in_time += bool(shared and shared <= limit)

    # risk ratings over time: the mean current score of the rated sites in scope, month by month
    sites = set(Segment.objects.filter(chain__product_id__in=scope.product_ids).values_list("site_id", flat=True))
    ratings = list(
        RiskRating.objects.filter(site_id__in=sites, rated_at__lte=end)
        .order_by("rated_at", "id")
        .values_list("site_id", "rated_at", "score", "overall")
    )
    series: list[tuple[dt.date, float]] = []
    high_now = 0
    if ratings:
        first = timezone.localtime(ratings[0][1], BEIJING).date()
        current: dict[int, tuple[int, str]] = {}
        k = 0
        for month_end in _month_ends(first, as_of):
            limit_dt = end_of(month_end)
            while k < len(ratings) and ratings[k][1] <= limit_dt:
                current[ratings[k][0]] = (ratings[k][2], ratings[k][3])
                k += 1
            series.append((month_end, round(sum(s for s, _ in current.values()) / len(current), 1)))
        high_now = sum(1 for _, level in current.values() if level == "high")

    planned_total = sum(r["planned"] for r in rows_by_kind.values())
    done_total = sum(r["done"] for r in rows_by_kind.values())
    section = Section("supervision", "Supervision", "监督检查")
    ins_en = "inspections of the products in scope (and, for a province or the country, every inspection its regulators led or joined) planned on or before the date"
    ins_zh = "范围内产品的检查（省级及全国报告另含本地监管部门牵头或参加的全部检查），截至该日已计划"
    section.figures = [
        Figure(
            "supervision.inspections_planned", "Inspections planned", "已计划的检查", planned_total, "", ins_en, ins_zh
        ),
        Figure(
            "supervision.inspections_done",
            "Inspections done",
            "已完成现场检查",
            done_total,
            "",
            "of those, on-site work ended on or before the date",
            "其中截至该日已结束现场检查的",
        ),
        Figure(
            "supervision.findings",
            "Findings",
            "缺陷",
            sum(grades.values()),
            "",
            f"in the {len(reported_ids)} reports signed by the end of the date: "
            + ", ".join(f"{grades[g]} {GRADE_EN[g]}" for g in GRADES),
            f"截至该日签发的 {len(reported_ids)} 份报告中："
            + "，".join(f"{GRADE_LABELS_ZH[g]} {grades[g]} 项" for g in GRADES),
        ),
        Figure(
            "supervision.sampling_pass_rate",
            "Samples qualified",
            "抽检合格率",
            _pct(results["qualified"], tested),
            "%",
            f"{results['qualified']} of {tested} regulatory samples with a result by the date",
            f"截至该日有检验结果的 {tested} 批监督抽检样品中，{results['qualified']} 批合格",
        ),
        Figure(
            "supervision.joint_inspections",
            "Joint inspections done",
            "已完成的联合检查",
            joint_done,
            "",
            "inspections with a partner province whose on-site work ended on or before the date",
            "截至该日已结束现场检查、有协作省份参加的检查",
        ),
        Figure(
            "supervision.exchange_in_time",
            "Results shared with the other province in time",
            "按时向另一省份通报检查结果",
            _pct(in_time, due),
            "%",
            f"{in_time} of {due} inspections whose limit under a joint supervision plan signed by both provinces fell on or before the date",
            f"在双方签署的联合监管方案规定时限截至该日已到期的 {due} 次检查中，{in_time} 次按时通报",
        ),
        Figure(
            "supervision.high_risk_sites",
            "Sites rated high risk",
            "高风险场地",
            high_now if ratings else None,
            "",
            f"of the {len(sites)} sites making the products in scope, by their latest rating on the date",
            f"生产范围内产品的 {len(sites)} 个场地中，按截至该日的最新评级",
        ),
    ]
    section.tables = [
        Table(
            "supervision.inspections_by_kind",
            "Inspections by kind",
            "各类检查",
            [
                Column("kind", "Kind", "类型", "status"),
                Column("planned", "Planned", "已计划", "number"),
                Column("done", "Done", "已完成现场检查", "number"),
                Column("reported", "Reported", "已签发报告", "number"),
                Column("cancelled", "Cancelled", "已取消", "number"),
            ],
            [{"kind": k, **v} for k, v in rows_by_kind.items() if v["planned"]],
            ins_en,
            ins_zh,
            labels={"kind": {k: (str(InspectionKind(k).label), KIND_LABELS_ZH[k]) for k in InspectionKind.values}},
        ),
        Table(
            "supervision.findings_by_grade",
            "Findings by grade",
            "各等级缺陷",
            [Column("grade", "Grade", "等级", "status"), Column("findings", "Findings", "缺陷数", "number")],
            [{"grade": g, "findings": grades[g]} for g in GRADES],
            "findings in the reports signed by the end of the date",
            "截至该日签发的检查报告中的缺陷",
            labels={"grade": {g: (GRADE_EN[g], GRADE_LABELS_ZH[g]) for g in GRADES}},
        ),
    ]
    kinds = [k for k, v in rows_by_kind.items() if v["planned"]]
    if kinds:
        section.charts.append(
            ChartSpec(
                "supervision.chart_inspections",
                "stacked",
                "Inspections planned and done by kind",
                "各类检查的计划与完成",
                tuple((str(InspectionKind(k).label), KIND_LABELS_ZH[k]) for k in kinds),
                stacks=(
                    ("done", "已完成", tuple(rows_by_kind[k]["done"] for k in kinds)),
                    (
                        "not yet done",
                        "尚未完成",
                        tuple(rows_by_kind[k]["planned"] - rows_by_kind[k]["done"] for k in kinds),
                    ),
                ),
            )
        )
    if series:
        section.charts.append(
            ChartSpec(
                "supervision.chart_risk",
                "series",
                "Mean priority score of the rated sites",
                "已评级场地的平均优先分值",
                series=(("mean score", "平均分值", tuple(series)),),
            )
        )
    return section


register_section(supervision_section)
