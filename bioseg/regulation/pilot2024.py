"""The 2024 pilot plan (生物制品分段生产试点工作方案) and the rules it leans on, as ruleset ``pilot2024``.

Rule ids are ``pilot2024.<issue id>`` (e.g. ``pilot2024.cmo.experience``). Each rule sits next to the
passages it encodes (Catala habit); the passages themselves live in :mod:`.sources`.
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
    add_years,
    failed,
    not_applicable,
    passed,
    undetermined,
)
from . import sources as src
from .case import CATEGORY_LABELS, ORIGIN_LABELS, VACCINES, Case, CaseError, Category, Origin
from .common import (
    EMPTY_CAPABILITIES,
    EMPTY_PLAN,
    application,
    en_list,
    holder,
    per_cmo,
    per_cmo_flag,
    product,
    zh_list,
)
from .facts import NMPA, contract_manufacturers, norm_name, place_of, province_name, provincial_authority
from .labels import fact_labels, segment_label
from .params import load_parameters

RULESET_ID = "pilot2024"
RULESET_VERSION = "1.1.1"
PLAN_ISSUED = date(2024, 10, 21)
REG2026_IN_FORCE = date(2026, 5, 15)


def _id(short: str) -> str:
    return f"{RULESET_ID}.{short}"


def _cat(category: Category | None) -> tuple[str, str]:
    return CATEGORY_LABELS[category] if category is not None else ("unknown", "未知")


# ------------------------------------------------------------------------------------------------ scope


def scope_biologic(case: Case, ctx: Context) -> Verdict:
    category = product(case).category
    facts = (("product.category", category),)
    if category is None:
        return undetermined(
            "The product category is not known.", "产品类别未知。", missing=("product.category",), facts=facts
        )
    en, zh = _cat(category)
    if category is Category.CHEMICAL_DRUG:
        return failed(
            "A chemical drug is not a biological product; the pilot covers biological products only.",
            "化学药品不是生物制品；试点仅适用于生物制品。",
            facts=facts,
        )
    return passed(f"The product is a biological product ({en}).", f"该产品为生物制品（{zh}）。", facts=facts)


def _prohibited(case: Case, basis_en: str, basis_zh: str) -> Verdict:
    p = product(case)
    facts = (("product.category", p.category), ("product.nmpa_specified", p.nmpa_specified))
    if p.category is None:
        return undetermined(
            "The product category is not known.", "产品类别未知。", missing=("product.category",), facts=facts
        )
    if p.category is not Category.BLOOD_PRODUCT:
        en, zh = _cat(p.category)
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
    return _prohibited(case, "Drug Administration Law Art. 32", "药品管理法第三十二条")


def scope_prohibited_2026(case: Case, ctx: Context) -> Verdict:
    return _prohibited(
        case,
        "Drug Administration Law Art. 32; Implementing Regulations 2026 Art. 31",
        "药品管理法第三十二条、实施条例（2026）第三十一条",
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
    cat_en, cat_zh = _cat(p.category)
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
    en, zh = _cat(category)
    if case.nmpa_consent is True:
        return passed(
            f"A {en} may be split into drug substance and drug product with NMPA consent, which is recorded.",
            f"{zh}经国家药监局同意可分开委托生产原液和制剂，已记录国家药监局同意。",
            facts=facts,
        )
    if case.nmpa_consent is None:
        return undetermined(
            f"A {en} may be split only with NMPA consent; whether consent is recorded is not known.",
            f"{zh}须经国家药监局同意方可分开委托生产；尚不清楚是否已获同意。",
            missing=("nmpa_consent",),
            facts=facts,
        )
    return undetermined(
        f"A {en} may be split only with NMPA consent, which is not recorded: NMPA must decide.",
        f"{zh}须经国家药监局同意方可分开委托生产，尚无同意记录，需由国家药监局决定。",
        by=(NMPA,),
        facts=facts,
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


# ------------------------------------------------------------------------------------------------ holder

_CAPABILITIES = (
    ("independent_rd", "independent R&D", "自主研发"),
    ("quality_management", "quality management", "质量管理"),
    ("risk_control", "risk prevention and control", "风险防控"),
    ("liability_compensation", "liability compensation", "责任赔偿"),
)


def holder_capabilities(case: Case, ctx: Context) -> Verdict:
    caps = holder(case).capabilities or EMPTY_CAPABILITIES
    facts = tuple((f"holder.capabilities.{key}", getattr(caps, key)) for key, _, _ in _CAPABILITIES)
    lacking = [(en, zh) for key, en, zh in _CAPABILITIES if getattr(caps, key) is False]
    unknown = [f"holder.capabilities.{key}" for key, _, _ in _CAPABILITIES if getattr(caps, key) is None]
    checks = tuple(
        Check(
            en,
            Outcome.PASS
            if getattr(caps, key)
            else Outcome.FAIL
            if getattr(caps, key) is False
            else Outcome.UNDETERMINED,
            "yes" if getattr(caps, key) else "no" if getattr(caps, key) is False else "unknown",
            "具备" if getattr(caps, key) else "不具备" if getattr(caps, key) is False else "未知",
            subject_zh=zh,
        )
        for key, en, zh in _CAPABILITIES
    )
    if lacking:
        return failed(
            f"The holder lacks the capability of {en_list(en for en, _ in lacking)} for the pilot product.",
            f"持有人不具备试点品种的{zh_list(zh for _, zh in lacking)}能力。",
            facts=facts,
            checks=checks,
        )
    if unknown:
        return undetermined(
            "Not every capability the plan requires of the holder for the pilot product is known.",
            "方案要求持有人具备的试点品种相关能力尚未全部明确。",
            missing=tuple(unknown),
            facts=facts,
            checks=checks,
        )
    return passed(
        "The holder has, for the pilot product, the capability of independent R&D, quality management, risk "
        "prevention and control, and liability compensation (adequacy is reviewed by the regulators).",
        "持有人具备试点品种的自主研发、质量管理、风险防控和责任赔偿能力（充分性由监管部门审查）。",
        facts=facts,
        checks=checks,
    )


def holder_original_product(case: Case, ctx: Context) -> Verdict:
    origin = product(case).origin
    facts = (("product.origin", origin),)
    if origin is None:
        return undetermined(
            "How the holder came to the product (originally developed, licensed in, co-developed …) is not known.",
            "尚不清楚该产品的来源（自主研发、许可引进、合作开发等）。",
            missing=("product.origin",),
            facts=facts,
        )
    if origin is Origin.ORIGINALLY_DEVELOPED:
        return passed("The product was originally developed by the holder.", "该产品为持有人自主研发。", facts=facts)
    en, zh = ORIGIN_LABELS[origin]
    return undetermined(
        f"The product was {en}. The plan asks for independent R&D capability for the product and its official "
        "interpretation for the enterprise's originally-developed product; neither defines this case, so NMPA must "
        "determine it (Q1).",
        f"该产品为{zh}。方案要求持有人具备试点品种的自主研发能力，政策解读称应为企业自主研发的品种，均未界定此种情形，"
        "需由国家药监局认定（Q1）。",
        by=(NMPA,),
        facts=facts,
    )


def holder_stationed_personnel(case: Case, ctx: Context) -> Verdict:
    minimum = int(ctx.param("stationed_min_people"))
    cmos = contract_manufacturers(case)
    if not cmos.items:
        if cmos.missing:
            return undetermined(
                "The contract manufacturers are not known, so the stationed personnel cannot be checked.",
                "尚不清楚有哪些受托生产企业，无法核查派驻人员。",
                missing=cmos.missing,
            )
        return not_applicable("No contract manufacturer is involved.", "不涉及受托生产企业。")
    people = case.stationed_personnel
    if people is None:
        return undetermined(
            f"The holder's stationed personnel are not known (at least {minimum} qualified people at each contract "
            "manufacturer).",
            f"持有人派驻人员情况未知（每家受托生产企业至少{minimum}名具备资质的人员）。",
            missing=("stationed_personnel",),
        )

    def on_duty(person) -> bool:
        if person.stationed_from is not None and person.stationed_from > ctx.as_of:
            return False
        return not (person.stationed_until is not None and person.stationed_until < ctx.as_of)

    active = [(i, p) for i, p in enumerate(people) if on_duty(p)]
    unplaced = [i for i, p in active if p.stationed_at is None and p.qualified is not False]
    checks: list[Check] = []
    missing: list[str] = list(cmos.missing)
    failing: list[str] = []
    facts = []
    for view in cmos.items:
        if view.entry is not None and view.entry.name is None:
            missing.append(f"{view.path}.name")
            checks.append(Check(view.label, Outcome.UNDETERMINED, "name unknown", "名称未知"))
            continue
        key = norm_name(view.label)
        here = [(i, p) for i, p in active if p.stationed_at is not None and norm_name(p.stationed_at) == key]
        qualified = [i for i, p in here if p.qualified is True]
        unsure = [i for i, p in here if p.qualified is None]
        facts.append((f"derived.qualified_stationed[{view.label}]", len(qualified)))
        if len(qualified) >= minimum:
            checks.append(
                Check(
                    view.label,
                    Outcome.PASS,
                    f"{len(qualified)} qualified people stationed",
                    f"派驻{len(qualified)}名具备资质的人员",
                )
            )
        elif len(qualified) + len(unsure) + len(unplaced) >= minimum:
            paths = [f"stationed_personnel[{i}].qualified" for i in unsure]
            paths += [f"stationed_personnel[{i}].stationed_at" for i in unplaced]
            missing.extend(paths)
            checks.append(
                Check(
                    view.label,
                    Outcome.UNDETERMINED,
                    f"{len(qualified)} qualified; unknown: {'; '.join(fact_labels(paths, case))}",
                    f"{len(qualified)}名具备资质；未知：{'；'.join(fact_labels(paths, case, 'zh'))}",
                )
            )
        else:
            failing.append(view.label)
            checks.append(
                Check(
                    view.label,
                    Outcome.FAIL,
                    f"only {len(qualified)} qualified people stationed (needs {minimum})",
                    f"仅派驻{len(qualified)}名具备资质的人员（至少需{minimum}名）",
                )
            )
    missing = list(dict.fromkeys(missing))
    if failing:
        return failed(
            f"Fewer than {minimum} qualified people of the holder are stationed at {en_list(failing)} (unqualified "
            "people and people stationed elsewhere do not count).",
            f"持有人向{zh_list(failing)}派驻的具备资质人员少于{minimum}名（不具备资质或派驻他处的人员不计）。",
            facts=tuple(facts),
            checks=tuple(checks),
        )
    if missing:
        return undetermined(
            f"Whether at least {minimum} qualified people are stationed at every contract manufacturer depends on "
            "facts not yet known.",
            f"是否向每家受托生产企业派驻至少{minimum}名具备资质的人员，取决于尚未明确的事实。",
            missing=tuple(missing),
            facts=tuple(facts),
            checks=tuple(checks),
        )
    return passed(
        f"At least {minimum} qualified people of the holder are stationed at each contract manufacturer.",
        f"持有人向每家受托生产企业派驻了至少{minimum}名具备资质的人员。",
        facts=tuple(facts),
        checks=tuple(checks),
    )


# ------------------------------------------------------------------------------------------------ contract manufacturers


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


# ------------------------------------------------------------------------------------------------ regions


_SITES: tuple[object, list | None] = (None, None)


def _domestic_sites(case: Case):
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
    for label, path, place in _domestic_sites(case):
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


def cross_province_joint_plan(case: Case, ctx: Context) -> Verdict:
    if case.segments is None:
        return undetermined("The segments are not known.", "生产阶段情况未知。", missing=("segments",))
    provinces: list[str] = []
    missing: list[str] = []
    for _label, path, place in _domestic_sites(case):
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
    if plan is None or agreed_raw is None:
        return undetermined(
            f"The chain spans {names_en}; whether their regulators have agreed a joint regulatory plan is not known.",
            f"该产品跨{names_zh}生产，尚不清楚相关省级药品监管部门是否已共同制定监管方案。",
            missing=tuple(missing)
            + (("joint_regulatory_plan",) if plan is None else ("joint_regulatory_plan.agreed_by",)),
            by=tuple(provincial_authority(c) for c in provinces),
            facts=facts,
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


# ------------------------------------------------------------------------------------------------ timeline


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


# ------------------------------------------------------------------------------------------------ the ruleset


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


_ALL = date(2024, 10, 21)

RULES: tuple[Rule, ...] = (
    Rule(
        _id("scope.biologic"),
        "The product is a biological product",
        "产品为生物制品",
        (src.PLAN_PRODUCTS,),
        _ALL,
        scope_biologic,
        reads=("product.category",),
    ),
    Rule(
        _id("scope.prohibited"),
        "Not a product that may not be contract-manufactured",
        "不属于不得委托生产的药品",
        (src.DAL_ART32_BAN, src.OLD_REGS_ART10),
        _ALL,
        scope_prohibited_2024,
        effective_until=date(2026, 5, 14),
        reads=("product.category", "product.nmpa_specified"),
    ),
    Rule(
        _id("scope.prohibited"),
        "Not a product that may not be contract-manufactured",
        "不属于不得委托生产的药品",
        (src.DAL_ART32_BAN, src.REGS_ART31_BAN),
        REG2026_IN_FORCE,
        scope_prohibited_2026,
        reads=("product.category", "product.nmpa_specified"),
    ),
    Rule(
        _id("scope.category"),
        "Innovative, of urgent clinical need, or specified by NMPA",
        "创新、临床急需或国家药监局规定的生物制品",
        (src.PLAN_PRODUCTS,),
        _ALL,
        scope_category,
        reads=("product.category", "product.innovative", "product.urgent_clinical_need", "product.nmpa_specified"),
    ),
    Rule(
        _id("scope.vaccine_segmentation"),
        "Vaccines: only combination or multivalent vaccines, with NMPA consent",
        "疫苗：仅多联多价疫苗经国家药监局同意可分段",
        (src.VACCINE_PROVISIONS_ART12, src.PLAN_PRODUCTS),
        _ALL,
        scope_vaccine_segmentation,
        reads=("product.category", "nmpa_consent"),
    ),
    Rule(
        _id("scope.segmented"),
        "At least one segment is made by another enterprise",
        "至少一个阶段由其他企业受托生产",
        (src.DAL_ART32_CONTRACT, src.PLAN_HOLDER),
        _ALL,
        segmented,
        reads=("holder.name", "segments[].enterprise"),
    ),
    Rule(
        _id("holder.capabilities"),
        "The holder's capabilities for the pilot product",
        "持有人具备试点品种的相关能力",
        (src.PLAN_HOLDER,),
        _ALL,
        holder_capabilities,
        reads=tuple(f"holder.capabilities.{k}" for k, _, _ in _CAPABILITIES),
    ),
    Rule(
        _id("holder.original_product"),
        "The product is the holder's own development",
        "试点品种为持有人自主研发",
        (src.PLAN_HOLDER, src.PLAN_INTERPRETATION_ORIGINAL),
        _ALL,
        holder_original_product,
        reads=("product.origin",),
    ),
    Rule(
        _id("cmo.experience"),
        "Each contract manufacturer: at least 3 years of commercial biologics production",
        "受托生产企业具有三年以上生物制品商业化生产经验",
        (src.PLAN_CMO, src.CIVIL_CODE_PERIODS),
        _ALL,
        cmo_experience,
        reads=("contract_manufacturers[].commercial_biologics_production_since", "application.submitted_on"),
    ),
    Rule(
        _id("cmo.qa_system"),
        "Each contract manufacturer: a complete drug quality assurance system",
        "受托生产企业具备完善的药品质量保证体系",
        (src.PLAN_CMO,),
        _ALL,
        cmo_qa_system,
        reads=("contract_manufacturers[].qa_system_complete",),
    ),
    Rule(
        _id("cmo.unified_qms"),
        "Each contract manufacturer: one unified quality system with the holder",
        "受托生产企业与持有人执行统一的质量管理体系",
        (src.PLAN_HOLDER,),
        _ALL,
        cmo_unified_qms,
        reads=("contract_manufacturers[].unified_quality_system",),
    ),
    Rule(
        _id("holder.stationed_personnel"),
        "At least 2 qualified people of the holder stationed at each contract manufacturer",
        "持有人向每家受托生产企业派驻至少两名具备资质的人员",
        (src.PLAN_STATIONED, src.PLAN_STATIONED_MONDAQ),
        _ALL,
        holder_stationed_personnel,
        reads=("stationed_personnel[]", "contract_manufacturers[].name"),
    ),
    Rule(
        _id("region.pilot_region"),
        "Every domestic site is in a pilot region",
        "境内场地均位于试点地区",
        (src.PLAN_REGIONS,),
        _ALL,
        region_pilot_region,
        reads=("holder.region", "segments[].region"),
    ),
    Rule(
        _id("cross_province.joint_plan"),
        "Cross-province chains: a joint regulatory plan agreed by every province",
        "跨省分段：相关省份共同制定监管方案",
        (src.PLAN_JOINT_PLAN,),
        _ALL,
        cross_province_joint_plan,
        reads=("holder.region", "segments[].region", "joint_regulatory_plan.agreed_by"),
    ),
    Rule(
        _id("cross_border.participation"),
        "Foreign holders and segments abroad",
        "境外持有人与境外生产阶段",
        (src.PLAN_CROSS_BORDER,),
        _ALL,
        cross_border_participation,
        reads=("holder.domestic", "holder.import_drug_holder", "segments[].region"),
    ),
    Rule(
        _id("timeline.application_deadline"),
        "Application submitted by the deadline",
        "在截止日前提出试点申请",
        (src.PLAN_HEADLINE,),
        _ALL,
        timeline_application_deadline,
        reads=("application.submitted_on",),
    ),
    Rule(
        _id("timeline.pilot_period"),
        "Within the pilot period",
        "处于试点期内",
        (src.PLAN_PERIOD, src.PLAN_ISSUED, src.REGS_ART32_SCOPE),
        _ALL,
        timeline_pilot_period,
        reads=("as_of",),
    ),
)


def build(parameters=None) -> Ruleset:
    """The pilot2024 ruleset; pass ``parameters`` to use e.g. a pilot-region list maintained by NMPA users."""
    params = parameters or load_parameters(RULESET_ID)
    issued: date = params.value("plan_issued_on", PLAN_ISSUED)
    return Ruleset(
        id=RULESET_ID,
        version=RULESET_VERSION,
        title_en="Segmented-production pilot (NMPA, 2024)",
        title_zh="生物制品分段生产试点（国家药监局，2024）",
        valid_from=issued,
        rules=RULES,
        parameters=params,
        valid_from_reason_en="the pilot plan was issued on that day",
        valid_from_reason_zh="试点工作方案于该日印发",
        precheck=precheck,
        notes=notes,
    )
