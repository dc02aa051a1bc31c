"""The pilot's calendar: the application deadline and the pilot period — ``pilot2024.timeline.*`` — and the
check that a submission does not predate the plan; the notes on how the pilot meets the standing route.
"""

from __future__ import annotations

from datetime import date

from ...rulebook import Context, Note, Rule, Verdict, failed, passed
from .. import sources as src
from ..case import Case, CaseError
from ..common import application
from ._base import PLAN_ISSUED, REG2026_IN_FORCE, rule_id


def timeline_application_deadline(case: Case, ctx: Context) -> Verdict:
    deadline: date = ctx.param("application_deadline")
    submitted = application(case).submitted_on
    facts = (
        ("application.submitted_on", submitted),
        ("as_of", ctx.as_of),
        ("parameter.application_deadline", deadline),
    )
    if submitted is not None:
        if submitted <= deadline:
            return passed(
                f"Submitted on {submitted.isoformat()}, on or before the deadline {deadline.isoformat()}.",
                f"于{submitted.isoformat()}提交，未超过截止日{deadline.isoformat()}。",
                facts=facts,
            )
        return failed(
            f"Submitted on {submitted.isoformat()}, after the deadline {deadline.isoformat()}.",
            f"于{submitted.isoformat()}提交，晚于截止日{deadline.isoformat()}。",
            facts=facts,
        )
    if ctx.as_of <= deadline:
        return passed(
            f"Not submitted yet; applications remain open until {deadline.isoformat()}.",
            f"尚未提交；{deadline.isoformat()}前仍可提出申请。",
            facts=facts,
        )
    return failed(
        f"No application was submitted by the deadline {deadline.isoformat()}.",
        f"截至{deadline.isoformat()}未提出申请。",
        facts=facts,
    )


APPLICATION_DEADLINE = Rule(
    id=rule_id("timeline.application_deadline"),
    title_en="Application submitted by the deadline",
    title_zh="在截止日前提出试点申请",
    citations=(src.PLAN_HEADLINE,),
    effective_from=PLAN_ISSUED,
    function=timeline_application_deadline,
    reads=("application.submitted_on",),
)


def timeline_pilot_period(case: Case, ctx: Context) -> Verdict:
    end: date = ctx.param("pilot_end")
    start: date = ctx.param("plan_issued_on")
    facts = (("as_of", ctx.as_of), ("parameter.plan_issued_on", start), ("parameter.pilot_end", end))
    if ctx.as_of <= end:
        return passed(
            f"{ctx.as_of.isoformat()} is within the pilot ({start.isoformat()} to {end.isoformat()}).",
            f"{ctx.as_of.isoformat()}在试点期内（{start.isoformat()}至{end.isoformat()}）。",
            facts=facts,
        )
    return failed(
        f"The pilot ended on {end.isoformat()}: segmented production is no longer covered by the pilot. Since "
        "2026-05-15 the Implementing Regulations of the Drug Administration Law (State Council Order No. 828) "
        "Arts. 31–34 give it a standing basis — assess with ruleset reg2026. Whether a pilot approval carries over "
        "is not settled (NMPA, Q11).",
        f"试点已于{end.isoformat()}结束，分段生产不再属于试点范围。自2026年5月15日起，《药品管理法实施条例》"
        "（国务院令第828号）第三十一条至第三十四条为分段生产提供了常设依据——请使用规则集 reg2026 评估。"
        "试点批复能否延续尚无规定（由国家药监局认定，Q11）。",
        facts=facts,
    )


PILOT_PERIOD = Rule(
    id=rule_id("timeline.pilot_period"),
    title_en="Within the pilot period",
    title_zh="处于试点期内",
    citations=(src.PLAN_PERIOD, src.PLAN_ISSUED, src.REGS_ART32_SCOPE),
    effective_from=PLAN_ISSUED,
    function=timeline_pilot_period,
    reads=("as_of",),
)


def precheck(case: Case, ctx: Context) -> None:
    submitted = application(case).submitted_on
    issued: date = ctx.param("plan_issued_on")
    if submitted is not None and submitted < issued:
        raise CaseError(
            "submitted_before_plan",
            f"application.submitted_on {submitted.isoformat()} is before the pilot plan was issued "
            f"({issued.isoformat()}); a pilot application cannot predate the plan.",
            f"application.submitted_on {submitted.isoformat()} 早于试点工作方案印发日期（{issued.isoformat()}），"
            "试点申请不可能早于方案。",
            field="application.submitted_on",
        )


def notes(case: Case, ctx: Context) -> tuple[Note, ...]:
    end: date = ctx.param("pilot_end")
    out = []
    if ctx.as_of < REG2026_IN_FORCE:
        out.append(
            Note(
                "relation.reg2026",
                "From 2026-05-15 the revised Implementing Regulations (State Council Order No. 828, Arts. 31–34; "
                "ruleset reg2026) give segmented production a standing basis beyond the pilot.",
                "自2026年5月15日起，修订后的《药品管理法实施条例》（国务院令第828号）第三十一条至第三十四条"
                "（规则集 reg2026）为试点之外的分段生产提供常设依据。",
            )
        )
    elif ctx.as_of <= end:
        out.append(
            Note(
                "relation.reg2026",
                f"The pilot runs until {end.isoformat()} and the Implementing Regulations Arts. 31–34 are in force: "
                "assess with ruleset reg2026 as well — that route is the one left after the pilot.",
                f"试点持续至{end.isoformat()}，同时《药品管理法实施条例》第三十一条至第三十四条已施行："
                "请同时使用规则集 reg2026 评估——试点结束后只剩该途径。",
            )
        )
    else:
        out.append(
            Note(
                "relation.reg2026",
                "The pilot is over; the standing route is ruleset reg2026 (Implementing Regulations Arts. 31–34).",
                "试点已结束；常设途径为规则集 reg2026（《药品管理法实施条例》第三十一条至第三十四条）。",
            )
        )
    out.append(
        Note(
            "relation.carry_over",
            "What carries over from a pilot approval after the pilot (continuation, re-application or lapse), and "
            "whether the pilot's extra conditions (≥3 years, ≥2 stationed people, joint plan, pilot regions) apply "
            "under the Regulations, is not settled: NMPA must determine it (Q11, Q12).",
            "试点结束后试点批复如何衔接（延续、重新申请或失效），以及试点的附加条件（三年经验、派驻两人、联合监管方案、"
            "试点地区）在实施条例下是否仍适用，尚无规定，需由国家药监局认定（Q11、Q12）。",
        )
    )
    return tuple(out)
