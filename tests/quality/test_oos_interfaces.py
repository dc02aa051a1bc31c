"""OOS through the API and the pages: the investigation opened by a failing certificate, its steps, a wrong
password on the form, the regulator's read-only view and a 404 outside the scope."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from bioseg.quality.models import OosInvestigation
from tests.conftest import PASSWORD
from tests.quality.test_deviation_interfaces import client, post
from tests.quality.test_oos import certificate, counts

pytestmark = pytest.mark.django_db
API = "/api/v1"


def test_api_steps_and_scope(genealogy, world):
    certificate(world, genealogy.p2)
    pk = OosInvestigation.objects.get().pk
    d = client(world.cmo_qa).get(f"{API}/oos/{pk}").json()
    assert (d["status"], d["lot_number"], d["allowed_actions"]) == ("open", "P2", ["record_investigation"])
    assert client(world.holder_qa).get(f"{API}/oos/{pk}").json()["allowed_actions"] == [
        "record_investigation",
        "invalidate",
        "confirm",
    ]
    before = counts()
    r = post(world.qp, f"/oos/{pk}/confirm", {"password": PASSWORD})
    assert r.status_code == 400 and r.json()["details"]["fields"]["investigation"]["message"] == (
        "Record the investigation before confirming."
    )
    assert post(world.sh_inspector, f"/oos/{pk}/record_investigation", {"investigation": "x"}).status_code == 403
    assert post(world.gd_qa, f"/oos/{pk}/record_investigation", {"investigation": "x"}).status_code == 404
    assert counts() == before
    assert post(world.cmo_qa, f"/oos/{pk}/record_investigation", {"investigation": "Retest 92.3 %."}).status_code == 200
    r = post(world.qp, f"/oos/{pk}/confirm", {"password": PASSWORD})
    assert (
        r.status_code == 200 and r.json()["status"] == "confirmed" and r.json()["lots_concerned"] == [genealogy.p2.pk]
    )
    r = post(world.qp, f"/oos/{pk}/decide_recall", {"decision": "maybe", "reasoning": "x", "password": PASSWORD})
    assert r.status_code == 400 and "decision" in r.json()["details"]["fields"]
    assert client(world.sh_inspector).get(f"{API}/oos/{pk}/history").json()["signatures"][0]["meaning"] == "approved"
    assert client(world.gd_inspector).get(f"{API}/oos/{pk}").status_code == 404


def test_pages(genealogy, world):
    certificate(world, genealogy.p2)
    o = OosInvestigation.objects.get()
    html = client(world.holder_qa, "zh-hans").get(f"/oos/{o.pk}/").content.decode()
    assert "批 P2，检验报告书 COA-P2-92.1：Assay 结果 92.1 %（标准 95–105 %）" in html
    assert 'data-testid="action-confirm"' in html and 'data-testid="action-decide_recall"' not in html
    c = client(world.qp)
    client(world.cmo_qa).post(f"/oos/{o.pk}/record_investigation/", {"record_investigation-investigation": "Retest."})
    r = c.post(f"/oos/{o.pk}/confirm/", {"confirm-password": "wrong"})
    assert r.status_code == 400 and 'data-testid="error-password"' in r.content.decode()
    assert OosInvestigation.objects.get().status == "open"
    r = c.post(f"/oos/{o.pk}/confirm/", {"confirm-password": PASSWORD})
    assert r.status_code == 302 and OosInvestigation.objects.get().status == "confirmed"
    html = client(world.sh_inspector).get(f"/oos/{o.pk}/").content.decode()
    assert 'data-testid="reported"' in html and 'data-testid="action-' not in html
    assert client(world.gd_inspector).get(f"/oos/{o.pk}/").status_code == 404
    rows = list(
        load_workbook(io.BytesIO(client(world.cmo_qa).get("/oos/?export=xlsx").content)).active.iter_rows(
            values_only=True
        )
    )
    assert rows[1][:2] == (o.reference, "P2") and rows[1][4] == "Confirmed: recall assessment due"


def test_stability_results_through_the_page_and_the_api(genealogy, world):
    from bioseg.quality.models import StabilityResult

    form = {
        "study": "LT-2025-01",
        "condition": "5 ± 3 °C",
        "timepoint_months": "6",
        "test": "Purity (SEC)",
        "unit": "%",
        "spec_min": "95",
        "value": "",
        "tested_on": "2025-09-06",
    }
    c = client(world.cmo_qa)
    r = c.post(f"/lots/{genealogy.p2.pk}/stability/new/", form)
    assert r.status_code == 400 and 'data-testid="error-value"' in r.content.decode()
    assert StabilityResult.objects.count() == 0
    r = c.post(f"/lots/{genealogy.p2.pk}/stability/new/", {**form, "value": "93.4"})
    oos = OosInvestigation.objects.get()
    assert r.status_code == 302 and r["Location"] == f"/oos/{oos.pk}/"
    assert (
        client(world.gd_qa).post(f"/lots/{genealogy.p2.pk}/stability/new/", {**form, "value": "97"}).status_code == 404
    )
    body = {**form, "lot_id": genealogy.p2.pk, "timepoint_months": 9, "value": "97.1", "tested_on": "2025-12-06"}
    body.pop("spec_max", None)
    r = post(world.cmo_qa, "/stability-results", body)
    assert r.status_code == 201 and (r.json()["outcome"], r.json()["oos_id"]) == ("pass", None)
    assert post(world.gd_qa, "/stability-results", body).status_code == 400  # the lot is not one Guangzhou Bio sees
    assert StabilityResult.objects.count() == 2
