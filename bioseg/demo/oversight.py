"""Supervision in the demo: Jiangsu's and Shanghai's inspectors and a year of their work, replayed at business
dates through the oversight services.

- Inspectors: ``js-inspector`` (may lead, enforcement official, 南京市), ``js-inspector-2`` (official, 苏州市),
  ``js-inspector-3`` (may lead, aseptic, official, 无锡市); ``sh-inspector`` (may lead, official, 徐汇区), ``sh-inspector-2``
  (official, 闵行区), ``sh-inspector-3`` (aseptic, vaccine, official, 浦东新区) — in a municipality the district is
  the unit of the unannounced inspectors' recusal.
- A **joint annual comprehensive inspection** of the PD-1 chain (Jiangsu leads, Shanghai partners), 2026-10-12 to
  10-14, at Xinghu's drug-substance plant and Qilan's drug-product plant: a major finding at Qilan and a minor one at
  Xinghu; the leader's signed report (basically compliant, 2026-10-20) raised two CAPAs, now under rectification.
- Shanghai's **GMP compliance inspection** of Qilan's plant, 2026-06-16 to 06-17: compliant, no findings, closed.
- Jiangsu's **sampling inspection** of the PD-1 drug substance, 2026-11-10: ``XH-DS-2608-02`` qualified,
  ``XH-DS-2608-01`` unqualified (2026-11-24) — the signal opened an OOS investigation at Xinghu and made a
  for-cause inspection due.
- Jiangsu's **unannounced inspection** of Xinghu's drug-substance plant planned for 2026-12-16 to 12-17: secret
  until then (only its team, ``js-inspector`` and ``js-inspector-3``, sees it).
- **Joint supervision plans**: the PD-1 chain's (Jiangsu leads, Shanghai partners, results shared within 5 working
  days, Shanghai shares 2 free inspectors a day) in force since 2026-03-09; the ADC chain's signed by Jiangsu,
  awaiting Shanghai.
- The **2027 plans**: Jiangsu's and Shanghai's programmes derived on 2026-12-02 (every site re-rated) and solved;
  Jiangsu's approved by ``js-inspector-3`` on 2026-12-03 (its commitment recorded), Shanghai's awaiting approval.

Idempotent: an inspection with the same purpose is left as it is.
"""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext_noop

from bioseg.accounts.models import Organisation
from bioseg.accounts.roles import OrganisationKind, Role
from bioseg.audit.context import audit_context
from bioseg.common.clock import pinned
from bioseg.demo.data import UserSpec
from bioseg.demo.quality import at
from bioseg.oversight import joint, plans
from bioseg.oversight import services as svc
from bioseg.oversight.models import Inspection, InspectorProfile
from bioseg.oversight.tasks import solve_inspection_plan
from bioseg.production.models import Lot
from bioseg.registry.models import Product, Site

INSPECTORS = (
    ("320000", "js-inspector-2", "吴静怡 Wu Jingyi", "苏州市", "biologics,official"),
    ("320000", "js-inspector-3", "孙立群 Sun Liqun", "无锡市", "biologics,aseptic,lead,official"),
    ("310000", "sh-inspector-2", "顾晓峰 Gu Xiaofeng", "闵行区", "biologics,official"),
    ("310000", "sh-inspector-3", "沈佳琪 Shen Jiaqi", "浦东新区", "aseptic,vaccine,official"),
)
PROFILES = {
    "js-inspector": ("南京市", "biologics,lead,official,data_integrity"),
    "sh-inspector": ("徐汇区", "biologics,aseptic,lead,official"),
}

JOINT = "PD-1 单抗 2026 年度全面检查（苏沪联合）"
GMP = "启澜张江制剂车间 2026 年药品GMP符合性检查"
SAMPLING = "PD-1 单抗原液 2026 年监督抽检"
UNANNOUNCED = "星湖苏州原液基地飞行检查"


def load(loader, password: str) -> None:
    users = loader.users
    profiles = dict(PROFILES)
    for region, username, name, city, quals in INSPECTORS:
        org = Organisation.objects.get(kind=OrganisationKind.PROVINCIAL_REGULATOR, region_code=region)
        loader.user(UserSpec(username, Role.PROVINCIAL_INSPECTOR, name), org)
        profiles[username] = (city, quals)
    with audit_context(actor=users["admin"], reason=gettext_noop("inspector profile recorded")):
        for username, (city, quals) in profiles.items():
            user = users[username]
            if not InspectorProfile.objects.filter(user=user).exists():
                InspectorProfile.objects.create(
                    user=user, region_code=user.organisation.region_code, city=city, qualifications=quals
                )
    if Inspection.objects.filter(purpose=JOINT).exists():
        loader.result.existing += 1
        return
    pd1 = Product.objects.get(name_en="Xinglimab Injection (anti-PD-1)")
    suzhou = Site.objects.get(name_en="Xinghu Suzhou Drug Substance Plant")
    qilan = Site.objects.get(name_en="Qilan Zhangjiang Drug Product Plant")
    u = {k: users[k] for k in profiles}
    _joint_plans(u, pd1, password)
    _gmp(u, pd1, qilan, password)
    _joint(u, pd1, suzhou, qilan, password)
    _sampling(u, pd1, suzhou)
    with pinned(at("2026-12-01T09:00")):
        svc.inspection_create(
            actor=u["js-inspector"],
            kind="unannounced",
            product=pd1,
            sites=[suzhou],
            team=[u["js-inspector"], u["js-inspector-3"]],
            leader=u["js-inspector-3"],
            planned_from=dt.date(2026, 12, 16),
            planned_to=dt.date(2026, 12, 17),
            purpose=UNANNOUNCED,
            approved_by=u["js-inspector"],
        )
    _plans(u, password)


def _plans(u, password) -> None:
    """Each province's 2027 plan, derived and solved; Jiangsu's approved, Shanghai's awaiting approval."""
    for who, approver in (("js-inspector", "js-inspector-3"), ("sh-inspector", None)):
        with pinned(at("2026-12-02T10:00")):
            plan = plans.plan_create(actor=u[who], year=2027, time_limit=10, enqueue=False)
            solve_inspection_plan.call(plan.pk)
        if approver:
            plan.refresh_from_db()
            with pinned(at("2026-12-03T15:00")):
                plans.plan_approve(actor=u[approver], plan=plan, password=password, reason="经处务会审议同意")


def _joint_plans(u, pd1, password) -> None:
    """The PD-1 chain's joint supervision plan, in force since March 2026; the ADC chain's, awaiting Shanghai."""
    with pinned(at("2026-03-02T10:00")):
        p = joint.joint_plan_draft(
            actor=u["js-inspector"],
            product=pd1,
            partner_region_code="310000",
            lead_obligations="江苏省药品监督管理局：监管持有人星湖生物；牵头年度全面检查和联合检查；组织原液抽检。",
            partner_obligations="上海市药品监督管理局：监管受托生产企业启澜生物；派员参加联合检查；组织制剂抽检。",
            liaison_letter="苏药监药生函〔2026〕18号：关于星利单抗注射液分段生产联合监管的联络函",
            exchange_working_days=5,
            escalation="双方对检查结论或处置意见不一致的，报国家药品监督管理局协调。",
        )
    with pinned(at("2026-03-05T15:00")):
        joint.joint_plan_sign(actor=u["js-inspector"], plan=p, password=password)
    with pinned(at("2026-03-09T11:00")):
        joint.joint_plan_sign(actor=u["sh-inspector"], plan=p, password=password, free_inspectors=2)
    adc = Product.objects.filter(name_en="Zituzumab Vedotin for Injection (anti-HER2 ADC)").first()
    if adc is not None and "310000" in joint.partner_provinces(adc):
        with pinned(at("2026-11-20T10:00")):
            p = joint.joint_plan_draft(
                actor=u["js-inspector"],
                product=adc,
                partner_region_code="310000",
                lead_obligations="江苏省药品监督管理局：监管持有人；牵头年度全面检查。",
                partner_obligations="上海市药品监督管理局：监管偶联生产场地；派员参加联合检查。",
                liaison_letter="苏药监药生函〔2026〕61号",
                exchange_working_days=5,
                escalation="双方意见不一致的，报国家药品监督管理局协调。",
            )
            joint.joint_plan_sign(actor=u["js-inspector"], plan=p, password=password)


def _gmp(u, pd1, qilan, password) -> None:
    team = [u["sh-inspector"], u["sh-inspector-3"]]
    with pinned(at("2026-06-01T10:00")):
        i = svc.inspection_create(
            actor=u["sh-inspector"],
            kind="gmp_compliance",
            product=pd1,
            sites=[qilan],
            team=team,
            leader=u["sh-inspector"],
            planned_from=dt.date(2026, 6, 16),
            planned_to=dt.date(2026, 6, 17),
            purpose=GMP,
        )
        svc.inspection_notify(actor=u["sh-inspector"], inspection=i)
    with pinned(at("2026-06-16T09:00")):
        svc.inspection_start(actor=u["sh-inspector"], inspection=i, started_on=dt.date(2026, 6, 16))
    with pinned(at("2026-06-17T17:00")):
        svc.inspection_finish_site(actor=u["sh-inspector"], inspection=i, ended_on=dt.date(2026, 6, 17))
    with pinned(at("2026-06-22T10:00")):
        svc.inspection_sign_report(
            actor=u["sh-inspector"],
            inspection=i,
            conclusion="compliant",
            summary="无菌灌装线、环境监测、培养基模拟灌装与数据可靠性抽查均符合要求，未发现缺陷。",
            password=password,
        )


def _joint(u, pd1, suzhou, qilan, password) -> None:
    lead = u["js-inspector"]
    with pinned(at("2026-09-21T10:00")):
        i = svc.inspection_create(
            actor=lead,
            kind="annual_comprehensive",
            product=pd1,
            sites=[suzhou, qilan],
            team=[lead, u["js-inspector-2"], u["sh-inspector"], u["sh-inspector-2"]],
            leader=lead,
            planned_from=dt.date(2026, 10, 12),
            planned_to=dt.date(2026, 10, 14),
            partner_region_code="310000",
            purpose=JOINT,
        )
    with pinned(at("2026-09-28T10:00")):
        svc.inspection_notify(actor=lead, inspection=i)
    with pinned(at("2026-10-12T09:00")):
        svc.inspection_start(actor=lead, inspection=i, started_on=dt.date(2026, 10, 12))
    with pinned(at("2026-10-13T15:00")):
        svc.finding_record(
            actor=u["sh-inspector"],
            inspection=i,
            site=qilan,
            grade="major",
            gmp_clause="药品GMP附录1 无菌药品 第四十七条",
            description="灌装线A级区沉降菌监测未覆盖整个灌装时段：QL-DP-2609-01 灌装后段约 90 分钟无沉降碟暴露记录。",
            rectification_due=dt.date(2026, 12, 20),
        )
    with pinned(at("2026-10-14T11:00")):
        svc.finding_record(
            actor=u["js-inspector-2"],
            inspection=i,
            site=suzhou,
            grade="minor",
            gmp_clause="药品GMP 第一百八十四条",
            description="原液批生产记录 XH-DS-2608-01 有两处更正未注明更正理由。",
            rectification_due=dt.date(2027, 1, 20),
        )
    with pinned(at("2026-10-14T17:00")):
        svc.inspection_finish_site(actor=lead, inspection=i, ended_on=dt.date(2026, 10, 14))
    with pinned(at("2026-10-20T10:00")):
        svc.inspection_sign_report(
            actor=lead,
            inspection=i,
            conclusion="basically_compliant",
            summary="苏沪两地检查组对 PD-1 单抗原液与制剂两个生产阶段开展年度全面检查，发现主要缺陷1项、一般缺陷1项，结论为基本符合要求；请两家企业于期限内完成整改。",
            password=password,
        )


def _sampling(u, pd1, suzhou) -> None:
    lead = u["js-inspector"]
    with pinned(at("2026-11-02T10:00")):
        i = svc.inspection_create(
            actor=lead,
            kind="sampling",
            product=pd1,
            sites=[suzhou],
            team=[lead, u["js-inspector-2"]],
            leader=lead,
            planned_from=dt.date(2026, 11, 10),
            planned_to=dt.date(2026, 11, 10),
            purpose=SAMPLING,
        )
        svc.inspection_notify(actor=lead, inspection=i)
    lab = "江苏省食品药品监督检验研究院"
    with pinned(at("2026-11-10T10:00")):
        svc.inspection_start(actor=lead, inspection=i, started_on=dt.date(2026, 11, 10))
        good = svc.sample_record(
            actor=u["js-inspector-2"],
            inspection=i,
            lot=Lot.objects.get(lot_number="XH-DS-2608-02"),
            quantity="0.5",
            unit="L",
            laboratory=lab,
            taken_on=dt.date(2026, 11, 10),
        )
        bad = svc.sample_record(
            actor=u["js-inspector-2"],
            inspection=i,
            lot=Lot.objects.get(lot_number="XH-DS-2608-01"),
            quantity="0.5",
            unit="L",
            laboratory=lab,
            taken_on=dt.date(2026, 11, 10),
        )
    with pinned(at("2026-11-10T16:00")):
        svc.inspection_finish_site(actor=lead, inspection=i, ended_on=dt.date(2026, 11, 10))
    with pinned(at("2026-11-20T10:00")):
        svc.sample_result_record(
            actor=lead, sample=good, result="qualified", result_on=dt.date(2026, 11, 20), detail="全项检验符合规定。"
        )
    with pinned(at("2026-11-24T10:00")):
        svc.sample_result_record(
            actor=lead,
            sample=bad,
            result="unqualified",
            result_on=dt.date(2026, 11, 24),
            detail="生物学活性 68%（标准 80%–125%）",
        )
