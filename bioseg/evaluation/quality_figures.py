"""The quality section of the end-of-pilot evaluation: deviations per 100 lots by class, OOS, CAPA actions on time,
days with fewer than two qualified stationed people, notifications read within their time limits.

As of a date, reproducibly: every record counts by its business time (the event that opened it — recorded, planned,
opened — on or before the end of the date), and a deviation's class is the one it had then (its ``reclassified``
events are replayed).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter

from bioseg.evaluation.figures import (
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
from bioseg.production.models import Lot
from bioseg.quality import stationing as st
from bioseg.quality.models import (
    Capa,
    CapaAction,
    CapaEvent,
    Deviation,
    DeviationEvent,
    Notification,
    OosEvent,
    OosInvestigation,
    Stationing,
)
from bioseg.registry.models import Site

CLASSES = (("critical", "critical", "重大"), ("major", "major", "主要"), ("minor", "minor", "次要"))


def _class_on(deviations, end: dt.datetime) -> dict[int, str]:
    """Each deviation's class as it stood at ``end``."""
    classes = {pk: cls for pk, cls in deviations.values_list("id", "classification")}
    recorded = {}
    for dev_id, data in DeviationEvent.objects.filter(deviation_id__in=classes, kind="recorded").values_list(
        "deviation_id", "data"
    ):
        recorded[dev_id] = data.get("classification") or classes[dev_id]
    current = dict(recorded)
    for dev_id, data in (
        DeviationEvent.objects.filter(deviation_id__in=classes, kind="reclassified", occurred_at__lte=end)
        .order_by("occurred_at", "id")
        .values_list("deviation_id", "data")
    ):
        current[dev_id] = data.get("to") or current.get(dev_id)
    return {pk: current.get(pk, cls) for pk, cls in classes.items()}


def quality_section(scope: Scope, as_of: dt.date) -> Section:
    end = end_of(as_of)
    products = scope.product_ids
    lots_made = Lot.objects.filter(product_id__in=products, manufactured_on__lte=as_of).count()
    recorded = DeviationEvent.objects.filter(kind="recorded", occurred_at__lte=end).values("deviation_id")
    deviations = Deviation.objects.filter(product_id__in=products, id__in=recorded)
    by_class = Counter(_class_on(deviations, end).values())
    rows = [
        {
            "classification": key,
            "deviations": by_class.get(key, 0),
            "per_100_lots": (round(100 * by_class.get(key, 0) / lots_made, 2) if lots_made else None),
        }
        for key, _en, _zh in CLASSES
    ]
    opened = OosEvent.objects.filter(kind="opened", occurred_at__lte=end).values("oos_id")
    oos = OosInvestigation.objects.filter(product_id__in=products, id__in=opened)
    confirmed = OosEvent.objects.filter(oos__in=oos, kind="confirmed", occurred_at__lte=end).count()
    invalidated = OosEvent.objects.filter(oos__in=oos, kind="invalidated", occurred_at__lte=end).count()
    planned = CapaEvent.objects.filter(kind="planned", occurred_at__lte=end).values("capa_id")
    capas = Capa.objects.filter(product_id__in=products, id__in=planned)
    actions = CapaAction.objects.filter(capa__in=capas, due_on__lte=as_of)
    due = actions.count()
    on_time = sum(1 for done, due_on in actions.values_list("done_on", "due_on") if done is not None and done <= due_on)
    gap_days, site_days = 0, 0
    holders = set(Stationing.objects.filter(holder__products__id__in=products).values_list("holder_id", flat=True))
    for site_id in sorted(set(Stationing.objects.filter(holder_id__in=holders).values_list("site_id", flat=True))):
        first = Stationing.objects.filter(site_id=site_id).order_by("starts_on").values_list("starts_on", flat=True)[0]
        if first > as_of:
            continue
        days = st.coverage(
            site=Site.objects.get(pk=site_id), start=max(first, as_of - dt.timedelta(days=st.MAX_DAYS - 1)), end=as_of
        )
        site_days += len(days)
        gap_days += sum(1 for d in days if d.gap)
    subjects = {
        Deviation._meta.db_table: set(deviations.values_list("id", flat=True)),
        OosInvestigation._meta.db_table: set(oos.values_list("id", flat=True)),
        Capa._meta.db_table: set(capas.values_list("id", flat=True)),
    }
    notes = [
        (read_at, due_at)
        for table, ids in subjects.items()
        for read_at, due_at in Notification.objects.filter(
            subject_table=table, subject_id__in=ids, sent_at__lte=end, due_at__lte=end
        ).values_list("read_at", "due_at")
    ]
    read_in_time = sum(1 for read_at, due_at in notes if read_at is not None and read_at <= min(due_at, end))
    section = Section("quality", "Quality system", "质量体系")
    dev_en = "deviations of the products in scope recorded on or before the date, by their class on that date; per 100 lots made by then"
    dev_zh = "范围内产品截至该日记录的偏差，按该日的分级；每百批按截至该日生产的批数计"
    section.figures = [
        Figure("quality.deviations", "Deviations", "偏差", sum(by_class.values()), "", dev_en, dev_zh),
        Figure(
            "quality.deviations_major_per_100_lots",
            "Critical and major deviations per 100 lots",
            "每百批重大及主要偏差",
            (round(100 * (by_class["critical"] + by_class["major"]) / lots_made, 2) if lots_made else None),
            "",
            dev_en,
            dev_zh,
        ),
        Figure(
            "quality.oos",
            "OOS investigations",
            "检验结果超标调查",
            oos.count(),
            "",
            f"opened on or before the date; {confirmed} confirmed, {invalidated} invalidated by then",
            f"截至该日开启的调查；其中已确认 {confirmed} 项、判定无效 {invalidated} 项",
        ),
        Figure(
            "quality.capa_actions_on_time",
            "CAPA actions done on time",
            "按期完成的纠正预防措施",
            _pct(on_time, due),
            "%",
            f"{on_time} of {due} actions due on or before the date were done by their due date",
            f"截至该日到期的 {due} 项措施中，{on_time} 项按期完成",
        ),
        Figure(
            "quality.stationing_gap_days",
            "Days with fewer than two qualified stationed people",
            "派驻具备资质人员少于两人的天数",
            gap_days,
            "days",
            f"summed over the contract sites where the holders in scope station people, {site_days} site-days from the first stay to the date (at most two years)",
            f"范围内持有人派驻人员的各受托场地合计，自首次派驻至该日共 {site_days} 个场地日（最多两年）",
        ),
        Figure(
            "quality.notifications_in_time",
            "Notifications read within their time limit",
            "在时限内阅读的通知",
            _pct(read_in_time, len(notes)),
            "%",
            f"{read_in_time} of {len(notes)} notifications about the deviations, OOS and CAPAs in scope due on or before the date",
            f"截至该日到期的 {len(notes)} 条偏差、检验结果超标及纠正预防措施通知中，{read_in_time} 条在时限内阅读",
        ),
    ]
    section.tables = [
        Table(
            "quality.deviations_by_class",
            "Deviations by class",
            "各分级的偏差",
            [
                Column("classification", "Class", "分级", "status"),
                Column("deviations", "Deviations", "偏差数", "number"),
                Column("per_100_lots", "Per 100 lots", "每百批", "number"),
            ],
            rows,
            dev_en,
            dev_zh,
            labels={"classification": {k: (en, zh) for k, en, zh in CLASSES}},
        )
    ]
    if sum(by_class.values()):
        section.charts = [
            ChartSpec(
                "quality.chart",
                "bar",
                "Deviations by class",
                "各分级的偏差",
                tuple((en, zh) for _k, en, zh in CLASSES),
                values=tuple(by_class.get(k, 0) for k, _en, _zh in CLASSES),
            )
        ]
    return section


register_section(quality_section)
