"""CAPA through the API and the pages: plan from a deviation, approve with a signature, record actions done, the
overdue list, refusals that write nothing, and a 404 outside the scope."""

from __future__ import annotations

import datetime as dt

import pytest

from bioseg.common import clock
from bioseg.quality import capa as cs
from bioseg.quality.models import Capa
from tests.conftest import PASSWORD
from tests.quality.test_capa import counts, plan
from tests.quality.test_deviation_interfaces import client, post
from tests.quality.test_deviations import record

pytestmark = pytest.mark.django_db
API = "/api/v1"


def test_api_plan_approve_and_finish(genealogy, world):
    dev = record(world, [genealogy.p2])
    due = (clock.today() + dt.timedelta(days=7)).isoformat()
    body = {
        "product_id": world.pd1.pk,
        "owner_id": world.cmo.pk,
        "source": "deviation",
        "deviation_id": dev.pk,
        "title": "Needle checks",
        "problem": "Wear not detected.",
        "actions": [
            {"description": "Replace needles.", "kind": "corrective", "owner_id": world.cmo_qa.pk, "due_on": due}
        ],
    }
    before = counts()
    bad = post(world.cmo_qa, "/capas", {**body, "actions": [{**body["actions"][0], "owner_id": world.gd_qa.pk}]})
    assert bad.status_code == 400
    assert bad.json()["details"]["fields"]["actions.0"]["message"] == (
        "The action's owner must work for the holder or for the enterprise that owns the CAPA."
    )
    assert counts() == before
    r = post(world.cmo_qa, "/capas", body)
    assert r.status_code == 201, r.content
    c = r.json()
    assert (c["status"], c["deviation_id"], [a["owner"] for a in c["actions"]]) == ("planned", dev.pk, ["cmo-qa"])
    assert c["allowed_actions"] == ["add_action"]
    assert post(world.cmo_qa, f"/capas/{c['id']}/approve_plan", {"password": PASSWORD}).status_code == 403
    r = post(world.qp, f"/capas/{c['id']}/approve_plan", {"password": PASSWORD})
    assert r.status_code == 200 and r.json()["status"] == "in_progress"
    action = r.json()["actions"][0]["id"]
    tomorrow = (clock.today() + dt.timedelta(days=1)).isoformat()
    r = post(world.cmo_qa, f"/capas/{c['id']}/actions/{action}/done", {"done_on": tomorrow, "evidence": "WO-9"})
    assert r.status_code == 400 and "done_on" in r.json()["details"]["fields"]
    r = post(
        world.cmo_qa,
        f"/capas/{c['id']}/actions/{action}/done",
        {"done_on": clock.today().isoformat(), "evidence": "WO-9"},
    )
    assert r.status_code == 200 and r.json()["actions"][0]["done_on"] == clock.today().isoformat()
    assert client(world.gd_inspector).get(f"{API}/capas/{c['id']}").status_code == 404
    assert (
        client(world.sh_inspector).get(f"{API}/capas/{c['id']}/history").json()["signatures"][0]["meaning"]
        == "approved"
    )
    assert [x["id"] for x in client(world.js_inspector).get(f"{API}/capas").json()["items"]] == [c["id"]]


def test_web_plan_from_a_deviation_and_act(genealogy, world):
    dev = record(world, [genealogy.p2])
    c = client(world.cmo_qa)
    html = c.get(f"/capas/new/?deviation={dev.pk}").content.decode()
    assert f'value="{dev.reference}"' in html
    due = (clock.today() + dt.timedelta(days=5)).isoformat()
    form = {
        "product": world.pd1.pk,
        "owner": world.cmo.pk,
        "source": "deviation",
        "deviation": "DEV-NOPE",
        "title": "Needle checks",
        "problem": "Wear.",
        "action": "Replace needles.",
        "action_kind": "corrective",
        "action_owner": world.cmo_qa.pk,
        "action_due": due,
    }
    before = counts()
    r = c.post("/capas/new/", form)
    assert r.status_code == 400 and 'data-testid="error-deviation"' in r.content.decode()
    assert counts() == before
    r = c.post("/capas/new/", {**form, "deviation": dev.reference})
    capa = Capa.objects.get()
    assert r.status_code == 302 and r["Location"] == f"/capas/{capa.pk}/"
    assert f"/capas/{capa.pk}/" in client(world.holder_qa).get(f"/deviations/{dev.pk}/").content.decode()
    r = client(world.qp).post(f"/capas/{capa.pk}/approve_plan/", {"approve_plan-password": PASSWORD})
    assert r.status_code == 302 and Capa.objects.get().status == "in_progress"
    r = c.post(
        f"/capas/{capa.pk}/add_action/",
        {
            "add_action-description": "Train the fillers.",
            "add_action-kind": "preventive",
            "add_action-owner": world.gd_qa.pk,
            "add_action-due_on": due,
        },
    )
    assert r.status_code == 400 and 'data-testid="error-owner"' in r.content.decode()  # not a person of either party
    r = c.post(
        f"/capas/{capa.pk}/add_action/",
        {
            "add_action-description": "Train the fillers.",
            "add_action-kind": "preventive",
            "add_action-owner": world.holder_qa.pk,
            "add_action-due_on": due,
        },
    )
    assert r.status_code == 302 and list(capa.actions.values_list("position", "owner__username")) == [
        (1, "cmo-qa"),
        (2, "holder-qa"),
    ]
    cs.capa_complete_action(
        actor=world.holder_qa, action=Capa.objects.get().actions.get(position=2), done_on=clock.today(), evidence="x"
    )
    action = capa.actions.get(position=1)
    r = c.post(
        f"/capas/{capa.pk}/actions/{action.pk}/done/",
        {f"done-{action.pk}-done_on": clock.today().isoformat(), f"done-{action.pk}-evidence": ""},
    )
    assert r.status_code == 400 and 'data-testid="error-evidence"' in r.content.decode()
    r = c.post(
        f"/capas/{capa.pk}/actions/{action.pk}/done/",
        {f"done-{action.pk}-done_on": clock.today().isoformat(), f"done-{action.pk}-evidence": "WO-9"},
    )
    assert r.status_code == 302
    zh = client(world.holder_qa, "zh-hans").get(f"/capas/{capa.pk}/").content.decode()
    assert "实施中" in zh and 'data-testid="action-submit_effectiveness"' in zh
    assert client(world.gd_qa).get(f"/capas/{capa.pk}/").status_code == 404


def test_the_overdue_list(genealogy, world):
    dev = record(world, [genealogy.p2])
    capa = plan(world, dev)
    html = client(world.holder_qa).get("/capas/?overdue=on").content.decode()
    assert f'data-id="{capa.pk}"' not in html
    from bioseg.common.clock import pinned

    later = dt.datetime.combine(clock.today() + dt.timedelta(days=12), dt.time(9), tzinfo=dt.UTC)
    with pinned(later):
        html = client(world.holder_qa).get("/capas/?overdue=on").content.decode()
    assert f'data-id="{capa.pk}"' in html and 'data-testid="overdue-alert"' in html
