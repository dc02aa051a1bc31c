"""``/api/v1/changes``: list (filters, pagination), detail, raise, the workflow's transitions and history; bad input a
bilingual field error; refusals change nothing; out of scope a 404."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from tests.conftest import PASSWORD
from tests.production import conftest as production_fixtures
from tests.quality.test_changes import counts, snapshot

pytestmark = pytest.mark.django_db

world = production_fixtures.world
API = "/api/v1/changes"


def client(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def body(world, **kw) -> dict:
    values = {
        "product_id": world.pd1.pk,
        "site_id": world.js_site.pk,
        "segment_id": world.seg["DS"].pk,
        "kind": "material",
        "title": "Second protein A resin supplier",
        "description": "Qualify a second supplier.",
        "justification": "Supply security.",
        "raised_on": "2025-03-01",
        "route": "filing",
        "gmp_impact": "major",
        "classification_reason": "Key raw material of the drug substance.",
    }
    values.update(kw)
    return values


def test_a_change_walks_to_implementation_through_the_api(world):
    holder, cmo = client(world.holder_qa), client(world.cmo_qa)
    r = holder.post(API, body(world), content_type="application/json")
    assert r.status_code == 201, r.content
    change = r.json()
    pk = change["id"]
    assert [a["segment_code"] for a in change["affected"]] == ["DS", "DP"]
    assert [m["code"] for m in change["missing"]] == ["approval_missing", "assessment_missing", "regulatory_missing"]
    assert change["filing_authority_en"] == "Jiangsu MPA"
    assert (
        holder.post(f"{API}/{pk}/approve", {"password": PASSWORD}, content_type="application/json").status_code == 200
    )
    r = holder.post(
        f"{API}/{pk}/regulatory-record",
        {"reference": "JS-BA-2025-0042", "recorded_on": "2025-03-05"},
        content_type="application/json",
    )
    assert r.status_code == 200 and r.json()["regulatory_kind"] == "filing"
    from bioseg.quality.models import ChangeRequest

    obj = ChangeRequest.objects.get(pk=pk)
    before, state = counts(), snapshot(obj)
    r = holder.post(
        f"{API}/{pk}/implement", {"implemented_on": "2025-03-10", "password": PASSWORD}, content_type="application/json"
    )
    assert r.status_code == 409
    err = r.json()
    assert err["code"] == "change_not_ready"
    assert [m["message"] for m in err["details"]["missing"]] == [
        "The impact assessment of Shanghai CDMO is not recorded."
    ]
    assert counts() == before and snapshot(obj) == state
    r = cmo.post(
        f"{API}/{pk}/assessments",
        {"conclusion": "no_impact", "assessment": "DP unaffected.", "password": PASSWORD},
        content_type="application/json",
    )
    assert r.status_code == 201 and r.json()["assessments"][0]["enterprise_id"] == world.cmo.pk
    r = holder.post(
        f"{API}/{pk}/implement", {"implemented_on": "2025-03-10", "password": PASSWORD}, content_type="application/json"
    )
    assert r.status_code == 200 and r.json()["status"] == "implemented"
    assert [s["meaning"] for s in r.json()["signatures"]] == ["approved", "reviewed", "approved"]
    h = cmo.get(f"{API}/{pk}/history")
    assert h.status_code == 200 and h.json()["kind"] == "changes"
    r = cmo.get(API, {"status": "implemented", "route": "filing", "limit": 1})
    assert r.status_code == 200 and r.json()["count"] == 1 and r.json()["items"][0]["id"] == pk
    r = client(world.js_inspector).post(
        f"{API}/{pk}/reclassify",
        {"route": "prior_approval", "reason": "Major (Art. 79)."},
        content_type="application/json",
    )
    assert r.status_code == 200 and r.json()["reclassified_by_regulator"] is True
    assert r.json()["events"][-1]["data"]["route"] == ["filing", "prior_approval"]


def test_bad_input_is_a_bilingual_field_error_and_writes_nothing(world):
    holder = client(world.holder_qa)
    before = counts()
    r = holder.post(API, body(world, site_id=999999), content_type="application/json")
    assert r.status_code == 400
    assert r.json()["details"]["fields"]["site_id"]["message"] == "There is no site 999999 that you can see."
    assert r.json()["details"]["fields"]["site_id"]["message_zh"] == "不存在您可查看的site 999999。"
    future = (dt.date.today() + dt.timedelta(days=5)).isoformat()
    r = holder.post(API, body(world, raised_on=future), content_type="application/json")
    assert r.status_code == 400
    field = r.json()["details"]["fields"]["raised_on"]
    assert field == {
        "message": "The date the change is raised cannot be in the future.",
        "message_zh": "变更提出日期不能晚于今天。",
    }
    r = holder.post(API, body(world, raised_on="2024-12-31"), content_type="application/json")
    assert r.status_code == 400
    assert r.json()["details"]["fields"]["site"]["message"] == "PD-1 mAb has no process chain in force on 2024-12-31."
    assert holder.get(API, {"route": "urgent"}).status_code == 400
    assert counts() == before


def test_out_of_scope_is_a_404_and_changes_nothing(world):
    r = client(world.holder_qa).post(API, body(world), content_type="application/json")
    pk = r.json()["id"]
    before = counts()
    gd = client(world.gd_qa)
    assert gd.get(f"{API}/{pk}").status_code == 404
    assert gd.post(f"{API}/{pk}/approve", {"password": PASSWORD}, content_type="application/json").status_code == 404
    assert gd.get(f"{API}/{pk}/history").status_code == 404
    assert gd.get(API).json()["count"] == 0
    r = client(world.cmo_qa).post(f"{API}/{pk}/approve", {"password": PASSWORD}, content_type="application/json")
    assert r.status_code == 403
    assert counts() == before
