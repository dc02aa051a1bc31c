"""Register a consignee through a form (the API's ``POST /consignees``): in the active language, refusals on their
fields and nothing written; the shipment form links to it and then offers the new consignee."""

from __future__ import annotations

import html as html_lib

import pytest

from bioseg.audit.models import AuditEvent
from bioseg.production.models import Consignee
from tests.production import conftest as production_fixtures
from tests.quality.test_deviation_interfaces import client

pytestmark = pytest.mark.django_db

world = production_fixtures.world

URL = "/consignees/new/"


def state():
    return Consignee.objects.count(), AuditEvent.objects.count()


def test_a_consignee_is_registered_and_offered_to_the_shipment_form(world):
    c = client(world.cmo_qa, "zh-hans")
    form = html_lib.unescape(c.get("/shipments/new/").content.decode())
    assert f'<a href="{URL}" data-testid="consignee-new">登记收货方</a>' in form
    page = html_lib.unescape(c.get(URL).content.decode())
    assert "<h1>登记收货方</h1>" in page
    body = {"name_zh": "杭州医药", "name_en": "Hangzhou Pharma", "country_code": "cn", "region_code": "330000"}
    done = c.post(URL, body | {"address": "杭州市西湖区"})
    assert done.status_code == 302 and done["Location"] == "/shipments/new/"
    hz = Consignee.objects.get(name_en="Hangzhou Pharma")
    assert (hz.name_zh, hz.country_code, hz.region_code, hz.address) == ("杭州医药", "CN", "330000", "杭州市西湖区")
    assert list(
        AuditEvent.objects.filter(table_name="production_consignee", row_pk=str(hz.pk)).values_list(
            "action", "actor", "reason"
        )
    ) == [("insert", "cmo-qa", "consignee registered")]
    assert f'<option value="{hz.pk}">杭州医药</option>' in c.get("/shipments/new/").content.decode()


def test_a_refused_consignee_is_shown_on_its_fields_and_nothing_is_written(world):
    c = client(world.cmo_qa, "zh-hans")
    before = state()
    r = c.post(URL, {"name_zh": "某医院", "name_en": "Some Hospital", "country_code": "CN", "region_code": ""})
    assert r.status_code == 400
    page = html_lib.unescape(r.content.decode())
    assert '<p class="field-error" data-testid="error-region_code">境内收货方须填写所在省份。</p>' in page
    abroad = c.post(
        URL, {"name_zh": "某进口商", "name_en": "An Importer", "country_code": "DE", "region_code": "310000"}
    )
    assert "境外收货方不应填写省级行政区划。" in html_lib.unescape(abroad.content.decode())
    assert state() == before
    assert client(world.sh_inspector).get(URL).status_code == 403
    assert (
        client(world.sh_inspector).post(URL, {"name_zh": "x", "name_en": "x", "country_code": "CN"}).status_code == 403
    )
    assert state() == before
