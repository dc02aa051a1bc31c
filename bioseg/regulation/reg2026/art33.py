"""Art. 33: vaccines — beyond the holder's capacity, a listed case, NMPA's approval — ``reg2026.art33.vaccine``."""

from __future__ import annotations

from ...rulebook import (
    Context,
    Rule,
    Verdict,
    failed,
    not_applicable,
    passed,
    undetermined,
)
from .. import sources as src
from ..case import CATEGORY_LABELS, VACCINES, Case, Category
from ..common import holder, or3, product
from ..facts import NMPA
from ._base import IN_FORCE, rule_id


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
    # NMPA's approval is a regulator's act: not recorded (false or omitted) means the case awaits NMPA,
    # never that the applicant left a fact out (issue 12).
    approved = case.nmpa_consent is True
    if missing:
        return undetermined(
            "Art. 33 requires capacity exceeded, a listed case and NMPA approval; not all the holder's facts are "
            "known" + ("." if approved else ", and NMPA's approval is not recorded."),
            "第三十三条要求超出生产能力、属于所列情形并经国务院药品监督管理部门批准；持有人方面的事实尚未全部明确"
            + ("。" if approved else "，且尚无国务院药品监督管理部门的批准记录。"),
            missing=tuple(missing),
            by=() if approved else (NMPA,),
            awaits=() if approved else ("nmpa_consent",),
            facts=facts,
        )
    if not approved:
        return undetermined(
            "The vaccine meets Art. 33's conditions but NMPA's approval is not recorded: NMPA must approve.",
            "该疫苗符合第三十三条的条件，但尚无国务院药品监督管理部门的批准记录，需由其批准。",
            by=(NMPA,),
            awaits=("nmpa_consent",),
            facts=facts,
        )
    en, zh = CATEGORY_LABELS[p.category]
    return passed(
        f"Beyond the holder's capacity, a case Art. 33 lists, and approved by NMPA: the {en} may be made in segments.",
        f"超出持有人生产能力、属于第三十三条所列情形并经批准：该{zh}可以分段生产。",
        facts=facts,
    )


VACCINE = Rule(
    id=rule_id("art33.vaccine"),
    title_en="Vaccines: beyond own capacity, a listed case, NMPA approval",
    title_zh="疫苗：超出生产能力、所列情形、经批准",
    citations=(src.REGS_ART33_VACCINE,),
    effective_from=IN_FORCE,
    function=art33_vaccine,
    reads=(
        "product.category",
        "holder.vaccine_capacity_exceeded",
        "product.public_health_emergency_need",
        "product.reserve_need",
        "product.nmpa_specified",
        "nmpa_consent",
    ),
)
