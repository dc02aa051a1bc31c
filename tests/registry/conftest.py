"""A small world for registry tests: a Jiangsu holder, a Shanghai contract manufacturer bound to it by a
quality agreement, and a Guangdong enterprise nobody else shares."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest

from bioseg.accounts.roles import OrganisationKind, Role
from bioseg.accounts.services import organisation_create
from bioseg.audit.context import audit_context
from bioseg.registry import services
from bioseg.registry.services import quality_agreement_create
from bioseg.registry.validators import credit_code_check_char


def credit_code(body17: str) -> str:
    return body17 + credit_code_check_char(body17)


@pytest.fixture
def world(admin, make_user):
    def enterprise(name, region, code17, roles):
        with audit_context(actor="setup"):
            org = organisation_create(
                kind=OrganisationKind.ENTERPRISE, name_zh=name + "（机构）", name_en=name, region_code=region
            )
        ent = services.enterprise_create(
            actor=admin,
            name_zh=name + "公司",
            name_en=name,
            credit_code=credit_code(code17),
            region_code=region,
            roles=roles,
            organisation=org,
        )
        return org, ent

    js_org, holder = enterprise("Suzhou Holder", "320000", "91320594MA1XY0001", ["holder"])
    sh_org, cmo = enterprise("Shanghai CDMO", "310000", "91310115MA1XY0002", ["contract_manufacturer"])
    gd_org, gd = enterprise("Guangzhou Bio", "440000", "91440101MA1XY0003", ["holder", "contract_manufacturer"])
    holder_qa = make_user(Role.HOLDER_QA, js_org, username="holder-qa")
    cmo_qa = make_user(Role.CMO_QA, sh_org, username="cmo-qa")
    gd_qa = make_user(Role.HOLDER_QA, gd_org, username="gd-qa")
    site_kw = {"address": "1 Road", "activities": ["drug_substance"]}
    js_site = services.site_create(
        actor=holder_qa,
        enterprise=holder,
        name_zh="苏州基地",
        name_en="Suzhou site",
        region_code="320000",
        **site_kw,
    )
    sh_site = services.site_create(
        actor=cmo_qa,
        enterprise=cmo,
        name_zh="上海基地",
        name_en="Shanghai site",
        region_code="310000",
        **site_kw,
    )
    gd_site = services.site_create(
        actor=gd_qa,
        enterprise=gd,
        name_zh="广州基地",
        name_en="Guangzhou site",
        region_code="440000",
        **site_kw,
    )
    pd1 = services.product_create(
        actor=holder_qa,
        holder=holder,
        name_zh="PD-1单抗",
        name_en="PD-1 mAb",
        category="antibody",
        approval_number="国药准字S20250001",
        innovative=True,
        origin="originally_developed",
        storage_min_c=2,
        storage_max_c=8,
    )
    other = services.product_create(
        actor=holder_qa, holder=holder, name_zh="另一产品", name_en="Other mAb", category="antibody"
    )
    gd_product = services.product_create(
        actor=gd_qa, holder=gd, name_zh="广州产品", name_en="GZ insulin", category="insulin"
    )
    quality_agreement_create(
        actor=holder_qa,
        reference="QA-2025-001",
        holder=holder,
        contract_manufacturer=cmo,
        products=[pd1],
        effective_from=dt.date(2025, 1, 1),
    )
    with audit_context(actor="setup"):
        js_reg = organisation_create(
            kind=OrganisationKind.PROVINCIAL_REGULATOR,
            name_zh="江苏省药品监督管理局",
            name_en="Jiangsu MPA",
            region_code="320000",
        )
        sh_reg = organisation_create(
            kind=OrganisationKind.PROVINCIAL_REGULATOR,
            name_zh="上海市药品监督管理局",
            name_en="Shanghai MPA",
            region_code="310000",
        )
    return SimpleNamespace(
        admin=admin,
        holder=holder,
        cmo=cmo,
        gd=gd,
        holder_qa=holder_qa,
        cmo_qa=cmo_qa,
        gd_qa=gd_qa,
        js_site=js_site,
        sh_site=sh_site,
        gd_site=gd_site,
        pd1=pd1,
        other=other,
        gd_product=gd_product,
        js_inspector=make_user(Role.PROVINCIAL_INSPECTOR, js_reg, username="js-inspector"),
        sh_inspector=make_user(Role.PROVINCIAL_INSPECTOR, sh_reg, username="sh-inspector"),
        nmpa=make_user(Role.NMPA_OFFICER, username="nmpa"),
    )
