"""Art. 32: segmented production of drugs — which drugs, a genuine need, one QA system — ``reg2026.art32.*``."""

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
from ..case import VACCINES, Case
from ..common import and3, holder, or3, per_cmo_flag, product
from ..pilot2024.scope import segmented
from ._base import IN_FORCE, rule_id


def art32_segmented(case: Case, ctx: Context) -> Verdict:
    return segmented(case, ctx)


SEGMENTED = Rule(
    id=rule_id("art32.segmented"),
    title_en="At least one segment is made by another enterprise",
    title_zh="至少一个阶段由其他企业受托生产",
    citations=(src.REGS_ART32_SCOPE,),
    effective_from=IN_FORCE,
    function=art32_segmented,
    reads=("holder.name", "segments[].enterprise"),
)


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


DRUG_SCOPE = Rule(
    id=rule_id("art32.drug_scope"),
    title_en="A drug Art. 32 allows to be made in segments",
    title_zh="属于第三十二条允许分段生产的药品",
    citations=(src.REGS_ART32_SCOPE,),
    effective_from=IN_FORCE,
    function=art32_drug_scope,
    reads=(
        "product.category",
        "product.innovative",
        "product.special_process_or_facility_need",
        "product.urgent_clinical_need",
        "product.public_health_emergency_need",
        "product.reserve_need",
        "product.nmpa_specified",
    ),
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


GENUINE_NEED = Rule(
    id=rule_id("art32.genuine_need"),
    title_en="The holder has a genuine need",
    title_zh="持有人确有需要",
    citations=(src.REGS_ART32_SCOPE,),
    effective_from=IN_FORCE,
    function=art32_genuine_need,
    reads=("holder.segmentation_need",),
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


UNIFIED_QA_SYSTEM = Rule(
    id=rule_id("art32.unified_qa_system"),
    title_en="One quality assurance system over every site",
    title_zh="覆盖全部生产场地的统一质量保证体系",
    citations=(src.REGS_ART32_QA,),
    effective_from=IN_FORCE,
    function=art32_unified_qa_system,
    reads=("contract_manufacturers[].unified_quality_system",),
)
