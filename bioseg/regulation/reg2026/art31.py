"""Art. 31: what may not be contract-manufactured, and no re-delegation — ``reg2026.art31.*``."""

from __future__ import annotations

from ...rulebook import (
    Context,
    Rule,
    Verdict,
)
from .. import sources as src
from ..case import Case
from ..common import per_cmo_flag
from ..pilot2024.scope import prohibited_verdict
from ._base import IN_FORCE, rule_id


def art31_prohibited(case: Case, ctx: Context) -> Verdict:
    return prohibited_verdict(case, "Implementing Regulations Art. 31(3)", "实施条例第三十一条第三款")


PROHIBITED = Rule(
    id=rule_id("art31.prohibited"),
    title_en="Not a product that may not be contract-manufactured",
    title_zh="不属于不得委托生产的药品",
    citations=(src.REGS_ART31_BAN, src.DAL_ART32_BAN),
    effective_from=IN_FORCE,
    function=art31_prohibited,
    reads=("product.category", "product.nmpa_specified"),
)


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


NO_REDELEGATION = Rule(
    id=rule_id("art31.no_redelegation"),
    title_en="Contract manufacturers do not re-delegate",
    title_zh="受托生产企业不得再次委托生产",
    citations=(src.REGS_ART31_DUTIES,),
    effective_from=IN_FORCE,
    function=art31_no_redelegation,
    reads=("contract_manufacturers[].redelegates",),
)
