"""The inspection pages and API: an inspector plans an inspection through the form (field errors, nothing written on
a refusal), takes its steps on the detail page, records findings and signs the report; the CMO then sees its CAPA;
a secret unannounced inspection is a 404 for the enterprise and for other provinces, on pages and in the API."""

from __future__ import annotations

import datetime as dt

import pytest

from bioseg.common import clock
from bioseg.oversight.models import Finding, Inspection, SecretAccess
from bioseg.quality.models import Capa
from tests.conftest import PASSWORD
from tests.oversight.test_inspections import counts, plan, unannounced
from tests.quality.test_deviation_interfaces import client

pytestmark = pytest.mark.django_db
API = "/api/v1"


def form_body(sup, **kw):
    w = sup.world
    today = clock.today()
    body = {
        "kind": "annual_comprehensive",
        "product": str(w.pd1.pk),
        "sites": [str(w.js_site.pk), str(w.sh_site.pk)],
        "partner_region_code": "310000",
        "team": [str(u.pk) for u in (sup.js[0], sup.js[1], sup.sh[0], sup.sh[1])],
        "leader": str(sup.js[0].pk),
        "planned_from": (today + dt.timedelta(days=5)).isoformat(),
        "planned_to": (today + dt.timedelta(days=6)).isoformat(),
        "purpose": "年度全面检查",
    }
    body.update(kw)
    return body


def test_an_inspector_plans_an_inspection_through_the_form(sup):
    c = client(sup.js[0])
    page = c.get("/inspections/new/")
    assert page.status_code == 200
    r = c.post("/inspections/new/", form_body(sup))
    i = Inspection.objects.get()
    assert r.status_code == 302 and r["Location"] == f"/inspections/{i.pk}/"
    assert (i.kind, i.partner_region_code, i.members.count()) == ("annual_comprehensive", "310000", 4)


def test_a_refused_plan_shows_the_field_error_in_chinese_and_writes_nothing(sup):
    c = client(sup.js[0], "zh-hans")
    before = counts()
    r = c.post("/inspections/new/", form_body(sup, team=[str(sup.js[0].pk), str(sup.js[1].pk), str(sup.sh[0].pk)]))
    assert r.status_code == 400
    assert "联合检查每个省份至少派出两名检查员（310000）。" in r.content.decode()
    assert counts() == before


def test_the_plan_form_is_refused_to_an_enterprise_user(sup):
    assert client(sup.world.cmo_qa).get("/inspections/new/").status_code == 403


def test_the_steps_on_the_page_lead_to_a_signed_report_and_the_cmo_sees_its_capa(sup):
    w = sup.world
    i = plan(sup)
    c = client(sup.js[0])
    assert c.post(f"/inspections/{i.pk}/notify/", {"notify-reason": ""}).status_code == 302
    today = clock.today().isoformat()
    assert c.post(f"/inspections/{i.pk}/start/", {"start-started_on": today}).status_code == 302
    due = (clock.today() + dt.timedelta(days=30)).isoformat()
    bad = c.post(
        f"/inspections/{i.pk}/record_finding/",
        {
            "record_finding-site": str(w.sh_site.pk),
            "record_finding-grade": "major",
            "record_finding-gmp_clause": "",
            "record_finding-description": "x",
            "record_finding-rectification_due": due,
        },
    )
    assert bad.status_code == 400 and Finding.objects.count() == 0
    ok = c.post(
        f"/inspections/{i.pk}/record_finding/",
        {
            "record_finding-site": str(w.sh_site.pk),
            "record_finding-grade": "major",
            "record_finding-gmp_clause": "GMP 2010 附录1 第47条",
            "record_finding-description": "沉降菌监测未覆盖灌装全程。",
            "record_finding-rectification_due": due,
        },
    )
    assert ok.status_code == 302 and Finding.objects.count() == 1
    assert c.post(f"/inspections/{i.pk}/finish_site_work/", {"finish_site_work-ended_on": today}).status_code == 302
    signed = c.post(
        f"/inspections/{i.pk}/sign_report/",
        {
            "sign_report-conclusion": "basically_compliant",
            "sign_report-summary": "基本符合要求。",
            "sign_report-password": PASSWORD,
            "sign_report-reason": "",
        },
    )
    assert signed.status_code == 302
    capa = Capa.objects.get()
    assert (capa.owner_id, capa.source) == (w.cmo.pk, "inspection")
    cmo = client(w.cmo_qa)
    assert capa.reference in cmo.get("/capas/").content.decode()
    page = cmo.get(f"/inspections/{i.pk}/").content.decode()
    assert capa.reference in page and "沉降菌监测未覆盖灌装全程。" in page
    api = cmo.get(f"{API}/inspections/{i.pk}").json()
    assert (api["status"], api["conclusion"], api["findings"][0]["capa_reference"]) == (
        "rectification",
        "basically_compliant",
        capa.reference,
    )
    assert api["allowed_actions"] == []


def test_a_secret_unannounced_inspection_is_a_404_outside_its_team_on_pages_and_in_the_api(sup):
    w = sup.world
    i = unannounced(sup)
    for user in (w.holder_qa, sup.sh[0], sup.js[1]):
        c = client(user)
        assert c.get(f"/inspections/{i.pk}/").status_code == 404
        assert c.get(f"{API}/inspections/{i.pk}").status_code == 404
        assert c.get(f"{API}/inspections").json()["items"] == []
    assert SecretAccess.objects.count() == 0
    team = client(sup.js[2])
    assert team.get(f"/inspections/{i.pk}/").status_code == 200
    detail = team.get(f"{API}/inspections/{i.pk}").json()
    assert "notify" not in detail["allowed_actions"] and "start" in detail["allowed_actions"]
    assert SecretAccess.objects.count() == 2


def test_the_api_plans_and_refuses_with_the_field_named(sup):
    w = sup.world
    c = client(sup.js[0])
    body = {
        "kind": "gmp_compliance",
        "product_id": w.pd1.pk,
        "site_ids": [w.js_site.pk],
        "team_ids": [sup.js[0].pk, sup.js[2].pk],
        "leader_id": sup.js[2].pk,
        "planned_from": "2027-03-01",
        "planned_to": "2027-02-26",
    }
    before = counts()
    r = c.post(f"{API}/inspections", body, content_type="application/json")
    assert r.status_code == 400
    assert "planned_to" in r.json()["details"]["fields"]
    assert counts() == before
    body["planned_to"] = "2027-03-03"
    r = c.post(f"{API}/inspections", body, content_type="application/json")
    assert r.status_code == 201
    assert [m["username"] for m in r.json()["team"]] == ["js-inspector-3", "js-inspector"]


def test_the_api_takes_a_sample_and_its_result_and_names_a_bad_field(sup, genealogy):
    w = sup.world
    i = plan(sup, kind="sampling", partner_region_code="", sites=[w.js_site], team=[sup.js[0], sup.js[1]])
    c = client(sup.js[0])
    assert c.post(f"{API}/inspections/{i.pk}/notify", {}, content_type="application/json").status_code == 200
    before = counts()
    r = c.post(f"{API}/inspections/{i.pk}/start", {}, content_type="application/json")
    assert (r.status_code, list(r.json()["details"]["fields"])) == (400, ["started_on"])
    assert counts() == before
    today = clock.today().isoformat()
    r = c.post(f"{API}/inspections/{i.pk}/start", {"started_on": today}, content_type="application/json")
    assert r.json()["status"] == "on_site"
    body = {"lot_id": genealogy.d2.pk, "quantity": "2.5", "unit": "mL", "laboratory": "江苏省药检院", "taken_on": today}
    r = c.post(f"{API}/inspections/{i.pk}/samples", body, content_type="application/json")
    assert r.status_code == 201
    sample = r.json()
    assert (sample["lot_number"], sample["quantity"], sample["result"]) == ("D2", "2.500", "pending")
    before = counts()
    bad = {"result": "dubious", "result_on": today}
    r = c.post(f"{API}/samples/{sample['id']}/result", bad, content_type="application/json")
    assert (r.status_code, list(r.json()["details"]["fields"])) == (400, ["result"])
    assert counts() == before
    good = {"result": "qualified", "result_on": today}
    r = c.post(f"{API}/samples/{sample['id']}/result", good, content_type="application/json")
    assert (r.status_code, r.json()["result"], r.json()["oos_id"]) == (200, "qualified", None)
    # the enterprise sees the sample of its notified inspection; another province's inspector does not
    assert client(w.holder_qa).get(f"{API}/samples/{sample['id']}").status_code == 200
    assert client(w.gd_inspector).get(f"{API}/samples/{sample['id']}").status_code == 404
