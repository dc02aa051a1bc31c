"""``case_from_product``: what the registry knows about a product, as a case the rules read."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest

from bioseg.accounts.roles import OrganisationKind, Role
from bioseg.accounts.services import organisation_create
from bioseg.audit.context import audit_context
from bioseg.pilots.facts import case_from_product
from bioseg.registry import services
from bioseg.registry.services import quality_agreement_create
from bioseg.registry.validators import credit_code_check_char
from bioseg.regulation import assess, parse_case

pytestmark = pytest.mark.django_db


@dataclass
class World:
    admin: object
    holder: object
    cmo: object
    other_cmo: object
    foreign: object
    holder_site: object
    cmo_site: object
    pd1: object
    holder_qa: object


@pytest.fixture
def world(make_user, admin) -> World:
    with audit_context(actor="test-setup"):
        holder_org = organisation_create(
            kind=OrganisationKind.ENTERPRISE, name_zh="苏州创新", name_en="Suzhou Innovator", region_code="320000"
        )

    def ent(name_zh, name_en, region, roles, seq=None, **extra):
        code = None
        if seq is not None:
            first17 = f"91{region[:2]}0100{seq:09d}"
            code = first17 + credit_code_check_char(first17)
        return services.enterprise_create(
            actor=admin, name_zh=name_zh, name_en=name_en, credit_code=code, region_code=region, roles=roles, **extra
        )

    holder = ent("苏州创新", "Suzhou Innovator", "320000", ["holder"], 1, organisation=holder_org)
    cmo = ent("上海合同生产", "Shanghai CDMO", "310000", ["contract_manufacturer"], 2)
    other_cmo = ent("成都合同生产", "Chengdu CDMO", "510000", ["contract_manufacturer"], 3)
    foreign = ent("巴塞尔生物", "Basel Bio AG", "", ["contract_manufacturer"], domestic=False, country_code="CH")

    def site(e, name, region, activities, **extra):
        return services.site_create(
            actor=admin,
            enterprise=e,
            name_zh=name + "厂区",
            name_en=name,
            address=name + " road 1",
            region_code=region,
            activities=activities,
            **extra,
        )

    holder_site = site(holder, "Suzhou DS plant", "320000", ["drug_substance", "testing"])
    cmo_site = site(cmo, "Shanghai DP plant", "310000", ["drug_product", "fill_finish", "storage"])
    site(other_cmo, "Chengdu plant", "510000", ["drug_product"])
    pd1 = services.product_create(
        actor=admin,
        holder=holder,
        name_zh="抗PD-1单抗注射液",
        name_en="Anti-PD-1 mAb injection",
        category="antibody",
        innovative=True,
        origin="originally_developed",
    )
    return World(
        admin=admin,
        holder=holder,
        cmo=cmo,
        other_cmo=other_cmo,
        foreign=foreign,
        holder_site=holder_site,
        cmo_site=cmo_site,
        pd1=pd1,
        holder_qa=make_user(Role.HOLDER_QA, holder_org, username="suzhou_qa"),
    )


def agree(world, cmo, reference, start, until=None, products=None):
    return quality_agreement_create(
        actor=world.admin,
        reference=reference,
        holder=world.holder,
        contract_manufacturer=cmo,
        products=products or [world.pd1],
        effective_from=start,
        effective_until=until,
    )


def test_a_product_without_agreements_or_chain_leaves_segments_unknown(world):
    case = case_from_product(product=world.pd1)
    assert case == {
        "name": "Anti-PD-1 mAb injection (抗PD-1单抗注射液)",
        "holder": {"name": "Suzhou Innovator", "domestic": True, "region": "320000"},
        "product": {
            "name": "Anti-PD-1 mAb injection",
            "category": "antibody",
            "innovative": True,
            "urgent_clinical_need": False,
            "nmpa_specified": False,
            "origin": "originally_developed",
        },
    }
    det = assess(case, as_of=dt.date(2025, 6, 30))
    outcomes = {f.rule: str(f.outcome) for f in det.findings}
    assert outcomes["pilot2024.scope.segmented"] == "undetermined"
    assert "segments" in det.missing_facts
    assert str(det.outcome) == "incomplete"


def test_segments_and_contract_manufacturers_from_the_agreements_in_force(world):
    agree(world, world.cmo, "QA-1", dt.date(2025, 1, 1))
    agree(world, world.other_cmo, "QA-2", dt.date(2023, 1, 1), until=dt.date(2024, 12, 31))
    case = case_from_product(product=world.pd1, as_of=dt.date(2025, 6, 30))
    assert case["as_of"] == "2025-06-30"
    assert case["contract_manufacturers"] == [{"name": "Shanghai CDMO"}]
    assert case["segments"] == [
        {"stage": "drug_substance", "enterprise": "Suzhou Innovator", "region": "320000"},
        {"stage": "drug_product", "enterprise": "Shanghai CDMO", "region": "310000"},
        {"stage": "fill_finish", "enterprise": "Shanghai CDMO", "region": "310000"},
    ]
    parse_case(case)  # exactly the case format
    det = assess(case)
    outcomes = {f.rule: str(f.outcome) for f in det.findings}
    assert outcomes["pilot2024.scope.segmented"] == "pass"
    assert outcomes["pilot2024.scope.category"] == "pass"
    assert outcomes["pilot2024.region.pilot_region"] == "pass"
    # unknown to the registry, so asked for — never read as false
    assert outcomes["pilot2024.holder.capabilities"] == "undetermined"
    assert outcomes["pilot2024.cmo.experience"] == "undetermined"
    assert "contract_manufacturers[0].commercial_biologics_production_since" in det.missing_facts
    assert "stationed_personnel" in det.missing_facts
    assert "holder.import_drug_holder" not in case["holder"]
    assert str(det.outcome) == "incomplete"

    earlier = case_from_product(product=world.pd1, as_of=dt.date(2024, 6, 30))
    assert earlier["contract_manufacturers"] == [{"name": "Chengdu CDMO"}]
    assert [s["enterprise"] for s in earlier["segments"]] == ["Suzhou Innovator", "Chengdu CDMO"]


def test_a_foreign_contract_manufacturer_is_abroad(world):
    services.site_create(
        actor=world.admin,
        enterprise=world.foreign,
        name_zh="巴塞尔工厂",
        name_en="Basel plant",
        address="Basel 1",
        country_code="CH",
        region_code="",
        activities=["drug_product"],
    )
    agree(world, world.foreign, "QA-CH", dt.date(2025, 1, 1))
    case = case_from_product(product=world.pd1, as_of=dt.date(2025, 6, 30))
    assert case["segments"][-1] == {"stage": "drug_product", "enterprise": "Basel Bio AG", "region": "CH"}
    det = assess(case)
    finding = det.finding("pilot2024.cross_border.participation")
    assert str(finding.outcome) == "undetermined"
    assert [a.code for a in finding.needs_determination_by] == ["NMPA"]


def test_the_process_chain_in_force_wins_over_the_sites(world):
    from bioseg.production import services as production

    agree(world, world.cmo, "QA-1", dt.date(2025, 1, 1))
    production.chain_create(
        actor=world.holder_qa,
        product=world.pd1,
        effective_from=dt.date(2025, 1, 1),
        segments=[
            {
                "code": "DS",
                "stage": "drug_substance",
                "name_zh": "原液",
                "name_en": "Drug substance",
                "site": world.holder_site,
                "feeds": ["DP"],
            },
            {
                "code": "DP",
                "stage": "formulation",
                "name_zh": "制剂",
                "name_en": "Formulation",
                "site": world.cmo_site,
                "feeds": [],
            },
        ],
    )
    case = case_from_product(product=world.pd1, as_of=dt.date(2025, 6, 30))
    assert case["segments"] == [
        {"stage": "drug_substance", "enterprise": "Suzhou Innovator", "region": "320000"},
        {"stage": "drug_product", "enterprise": "Shanghai CDMO", "region": "310000"},
    ]
    assert case["contract_manufacturers"] == [{"name": "Shanghai CDMO"}]
    before = case_from_product(product=world.pd1, as_of=dt.date(2024, 12, 31))
    assert "segments" not in before  # no chain and no agreement in force then


def test_a_product_whose_origin_is_not_recorded(world):
    glp1 = services.product_create(
        actor=world.admin, holder=world.holder, name_zh="GLP-1", name_en="GLP-1 pen", category="glp1"
    )
    case = case_from_product(product=glp1)
    assert "origin" not in case["product"]
    det = assess(case, as_of=dt.date(2025, 6, 30))
    assert "product.origin" in det.missing_facts
