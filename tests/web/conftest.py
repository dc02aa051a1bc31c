"""Web fixtures: a small registry built through the services, and compiled translations.

Scenario (regions by GB/T 2260):
- Suzhou Innovator (Jiangsu 320000): holder; site in Suzhou; product PD-1 antibody; user ``holder_qa``.
- Shanghai CDMO (Shanghai 310000): contract manufacturer; site in Shanghai; user ``cmo_qa``; a quality
  agreement with Suzhou Innovator covers the antibody.
- Guangdong Bio (Guangdong 440000): holder; site only in Guangdong; product GLP-1.
- Jiangsu medical products administration: ``js_inspector``.
"""

from __future__ import annotations

import datetime as dt
import html as html_lib
import re
from dataclasses import dataclass

import pytest

from bioseg.accounts.roles import OrganisationKind, Role
from bioseg.accounts.services import organisation_create
from bioseg.audit.context import audit_context
from bioseg.registry import services
from bioseg.registry.services import quality_agreement_create
from bioseg.registry.validators import credit_code_check_char


def credit_code(seq: int, region: str = "320500") -> str:
    first17 = f"91{region}{seq:09d}"
    return first17 + credit_code_check_char(first17)


@dataclass
class World:
    admin: object
    innovator: object
    cdmo: object
    guangdong: object
    innovator_site: object
    cdmo_site: object
    guangdong_site: object
    antibody: object
    glp1: object
    holder_qa: object
    cmo_qa: object
    js_inspector: object
    nmpa: object


@pytest.fixture
def world(make_user, admin) -> World:
    def org(name_zh, name_en, region):
        with audit_context(actor="test-setup"):
            return organisation_create(
                kind=OrganisationKind.ENTERPRISE, name_zh=name_zh, name_en=name_en, region_code=region
            )

    innovator_org = org("苏州创新生物", "Suzhou Innovator Biologics", "320000")
    cdmo_org = org("上海合同生产", "Shanghai CDMO", "310000")
    gd_org = org("广东生物", "Guangdong Bio", "440000")
    innovator = services.enterprise_create(
        actor=admin,
        name_zh="苏州创新生物",
        name_en="Suzhou Innovator Biologics",
        credit_code=credit_code(1),
        region_code="320000",
        roles=["holder"],
        organisation=innovator_org,
    )
    cdmo = services.enterprise_create(
        actor=admin,
        name_zh="上海合同生产",
        name_en="Shanghai CDMO",
        credit_code=credit_code(2, "310100"),
        region_code="310000",
        roles=["contract_manufacturer"],
        organisation=cdmo_org,
    )
    guangdong = services.enterprise_create(
        actor=admin,
        name_zh="广东生物",
        name_en="Guangdong Bio",
        credit_code=credit_code(3, "440100"),
        region_code="440000",
        roles=["holder"],
        organisation=gd_org,
    )
    innovator_site = services.site_create(
        actor=admin,
        enterprise=innovator,
        name_zh="苏州原液车间",
        name_en="Suzhou drug substance plant",
        address="苏州工业园区星湖街 1 号",
        region_code="320000",
        activities=["drug_substance"],
    )
    cdmo_site = services.site_create(
        actor=admin,
        enterprise=cdmo,
        name_zh="张江制剂工厂",
        name_en="Zhangjiang fill-finish plant",
        address="上海市浦东新区张江路 2 号",
        region_code="310000",
        activities=["drug_product", "fill_finish"],
    )
    guangdong_site = services.site_create(
        actor=admin,
        enterprise=guangdong,
        name_zh="广州工厂",
        name_en="Guangzhou plant",
        address="广州市黄埔区科学城 3 号",
        region_code="440000",
        activities=["drug_substance", "drug_product"],
    )
    antibody = services.product_create(
        actor=admin,
        holder=innovator,
        name_zh="PD-1 单抗注射液",
        name_en="Anti-PD-1 antibody injection",
        category="antibody",
        approval_number="国药准字S20250001",
        innovative=True,
        origin="originally_developed",
        storage_min_c="2",
        storage_max_c="8",
    )
    glp1 = services.product_create(
        actor=admin, holder=guangdong, name_zh="GLP-1 注射液", name_en="GLP-1 injection", category="glp1"
    )
    quality_agreement_create(
        actor=admin,
        reference="QA-2025-001",
        holder=innovator,
        contract_manufacturer=cdmo,
        products=[antibody],
        effective_from=dt.date(2025, 1, 1),
    )
    with audit_context(actor="test-setup"):
        js_org = organisation_create(
            kind=OrganisationKind.PROVINCIAL_REGULATOR,
            name_zh="江苏省药品监督管理局",
            name_en="Jiangsu MPA",
            region_code="320000",
        )
    return World(
        admin=admin,
        innovator=innovator,
        cdmo=cdmo,
        guangdong=guangdong,
        innovator_site=innovator_site,
        cdmo_site=cdmo_site,
        guangdong_site=guangdong_site,
        antibody=antibody,
        glp1=glp1,
        holder_qa=make_user(Role.HOLDER_QA, innovator_org, username="holder_qa"),
        cmo_qa=make_user(Role.CMO_QA, cdmo_org, username="cmo_qa"),
        js_inspector=make_user(Role.PROVINCIAL_INSPECTOR, js_org, username="js_inspector"),
        nmpa=make_user(Role.NMPA_OFFICER, username="nmpa"),
    )


@pytest.fixture
def login(client):
    def _login(user):
        client.force_login(user)
        return client

    return _login


WEB_PASSWORD = "web tests password 7"


class Page:
    """Helpers for reading a rendered page (a fixture, so test modules need not import this conftest)."""

    password = WEB_PASSWORD

    @staticmethod
    def row_ids(response, testid: str) -> set[int]:
        return row_ids(response, testid)

    @staticmethod
    def text(response) -> str:
        return text(response)


@pytest.fixture
def page() -> Page:
    return Page()


def row_ids(response, testid: str) -> set[int]:
    """The ids of the rows of the table marked ``data-testid=testid`` on a page."""
    html = response.content.decode()
    start = html.index(f'data-testid="{testid}"')
    table = html[start : html.index("</table>", start)]
    return {int(i) for i in re.findall(r'data-testid="row" data-id="(\d+)"', table)}


def text(response) -> str:
    """The page's HTML with entities decoded, for asserting on exact messages."""
    return html_lib.unescape(response.content.decode())
