"""The holder (持有人): its capabilities, its own product, its people at each contract manufacturer —
``pilot2024.holder.*``.
"""

from __future__ import annotations

from ...rulebook import Check, Context, Outcome, Rule, Verdict, failed, not_applicable, passed, undetermined
from .. import sources as src
from ..case import ORIGIN_LABELS, Case, Origin
from ..common import EMPTY_CAPABILITIES, en_list, holder, product, zh_list
from ..facts import NMPA, contract_manufacturers, norm_name
from ..labels import fact_labels
from ._base import PLAN_ISSUED, rule_id

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


CAPABILITIES = Rule(
    id=rule_id("holder.capabilities"),
    title_en="The holder's capabilities for the pilot product",
    title_zh="持有人具备试点品种的相关能力",
    citations=(src.PLAN_HOLDER,),
    effective_from=PLAN_ISSUED,
    function=holder_capabilities,
    reads=tuple(f"holder.capabilities.{k}" for k, _, _ in _CAPABILITIES),
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


ORIGINAL_PRODUCT = Rule(
    id=rule_id("holder.original_product"),
    title_en="The product is the holder's own development",
    title_zh="试点品种为持有人自主研发",
    citations=(src.PLAN_HOLDER, src.PLAN_INTERPRETATION_ORIGINAL),
    effective_from=PLAN_ISSUED,
    function=holder_original_product,
    reads=("product.origin",),
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


STATIONED_PERSONNEL = Rule(
    id=rule_id("holder.stationed_personnel"),
    title_en="At least 2 qualified people of the holder stationed at each contract manufacturer",
    title_zh="持有人向每家受托生产企业派驻至少两名具备资质的人员",
    citations=(src.PLAN_STATIONED, src.PLAN_STATIONED_MONDAQ),
    effective_from=PLAN_ISSUED,
    function=holder_stationed_personnel,
    reads=("stationed_personnel[]", "contract_manufacturers[].name"),
)
