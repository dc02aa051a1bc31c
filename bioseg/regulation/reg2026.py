"""The standing route: Implementing Regulations of the Drug Administration Law (State Council Order No. 828,
promulgated 2026-01-16, in force 2026-05-15), Arts. 31–34, as ruleset ``reg2026``.

Rule ids are ``reg2026.art<N>.<topic>`` plus ``reg2026.transition.pilot_approval``. The pilot's extra
conditions (≥3 years, ≥2 stationed people, joint plan, pilot regions) are *not* in these articles; whether
they still apply is not settled (Q12) and is said in every determination's notes rather than guessed.
"""

from __future__ import annotations

from datetime import date

from ..rulebook import (
    Check,
    Context,
    Note,
    Outcome,
    Rule,
    Ruleset,
    Verdict,
    failed,
    not_applicable,
    passed,
    undetermined,
)
from . import sources as src
from .case import CATEGORY_LABELS, VACCINES, Case, Category
from .common import and3, holder, or3, per_cmo_flag, product
from .facts import NMPA
from .labels import segment_label
from .params import load_parameters
from .pilot2024 import _prohibited, segmented

RULESET_ID = "reg2026"
RULESET_VERSION = "1.0.1"
IN_FORCE = date(2026, 5, 15)


def _id(short: str) -> str:
    return f"{RULESET_ID}.{short}"


def art31_prohibited(case: Case, ctx: Context) -> Verdict:
    return _prohibited(case, "Implementing Regulations Art. 31(3)", "实施条例第三十一条第三款")


def art31_no_redelegation(case: Case, ctx: Context) -> Verdict:
    return per_cmo_flag(
        case,
        attr="redelegates",
        good=False,
        what_en="it refrains from entrusting the production again",
        what_zh="未再次委托生产",
        pass_en="does not entrust the production again.",
        pass_zh="未再次委托生产。",
        fail_en="entrusts the production again, which Art. 31(2) forbids.",
        fail_zh="再次委托生产，违反第三十一条第二款。",
    )


def art32_segmented(case: Case, ctx: Context) -> Verdict:
    return segmented(case, ctx)


def art32_drug_scope(case: Case, ctx: Context) -> Verdict:
    p = product(case)
    facts = (
        ("product.category", p.category),
        ("product.innovative", p.innovative),
        ("product.special_process_or_facility_need", p.special_process_or_facility_need),
        ("product.urgent_clinical_need", p.urgent_clinical_need),
        ("product.public_health_emergency_need", p.public_health_emergency_need),
        ("product.reserve_need", p.reserve_need),
        ("product.nmpa_specified", p.nmpa_specified),
    )
    if p.category is None:
        return undetermined(
            "The product category is not known (vaccines fall under Art. 33 instead).",
            "产品类别未知（疫苗适用第三十三条）。",
            missing=("product.category",),
            facts=facts,
        )
    if p.category in VACCINES:
        return not_applicable(
            "Vaccines are governed by Art. 33; see reg2026.art33.vaccine.",
            "疫苗适用第三十三条，见 reg2026.art33.vaccine。",
            facts=facts,
        )
    item1 = and3(p.innovative, p.special_process_or_facility_need)
    item2 = or3(p.urgent_clinical_need, p.public_health_emergency_need, p.reserve_need)
    item3 = p.nmpa_specified
    result = or3(item1, item2, item3)
    if result is True:
        grounds_en, grounds_zh = [], []
        if item1:
            grounds_en.append("(1) an innovative drug with special process or facility requirements")
            grounds_zh.append("（一）生产工艺、设施设备有特殊要求的创新药")
        if item2:
            grounds_en.append("(2) a drug of urgent clinical need, for a public-health emergency or for reserves")
            grounds_zh.append("（二）临床急需、应对突发公共卫生事件急需或者储备需要的药品")
        if item3:
            grounds_en.append("(3) a drug specified by NMPA")
            grounds_zh.append("（三）国务院药品监督管理部门规定的其他药品")
        return passed(
            "Art. 32(1) allows segmented production of this drug: " + "; ".join(grounds_en) + ".",
            "第三十二条第一款允许分段生产本药品：" + "；".join(grounds_zh) + "。",
            facts=facts,
        )
    if result is False:
        return failed(
            "The drug is none of the kinds Art. 32(1) allows to be made in segments (innovative with special "
            "process/facility needs; urgent clinical, emergency or reserve need; specified by NMPA).",
            "本药品不属于第三十二条第一款允许分段生产的情形（有特殊工艺或设施要求的创新药；临床急需、应急或储备需要；"
            "国务院药品监督管理部门规定的其他药品）。",
            facts=facts,
        )
    missing = []
    if item1 is None:
        missing += [path for path, v in facts[1:3] if v is None]
    if item2 is None:
        missing += [path for path, v in facts[3:6] if v is None]
    if item3 is None:
        missing.append("product.nmpa_specified")
    return undetermined(
        "Whether the drug is of a kind Art. 32(1) allows depends on facts not yet known.",
        "是否属于第三十二条第一款规定的情形，取决于尚未明确的事实。",
        missing=tuple(missing),
        facts=facts,
    )


def art32_genuine_need(case: Case, ctx: Context) -> Verdict:
    need = holder(case).segmentation_need
    facts = (("holder.segmentation_need", need),)
    if need is None:
        return undetermined(
            "Whether the holder has a genuine need (确有需要) for segmented production is not known.",
            "尚不清楚持有人是否确有分段生产的需要。",
            missing=("holder.segmentation_need",),
            facts=facts,
        )
    if need:
        return passed(
            "The holder states a genuine need for segmented production (its justification is reviewed with the "
            "registration of the segment sites).",
            "持有人说明确有分段生产需要（其理由随生产场地的注册审查一并审核）。",
            facts=facts,
        )
    return failed(
        "Art. 32 allows segmented production only where the holder has a genuine need; none is stated.",
        "第三十二条仅允许确有需要的持有人委托分段生产；持有人未说明有此需要。",
        facts=facts,
    )


def art32_unified_qa_system(case: Case, ctx: Context) -> Verdict:
    return per_cmo_flag(
        case,
        attr="unified_quality_system",
        good=True,
        what_en="it is covered by the holder's unified quality assurance system",
        what_zh="纳入持有人覆盖全过程和全部场地的统一质量保证体系",
        pass_en="is covered by the holder's unified quality assurance system.",
        pass_zh="纳入持有人统一的质量保证体系。",
        fail_en="is not covered by the holder's unified quality assurance system.",
        fail_zh="未纳入持有人统一的质量保证体系。",
    )


def art33_vaccine(case: Case, ctx: Context) -> Verdict:
    p = product(case)
    h = holder(case)
    facts = (
        ("product.category", p.category),
        ("holder.vaccine_capacity_exceeded", h.vaccine_capacity_exceeded),
        ("product.public_health_emergency_need", p.public_health_emergency_need),
        ("product.reserve_need", p.reserve_need),
        ("product.nmpa_specified", p.nmpa_specified),
        ("nmpa_consent", case.nmpa_consent),
    )
    if p.category is None:
        return undetermined(
            "The product category is not known.", "产品类别未知。", missing=("product.category",), facts=facts
        )
    if p.category not in VACCINES:
        return not_applicable("The product is not a vaccine.", "该产品不是疫苗。", facts=facts)
    multivalent = p.category in (Category.VACCINE_COMBINATION, Category.VACCINE_MULTIVALENT)
    case_ok = or3(multivalent, or3(p.public_health_emergency_need, p.reserve_need), p.nmpa_specified)
    capacity = h.vaccine_capacity_exceeded
    if capacity is False:
        return failed(
            "A vaccine may be contracted or made in segments only beyond the holder's own capacity; it is not.",
            "仅在超出疫苗上市许可持有人生产能力时方可委托生产或分段生产疫苗；本案未超出。",
            facts=facts,
        )
    if case_ok is False:
        return failed(
            "The vaccine is neither multivalent/combination, nor needed urgently for disease control or reserves, "
            "nor a case NMPA has specified (Art. 33).",
            "该疫苗既非多联多价疫苗，亦无疾病预防控制急需或储备需要，也不属于国务院药品监督管理部门规定的其他情形（第三十三条）。",
            facts=facts,
        )
    missing = []
    if capacity is None:
        missing.append("holder.vaccine_capacity_exceeded")
    if case_ok is None:
        missing += [path for path, v in facts[2:5] if v is None]
    if case.nmpa_consent is None:
        missing.append("nmpa_consent")
    if missing:
        return undetermined(
            "Art. 33 requires capacity exceeded, a listed case and NMPA approval; not all are known.",
            "第三十三条要求超出生产能力、属于所列情形并经国务院药品监督管理部门批准；上述事实尚未全部明确。",
            missing=tuple(missing),
            facts=facts,
        )
    if case.nmpa_consent is False:
        return undetermined(
            "The vaccine meets Art. 33's conditions but NMPA's approval is not recorded: NMPA must approve.",
            "该疫苗符合第三十三条的条件，但尚无国务院药品监督管理部门的批准记录，需由其批准。",
            by=(NMPA,),
            facts=facts,
        )
    en, zh = CATEGORY_LABELS[p.category]
    return passed(
        f"Beyond the holder's capacity, a case Art. 33 lists, and approved by NMPA: the {en} may be made in segments.",
        f"超出持有人生产能力、属于第三十三条所列情形并经批准：该{zh}可以分段生产。",
        facts=facts,
    )


def art34_electronic_records(case: Case, ctx: Context) -> Verdict:
    category = product(case).category
    if category is None:
        return undetermined(
            "The product category is not known.",
            "产品类别未知。",
            missing=("product.category",),
            facts=(("product.category", None),),
        )
    if category is Category.CHEMICAL_DRUG:
        return not_applicable(
            "Art. 34 concerns biological products; this is a chemical drug.",
            "第三十四条适用于生物制品；本品为化学药品。",
            facts=(("product.category", category),),
        )
    if case.segments is None:
        return undetermined("The segments are not known.", "生产阶段情况未知。", missing=("segments",))

    if not case.segments:
        return not_applicable("No segment is listed.", "未列出生产阶段。")
    missing, failing, facts, checks = [], [], [], []
    for i, segment in enumerate(case.segments):
        en, zh = segment_label(i, segment.stage)
        path = f"segments[{i}].electronic_records"
        value = segment.electronic_records
        facts.append((path, value))
        if value is None:
            missing.append(path)
            checks.append(Check(en, Outcome.UNDETERMINED, "unknown", "未知", subject_zh=zh))
        elif value:
            checks.append(Check(en, Outcome.PASS, "recorded electronically", "采用信息化手段记录", subject_zh=zh))
        else:
            failing.append((en, zh))
            checks.append(Check(en, Outcome.FAIL, "not recorded electronically", "未采用信息化手段记录", subject_zh=zh))
    if failing:
        return failed(
            f"Production and testing data of {', '.join(en for en, _ in failing)} are not all recorded "
            "electronically, as Art. 34 requires for biological products.",
            f"{'、'.join(zh for _, zh in failing)}的生产、检验数据未全部采用信息化手段记录，不符合第三十四条对生物制品的要求。",
            facts=tuple(facts),
            checks=tuple(checks),
        )
    if missing:
        return undetermined(
            "Whether every segment records its production and testing data electronically is not known.",
            "尚不清楚各阶段是否均采用信息化手段记录生产、检验数据。",
            missing=tuple(missing),
            facts=tuple(facts),
            checks=tuple(checks),
        )
    return passed(
        "Every segment records all production and testing data electronically (Art. 34).",
        "各阶段均采用信息化手段记录生产、检验过程中形成的所有数据（第三十四条）。",
        facts=tuple(facts),
        checks=tuple(checks),
    )


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


RULES: tuple[Rule, ...] = (
    Rule(
        _id("art31.prohibited"),
        "Not a product that may not be contract-manufactured",
        "不属于不得委托生产的药品",
        (src.REGS_ART31_BAN, src.DAL_ART32_BAN),
        IN_FORCE,
        art31_prohibited,
        reads=("product.category", "product.nmpa_specified"),
    ),
    Rule(
        _id("art31.no_redelegation"),
        "Contract manufacturers do not re-delegate",
        "受托生产企业不得再次委托生产",
        (src.REGS_ART31_DUTIES,),
        IN_FORCE,
        art31_no_redelegation,
        reads=("contract_manufacturers[].redelegates",),
    ),
    Rule(
        _id("art32.segmented"),
        "At least one segment is made by another enterprise",
        "至少一个阶段由其他企业受托生产",
        (src.REGS_ART32_SCOPE,),
        IN_FORCE,
        art32_segmented,
        reads=("holder.name", "segments[].enterprise"),
    ),
    Rule(
        _id("art32.drug_scope"),
        "A drug Art. 32 allows to be made in segments",
        "属于第三十二条允许分段生产的药品",
        (src.REGS_ART32_SCOPE,),
        IN_FORCE,
        art32_drug_scope,
        reads=(
            "product.category",
            "product.innovative",
            "product.special_process_or_facility_need",
            "product.urgent_clinical_need",
            "product.public_health_emergency_need",
            "product.reserve_need",
            "product.nmpa_specified",
        ),
    ),
    Rule(
        _id("art32.genuine_need"),
        "The holder has a genuine need",
        "持有人确有需要",
        (src.REGS_ART32_SCOPE,),
        IN_FORCE,
        art32_genuine_need,
        reads=("holder.segmentation_need",),
    ),
    Rule(
        _id("art32.unified_qa_system"),
        "One quality assurance system over every site",
        "覆盖全部生产场地的统一质量保证体系",
        (src.REGS_ART32_QA,),
        IN_FORCE,
        art32_unified_qa_system,
        reads=("contract_manufacturers[].unified_quality_system",),
    ),
    Rule(
        _id("art33.vaccine"),
        "Vaccines: beyond own capacity, a listed case, NMPA approval",
        "疫苗：超出生产能力、所列情形、经批准",
        (src.REGS_ART33_VACCINE,),
        IN_FORCE,
        art33_vaccine,
        reads=(
            "product.category",
            "holder.vaccine_capacity_exceeded",
            "product.public_health_emergency_need",
            "product.reserve_need",
            "product.nmpa_specified",
            "nmpa_consent",
        ),
    ),
    Rule(
        _id("art34.electronic_records"),
        "Biologics: all production and testing data recorded electronically",
        "生物制品：采用信息化手段记录全部生产、检验数据",
        (src.REGS_ART34_RECORDS,),
        IN_FORCE,
        art34_electronic_records,
        reads=("product.category", "segments[].electronic_records"),
    ),
    Rule(
        _id("transition.pilot_approval"),
        "What carries over from a pilot approval",
        "试点批复的衔接",
        (src.PLAN_PERIOD, src.REGS_ART32_SCOPE),
        IN_FORCE,
        transition_pilot_approval,
        reads=("pilot_approval.approved",),
    ),
)


def build(parameters=None) -> Ruleset:
    params = parameters or load_parameters(RULESET_ID)
    return Ruleset(
        id=RULESET_ID,
        version=RULESET_VERSION,
        title_en="Segmented production under the Implementing Regulations (2026)",
        title_zh="药品管理法实施条例（2026）下的分段生产",
        valid_from=params.value("in_force_from", IN_FORCE),
        rules=RULES,
        parameters=params,
        valid_from_reason_en="the revised Implementing Regulations take effect on 2026-05-15 (Art. 89)",
        valid_from_reason_zh="修订后的实施条例自2026年5月15日起施行（第八十九条）",
        notes=notes,
    )
