"""Change control in the demo, replayed at a business date through the change services.

- A **moderate** change (备案类, major GMP impact) at Xinghu Suzhou Drug Substance Plant, raised by ``suzhou-qa`` on
  2026-11-25: a second supplier of the protein A capture resin of the PD-1 drug substance. bioseg computed the
  affected parties — the drug-product segment at Qilan Zhangjiang (Shanghai), which uses the drug substance — so the
  change **awaits Shanghai Qilan's impact assessment** (``shcdmo-qa`` was notified), the holder's approval and the
  filing with the Jiangsu MPA before it may be implemented.

Idempotent: a change with the same title at the same site is left as it is.
"""

from __future__ import annotations

import datetime as dt

from bioseg.common.clock import pinned
from bioseg.demo.quality import at
from bioseg.production.models import Segment
from bioseg.quality import changes
from bioseg.quality.models import ChangeRequest
from bioseg.registry.models import Site

RESIN_CHANGE = "原液纯化工序新增第二家 蛋白A亲和层析介质供应商"


def load(loader, password: str) -> None:
    users = loader.users
    suzhou = Site.objects.get(name_en="Xinghu Suzhou Drug Substance Plant")
    if ChangeRequest.objects.filter(site=suzhou, title=RESIN_CHANGE).exists():
        loader.result.existing += 1
        return
    ds = Segment.objects.get(chain__product=loader.products["pd1"], chain__version=1, code="DS")
    with pinned(at("2026-11-25T10:30")):
        changes.change_raise(
            actor=users["suzhou-qa"],
            product=ds.chain.product,
            site=suzhou,
            segment=ds,
            kind="material",
            title=RESIN_CHANGE,
            description=(
                "在现有 蛋白A亲和层析介质之外，新增第二家供应商的同类介质（配体、粒径与载量相当），"
                "用于 PD-1 原液捕获层析工序；工艺参数不变。"
            ),
            justification="现有单一供应商交货周期延长至 26 周，存在断供风险。",
            raised_on=dt.date(2026, 11, 25),
            planned_on=dt.date(2027, 1, 15),
            route="filing",
            gmp_impact="major",
            classification_reason=(
                "关键原材料变更：经可比性研究证明对原液质量无不良影响的，按中等变更向省局备案；"
                "GMP 主要变更，变更后前三批原液进行质量评估并开展稳定性考察。"
            ),
            stability_followup=True,
        )
    loader.result.created += 1
