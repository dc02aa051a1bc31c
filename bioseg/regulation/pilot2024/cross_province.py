"""Chains across provinces: the joint regulatory plan of the provinces involved —
``pilot2024.cross_province.joint_plan``.
"""

from __future__ import annotations

from ...rulebook import Check, Context, Outcome, Rule, Verdict, not_applicable, passed, undetermined
from .. import sources as src
from ..case import Case
from ..common import EMPTY_PLAN, en_list, zh_list
from ..facts import place_of, province_name, provincial_authority
from ._base import PLAN_ISSUED, rule_id
from .region import domestic_sites


def cross_province_joint_plan(case: Case, ctx: Context) -> Verdict:
    if case.segments is None:
        return undetermined("The segments are not known.", "生产阶段情况未知。", missing=("segments",))
    provinces: list[str] = []
    missing: list[str] = []
    for _label, path, place in domestic_sites(case):
        if place is None or place.kind == "mainland_unknown":
            missing.append(path)
        elif place.kind == "province":
            provinces.append(place.province)
    provinces = sorted(set(provinces))
    plan = case.joint_regulatory_plan
    agreed_raw = (plan or EMPTY_PLAN).agreed_by
    facts = (("derived.provinces", provinces), ("joint_regulatory_plan.agreed_by", agreed_raw))
    if len(provinces) <= 1:
        if missing:
            return undetermined(
                "Whether the chain spans several provinces is not known.",
                "尚不清楚是否跨省。",
                missing=tuple(missing),
                facts=facts,
            )
        return not_applicable(
            "Every domestic site is in one province: no joint regulatory plan is needed.",
            "境内场地均在同一省份，无需联合监管方案。",
            facts=facts,
        )
    names_en = en_list(province_name(c) for c in provinces)
    names_zh = zh_list(province_name(c, "zh") for c in provinces)
    # The joint plan is the provinces' act: until their agreement is recorded the case awaits those
    # regulators — it is not a fact the applicant left out (issue 12). Only unknown site provinces are.
    awaited = ("joint_regulatory_plan",) if plan is None else ("joint_regulatory_plan.agreed_by",)
    if plan is None or agreed_raw is None:
        return undetermined(
            f"The chain spans {names_en}; no joint regulatory plan of their regulators is recorded: the case "
            "awaits their agreement.",
            f"该产品跨{names_zh}生产，尚无相关省级药品监管部门共同制定监管方案的记录，待其同意。",
            missing=tuple(missing),
            by=tuple(provincial_authority(c) for c in provinces),
            awaits=awaited,
            facts=facts,
            checks=tuple(
                Check(
                    province_name(c),
                    Outcome.UNDETERMINED,
                    "no agreement recorded",
                    "尚无同意记录",
                    subject_zh=province_name(c, "zh"),
                )
                for c in provinces
            ),
        )
    agreed = {p.province for p in (place_of(code) for code in agreed_raw) if p is not None and p.province}
    pending = [c for c in provinces if c not in agreed]
    checks = tuple(
        Check(
            province_name(c),
            Outcome.PASS if c in agreed else Outcome.UNDETERMINED,
            "agreed" if c in agreed else "not yet agreed",
            "已同意" if c in agreed else "尚未同意",
            subject_zh=province_name(c, "zh"),
        )
        for c in provinces
    )
    if pending:
        return undetermined(
            f"The chain spans {names_en}; the joint regulatory plan still awaits "
            f"{en_list(province_name(c) for c in pending)}.",
            f"该产品跨{names_zh}生产，联合监管方案尚待{zh_list(province_name(c, 'zh') for c in pending)}药品监管部门同意。",
            missing=tuple(missing),
            by=tuple(provincial_authority(c) for c in pending),
            awaits=awaited,
            facts=facts,
            checks=checks,
        )
    if missing:
        return undetermined(
            "Some sites' provinces are not known; the joint regulatory plan may need more provinces.",
            "部分场地所在省份未知，联合监管方案可能还需其他省份参与。",
            missing=tuple(missing),
            facts=facts,
            checks=checks,
        )
    return passed(
        f"The joint regulatory plan is agreed by every province involved ({names_en}).",
        f"联合监管方案已获所有相关省份（{names_zh}）同意。",
        facts=facts,
        checks=checks,
    )


JOINT_PLAN = Rule(
    id=rule_id("cross_province.joint_plan"),
    title_en="Cross-province chains: a joint regulatory plan agreed by every province",
    title_zh="跨省分段：相关省份共同制定监管方案",
    citations=(src.PLAN_JOINT_PLAN,),
    effective_from=PLAN_ISSUED,
    function=cross_province_joint_plan,
    reads=("holder.region", "segments[].region", "joint_regulatory_plan.agreed_by"),
)
