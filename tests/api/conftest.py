"""A small registry built through the services: a Suzhou (Jiangsu) holder whose PD-1 antibody's drug
product is made by a Shanghai CDMO under a quality agreement, and a Guangdong enterprise with a site only
in Guangdong; users for the roles the API tests need."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
from django.test import Client

from bioseg.accounts.models import Organisation, User
from bioseg.accounts.roles import OrganisationKind, Role
from bioseg.accounts.services import organisation_create
from bioseg.audit.context import audit_context
from bioseg.registry import services
from bioseg.registry.models import Enterprise, Product, QualityAgreement, Site
from bioseg.registry.services import quality_agreement_create

SUZHOU_CODE = "91320594MA1ABCDEFL"
SHANGHAI_CODE = "91310115MA1HJKLMNX"
GUANGDONG_CODE = "91440300MA5PQRTUWG"


@dataclass
class World:
    admin: User
    suzhou_org: Organisation
    suzhou: Enterprise
    shanghai: Enterprise
    guangdong: Enterprise
    suzhou_site: Site
    shanghai_site: Site
    guangdong_site: Site
    pd1: Product
    gd_product: Product
    agreement: QualityAgreement
    holder_qa: User
    cmo_qa: User
    gd_ra: User
    js_inspector: User
    nmpa: User


def _org(kind: str, name: str, region: str = "") -> Organisation:
    return organisation_create(kind=kind, name_zh=name + "（中文）", name_en=name, region_code=region)


@pytest.fixture
def world(make_user, admin) -> World:
    with audit_context(actor="test-setup"):
        suzhou_org = _org(OrganisationKind.ENTERPRISE, "Suzhou Innovator", "320000")
        shanghai_org = _org(OrganisationKind.ENTERPRISE, "Shanghai CDMO", "310000")
        gd_org = _org(OrganisationKind.ENTERPRISE, "Shenzhen Biotech", "440000")
        js_reg = _org(OrganisationKind.PROVINCIAL_REGULATOR, "Jiangsu MPA", "320000")
        nmpa_org = _org(OrganisationKind.NMPA, "NMPA")

    def ent(org, name_zh, code, region, roles):
        return services.enterprise_create(
            actor=admin,
            name_zh=name_zh,
            name_en=org.name_en,
            credit_code=code,
            region_code=region,
            roles=roles,
            organisation=org,
        )

    suzhou = ent(suzhou_org, "苏州创新生物", SUZHOU_CODE, "320000", ["holder"])
    shanghai = ent(shanghai_org, "上海合同生产", SHANGHAI_CODE, "310000", ["contract_manufacturer"])
    guangdong = ent(gd_org, "深圳生物", GUANGDONG_CODE, "440000", ["holder", "contract_manufacturer"])

    def site(e, name, region, activities):
        return services.site_create(
            actor=admin,
            enterprise=e,
            name_zh=name + "厂区",
            name_en=name,
            address=name + " road 1",
            region_code=region,
            activities=activities,
        )

    suzhou_site = site(suzhou, "Suzhou DS plant", "320000", ["drug_substance", "testing"])
    shanghai_site = site(shanghai, "Shanghai DP plant", "310000", ["drug_product", "fill_finish"])
    guangdong_site = site(guangdong, "Shenzhen plant", "440000", ["drug_substance", "drug_product"])

    pd1 = services.product_create(
        actor=admin,
        holder=suzhou,
        name_zh="抗PD-1单抗注射液",
        name_en="Anti-PD-1 mAb injection",
        category="antibody",
        approval_number="国药准字S20240001",
        innovative=True,
        origin="originally_developed",
        storage_min_c=2,
        storage_max_c=8,
    )
    gd_product = services.product_create(
        actor=admin, holder=guangdong, name_zh="深圳胰岛素", name_en="Shenzhen insulin", category="insulin"
    )
    agreement = quality_agreement_create(
        actor=admin,
        reference="QA-2025-001",
        holder=suzhou,
        contract_manufacturer=shanghai,
        products=[pd1],
        effective_from=dt.date(2025, 1, 1),
    )
    return World(
        admin=admin,
        suzhou_org=suzhou_org,
        suzhou=suzhou,
        shanghai=shanghai,
        guangdong=guangdong,
        suzhou_site=suzhou_site,
        shanghai_site=shanghai_site,
        guangdong_site=guangdong_site,
        pd1=pd1,
        gd_product=gd_product,
        agreement=agreement,
        holder_qa=make_user(Role.HOLDER_QA, suzhou_org, username="suzhou_qa"),
        cmo_qa=make_user(Role.CMO_QA, shanghai_org, username="shanghai_qa"),
        gd_ra=make_user(Role.HOLDER_RA, gd_org, username="shenzhen_ra"),
        js_inspector=make_user(Role.PROVINCIAL_INSPECTOR, js_reg, username="js_inspector"),
        nmpa=make_user(Role.NMPA_OFFICER, nmpa_org, username="nmpa_officer"),
    )


@pytest.fixture
def client_for():
    """A test client logged in (session) as the given user."""

    def _client(user: User) -> Client:
        c = Client()
        c.force_login(user)
        return c

    return _client
