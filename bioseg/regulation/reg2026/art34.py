"""Art. 34: biologics record all production and testing data electronically —
``reg2026.art34.electronic_records``.
"""

from __future__ import annotations

from ...rulebook import (
    Check,
    Context,
    Outcome,
    Rule,
    Verdict,
    failed,
    not_applicable,
    passed,
    undetermined,
)
from .. import sources as src
from ..case import Case, Category
from ..common import product
from ..labels import segment_label
from ._base import IN_FORCE, rule_id


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


ELECTRONIC_RECORDS = Rule(
    id=rule_id("art34.electronic_records"),
    title_en="Biologics: all production and testing data recorded electronically",
    title_zh="生物制品：采用信息化手段记录全部生产、检验数据",
    citations=(src.REGS_ART34_RECORDS,),
    effective_from=IN_FORCE,
    function=art34_electronic_records,
    reads=("product.category", "segments[].electronic_records"),
)
