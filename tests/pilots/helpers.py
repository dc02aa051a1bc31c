"""A small world for the pilot-application workflow, built through the services a user would call.

- Suzhou Innovator (Jiangsu 320000): holder; drug-substance site in Suzhou; the PD-1 antibody; users
  ``sz_ra`` (regulatory affairs) and ``sz_qa``.
- Shanghai CDMO (Shanghai 310000): contract manufacturer; drug-product site in Shanghai; a quality agreement
  covers the antibody; user ``sh_cmo``.
- Guangdong Bio (Guangdong 440000): holder of a GLP-1 product made only in Guangdong; user ``gd_ra``.
- Reviewers of Jiangsu, Shanghai and Guangdong MPAs; an NMPA officer; a Jiangsu inspector (not a reviewer).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from bioseg.accounts.roles import OrganisationKind, Role
from bioseg.accounts.services import organisation_create
from bioseg.audit.context import audit_context
from bioseg.audit.models import AuditEvent, Signature
from bioseg.pilots import models as pm
from bioseg.registry import services
from bioseg.registry.services import quality_agreement_create
from bioseg.registry.validators import credit_code_check_char

# What the registry cannot know, declared by the holder (issue 3's case shape).
PD1_DECLARED = {
    "holder": {
        "import_drug_holder": False,
        "capabilities": {
            "independent_rd": True,
            "quality_management": True,
            "risk_control": True,
            "liability_compensation": True,
        },
    },
    "contract_manufacturers": [
        {
            "name": "Shanghai CDMO",
            "commercial_biologics_production_since": "2018-03-01",
            "qa_system_complete": True,
            "unified_quality_system": True,
        }
    ],
    "stationed_personnel": [
        {"name": "Li Wei", "qualified": True, "stationed_at": "Shanghai CDMO"},
        {"name": "Zhang Min", "qualified": True, "stationed_at": "Shanghai CDMO"},
    ],
    "nmpa_consent": False,
}

GD_DECLARED = {
    "holder": PD1_DECLARED["holder"],
    "segments": [
        {"stage": "drug_substance", "enterprise": "Guangdong Bio", "region": "440000"},
        {"stage": "drug_product", "enterprise": "Guangzhou Fill Co", "region": "440100"},
    ],
    "contract_manufacturers": [
        {
            "name": "Guangzhou Fill Co",
            "commercial_biologics_production_since": "2015-01-01",
            "qa_system_complete": True,
            "unified_quality_system": True,
        }
    ],
    "stationed_personnel": [
        {"name": "Chen Yi", "qualified": True, "stationed_at": "Guangzhou Fill Co"},
        {"name": "Wang Er", "qualified": True, "stationed_at": "Guangzhou Fill Co"},
    ],
    "nmpa_consent": False,
}

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def credit_code(seq: int, region: str) -> str:
    first17 = f"91{region}{seq:09d}"
    return first17 + credit_code_check_char(first17)


@dataclass
class PilotWorld:
    admin: object
    suzhou: object
    shanghai: object
    guangdong: object
    pd1: object
    glp1: object
    sz_ra: object
    sz_qa: object
    sh_cmo: object
    gd_ra: object
    js_reviewer: object
    sh_reviewer: object
    gd_reviewer: object
    js_inspector: object
    nmpa: object


def build_world(make_user, admin) -> PilotWorld:
    def org(kind, name_zh, name_en, region=""):
        with audit_context(actor="test-setup"):
            return organisation_create(kind=kind, name_zh=name_zh, name_en=name_en, region_code=region)

    sz_org = org(OrganisationKind.ENTERPRISE, "苏州创新生物", "Suzhou Innovator", "320000")
    sh_org = org(OrganisationKind.ENTERPRISE, "上海合同生产", "Shanghai CDMO", "310000")
    gd_org = org(OrganisationKind.ENTERPRISE, "广东生物", "Guangdong Bio", "440000")
    js_mpa = org(OrganisationKind.PROVINCIAL_REGULATOR, "江苏省药品监督管理局", "Jiangsu MPA", "320000")
    sh_mpa = org(OrganisationKind.PROVINCIAL_REGULATOR, "上海市药品监督管理局", "Shanghai MPA", "310000")
    gd_mpa = org(OrganisationKind.PROVINCIAL_REGULATOR, "广东省药品监督管理局", "Guangdong MPA", "440000")
    nmpa_org = org(OrganisationKind.NMPA, "国家药品监督管理局", "NMPA")

    def ent(o, name_zh, seq, region, roles):
        return services.enterprise_create(
            actor=admin,
            name_zh=name_zh,
            name_en=o.name_en,
            credit_code=credit_code(seq, region[:2] + "0100"),
            region_code=region,
            roles=roles,
            organisation=o,
        )

    suzhou = ent(sz_org, "苏州创新生物", 1, "320000", ["holder"])
    shanghai = ent(sh_org, "上海合同生产", 2, "310000", ["contract_manufacturer"])
    guangdong = ent(gd_org, "广东生物", 3, "440000", ["holder"])

    def site(e, name_en, name_zh, region, activities):
        return services.site_create(
            actor=admin,
            enterprise=e,
            name_zh=name_zh,
            name_en=name_en,
            address=name_zh + " 1 号",
            region_code=region,
            activities=activities,
        )

    site(suzhou, "Suzhou drug substance plant", "苏州原液车间", "320000", ["drug_substance"])
    site(shanghai, "Zhangjiang drug product plant", "张江制剂工厂", "310000", ["drug_product"])
    site(guangdong, "Guangzhou plant", "广州工厂", "440000", ["drug_substance"])
    pd1 = services.product_create(
        actor=admin,
        holder=suzhou,
        name_zh="抗PD-1单抗注射液",
        name_en="Anti-PD-1 antibody injection",
        category="antibody",
        approval_number="国药准字S20250001",
        innovative=True,
        origin="originally_developed",
    )
    glp1 = services.product_create(
        actor=admin,
        holder=guangdong,
        name_zh="GLP-1 注射液",
        name_en="GLP-1 injection",
        category="glp1",
        innovative=True,
        origin="originally_developed",
    )
    quality_agreement_create(
        actor=admin,
        reference="QA-2025-001",
        holder=suzhou,
        contract_manufacturer=shanghai,
        products=[pd1],
        effective_from=dt.date(2025, 1, 1),
    )
    return PilotWorld(
        admin=admin,
        suzhou=suzhou,
        shanghai=shanghai,
        guangdong=guangdong,
        pd1=pd1,
        glp1=glp1,
        sz_ra=make_user(Role.HOLDER_RA, sz_org, username="sz_ra"),
        sz_qa=make_user(Role.HOLDER_QA, sz_org, username="sz_qa"),
        sh_cmo=make_user(Role.CMO_QA, sh_org, username="sh_cmo"),
        gd_ra=make_user(Role.HOLDER_RA, gd_org, username="gd_ra"),
        js_reviewer=make_user(Role.PROVINCIAL_REVIEWER, js_mpa, username="js_reviewer"),
        sh_reviewer=make_user(Role.PROVINCIAL_REVIEWER, sh_mpa, username="sh_reviewer"),
        gd_reviewer=make_user(Role.PROVINCIAL_REVIEWER, gd_mpa, username="gd_reviewer"),
        js_inspector=make_user(Role.PROVINCIAL_INSPECTOR, js_mpa, username="js_inspector"),
        nmpa=make_user(Role.NMPA_OFFICER, nmpa_org, username="nmpa_officer"),
    )


def counts() -> dict[str, int]:
    """Rows of every table a workflow step writes — compared before and after a refused step."""
    return {
        "applications": pm.PilotApplication.objects.count(),
        "parties": pm.ApplicationParty.objects.count(),
        "determinations": pm.StoredDetermination.objects.count(),
        "evidence": pm.Evidence.objects.count(),
        "reviews": pm.ProvincialReview.objects.count(),
        "plans": pm.JointRegulatoryPlan.objects.count(),
        "approvals": pm.JointPlanApproval.objects.count(),
        "decisions": pm.NmpaDecision.objects.count(),
        "rule_determinations": pm.RuleDetermination.objects.count(),
        "events": pm.ApplicationEvent.objects.count(),
        "signatures": Signature.objects.count(),
        "audit_events": AuditEvent.objects.count(),
    }


def snapshot(application) -> dict:
    """The application's own columns, for 'nothing changed' assertions."""
    fresh = pm.PilotApplication.objects.get(pk=application.pk)
    return {f.name: getattr(fresh, f.attname) for f in fresh._meta.concrete_fields}
