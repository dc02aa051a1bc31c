"""Deviations through the API and the web pages: record, see the impact, act, be refused — and nothing written on a
refusal; out-of-scope users get a 404 that says nothing."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.test import Client
from openpyxl import load_workbook

from bioseg.quality.models import Deviation, Notification
from tests.conftest import PASSWORD
from tests.quality.test_deviations import counts, record

pytestmark = pytest.mark.django_db
API = "/api/v1"


def client(user, lang: str = "en") -> Client:
    c = Client()
    c.force_login(user)
    c.cookies["django_language"] = lang
    return c


def post(user, path: str, body: dict):
    return client(user).post(API + path, body, content_type="application/json")


def body(world, genealogy, **kw) -> dict:
    b = {
        "product_id": world.pd1.pk,
        "site_id": world.sh_site.pk,
        "title": "Filling line stopped",
        "description": "Needle clogged.",
        "occurred_on": "2025-03-06",
        "classification": "major",
        "classification_reason": "Sterility may be affected.",
        "lot_ids": [genealogy.p1.pk],
    }
    b.update(kw)
    return b


def test_api_record_act_and_read(genealogy, world):
    r = post(world.cmo_qa, "/deviations", body(world, genealogy))
    assert r.status_code == 201, r.content
    d = r.json()
    assert (d["status"], d["classification"], d["lot_ids"], d["impact_lot_count"]) == (
        "open",
        "major",
        [genealogy.p1.pk],
        1,
    )
    assert d["allowed_actions"] == ["submit_investigation", "reclassify", "recompute_impact"]
    assert d["blocks_release"] is True
    assert [e["kind"] for e in d["events"]] == ["recorded"]
    pk = d["id"]
    r = post(
        world.cmo_qa,
        f"/deviations/{pk}/submit_investigation",
        {"root_cause": "Wear.", "investigation_summary": "Replaced."},
    )
    assert r.status_code == 200 and r.json()["status"] == "under_review", r.content
    before = counts()
    r = post(world.qp, f"/deviations/{pk}/approve_investigation", {"password": "wrong"})
    assert r.status_code == 403 and r.json()["code"] == "signature_refused"
    assert counts() == before
    r = post(world.qp, f"/deviations/{pk}/approve_investigation", {"password": PASSWORD})
    assert r.status_code == 200 and r.json()["status"] == "approved"
    r = client(world.holder_qa).get(f"{API}/deviations/{pk}/history")
    assert r.status_code == 200
    assert [s["meaning"] for s in r.json()["signatures"]] == ["approved"]
    listed = client(world.sh_inspector).get(f"{API}/deviations?classification=major").json()
    assert [x["id"] for x in listed["items"]] == [pk]
    impact = client(world.js_inspector).get(f"{API}/deviations/{pk}/impact").json()
    assert [(x["lot_number"], x["direct"]) for x in impact["items"]] == [("P1", True)]
    inbox = client(world.holder_qa).get(f"{API}/notifications?unread=true").json()
    assert [n["title_en"] for n in inbox["items"]] == [
        f"Deviation {d['reference']}: investigation approved",
        f"Deviation {d['reference']}: investigation awaiting your approval",
        f"Deviation {d['reference']} (major) recorded",
    ]
    read = post(world.holder_qa, f"/notifications/{inbox['items'][0]['id']}/read", {})
    assert read.status_code == 200 and read.json()["read_in_time"] is True


def test_api_refusals_are_clear_and_write_nothing(genealogy, world):
    before = counts()
    r = post(world.cmo_qa, "/deviations", body(world, genealogy, lot_ids=[987654]))
    assert r.status_code == 400
    assert r.json()["details"]["fields"]["lot_ids"]["message"] == "There is no lot 987654 that you can see."
    r = post(
        world.cmo_qa,
        "/deviations",
        body(world, genealogy, occurred_on=(dt.date.today() + dt.timedelta(days=2)).isoformat()),
    )
    assert r.status_code == 400 and set(r.json()["details"]["fields"]) == {"occurred_on"}
    r = post(world.gd_qa, "/deviations", body(world, genealogy, site_id=world.gd_site.pk, product_id=world.pd1.pk))
    assert r.status_code == 400  # the PD-1 is not a product Guangzhou Bio can see
    assert r.json()["details"]["fields"]["product_id"]["message_zh"].startswith("不存在您可查看的")
    r = post(world.cmo_qa, "/deviations", {**body(world, genealogy), "severity": "high"})
    assert r.status_code == 422 and r.json()["code"] == "validation_error"  # an unknown field
    assert counts() == before
    d = record(world, [genealogy.p1])
    before = counts()
    for user, status in ((world.gd_qa, 404), (world.gd_inspector, 404), (world.sh_inspector, 403)):
        r = post(user, f"/deviations/{d.pk}/submit_investigation", {"root_cause": "x", "investigation_summary": "y"})
        assert r.status_code == status, (user, r.content)
    assert client(world.gd_inspector).get(f"{API}/deviations/{d.pk}").status_code == 404
    assert client(world.gd_inspector).get(f"{API}/deviations/{d.pk}/history").status_code == 404
    r = post(world.qp, f"/deviations/{d.pk}/close", {"password": PASSWORD})
    assert r.status_code == 409 and r.json()["code"] == "wrong_state"
    assert post(world.cmo_qa, f"/deviations/{d.pk}/promote", {}).status_code == 404
    assert counts() == before
    assert Deviation.objects.get(pk=d.pk).status == "open"


def test_web_record_form_shows_field_errors_and_writes_nothing(genealogy, world):
    c = client(world.cmo_qa)
    before = counts()
    r = c.post(
        "/deviations/new/",
        {
            "product": world.pd1.pk,
            "site": world.sh_site.pk,
            "occurred_on": (dt.date.today() + dt.timedelta(days=1)).isoformat(),
            "title": "Stop",
            "description": "Clogged.",
            "classification": "major",
            "classification_reason": "Sterility.",
            "lot_numbers": "P1, NOPE-1",
        },
    )
    assert r.status_code == 400
    html = r.content.decode()
    assert "No lot of this product you can see has the number NOPE-1." in html
    assert counts() == before
    r = c.post(
        "/deviations/new/",
        {
            "product": world.pd1.pk,
            "site": world.sh_site.pk,
            "occurred_on": (dt.date.today() + dt.timedelta(days=1)).isoformat(),
            "title": "Stop",
            "description": "Clogged.",
            "classification": "major",
            "classification_reason": "Sterility.",
            "lot_numbers": "P1",
        },
    )
    assert r.status_code == 400
    assert 'data-testid="error-occurred_on"' in r.content.decode()
    assert counts() == before
    r = c.post(
        "/deviations/new/",
        {
            "product": world.pd1.pk,
            "site": world.sh_site.pk,
            "occurred_on": "2025-03-06",
            "title": "Stop",
            "description": "Clogged.",
            "classification": "major",
            "classification_reason": "Sterility.",
            "lot_numbers": "P1\nP2",
            "segment": world.seg["DP"].pk,
        },
    )
    assert r.status_code == 302
    d = Deviation.objects.get()
    assert r["Location"] == f"/deviations/{d.pk}/"
    assert sorted(d.lot_links.values_list("lot__lot_number", flat=True)) == ["P1", "P2"]
    assert d.segment == world.seg["DP"]


def test_web_detail_offers_only_allowed_actions_and_signs(genealogy, world):
    d = record(world, [genealogy.p1])
    d = Deviation.objects.get(pk=d.pk)
    html = client(world.cmo_qa).get(f"/deviations/{d.pk}/").content.decode()
    assert 'data-testid="action-submit_investigation"' in html
    assert 'data-testid="action-approve_investigation"' not in html
    assert "1 lots at 1 sites and 0 shipments are concerned." in html
    zh = client(world.holder_qa, "zh-hans").get(f"/deviations/{d.pk}/").content.decode()
    assert "涉及 1 个场地的 1 个批和 0 次运输。" in zh
    assert "阻止所涉批放行" in zh
    assert 'data-testid="action-submit_investigation"' in zh  # the holder's QA may also submit
    r = client(world.cmo_qa).post(
        f"/deviations/{d.pk}/submit_investigation/",
        {"submit_investigation-root_cause": "", "submit_investigation-investigation_summary": ""},
    )
    assert r.status_code == 400 and 'data-testid="error-root_cause"' in r.content.decode()
    assert Deviation.objects.get(pk=d.pk).status == "open"
    r = client(world.cmo_qa).post(
        f"/deviations/{d.pk}/submit_investigation/",
        {"submit_investigation-root_cause": "Wear.", "submit_investigation-investigation_summary": "Replaced."},
    )
    assert r.status_code == 302
    before = counts()
    r = client(world.cmo_qa).post(
        f"/deviations/{d.pk}/approve_investigation/", {"approve_investigation-password": PASSWORD}
    )
    assert r.status_code == 403
    r = client(world.qp).post(f"/deviations/{d.pk}/approve_investigation/", {"approve_investigation-password": "nope"})
    assert r.status_code == 400 and 'data-testid="error-password"' in r.content.decode()
    assert counts() == before
    r = client(world.qp).post(
        f"/deviations/{d.pk}/approve_investigation/", {"approve_investigation-password": PASSWORD}
    )
    assert r.status_code == 302 and Deviation.objects.get(pk=d.pk).status == "approved"
    assert client(world.gd_inspector).get(f"/deviations/{d.pk}/").status_code == 404
    assert client(world.gd_qa).get(f"/deviations/{d.pk}/history/").status_code == 404


def test_web_list_filters_export_and_inbox(genealogy, world):
    a = record(world, [genealogy.p1])
    b = record(world, [genealogy.w1], actor=world.holder_qa, site=world.js_site, classification="minor")
    c = client(world.holder_qa)
    html = c.get("/deviations/?classification=minor").content.decode()
    assert f'data-id="{b.pk}"' in html and f'data-id="{a.pk}"' not in html
    r = c.get("/deviations/?export=xlsx&classification=major")
    assert r["Content-Type"].startswith("application/vnd.openxmlformats")
    rows = list(load_workbook(io.BytesIO(r.content)).active.iter_rows(values_only=True))
    assert rows[1][0] == a.reference and rows[1][4] == "major" and len(rows) == 2
    zh = client(world.holder_qa, "zh-hans").get("/deviations/?export=xlsx").content
    rows = list(load_workbook(io.BytesIO(zh)).active.iter_rows(values_only=True))
    assert rows[0][:2] == ("编号", "产品") and {r[4] for r in rows[1:]} == {"主要", "次要"}
    assert 'data-testid="unread-count">1<' in c.get("/").content.decode()
    n = Notification.objects.get(recipient=world.holder_qa)
    assert c.get(f"/inbox/{n.pk}/open/").status_code == 404  # opening is a POST
    r = c.post(f"/inbox/{n.pk}/open/")
    assert r.status_code == 302 and r["Location"] == f"/deviations/{a.pk}/"
    assert Notification.objects.get(pk=n.pk).read_at is not None
    assert 'data-testid="unread-count"' not in c.get("/").content.decode()
    assert client(world.qp).post(f"/inbox/{n.pk}/open/").status_code == 404


@pytest.mark.parametrize(("lang", "said"), [("zh-hans", "已记录偏差"), ("en", "deviation recorded")])
def test_the_platforms_own_reason_is_shown_in_the_readers_language(genealogy, world, lang, said):
    import html as html_lib
    import re

    d = record(world, [genealogy.p1])  # no reason given: the service writes its own
    page = html_lib.unescape(client(world.holder_qa, lang).get(f"/deviations/{d.pk}/history/").content.decode())
    reasons = re.findall(r'<td data-testid="reason">([^<]*)</td>', page)
    assert reasons[0] == said
    stored = client(world.holder_qa, lang).get(f"{API}/deviations/{d.pk}/history").json()["events"][0]["reason"]
    assert stored == "deviation recorded"  # the trail keeps what was written
