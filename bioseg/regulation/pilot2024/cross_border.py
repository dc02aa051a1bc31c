"""Foreign holders and segments abroad — ``pilot2024.cross_border.participation``."""

from __future__ import annotations

from ...rulebook import Context, Rule, Verdict, not_applicable, passed, undetermined
from .. import sources as src
from ..case import Case
from ..common import holder
from ..facts import NMPA, place_of
from ._base import PLAN_ISSUED, rule_id


def cross_border_participation(case: Case, ctx: Context) -> Verdict:
    h = holder(case)
    if case.segments is None:
        return undetermined("The segments are not known.", "生产阶段情况未知。", missing=("segments",))
    abroad = []
    unknown = []
    for i, segment in enumerate(case.segments):
        place = place_of(segment.region)
        if place is None:
            unknown.append(f"segments[{i}].region")
        elif place.kind == "abroad":
            abroad.append((i, segment, place.country))
    facts = (
        ("holder.domestic", h.domestic),
        ("holder.import_drug_holder", h.import_drug_holder),
        ("derived.countries_abroad", [country for _, _, country in abroad]),
    )
    if abroad:
        where = sorted({c for _, _, c in abroad if c})
        return undetermined(
            f"{len(abroad)} segment(s) are made abroad ({', '.join(where)}): cross-border segmentation is settled "
            "product by product (one product, one policy) by NMPA (Q8).",
            f"{len(abroad)}个阶段在境外（{'、'.join(where)}）生产：跨境分段生产由国家药监局按“一品一策”个案确定（Q8）。",
            missing=tuple(unknown),
            by=(NMPA,),
            facts=facts,
        )
    if unknown:
        return undetermined(
            "Where some segments are made is not known.", "部分阶段的生产地未知。", missing=tuple(unknown), facts=facts
        )
    if h.domestic is False or h.import_drug_holder is True:
        return passed(
            "A foreign holder or a holder of an imported drug may take part; every segment is made in China.",
            "境外持有人或进口药品持有人可以参与试点；所有阶段均在境内生产。",
            facts=facts,
        )
    if h.domestic is None or h.import_drug_holder is None:
        # Either answer would allow participation (a foreign or import holder: pass; otherwise: nothing
        # cross-border), so the unknown fact cannot change the outcome and is not asked for.
        return not_applicable(
            "Every segment is made in China: nothing cross-border needs NMPA's product-specific policy, whether "
            "or not the holder is foreign or holds an imported drug.",
            "所有阶段均在境内生产：无论持有人是否为境外企业或进口药品持有人，均不涉及需国家药监局“一品一策”确定的跨境事项。",
            facts=facts,
        )
    return not_applicable(
        "A domestic holder with every segment in China: nothing cross-border.",
        "境内持有人且所有阶段均在境内生产，不涉及跨境。",
        facts=facts,
    )


PARTICIPATION = Rule(
    id=rule_id("cross_border.participation"),
    title_en="Foreign holders and segments abroad",
    title_zh="境外持有人与境外生产阶段",
    citations=(src.PLAN_CROSS_BORDER,),
    effective_from=PLAN_ISSUED,
    function=cross_border_participation,
    reads=("holder.domestic", "holder.import_drug_holder", "segments[].region"),
)
