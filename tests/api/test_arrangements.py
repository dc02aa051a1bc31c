"""/api/v1/arrangements: the standing route over HTTP — PD-1 carried over from its pilot approval, the signed steps,
NMPA's determination on an open question, refusals in the one error shape (nothing written), and scoping."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from bioseg.common import clock
from tests.conftest import PASSWORD
from tests.pilots.helpers import build_world
from tests.pilots.standing_helpers import PD1_STANDING_FACTS, TODAY, approve_pd1_pilot, counts

BASE = "/api/v1/arrangements"
pytestmark = pytest.mark.django_db


@pytest.fixture
def pw(make_user, admin, monkeypatch):
    def pin(day: dt.date) -> None:
        monkeypatch.setattr(clock, "today", lambda: day)

    world = build_world(make_user, admin)
    approve_pd1_pilot(world, pin)
    pin(TODAY)
    return world


def client(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def post(user, url, data):
    return client(user).post(url, data, content_type="application/json")


def step(user, arrangement_id: int, action: str, **fields):
    return post(user, f"{BASE}/{arrangement_id}/transitions", {"action": action, **fields})


def submitted(pw) -> int:
    r = post(pw.sz_ra, BASE, {"product_id": pw.pd1.pk})
    assert r.status_code == 201, r.json()
    aid = r.json()["id"]
    assert post(pw.sz_ra, f"{BASE}/{aid}/facts", {"facts": PD1_STANDING_FACTS, "reason": "reg2026"}).status_code == 200
    assert step(pw.sz_ra, aid, "assess").status_code == 200
    r = step(pw.sz_ra, aid, "submit", password=PASSWORD)
    assert r.status_code == 200, r.json()
    return aid


def test_pd1_onto_the_standing_route_over_http(pw):
    r = post(pw.sz_ra, BASE, {"product_id": pw.pd1.pk})
    assert r.status_code == 201
    d = r.json()
    assert (d["reference"], d["status"], d["status_zh"], d["vaccine"], d["ruleset"]) == (
        "SA-2026-0001",
        "draft",
        "草稿",
        False,
        "reg2026",
    )
    assert d["consent_provinces"] == [{"code": "310000", "name_zh": "上海市", "name_en": "Shanghai"}]
    assert [c["key"] for c in d["carry_over"]] == ["pilot_approval", "conditions", "declared_facts", "joint_plan"]
    assert [(q["key"], q["status"], q["determination"]) for q in d["questions"]] == [
        ("Q11", "open", ""),
        ("Q11.conditions", "open", ""),
        ("Q12", "open", ""),
        ("Q12.approval", "open", ""),
    ]
    assert d["allowed_actions"] == ["declare_facts", "assess"]
    assert d["latest_determination"] is None
    aid = d["id"]

    r = step(pw.sz_ra, aid, "assess")
    assert r.json()["latest_determination"]["outcome"] == "incomplete"
    assert r.json()["allowed_actions"] == ["declare_facts", "assess", "submit"]
    before = counts()
    r = step(pw.sz_ra, aid, "submit", password=PASSWORD)
    assert (r.status_code, r.json()["code"]) == (400, "incomplete")
    assert counts() == before

    assert post(pw.sz_ra, f"{BASE}/{aid}/facts", {"facts": PD1_STANDING_FACTS, "reason": "r"}).status_code == 200
    assert step(pw.sz_ra, aid, "assess").json()["latest_determination"]["outcome"] == "eligible"
    r = step(pw.sz_ra, aid, "submit", password=PASSWORD)
    assert r.json()["status"] == "submitted"
    assert r.json()["consents"] == [
        {"province_code": "310000", "status": "pending", "reviewer": None, "at": None, "comment": ""}
    ]

    # Jiangsu sees the consent request, may not pass yet; Shanghai consents; Jiangsu passes.
    js = client(pw.js_reviewer).get(f"{BASE}/{aid}").json()
    assert js["allowed_actions"] == ["pass_review", "refuse"]
    assert js["consents"][0]["status"] == "pending"
    before = counts()
    r = step(pw.js_reviewer, aid, "pass_review", password=PASSWORD)
    assert (r.status_code, r.json()["code"], r.json()["details"]) == (409, "consent_pending", {"pending": ["310000"]})
    assert counts() == before
    assert step(pw.sh_reviewer, aid, "consent", password=PASSWORD).json()["consents"][0]["status"] == "given"
    assert step(pw.js_reviewer, aid, "pass_review", password=PASSWORD).json()["status"] == "reviewed"

    r = step(pw.js_reviewer, aid, "record", reference="苏-1", password=PASSWORD)
    assert (r.status_code, r.json()["code"]) == (409, "open_determination")
    questions = client(pw.nmpa).get(f"{BASE}/{aid}").json()["questions"]
    for q in questions:
        r = post(
            pw.nmpa,
            f"{BASE}/{aid}/questions/{q['id']}/determination",
            {
                "outcome": "pass" if q["rule"] else "no",
                "determination": "继续有效。",
                "reasoning": "第三十二条。",
                "password": PASSWORD,
            },
        )
        assert r.status_code == 200, r.json()
        assert (r.json()["status"], r.json()["determined_by"]) == ("determined", "nmpa_officer")
        assert (r.json()["outcome"], r.json()["outcomes"]) == (
            ("pass", ["pass", "fail", "not_applicable"]) if q["rule"] else ("no", ["yes", "no"])
        )
    assert [q["rule"] for q in questions] == ["reg2026.transition.pilot_approval", "", "", ""]
    r = step(pw.js_reviewer, aid, "record", reference="苏-1", password=PASSWORD)
    assert (r.json()["status"], r.json()["record_reference"], r.json()["recorded_on"]) == (
        "recorded",
        "苏-1",
        "2026-12-04",
    )
    assert [e["kind"] for e in r.json()["events"]][-2:] == ["question_determined", "recorded"]


def test_refusals_in_the_one_error_shape_and_scoping(pw):
    aid = submitted(pw)
    before = counts()
    r = step(pw.sz_ra, aid, "assess")
    assert (r.status_code, r.json()["code"], r.json()["details"]["state"]) == (409, "wrong_state", "submitted")
    r = post(pw.sz_ra, f"{BASE}/{aid}/facts", {"facts": {"holder": {"segmentation_need": False}}, "reason": "r"})
    assert (r.status_code, r.json()["code"]) == (409, "wrong_state")
    r = step(pw.sh_reviewer, aid, "pass_review", password=PASSWORD)
    assert (r.status_code, r.json()["code"]) == (403, "permission_denied")
    assert client(pw.gd_reviewer).get(f"{BASE}/{aid}").status_code == 404
    assert client(pw.gd_ra).get(f"{BASE}/{aid}").status_code == 404
    assert client(pw.gd_reviewer).get(BASE).json()["items"] == []
    r = step(pw.js_reviewer, aid, "fly")
    assert (r.status_code, r.json()["code"]) == (422, "validation_error")
    r = post(pw.sz_ra, BASE, {"product_id": pw.pd1.pk})
    assert (r.status_code, r.json()["code"]) == (409, "arrangement_exists")
    r = post(pw.gd_ra, BASE, {"product_id": pw.pd1.pk})
    assert (r.status_code, r.json()["code"]) == (400, "validation_error")
    q = client(pw.nmpa).get(f"{BASE}/{aid}").json()["questions"][0]
    r = post(
        pw.js_reviewer,
        f"{BASE}/{aid}/questions/{q['id']}/determination",
        {"outcome": "pass", "determination": "x", "reasoning": "y", "password": PASSWORD},
    )
    assert (r.status_code, r.json()["code"]) == (403, "permission_denied")
    assert counts() == before
    workflow = client(pw.nmpa).get(f"{BASE}/workflow").json()
    assert [row["action"] for row in workflow] == [
        "declare_facts",
        "assess",
        "submit",
        "consent",
        "withhold_consent",
        "pass_review",
        "refuse",
        "nmpa_approve",
        "nmpa_reject",
        "record",
        "determine",
    ]
