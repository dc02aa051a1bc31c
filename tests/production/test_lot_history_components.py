"""A lot's history shows the changes of the rows that belong to it (NetBox's ``related_object``): its genealogy
links, the transformations it went into, its certificates, holds, releases, recalls and shipment lines — each named
by its table in the language of the reader — and who did it by the printed name, with the organisation in that
language. P2 of the genealogy: made by the contract manufacturer from D2, released by its QA and the holder's QP,
then shipped to two consignees; the page and ``GET /lots/{id}/history`` list the audit rows of all of them."""

from __future__ import annotations

import datetime as dt
import html as html_lib
import re

import pytest

from bioseg.audit.models import AuditEvent
from bioseg.production import services as ps
from bioseg.production.models import CertificateOfAnalysis, LotEdge, Release, ShipmentLine
from tests.production.conftest import EXPIRES
from tests.quality.test_deviation_interfaces import client

pytestmark = pytest.mark.django_db

API = "/api/v1"


@pytest.fixture
def named(world):
    """The contract manufacturer's QA and the holder's QP known by their Chinese names, as in the demo."""
    for user, name in ((world.cmo_qa, "沈质量"), (world.qp, "苏放行"), (world.holder_qa, "苏质量")):
        user.printed_name = name
        user.save(update_fields=["printed_name"])
    return world


def expected(lot) -> list[tuple[str, str, str, str]]:
    """(table, row, action, user name) of the lot's own audit rows and of its components', oldest first."""
    parts = {
        "production_lot": [lot.pk],
        "production_lotedge": list(LotEdge.objects.filter(child_lot=lot).values_list("pk", flat=True)),
        "production_certificateofanalysis": list(
            CertificateOfAnalysis.objects.filter(lot=lot).values_list("pk", flat=True)
        ),
        "production_release": list(Release.objects.filter(lot=lot).values_list("pk", flat=True)),
        "production_shipmentline": list(ShipmentLine.objects.filter(lot=lot).values_list("pk", flat=True)),
    }
    events = AuditEvent.objects.none()
    for table, pks in parts.items():
        events |= AuditEvent.objects.filter(table_name=table, row_pk__in=[str(pk) for pk in pks])
    return list(events.order_by("id").values_list("table_name", "row_pk", "action", "actor"))


def test_the_api_lists_the_audit_rows_of_the_lots_components_with_names(named, genealogy, market):
    p2 = genealogy.p2
    rows = expected(p2)
    lines = [str(pk) for pk in ShipmentLine.objects.filter(lot=p2).order_by("pk").values_list("pk", flat=True)]
    assert len(lines) == 2
    # what the history must contain: the two shipment lines' inserts by the contract manufacturer's QA
    assert [r for r in rows if r[0] == "production_shipmentline"] == [
        ("production_shipmentline", lines[0], "insert", "cmo-qa"),
        ("production_shipmentline", lines[1], "insert", "cmo-qa"),
    ]
    assert {r[0] for r in rows} == {
        "production_lot",
        "production_lotedge",
        "production_certificateofanalysis",
        "production_release",
        "production_shipmentline",
    }

    body = client(named.holder_qa, "zh-hans").get(f"{API}/lots/{p2.pk}/history").json()
    events = body["events"]
    assert [(e["table"], e["row_pk"], e["action"], e["actor"]) for e in events] == rows
    line = next(e for e in events if e["table"] == "production_shipmentline")
    assert (line["component_en"], line["component_zh"]) == ("Shipment line", "运输明细")
    assert (line["actor_name"], line["organisation"], line["organisation_zh"]) == (
        "沈质量",
        named.cmo_qa.organisation.name_en,
        named.cmo_qa.organisation.name_zh,
    )
    assert (line["new_values"]["quantity"], line["new_values"]["shipment_id"]) == (1000, market.sh2.pk)
    own = [e for e in events if e["table"] == "production_lot"]
    assert [(e["component_en"], e["component_zh"]) for e in own] == [("", "")] * len(own)
    labels = {e["table"]: (e["component_en"], e["component_zh"]) for e in events}
    assert labels == {
        "production_lot": ("", ""),
        "production_lotedge": ("Genealogy link", "谱系关系"),
        "production_certificateofanalysis": ("Certificate of analysis", "检验报告书"),
        "production_release": ("Release", "放行"),
        "production_shipmentline": ("Shipment line", "运输明细"),
    }
    releases = [(e["actor"], e["actor_name"]) for e in events if e["table"] == "production_release"]
    assert releases == [("cmo-qa", "沈质量"), ("holder-qp", "苏放行")]


def history_rows(html: str) -> list[tuple[str, str, str, str]]:
    """(record, action, by, reason) of each row of the page's history table, tags stripped."""
    table = html[html.index('data-testid="history"') : html.index("</table>", html.index('data-testid="history"'))]
    out = []
    for row in re.findall(r'<tr data-testid="row">(.*?)</tr>', table, re.S):
        cells = [
            re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", c)).strip()
            for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
        ]
        out.append((cells[2], cells[3], cells[4], cells[5]))
    return out


@pytest.mark.parametrize(
    ("lang", "line_label", "org_attr", "created", "shipped", "made"),
    [
        ("zh-hans", "运输明细", "name_zh", "新建", "已记录运输", "已记录生产"),
        ("en", "Shipment line", "name_en", "Created", "shipment recorded", "manufacture recorded"),
    ],
)
def test_the_history_page_names_each_component_and_the_people(
    named, genealogy, market, lang, line_label, org_attr, created, shipped, made
):
    p2 = genealogy.p2
    response = client(named.holder_qa, lang).get(f"/lots/{p2.pk}/history/")
    assert response.status_code == 200
    html = html_lib.unescape(response.content.decode())
    rows = history_rows(html)
    assert len(rows) == len(expected(p2))
    org = getattr(named.cmo_qa.organisation, org_attr)
    lines = [str(pk) for pk in ShipmentLine.objects.filter(lot=p2).order_by("pk").values_list("pk", flat=True)]
    # the platform's own reasons (none was typed) in the reader's language
    assert [r for r in rows if r[0].startswith(line_label)] == [
        (f"{line_label} #{pk}", created, f"沈质量 {org}", shipped) for pk in lines
    ]
    assert rows[0] == ("P2", created, f"沈质量 {org}", made)  # the lot itself, made by the contract manufacturer
    assert "cmo-qa" not in html and "holder-qp" not in html  # people by their names, not their user names
    assert 'data-testid="components-note"' in html


def test_a_lot_without_components_has_only_its_own_rows(world):
    made = {"manufactured_on": dt.date(2025, 1, 10), "expires_on": EXPIRES}
    lot = ps.lot_create(
        actor=world.holder_qa, segment=world.seg["WCB"], lot_number="W9", quantity=5, unit="vial", **made
    )
    body = client(world.holder_qa).get(f"{API}/lots/{lot.pk}/history").json()
    assert [(e["table"], e["action"], e["actor_name"]) for e in body["events"]] == [
        ("production_lot", "insert", world.holder_qa.printed_name)
    ]
    html = html_lib.unescape(client(world.holder_qa, "zh-hans").get(f"/lots/{lot.pk}/history/").content.decode())
    assert 'data-testid="components-note"' not in html
