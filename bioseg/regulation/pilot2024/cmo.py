"""The contract manufacturers (受托生产企业): experience, quality assurance, one quality system with the holder
— ``pilot2024.cmo.*``.
"""

from __future__ import annotations

from ...rulebook import Check, Context, Outcome, Rule, Verdict, add_years
from .. import sources as src
from ..case import Case
from ..common import application, per_cmo, per_cmo_flag
from ..facts import contract_manufacturers
from ._base import PLAN_ISSUED, rule_id


def cmo_experience(case: Case, ctx: Context) -> Verdict:
    years = int(ctx.param("cmo_min_commercial_years"))
    submitted = application(case).submitted_on
    day = submitted or ctx.as_of
    day_en = f"the submission day {day.isoformat()}" if submitted else f"{day.isoformat()} (as_of; not submitted)"
    day_zh = f"申请提交日{day.isoformat()}" if submitted else f"{day.isoformat()}（评估日；尚未提交申请）"

    def judge(view):
        since = view.entry.commercial_biologics_production_since if view.entry is not None else None
        if since is None:
            return Outcome.UNDETERMINED, f"{view.path}.commercial_biologics_production_since"
        return (Outcome.PASS if day >= add_years(since, years) else Outcome.FAIL), None

    verdict = per_cmo(
        case,
        judge=judge,
        facts_attr="commercial_biologics_production_since",
        what_en=f"it has {years} years of commercial biologics production on {day_en}",
        what_zh=f"在{day_zh}具有{years}年以上生物制品商业化生产经验",
        pass_en=f"{years} years of commercial biologics production completed by {day_en}",
        pass_zh=f"截至{day_zh}已满{years}年生物制品商业化生产经验",
        fail_en=f"fewer than {years} years of commercial biologics production on {day_en}",
        fail_zh=f"截至{day_zh}生物制品商业化生产经验不足{years}年",
    )
    # Show each anniversary in the checks: the date the period completes (Civil Code Art. 202).
    cmos = {v.label: v for v in contract_manufacturers(case).items}
    checks = []
    for check in verdict.checks:
        view = cmos.get(check.subject)
        since = view.entry.commercial_biologics_production_since if view and view.entry else None
        if since is not None:
            due = add_years(since, years)
            checks.append(
                Check(
                    check.subject,
                    check.outcome,
                    f"since {since.isoformat()}; {years} years complete on {due.isoformat()}; {check.reason_en}",
                    f"自{since.isoformat()}起；{due.isoformat()}满{years}年；{check.reason_zh}",
                    subject_zh=check.subject_zh,
                )
            )
        else:
            checks.append(check)
    return Verdict(
        verdict.outcome,
        verdict.reason_en,
        verdict.reason_zh,
        facts=verdict.facts + (("derived.reference_day", day),),
        missing_facts=verdict.missing_facts,
        needs_determination_by=verdict.needs_determination_by,
        checks=tuple(checks),
    )


EXPERIENCE = Rule(
    id=rule_id("cmo.experience"),
    title_en="Each contract manufacturer: at least 3 years of commercial biologics production",
    title_zh="受托生产企业具有三年以上生物制品商业化生产经验",
    citations=(src.PLAN_CMO, src.CIVIL_CODE_PERIODS),
    effective_from=PLAN_ISSUED,
    function=cmo_experience,
    reads=("contract_manufacturers[].commercial_biologics_production_since", "application.submitted_on"),
)


def cmo_qa_system(case: Case, ctx: Context) -> Verdict:
    return per_cmo_flag(
        case,
        attr="qa_system_complete",
        good=True,
        what_en="it has a complete drug quality assurance system",
        what_zh="具备完善的药品质量保证体系",
        pass_en="has a complete drug quality assurance system.",
        pass_zh="具备完善的药品质量保证体系。",
        fail_en="does not have a complete drug quality assurance system.",
        fail_zh="不具备完善的药品质量保证体系。",
    )


QA_SYSTEM = Rule(
    id=rule_id("cmo.qa_system"),
    title_en="Each contract manufacturer: a complete drug quality assurance system",
    title_zh="受托生产企业具备完善的药品质量保证体系",
    citations=(src.PLAN_CMO,),
    effective_from=PLAN_ISSUED,
    function=cmo_qa_system,
    reads=("contract_manufacturers[].qa_system_complete",),
)


def cmo_unified_qms(case: Case, ctx: Context) -> Verdict:
    return per_cmo_flag(
        case,
        attr="unified_quality_system",
        good=True,
        what_en="it runs one unified quality management system with the holder",
        what_zh="与持有人执行统一的质量管理体系",
        pass_en="runs one unified quality management system with the holder.",
        pass_zh="与持有人执行统一的质量管理体系。",
        fail_en="does not run one unified quality management system with the holder.",
        fail_zh="未与持有人执行统一的质量管理体系。",
    )


UNIFIED_QMS = Rule(
    id=rule_id("cmo.unified_qms"),
    title_en="Each contract manufacturer: one unified quality system with the holder",
    title_zh="受托生产企业与持有人执行统一的质量管理体系",
    citations=(src.PLAN_HOLDER,),
    effective_from=PLAN_ISSUED,
    function=cmo_unified_qms,
    reads=("contract_manufacturers[].unified_quality_system",),
)
