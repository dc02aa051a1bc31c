"""Where the chain is made: pilot regions — ``pilot2024.region.pilot_region`` — and the domestic sites the
cross-province rule reads too.
"""

from __future__ import annotations

from ...rulebook import Check, Context, Outcome, Rule, Verdict, not_applicable, passed, undetermined
from .. import sources as src
from ..case import Case
from ..common import en_list, holder, zh_list
from ..facts import NMPA, place_of, province_name
from ..labels import segment_label
from ._base import PLAN_ISSUED, rule_id

_SITES: tuple[object, list | None] = (None, None)


def domestic_sites(case: Case):
    """(label, path, place) for the holder and every segment; place None when unknown (remembered for the
    last case, as two rules ask in a row)."""
    global _SITES
    last_case, last = _SITES
    if last_case is case and last is not None:
        return last
    sites = _sites(case)
    _SITES = (case, sites)
    return sites


def _sites(case: Case):
    """(label as (English, Chinese), path, place)."""
    h = holder(case)
    sites = []
    if h.region is not None or h.domestic is not False:
        sites.append((("holder", "持有人"), "holder.region", place_of(h.region)))
    for i, segment in enumerate(case.segments or ()):
        sites.append((segment_label(i, segment.stage), f"segments[{i}].region", place_of(segment.region)))
    return tuple(sites)


def region_pilot_region(case: Case, ctx: Context) -> Verdict:
    regions = ctx.param("pilot_regions")
    if case.segments is None:
        return undetermined("The segments are not known.", "生产阶段情况未知。", missing=("segments",))
    checks, missing, outside, inside, facts = [], [], [], [], []
    for label, path, place in domestic_sites(case):
        facts.append((path, place.province or place.country if place else None))
        if place is None or place.kind == "mainland_unknown":
            missing.append(path)
            checks.append(Check(label[0], Outcome.UNDETERMINED, "province unknown", "省份未知", subject_zh=label[1]))
        elif place.kind == "abroad":
            continue
        elif place.province in regions:
            inside.append(place.province)
            checks.append(
                Check(
                    label[0],
                    Outcome.PASS,
                    f"{province_name(place.province)} is a pilot region",
                    f"{province_name(place.province, 'zh')}为试点地区",
                    subject_zh=label[1],
                )
            )
        else:
            outside.append(place.province)
            checks.append(
                Check(
                    label[0],
                    Outcome.UNDETERMINED,
                    f"{province_name(place.province)} is not (yet) a designated pilot region",
                    f"{province_name(place.province, 'zh')}尚未列为试点地区",
                    subject_zh=label[1],
                )
            )
    outside = sorted(set(outside))
    if missing or outside:
        en = []
        zh = []
        if outside:
            en.append(
                f"{en_list(province_name(c) for c in outside)} {'is' if len(outside) == 1 else 'are'} not on the "
                "list of pilot regions in force; designating a pilot region is for NMPA (Q9)"
            )
            zh.append(
                f"{zh_list(province_name(c, 'zh') for c in outside)}不在现行试点地区名单内，试点地区由国家药监局确定（Q9）"
            )
        if missing:
            en.append("the province of some sites is not known")
            zh.append("部分场地所在省份未知")
        return undetermined(
            "; ".join(en).capitalize() + ".",
            "；".join(zh) + "。",
            missing=tuple(missing),
            by=(NMPA,) if outside else (),
            facts=tuple(facts),
            checks=tuple(checks),
        )
    if not inside:
        return not_applicable("No site is in mainland China.", "无境内场地。", facts=tuple(facts), checks=tuple(checks))
    names = sorted(set(inside))
    return passed(
        f"Every domestic site is in a pilot region ({en_list(province_name(c) for c in names)}).",
        f"所有境内场地均位于试点地区（{zh_list(province_name(c, 'zh') for c in names)}）。",
        facts=tuple(facts),
        checks=tuple(checks),
    )


PILOT_REGION = Rule(
    id=rule_id("region.pilot_region"),
    title_en="Every domestic site is in a pilot region",
    title_zh="境内场地均位于试点地区",
    citations=(src.PLAN_REGIONS,),
    effective_from=PLAN_ISSUED,
    function=region_pilot_region,
    reads=("holder.region", "segments[].region"),
)
