"""The quality system of the demo, replayed at business dates through the quality services.

- An open **major** deviation at Shanghai Qilan (recorded by ``shcdmo-qa`` on 2026-11-28) against the drug-product
  lot ``QL-DP-2609-02``: it blocks that lot's release, and the holder's QA and QP (Suzhou Xinghu) were notified.
- A **minor** deviation at Xinghu Suzhou (``suzhou-qa``, 2026-08-20) against ``XH-DS-2608-02``, investigated and
  closed by the qualified person (``suzhou-qp``, e-signed).

Idempotent: a deviation with the same title at the same site is left as it is.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from bioseg.common.clock import pinned
from bioseg.production.models import Lot
from bioseg.quality import services
from bioseg.quality.models import Deviation
from bioseg.registry.models import Site

SHANGHAI_TIME = ZoneInfo("Asia/Shanghai")

OPEN_MAJOR = "灌装线A停机40分钟：灌装针头堵塞"
CLOSED_MINOR = "原液pH在线记录仪打印纸卡纸，记录中断12分钟"


def at(iso: str) -> dt.datetime:
    return dt.datetime.fromisoformat(iso).replace(tzinfo=SHANGHAI_TIME)


def load(loader, password: str) -> None:
    users = loader.users
    qilan = Site.objects.get(name_en="Qilan Zhangjiang Drug Product Plant")
    suzhou = Site.objects.get(name_en="Xinghu Suzhou Drug Substance Plant")
    dp2 = Lot.objects.get(lot_number="QL-DP-2609-02")
    ds2 = Lot.objects.get(lot_number="XH-DS-2608-02")
    if Deviation.objects.filter(site=suzhou, title=CLOSED_MINOR).exists():
        loader.result.existing += 1
    else:
        with pinned(at("2026-08-20T14:10")):
            minor = services.deviation_record(
                actor=users["suzhou-qa"],
                product=ds2.product,
                site=suzhou,
                lots=[ds2],
                title=CLOSED_MINOR,
                description="XH-DS-2608-02 超滤工序中，pH在线记录仪打印纸卡纸，纸质记录中断12分钟；电子记录完整，pH 始终在 6.8–7.2 之间。",
                occurred_on=dt.date(2026, 8, 20),
                classification="minor",
                classification_reason="电子记录完整且在范围内，不影响产品质量，仅为记录的完整性问题。",
                equipment="pH 在线记录仪 UF-PH-02",
            )
        with pinned(at("2026-08-22T10:00")):
            services.deviation_submit_investigation(
                actor=users["suzhou-qa"],
                deviation=minor,
                root_cause="打印纸更换后未按规程确认走纸；规程未要求更换后试打印。",
                investigation_summary="核对电子记录与批记录一致；修订记录仪操作规程，增加更换打印纸后试打印步骤；对操作人员进行培训。",
            )
        with pinned(at("2026-08-24T16:00")):
            services.deviation_approve(actor=users["suzhou-qp"], deviation=minor, password=password)
        with pinned(at("2026-08-26T16:00")):
            services.deviation_close(actor=users["suzhou-qp"], deviation=minor, password=password)
        loader.result.created += 1
    if Deviation.objects.filter(site=qilan, title=OPEN_MAJOR).exists():
        loader.result.existing += 1
    else:
        with pinned(at("2026-11-28T15:20")):
            services.deviation_record(
                actor=users["shcdmo-qa"],
                product=dp2.product,
                site=qilan,
                lots=[dp2],
                title=OPEN_MAJOR,
                description="QL-DP-2609-02 灌装过程中，4号灌装针头堵塞，灌装线A停机40分钟；停机前后各500支已隔离。",
                occurred_on=dt.date(2026, 11, 28),
                classification="major",
                classification_reason="停机期间A级区干预次数超出规定，可能影响无菌保证水平。",
                equipment="灌装线A（FL-A）",
            )
        loader.result.created += 1
