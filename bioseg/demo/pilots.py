"""Pilot applications of the demo, replayed at their historical dates through the workflow's services.

- PD-1 (Suzhou Xinghu → Shanghai Qilan): drafted 2025-06-16, submitted 2025-06-30, recommended by Jiangsu
  and Shanghai, joint regulatory plan signed by both, approved by NMPA on 2025-09-12 with product-specific
  conditions (一品一策).
- ADC (Nanjing Zifeng; linker-payload from Switzerland, conjugation in Shanghai): submitted 2025-12-15, awaiting
  the provincial reviews — it shows on the Jiangsu and Shanghai reviewers' dashboards.

Business dates are pinned with ``bioseg.common.clock.pinned``; the audit trail still records when the rows
were really written. Idempotent: an application that exists for a product is left as it is.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from bioseg.common.clock import pinned
from bioseg.pilots import services
from bioseg.pilots.models import PilotApplication
from bioseg.registry.models import Product

SHANGHAI_TIME = ZoneInfo("Asia/Shanghai")


def at(iso: str) -> dt.datetime:
    return dt.datetime.fromisoformat(iso).replace(tzinfo=SHANGHAI_TIME)


CAPABLE = {"independent_rd": True, "quality_management": True, "risk_control": True, "liability_compensation": True}

# A minimal, valid PDF: what a scanned quality agreement looks like to the evidence checks.
_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)


def load(loader, password: str) -> None:
    users = loader.users
    pd1 = Product.objects.get(name_en="Xinglimab Injection (anti-PD-1)")
    adc = Product.objects.get(category="adc")
    if not PilotApplication.objects.filter(product=pd1).exists():
        _pd1(users, pd1, password)
        loader.result.created += 1
    else:
        loader.result.existing += 1
    if not PilotApplication.objects.filter(product=adc).exists():
        _adc(users, adc, password)
        loader.result.created += 1
    else:
        loader.result.existing += 1


def _pd1(users, product: Product, password: str) -> None:
    ra = users["suzhou-ra"]
    with pinned(at("2025-06-16T10:00")):
        app = services.application_draft(actor=ra, product=product)
        services.application_facts_declare(
            actor=ra,
            application=app,
            reason="据试点申报资料补充持有人能力、受托生产企业和派驻人员信息",
            facts={
                "holder": {"capabilities": CAPABLE, "import_drug_holder": False},
                "contract_manufacturers": [
                    {
                        "name": "Shanghai Qilan Biologics Co., Ltd.",
                        "commercial_biologics_production_since": "2018-03-01",
                        "qa_system_complete": True,
                        "unified_quality_system": True,
                    }
                ],
                "stationed_personnel": [
                    {"name": "王海涛", "qualified": True, "stationed_at": "Shanghai Qilan Biologics Co., Ltd."},
                    {"name": "赵雨婷", "qualified": True, "stationed_at": "Shanghai Qilan Biologics Co., Ltd."},
                ],
            },
        )
        services.evidence_attach(
            actor=ra,
            application=app,
            requirement="pilot2024.cmo.unified_qms",
            kind="quality_agreement",
            file_name="QA-XH-QL-2024-001.pdf",
            content=_PDF,
            description="苏州星湖—上海麒澜质量协议（2024-11-08签订）",
        )
    with pinned(at("2025-06-30T09:30")):
        services.application_assess(actor=ra, application=app)
        services.application_submit(actor=ra, application=app, password=password)
    with pinned(at("2025-07-18T15:00")):
        services.review_record(
            actor=users["js-reviewer"], application=app, action="recommend", comment="持有人条件核实无误。"
        )
    with pinned(at("2025-07-22T11:00")):
        services.review_record(
            actor=users["sh-reviewer"], application=app, action="recommend", comment="受托方现场检查符合要求。"
        )
    app.refresh_from_db()
    with pinned(at("2025-08-05T10:00")):
        services.joint_plan_approve(actor=users["js-reviewer"], plan=app.joint_plan, password=password)
    with pinned(at("2025-08-06T16:00")):
        services.joint_plan_approve(actor=users["sh-reviewer"], plan=app.joint_plan, password=password)
    app.refresh_from_db()
    with pinned(at("2025-09-12T14:00")):
        services.nmpa_decide(
            actor=users["nmpa"],
            application=app,
            decision="approve",
            conditions=(
                "一品一策：原液仅限苏州工业园区原液车间生产；制剂仅限上海张江制剂车间；持有人派驻不少于2名质量人员；"
                "江苏、上海两省市每年联合开展全面检查一次。"
            ),
            reason="两省市均推荐；联合监管方案已商定；按品种设定一品一策条件。",
            password=password,
        )


def _adc(users, product: Product, password: str) -> None:
    ra = users["nanjing-ra"]
    with pinned(at("2025-12-01T10:00")):
        app = services.application_draft(actor=ra, product=product)
        services.application_facts_declare(
            actor=ra,
            application=app,
            reason="据试点申报资料补充持有人能力和受托生产企业信息",
            facts={
                "holder": {"capabilities": CAPABLE, "import_drug_holder": False},
                "contract_manufacturers": [
                    {
                        "name": "Shanghai Fengpu Bioconjugation Technology Co., Ltd.",
                        "commercial_biologics_production_since": "2019-05-20",
                        "qa_system_complete": True,
                        "unified_quality_system": True,
                    },
                    {
                        "name": "Rheinau Bioconjugates AG",
                        "commercial_biologics_production_since": "2012-09-01",
                        "qa_system_complete": True,
                        "unified_quality_system": True,
                    },
                ],
                "stationed_personnel": [
                    {
                        "name": "周文斌",
                        "qualified": True,
                        "stationed_at": "Shanghai Fengpu Bioconjugation Technology Co., Ltd.",
                    },
                    {
                        "name": "吴佳怡",
                        "qualified": True,
                        "stationed_at": "Shanghai Fengpu Bioconjugation Technology Co., Ltd.",
                    },
                    {"name": "Lukas Meier", "qualified": True, "stationed_at": "Rheinau Bioconjugates AG"},
                    {"name": "陈思远", "qualified": True, "stationed_at": "Rheinau Bioconjugates AG"},
                ],
            },
        )
    with pinned(at("2025-12-15T09:00")):
        services.application_assess(actor=ra, application=app)
        services.application_submit(actor=ra, application=app, password=password)
