"""Scope (范围): which products the pilot covers — ``pilot2024.scope.*``.

Each rule's function sits next to its ``Rule`` (the citations it rests on are in :mod:`..sources`).
``prohibited_verdict`` and ``segmented`` are shared with ruleset ``reg2026`` (Arts. 31, 32).
"""

from __future__ import annotations

from datetime import date

from ...rulebook import Context, Rule, Verdict, failed, not_applicable, passed, undetermined
from .. import sources as src
from ..case import VACCINES, Case, Category
from ..common import en_list, holder, product, zh_list
from ..facts import NMPA, norm_name
from ._base import PLAN_ISSUED, REG2026_IN_FORCE, category_label, rule_id


def scope_biologic(case: Case, ctx: Context) -> Verdict:
    category = product(case).category
    facts = (("product.category", category),)
    if category is None:
        return undetermined(
            "The product category is not known.", "产品类别未知。", missing=("product.category",), facts=facts
        )
    en, zh = category_label(category)
    if category is Category.CHEMICAL_DRUG:
        return failed(
            "A chemical drug is not a biological product; the pilot covers biological products only.",
            "化学药品不是生物制品；试点仅适用于生物制品。",
            facts=facts,
        )
    return passed(f"The product is a biological product ({en}).", f"该产品为生物制品（{zh}）。", facts=facts)


BIOLOGIC = Rule(
    id=rule_id("scope.biologic"),
    title_en="The product is a biological product",
    title_zh="产品为生物制品",
    citations=(src.PLAN_PRODUCTS,),
    effective_from=PLAN_ISSUED,
    function=scope_biologic,
    reads=("product.category",),
)


def prohibited_verdict(case: Case, basis_en: str, basis_zh: str) -> Verdict:
    p = product(case)
    facts = (("product.category", p.category), ("product.nmpa_specified", p.nmpa_specified))
    if p.category is None:
        return undetermined(
            "The product category is not known.", "产品类别未知。", missing=("product.category",), facts=facts
        )
    if p.category is not Category.BLOOD_PRODUCT:
        en, zh = category_label(p.category)
        return passed(
            f"The product ({en}) is not among those that may not be contract-manufactured ({basis_en}).",
            f"{zh}不属于不得委托生产的药品（{basis_zh}）。",
            facts=facts,
        )
    if p.nmpa_specified is None:
        return undetermined(
            "Blood products may not be contract-manufactured unless NMPA provides otherwise; whether NMPA has "
            "specified this product is not known.",
            "血液制品不得委托生产，国家药监局另有规定的除外；尚不清楚国家药监局是否对本品另有规定。",
            missing=("product.nmpa_specified",),
            facts=facts,
        )
    if p.nmpa_specified:
        return undetermined(
            "Blood products may not be contract-manufactured unless NMPA provides otherwise. The product is "
            "specified by NMPA; whether that specification lifts the ban is for NMPA to determine (Q20).",
            "血液制品不得委托生产，国家药监局另有规定的除外。本品为国家药监局规定的品种，该规定是否解除禁止由国家药监局认定（Q20）。",
            by=(NMPA,),
            facts=facts,
        )
    return failed(
        f"Blood products may not be contract-manufactured ({basis_en}) and NMPA has not provided otherwise.",
        f"血液制品不得委托生产（{basis_zh}），且国家药监局未另有规定。",
        facts=facts,
    )


def scope_prohibited_2024(case: Case, ctx: Context) -> Verdict:
    return prohibited_verdict(case, "Drug Administration Law Art. 32", "药品管理法第三十二条")


PROHIBITED_2024 = Rule(
    id=rule_id("scope.prohibited"),
    title_en="Not a product that may not be contract-manufactured",
    title_zh="不属于不得委托生产的药品",
    citations=(src.DAL_ART32_BAN, src.OLD_REGS_ART10),
    effective_from=PLAN_ISSUED,
    function=scope_prohibited_2024,
    effective_until=date(2026, 5, 14),
    reads=("product.category", "product.nmpa_specified"),
)


def scope_prohibited_2026(case: Case, ctx: Context) -> Verdict:
    return prohibited_verdict(
        case,
        "Drug Administration Law Art. 32; Implementing Regulations 2026 Art. 31",
        "药品管理法第三十二条、实施条例（2026）第三十一条",
    )


PROHIBITED_2026 = Rule(
    id=rule_id("scope.prohibited"),
    title_en="Not a product that may not be contract-manufactured",
    title_zh="不属于不得委托生产的药品",
    citations=(src.DAL_ART32_BAN, src.REGS_ART31_BAN),
    effective_from=REG2026_IN_FORCE,
    function=scope_prohibited_2026,
    reads=("product.category", "product.nmpa_specified"),
)


def scope_category(case: Case, ctx: Context) -> Verdict:
    p = product(case)
    facts = (
        ("product.category", p.category),
        ("product.innovative", p.innovative),
        ("product.urgent_clinical_need", p.urgent_clinical_need),
        ("product.nmpa_specified", p.nmpa_specified),
    )
    if p.category is None:
        return undetermined(
            "The product category is not known.", "产品类别未知。", missing=("product.category",), facts=facts
        )
    if p.category is Category.CHEMICAL_DRUG:
        return not_applicable(
            "Not a biological product; see scope.biologic.", "非生物制品；见 scope.biologic。", facts=facts
        )
    cat_en, cat_zh = category_label(p.category)
    listed = p.category.value in ctx.param("listed_categories")
    listed_en = " (a category the plan lists as an example)" if listed else ""
    listed_zh = "（方案列举的示例类别）" if listed else ""
    if p.category is Category.CELL_GENE_THERAPY:
        if p.nmpa_specified is True:
            return passed(
                "A cell or gene therapy product specified by NMPA falls under 'other biological products specified "
                "by NMPA'.",
                "经国家药监局规定的细胞和基因治疗产品属于“国家药监局规定的其他生物制品”。",
                facts=facts,
            )
        return undetermined(
            "Cell and gene therapy products are not explicitly covered by the plan; whether this one is within "
            "the pilot's scope is for NMPA to determine (Q2).",
            "方案未明确涵盖细胞和基因治疗产品；本品是否纳入试点范围由国家药监局认定（Q2）。",
            by=(NMPA,),
            facts=facts,
        )
    grounds_en = []
    grounds_zh = []
    if p.innovative:
        grounds_en.append("innovative")
        grounds_zh.append("创新生物制品")
    if p.urgent_clinical_need:
        grounds_en.append("of urgent clinical need")
        grounds_zh.append("临床急需生物制品")
    if p.nmpa_specified:
        grounds_en.append("specified by NMPA")
        grounds_zh.append("国家药监局规定的其他生物制品")
    if grounds_en:
        return passed(
            f"The {cat_en}{listed_en} is {en_list(grounds_en)}.",
            f"该{cat_zh}{listed_zh}属于{zh_list(grounds_zh)}。",
            facts=facts,
        )
    unknown = [
        path
        for path, value in (
            ("product.innovative", p.innovative),
            ("product.urgent_clinical_need", p.urgent_clinical_need),
            ("product.nmpa_specified", p.nmpa_specified),
        )
        if value is None
    ]
    if unknown:
        return undetermined(
            "A pilot product must be innovative, of urgent clinical need or specified by NMPA; not all of these "
            "are known.",
            "试点品种应为创新、临床急需或国家药监局规定的生物制品；上述事实尚未全部明确。",
            missing=tuple(unknown),
            facts=facts,
        )
    return failed(
        f"The {cat_en}{listed_en} is neither innovative, nor of urgent clinical need, nor specified by NMPA; the "
        "categories the plan lists illustrate this test, they do not replace it.",
        f"该{cat_zh}{listed_zh}既非创新、也非临床急需、亦非国家药监局规定的生物制品；方案列举的类别仅为示例，不能替代该标准。",
        facts=facts,
    )


CATEGORY = Rule(
    id=rule_id("scope.category"),
    title_en="Innovative, of urgent clinical need, or specified by NMPA",
    title_zh="创新、临床急需或国家药监局规定的生物制品",
    citations=(src.PLAN_PRODUCTS,),
    effective_from=PLAN_ISSUED,
    function=scope_category,
    reads=("product.category", "product.innovative", "product.urgent_clinical_need", "product.nmpa_specified"),
)


def scope_vaccine_segmentation(case: Case, ctx: Context) -> Verdict:
    category = product(case).category
    facts = (("product.category", category), ("nmpa_consent", case.nmpa_consent))
    if category is None:
        return undetermined(
            "The product category is not known.", "产品类别未知。", missing=("product.category",), facts=facts
        )
    if category not in VACCINES:
        return not_applicable("The product is not a vaccine.", "该产品不是疫苗。", facts=facts)
    if category is Category.VACCINE:
        return failed(
            "Only combination or multivalent vaccines may have their drug substance and drug product contracted "
            "separately (Vaccine Provisions 2022 Art. 12); this vaccine is neither.",
            "仅多联多价疫苗可将原液、制剂分开委托生产（《疫苗生产流通管理规定》第十二条）；本疫苗不属于多联多价疫苗。",
            facts=facts,
        )
    en, zh = category_label(category)
    if case.nmpa_consent is True:
        return passed(
            f"A {en} may be split into drug substance and drug product with NMPA consent, which is recorded.",
            f"{zh}经国家药监局同意可分开委托生产原液和制剂，已记录国家药监局同意。",
            facts=facts,
        )
    # NMPA's consent is a regulator's act: until it is recorded the case awaits NMPA — the applicant has
    # left nothing out (issue 12), whether the consent is declared absent (false) or simply not recorded.
    if case.nmpa_consent is None:
        return undetermined(
            f"A {en} may be split only with NMPA consent; no consent is recorded: the split awaits NMPA's consent.",
            f"{zh}须经国家药监局同意方可分开委托生产；尚无同意记录，待国家药监局同意。",
            by=(NMPA,),
            awaits=("nmpa_consent",),
            facts=facts,
        )
    return undetermined(
        f"A {en} may be split only with NMPA consent, which is not recorded: NMPA must decide.",
        f"{zh}须经国家药监局同意方可分开委托生产，尚无同意记录，需由国家药监局决定。",
        by=(NMPA,),
        awaits=("nmpa_consent",),
        facts=facts,
    )


VACCINE_SEGMENTATION = Rule(
    id=rule_id("scope.vaccine_segmentation"),
    title_en="Vaccines: only combination or multivalent vaccines, with NMPA consent",
    title_zh="疫苗：仅多联多价疫苗经国家药监局同意可分段",
    citations=(src.VACCINE_PROVISIONS_ART12, src.PLAN_PRODUCTS),
    effective_from=PLAN_ISSUED,
    function=scope_vaccine_segmentation,
    reads=("product.category", "nmpa_consent"),
)


def segmented(case: Case, ctx: Context) -> Verdict:
    """At least one segment is made by an enterprise other than the holder (shared with reg2026)."""
    h = holder(case)
    segments = case.segments
    facts = (("holder.name", h.name), ("segments", [s.enterprise for s in segments] if segments else segments))
    if segments is None:
        return undetermined("The segments are not known.", "生产阶段情况未知。", missing=("segments",), facts=facts)
    if not segments:
        return failed(
            "No segment is listed, so no part of production is entrusted to another enterprise.",
            "未列出任何生产阶段，不存在委托其他企业的分段生产。",
            facts=facts,
        )
    holder_key = norm_name(h.name)
    if holder_key is None:
        return undetermined(
            "The holder's name is not known, so it cannot be told which segments another enterprise makes.",
            "持有人名称未知，无法判断哪些阶段由其他企业生产。",
            missing=("holder.name",),
            facts=facts,
        )
    others = [s for s in segments if s.enterprise is not None and norm_name(s.enterprise) != holder_key]
    if others:
        names = list(dict.fromkeys(s.enterprise for s in others if s.enterprise))
        return passed(
            f"{en_list(names)} make{'s' if len(names) == 1 else ''} at least one segment for the holder.",
            f"{zh_list(names)}受托生产至少一个阶段。",
            facts=facts,
        )
    unknown = [f"segments[{i}].enterprise" for i, s in enumerate(segments) if s.enterprise is None]
    if unknown:
        return undetermined(
            "Every segment with a known enterprise is made by the holder; the others are not known.",
            "已知企业的阶段均由持有人生产，其余阶段的生产企业未知。",
            missing=tuple(unknown),
            facts=facts,
        )
    return failed(
        "The holder makes every segment itself: this is not segmented contract manufacturing.",
        "所有阶段均由持有人自行生产，不属于分段委托生产。",
        facts=facts,
    )


SEGMENTED = Rule(
    id=rule_id("scope.segmented"),
    title_en="At least one segment is made by another enterprise",
    title_zh="至少一个阶段由其他企业受托生产",
    citations=(src.DAL_ART32_CONTRACT, src.PLAN_HOLDER),
    effective_from=PLAN_ISSUED,
    function=segmented,
    reads=("holder.name", "segments[].enterprise"),
)
