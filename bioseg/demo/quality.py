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


# --- CAPA, OOS, stationed personnel ------------------------------------------------------------------------------

CAPA_OPEN = "灌装针头使用前检查纳入灌装前确认"
CAPA_OVERDUE = "pH在线记录仪打印纸更换后试打印"
ADC_ASSAY_COA = "COA-FP-FILL-2608-01"


def load_more(loader, password: str) -> None:
    """Two CAPAs (one with an action overdue), an OOS under investigation on the ADC's filled lot, and Xinghu's two
    QAs stationed at Qilan with a three-day gap in November 2026 (Zhao Yuting's aseptic training lapsed)."""
    from bioseg.production import services as production_services
    from bioseg.production.models import CertificateOfAnalysis
    from bioseg.quality import capa as capas
    from bioseg.quality import stationing as st
    from bioseg.quality.models import Capa, Stationing
    from bioseg.registry.models import Enterprise, Person

    users = loader.users
    qilan = Site.objects.get(name_en="Qilan Zhangjiang Drug Product Plant")
    xinghu = Enterprise.objects.get(name_en__startswith="Suzhou Xinghu")
    qilan_ent = qilan.enterprise
    major = Deviation.objects.get(site=qilan, title=OPEN_MAJOR)
    minor = Deviation.objects.get(title=CLOSED_MINOR)
    if Capa.objects.filter(title=CAPA_OVERDUE).exists():
        loader.result.existing += 1
    else:
        with pinned(at("2026-08-24T16:30")):
            c = capas.capa_create(
                actor=users["suzhou-qa"],
                product=minor.product,
                owner=xinghu,
                source="deviation",
                deviation=minor,
                title=CAPA_OVERDUE,
                problem="打印纸更换后未确认走纸，导致纸质记录中断。",
                actions=[
                    {
                        "description": "修订记录仪操作规程 SOP-QC-031，增加更换打印纸后的试打印步骤。",
                        "kind": "preventive",
                        "owner": users["suzhou-qa"],
                        "due_on": dt.date(2026, 9, 30),
                    },
                    {
                        "description": "对超滤岗位全部操作人员进行培训并考核。",
                        "kind": "corrective",
                        "owner": users["suzhou-qa"],
                        "due_on": dt.date(2026, 11, 30),
                    },
                ],
            )
            capas.capa_approve(actor=users["suzhou-qp"], capa=c, password=password)
        first = c.actions.get(position=1)
        with pinned(at("2026-09-28T11:00")):
            capas.capa_complete_action(
                actor=users["suzhou-qa"],
                action=first,
                done_on=dt.date(2026, 9, 28),
                evidence="SOP-QC-031 第 4 版已生效。",
            )
        loader.result.created += 1  # action 2 (due 2026-11-30) is overdue
    if Capa.objects.filter(title=CAPA_OPEN).exists():
        loader.result.existing += 1
    else:
        with pinned(at("2026-12-01T10:00")):
            capas.capa_create(
                actor=users["shcdmo-qa"],
                product=major.product,
                owner=qilan_ent,
                source="deviation",
                deviation=major,
                title=CAPA_OPEN,
                problem="灌装针头磨损未在灌装前发现，导致堵塞停机。",
                actions=[
                    {
                        "description": "灌装前确认表增加针头目视检查项。",
                        "kind": "preventive",
                        "owner": users["shcdmo-qa"],
                        "due_on": dt.date(2026, 12, 31),
                    }
                ],
            )
        loader.result.created += 1  # awaiting the holder's approval
    fill = Lot.objects.get(lot_number="FP-FILL-2608-01")
    if CertificateOfAnalysis.objects.filter(lot=fill, reference=ADC_ASSAY_COA).exists():
        loader.result.existing += 1
    else:
        with pinned(at("2026-11-30T14:00")):
            production_services.coa_record(
                actor=users["shadc-qa"],
                lot=fill,
                reference=ADC_ASSAY_COA,
                file_name=f"{ADC_ASSAY_COA}.pdf",
                content=b"Certificate of analysis FP-FILL-2608-01",
                issued_on=dt.date(2026, 11, 30),
                results=[
                    {"test": "细菌内毒素", "method": "ChP 1143", "spec_max": "5", "value": "0.8", "unit": "EU/mg"},
                    {
                        "test": "药物抗体偶联比（DAR）",
                        "method": "HIC-HPLC",
                        "spec_min": "3.5",
                        "spec_max": "4.5",
                        "value": "4.0",
                    },
                    {
                        "test": "含量",
                        "method": "UV 280 nm",
                        "spec_min": "95",
                        "spec_max": "105",
                        "value": "92.1",
                        "unit": "%",
                    },
                ],
            )
        loader.result.created += 1  # the assay result opens an OOS investigation
    wang = Person.objects.get(enterprise=xinghu, name="王海涛")
    zhao = Person.objects.get(enterprise=xinghu, name="赵雨婷")
    if Stationing.objects.filter(holder=xinghu).exists():
        loader.result.existing += 1
        return
    qa = users["suzhou-qa"]
    with pinned(at("2025-09-10T09:00")):
        for p in (wang, zhao):
            st.stationing_record(actor=qa, person=p, site=qilan, role="qa", starts_on=dt.date(2025, 9, 15))
            st.training_record(
                actor=qa,
                person=p,
                curriculum="无菌工艺与A级区行为规范",
                hours=16,
                completed_on=dt.date(2025, 9, 1),
                expires_on=dt.date(2026, 11, 20) if p is zhao else None,
                trainer="星湖质量部",
            )
    with pinned(at("2026-11-24T17:00")):
        st.training_record(
            actor=qa,
            person=zhao,
            curriculum="无菌工艺与A级区行为规范（复训）",
            hours=8,
            completed_on=dt.date(2026, 11, 24),
            trainer="星湖质量部",
        )
    loader.result.created += 1  # 2025-09-15 onwards; 2026-11-21, -22, -23: one qualified person on site
