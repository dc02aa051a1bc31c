"""Inspectors of the provinces concerned read the audit trail of what they supervise: P1, the Suzhou (Jiangsu)
holder's drug-product lot made at the Shanghai site, released by the contract manufacturer's QA and the holder's
QP. The Jiangsu inspector (the holder's province) and the Shanghai inspector (the site's province) read its history
page and ``GET /lots/{id}/history`` and ``/signatures`` — its audit rows and both signatures; the Guangdong
inspector (unrelated) gets 404, as for an unknown lot, on every one of them."""

from __future__ import annotations

import html as html_lib
import re

import pytest
from django.test import Client

from bioseg.audit.models import AuditEvent
from tests.production.conftest import release
from tests.production.helpers import reload

pytestmark = pytest.mark.django_db

API = "/api/v1"


def client(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


@pytest.fixture
def p1(genealogy, world):
    for lot in (genealogy.w1, genealogy.d1, genealogy.d2):
        release(world, lot)
    release(world, genealogy.p1, cmo=True)
    lot = reload(genealogy.p1)
    assert lot.status == "released"
    return lot


def expected_events(lot) -> list[tuple[str, str]]:
    return list(
        AuditEvent.objects.filter(table_name="production_lot", row_pk=str(lot.pk))
        .order_by("id")
        .values_list("action", "actor")
    )


@pytest.mark.parametrize("who", ["js_inspector", "sh_inspector"])
def test_an_inspector_of_the_holders_or_the_sites_province_reads_the_lots_audit_trail(p1, world, who):
    inspector = getattr(world, who)
    events = expected_events(p1)
    assert events == [("insert", "cmo-qa"), ("update", "holder-qp")]  # made in Shanghai, released by the QP

    body = client(inspector).get(f"{API}/lots/{p1.pk}/history").json()
    assert (body["kind"], body["id"]) == ("lots", p1.pk)
    own = [e for e in body["events"] if e["table"] == "production_lot"]
    assert [(e["action"], e["actor"]) for e in own] == events
    assert own[1]["changed"] == [{"field": "status", "old": "quarantine", "new": "released"}]
    # and the rows that belong to the lot: its genealogy links, its certificate, both releases
    parts = [(e["table"], e["action"], e["actor"]) for e in body["events"] if e["table"] != "production_lot"]
    assert parts == [
        ("production_lotedge", "insert", "cmo-qa"),
        ("production_lotedge", "insert", "cmo-qa"),
        ("production_certificateofanalysis", "insert", "holder-qa"),
        ("production_release", "insert", "cmo-qa"),
        ("production_release", "insert", "holder-qp"),
    ]
    signed = [(s["signer"], s["meaning"], s["intact"]) for s in body["signatures"]]
    assert signed == [("cmo-qa", "released", True), ("holder-qp", "released", True)]
    listed = client(inspector).get(f"{API}/lots/{p1.pk}/signatures").json()
    assert [(s["signer"], s["meaning"]) for s in listed] == [("cmo-qa", "released"), ("holder-qp", "released")]

    response = client(inspector).get(f"/lots/{p1.pk}/history/")
    assert response.status_code == 200
    page = html_lib.unescape(response.content.decode())
    table = page[
        page.index('data-testid="signatures"') : page.index("</table>", page.index('data-testid="signatures"'))
    ]
    rows = re.findall(r'<tr data-testid="row">\s*<td>([^<]*)</td>\s*<td>([^<]*)</td>', table)
    assert [meaning for _name, meaning in rows] == ["放行", "放行"]


def test_an_inspector_of_an_unrelated_province_gets_404_as_for_an_unknown_lot(p1, world):
    c = client(world.gd_inspector)
    for path in (f"{API}/lots/{p1.pk}/history", f"{API}/lots/{p1.pk}/signatures"):
        response = c.get(path)
        assert response.status_code == 404, path
        assert response.json()["details"] == {"object": "lot", "id": str(p1.pk)}
        assert c.get(path.replace(str(p1.pk), "987654")).json()["details"] == {"object": "lot", "id": "987654"}
    assert c.get(f"/lots/{p1.pk}/history/").status_code == 404
    assert c.get("/lots/987654/history/").status_code == 404
