"""From the pilot to the standing route: what carries over from a pilot approval —
``reg2026.transition.pilot_approval`` — and the notes on how the two rulesets meet.
"""

from __future__ import annotations

from datetime import date

from ...rulebook import (
    Context,
    Note,
    Rule,
    Verdict,
    not_applicable,
    passed,
    undetermined,
)
from .. import sources as src
from ..case import Case
from ..facts import NMPA
from ._base import IN_FORCE, rule_id


def transition_pilot_approval(case: Case, ctx: Context) -> Verdict:
    end: date = ctx.param("pilot_end")
    approval = case.pilot_approval
    approved = approval.approved if approval is not None else None
    facts = (("pilot_approval.approved", approved), ("parameter.pilot_end", end), ("as_of", ctx.as_of))
    if approved is None:
        return undetermined(
            "Whether the product already holds an NMPA pilot approval is not known.",
            "尚不清楚该产品是否已获国家药监局试点批复。",
            missing=("pilot_approval.approved",),
            facts=facts,
        )
    if not approved:
        return not_applicable(
            "No pilot approval: the product takes the standing route of Arts. 31–34 from the start.",
            "无试点批复：该产品直接适用第三十一条至第三十四条的常设途径。",
            facts=facts,
        )
    if ctx.as_of <= end:
        return passed(
            f"The pilot approval covers segmented production until the pilot ends on {end.isoformat()}; what "
            "carries over afterwards is not settled (Q11).",
            f"试点批复在试点结束（{end.isoformat()}）前涵盖分段生产；此后如何衔接尚无规定（Q11）。",
            facts=facts,
        )
    return undetermined(
        f"The pilot ended on {end.isoformat()}. Whether the pilot approval continues under Art. 32, needs a new "
        "application, or lapses is not settled: NMPA must determine it (Q11).",
        f"试点已于{end.isoformat()}结束。试点批复是否依第三十二条延续、需重新申请或失效，尚无规定，需由国家药监局认定（Q11）。",
        by=(NMPA,),
        facts=facts,
    )


PILOT_APPROVAL = Rule(
    id=rule_id("transition.pilot_approval"),
    title_en="What carries over from a pilot approval",
    title_zh="试点批复的衔接",
    citations=(src.PLAN_PERIOD, src.REGS_ART32_SCOPE),
    effective_from=IN_FORCE,
    function=transition_pilot_approval,
    reads=("pilot_approval.approved",),
)


def notes(case: Case, ctx: Context) -> tuple[Note, ...]:
    end: date = ctx.param("pilot_end")
    first = (
        f"Until {end.isoformat()} the segmented-production pilot (ruleset pilot2024) runs alongside these articles."
        if ctx.as_of <= end
        else f"The pilot (ruleset pilot2024) ended on {end.isoformat()}; these articles are the standing route."
    )
    first_zh = (
        f"{end.isoformat()}前，分段生产试点（规则集 pilot2024）与本条例相关条款并行。"
        if ctx.as_of <= end
        else f"试点（规则集 pilot2024）已于{end.isoformat()}结束；本条例相关条款为常设途径。"
    )
    return (
        Note("relation.pilot2024", first, first_zh),
        Note(
            "relation.pilot_conditions",
            "Arts. 31–34 do not repeat the pilot's extra conditions (≥3 years of commercial biologics production, "
            "≥2 stationed people, joint regulatory plan, pilot regions). Whether they still apply, and whether "
            "non-vaccine segmentation needs NMPA approval, is not settled (Q12): bioseg does not apply them here.",
            "第三十一条至第三十四条未重复试点的附加条件（三年以上生物制品商业化生产经验、派驻两人、联合监管方案、试点地区）。"
            "上述条件是否仍适用、非疫苗分段生产是否须经国家药监局批准，尚无规定（Q12）；bioseg 在此不予适用。",
        ),
    )
