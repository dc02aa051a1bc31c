"""A small segmented-production world, built through the same services a user calls.

- Suzhou Holder (Jiangsu 320000): holder; site "Suzhou site" makes the working cell bank (WCB) and the
  drug substance (DS) of the PD-1 antibody (2–8 °C); users holder_qa (holder QA) and qp (qualified person).
- Shanghai CDMO (Shanghai 310000): contract manufacturer; site "Shanghai site" makes the drug product (DP);
  user cmo_qa; a quality agreement with the holder covers the PD-1.
- Guangzhou Bio (Guangdong 440000): an unrelated holder; user gd_qa.
- Regulators: Jiangsu, Shanghai, Guangdong inspectors; an NMPA officer.

PD-1 chain v1 (from 2025-01-01): WCB → DS (Suzhou) → DP (Shanghai): one provincial border crossing.

``genealogy`` adds lots: W1 (WCB) → D1, D2 (DS) shipped to Shanghai (SH-1, received) → P1 (DP, from D1
and D2) and P2 (DP, from D2).
"""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest

from bioseg.accounts.roles import OrganisationKind, Role
from bioseg.accounts.services import organisation_create
from bioseg.audit.context import audit_context
from bioseg.production import services as ps
from bioseg.registry import services as rs
from bioseg.registry.services import quality_agreement_create
from tests.conftest import PASSWORD
from tests.production.helpers import EXPIRES, MADE, at, credit_code, make_output


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """Argon2 is tested by the accounts and audit suites; here a dozen users per test would cost seconds,
    and e-signature behaviour does not depend on the hasher."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def world(admin, make_user):
    def enterprise(name, region, code17, roles, *, domestic=True, country="CN"):
        with audit_context(actor="setup"):
            org = organisation_create(
                kind=OrganisationKind.ENTERPRISE,
                name_zh=name + "（机构）",
                name_en=name,
                region_code=region,
                country_code=country,
            )
        ent = rs.enterprise_create(
            actor=admin,
            name_zh=name + "公司",
            name_en=name,
            credit_code=credit_code(code17) if domestic else None,
            domestic=domestic,
            country_code=country,
            region_code=region,
            roles=roles,
            organisation=org,
        )
        return org, ent

    js_org, holder = enterprise("Suzhou Holder", "320000", "91320594MA1XY0001", ["holder"])
    sh_org, cmo = enterprise("Shanghai CDMO", "310000", "91310115MA1XY0002", ["contract_manufacturer"])
    gd_org, gd = enterprise("Guangzhou Bio", "440000", "91440101MA1XY0003", ["holder", "contract_manufacturer"])
    holder_qa = make_user(Role.HOLDER_QA, js_org, username="holder-qa")
    qp = make_user(Role.QUALIFIED_PERSON, js_org, username="holder-qp")
    cmo_qa = make_user(Role.CMO_QA, sh_org, username="cmo-qa")
    gd_qa = make_user(Role.HOLDER_QA, gd_org, username="gd-qa")
    js_site = rs.site_create(
        actor=holder_qa,
        enterprise=holder,
        name_zh="苏州基地",
        name_en="Suzhou site",
        address="1 Road",
        region_code="320000",
        activities=["drug_substance"],
    )
    sh_site = rs.site_create(
        actor=cmo_qa,
        enterprise=cmo,
        name_zh="上海基地",
        name_en="Shanghai site",
        address="2 Road",
        region_code="310000",
        activities=["drug_product", "fill_finish"],
    )
    gd_site = rs.site_create(
        actor=gd_qa,
        enterprise=gd,
        name_zh="广州基地",
        name_en="Guangzhou site",
        address="3 Road",
        region_code="440000",
        activities=["drug_substance", "drug_product"],
    )
    pd1 = rs.product_create(
        actor=holder_qa,
        holder=holder,
        name_zh="PD-1单抗",
        name_en="PD-1 mAb",
        category="antibody",
        storage_min_c=2,
        storage_max_c=8,
    )
    quality_agreement_create(
        actor=holder_qa,
        reference="QA-2025-001",
        holder=holder,
        contract_manufacturer=cmo,
        products=[pd1],
        effective_from=dt.date(2025, 1, 1),
    )
    regulators = {}
    with audit_context(actor="setup"):
        for code, zh, en in [
            ("320000", "江苏省药品监督管理局", "Jiangsu MPA"),
            ("310000", "上海市药品监督管理局", "Shanghai MPA"),
            ("440000", "广东省药品监督管理局", "Guangdong MPA"),
        ]:
            regulators[code] = organisation_create(
                kind=OrganisationKind.PROVINCIAL_REGULATOR, name_zh=zh, name_en=en, region_code=code
            )
    chain = ps.chain_create(
        actor=holder_qa,
        product=pd1,
        effective_from=dt.date(2025, 1, 1),
        segments=[
            {
                "code": "WCB",
                "stage": "cell_bank",
                "name_zh": "工作细胞库",
                "name_en": "Working cell bank",
                "site": js_site,
                "feeds": ["DS"],
            },
            {
                "code": "DS",
                "stage": "drug_substance",
                "name_zh": "原液",
                "name_en": "Drug substance",
                "site": js_site,
                "feeds": ["DP"],
            },
            {
                "code": "DP",
                "stage": "drug_product",
                "name_zh": "制剂",
                "name_en": "Drug product",
                "site": sh_site,
                "feeds": [],
            },
        ],
    )
    seg = {s.code: s for s in chain.segments.all()}
    return SimpleNamespace(
        admin=admin,
        holder=holder,
        cmo=cmo,
        gd=gd,
        holder_qa=holder_qa,
        qp=qp,
        cmo_qa=cmo_qa,
        gd_qa=gd_qa,
        js_site=js_site,
        sh_site=sh_site,
        gd_site=gd_site,
        pd1=pd1,
        chain=chain,
        seg=seg,
        js_inspector=make_user(Role.PROVINCIAL_INSPECTOR, regulators["320000"], username="js-inspector"),
        sh_inspector=make_user(Role.PROVINCIAL_INSPECTOR, regulators["310000"], username="sh-inspector"),
        gd_inspector=make_user(Role.PROVINCIAL_INSPECTOR, regulators["440000"], username="gd-inspector"),
        nmpa=make_user(Role.NMPA_OFFICER, username="nmpa"),
    )


@pytest.fixture
def genealogy(world):
    w = world
    w1 = ps.lot_create(
        actor=w.holder_qa,
        segment=w.seg["WCB"],
        lot_number="W1",
        quantity=10,
        unit="vial",
        manufactured_on=dt.date(2025, 1, 10),
        expires_on=EXPIRES,
    )
    d1 = ps.transformation_record(
        actor=w.holder_qa,
        kind="manufacture",
        segment=w.seg["DS"],
        performed_on=MADE,
        inputs=[(w1, 1)],
        outputs=[make_output("D1", 100)],
    ).outputs.get()
    d2 = ps.transformation_record(
        actor=w.holder_qa,
        kind="manufacture",
        segment=w.seg["DS"],
        performed_on=MADE,
        inputs=[(w1, 1)],
        outputs=[make_output("D2", 100)],
    ).outputs.get()
    sh1 = ps.shipment_create(
        actor=w.holder_qa,
        reference="SH-1",
        from_site=w.js_site,
        to_site=w.sh_site,
        shipped_at=at(2),
        lines=[(d1, 100), (d2, 100)],
    )
    ps.shipment_receive(actor=w.cmo_qa, shipment=sh1, received_at=at(3))
    p1_t = ps.transformation_record(
        actor=w.cmo_qa,
        kind="manufacture",
        segment=w.seg["DP"],
        performed_on=dt.date(2025, 3, 5),
        inputs=[(d1, 40), (d2, 10)],
        outputs=[make_output("P1", 5000, "vial")],
    )
    p2_t = ps.transformation_record(
        actor=w.cmo_qa,
        kind="manufacture",
        segment=w.seg["DP"],
        performed_on=dt.date(2025, 3, 6),
        inputs=[(d2, 30)],
        outputs=[make_output("P2", 3000, "vial")],
    )
    return SimpleNamespace(
        w1=w1,
        d1=d1,
        d2=d2,
        p1=p1_t.outputs.get(),
        p2=p2_t.outputs.get(),
        p1_t=p1_t,
        p2_t=p2_t,
        sh1=sh1,
    )


def release(world, lot, *, cmo=False):
    ps.coa_record(
        actor=world.holder_qa,
        lot=lot,
        reference=f"COA-{lot.lot_number}",
        file_name="coa.pdf",
        sha256="a" * 64,
        issued_on=dt.date(2025, 3, 20),
    )
    if cmo:
        ps.lot_release(actor=world.cmo_qa, password=PASSWORD, lot=lot, kind="cmo_qa")
    ps.lot_release(actor=world.qp, password=PASSWORD, lot=lot, kind="qualified_person")


@pytest.fixture
def market(genealogy, world):
    """W1, D1, D2 and P2 released; P2 shipped to a Beijing and a Guangdong consignee."""
    g = genealogy
    for lot in (g.w1, g.d1, g.d2):
        release(world, lot)
    release(world, g.p2, cmo=True)
    bj = ps.consignee_create(actor=world.cmo_qa, name_zh="北京医药", name_en="Beijing Pharma", region_code="110000")
    gd = ps.consignee_create(actor=world.cmo_qa, name_zh="广州医药", name_en="Guangzhou Pharma", region_code="440000")
    sh2 = ps.shipment_create(
        actor=world.cmo_qa,
        reference="SH-2",
        from_site=world.sh_site,
        consignee=bj,
        shipped_at=at(21),
        lines=[(g.p2, 1000)],
    )
    sh3 = ps.shipment_create(
        actor=world.cmo_qa,
        reference="SH-3",
        from_site=world.sh_site,
        consignee=gd,
        shipped_at=at(22),
        lines=[(g.p2, 500)],
    )
    return SimpleNamespace(bj=bj, gd=gd, sh2=sh2, sh3=sh3)
