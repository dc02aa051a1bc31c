"""/api/v1/pilot-applications: the PD-1 workflow over HTTP, refusals in the one error shape, scoping."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from bioseg.common import clock
from tests.conftest import PASSWORD
from tests.pilots.helpers import PD1_DECLARED, PDF, build_world, counts

BASE = "/api/v1/pilot-applications"


@pytest.fixture
def pw(make_user, admin, monkeypatch):
    monkeypatch.setattr(clock, "today", lambda: dt.date(2025, 6, 30))
    return build_world(make_user, admin)


def client(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def post(user, url, data):
    return client(user).post(url, data, content_type="application/json")


def drafted(pw) -> int:
    r = post(pw.sz_ra, BASE, {"product_id": pw.pd1.pk})
    assert r.status_code == 201, r.json()
    app_id = r.json()["id"]
    r = post(pw.sz_ra, f"{BASE}/{app_id}/facts", {"facts": PD1_DECLARED, "reason": "not in the registry"})
    assert r.status_code == 200, r.json()
    return app_id


def submitted(pw) -> int:
    app_id = drafted(pw)
    r = post(pw.sz_ra, f"{BASE}/{app_id}/submit", {"password": PASSWORD})
    assert r.status_code == 200, r.json()
    return app_id


def test_pd1_over_http(pw):
    app_id = drafted(pw)
    detail = client(pw.sz_ra).get(f"{BASE}/{app_id}").json()
    assert detail["reference"] == "PA-2025-0001"
    assert (detail["status"], detail["status_en"], detail["status_zh"]) == ("draft", "a draft", "草稿")
    assert [p["code"] for p in detail["involved_provinces"]] == ["310000", "320000"]
    assert detail["involved_provinces"][1] == {"code": "320000", "name_zh": "江苏省", "name_en": "Jiangsu"}
    assert detail["allowed_actions"] == ["assess", "attach_evidence", "declare_facts", "submit"]
    assert {(p["name_en"], p["role"]) for p in detail["parties"]} == {
        ("Suzhou Innovator", "holder"),
        ("Shanghai CDMO", "contract_manufacturer"),
    }

    r = post(pw.sz_ra, f"{BASE}/{app_id}/assess", {})
    assert r.status_code == 201
    det = r.json()
    assert (det["ruleset"], det["as_of"], det["outcome"], det["purpose"]) == (
        "pilot2024",
        "2025-06-30",
        "needs_determination",
        "assessment",
    )
    assert det["determination"]["outcome"] == "needs_determination"
    assert det["case"]["joint_regulatory_plan"] == {"agreed_by": []}

    upload = SimpleUploadedFile("history.pdf", PDF, content_type="application/pdf")
    r = client(pw.sz_qa).post(
        f"{BASE}/{app_id}/evidence",
        {"file": upload, "requirement": "pilot2024.cmo.experience", "kind": "production_history"},
    )
    assert r.status_code == 201, r.json()
    ev = r.json()
    assert (ev["file_name"], ev["size"], ev["uploaded_by"]) == ("history.pdf", len(PDF), "sz_qa")
    download = client(pw.sh_cmo).get(f"{BASE}/{app_id}/evidence/{ev['id']}/file")
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PDF

    r = post(pw.sz_ra, f"{BASE}/{app_id}/submit", {"password": PASSWORD})
    assert r.status_code == 200
    assert (r.json()["status"], r.json()["submitted_on"]) == ("submitted", "2025-06-30")

    for reviewer in (pw.js_reviewer, pw.sh_reviewer):
        r = post(reviewer, f"{BASE}/{app_id}/reviews", {"action": "recommend", "comment": "ok"})
        assert r.status_code == 201, r.json()
    reviews = client(pw.nmpa).get(f"{BASE}/{app_id}/reviews").json()
    assert [(x["province"]["code"], x["action"]) for x in reviews] == [("320000", "recommend"), ("310000", "recommend")]

    r = post(
        pw.nmpa,
        f"{BASE}/{app_id}/decision",
        {"decision": "approve", "conditions": "c", "reason": "r", "password": PASSWORD},
    )
    assert r.status_code == 409
    assert r.json()["code"] == "joint_plan_not_agreed"

    for reviewer in (pw.sh_reviewer, pw.js_reviewer):
        r = post(reviewer, f"{BASE}/{app_id}/joint-plan/approve", {"password": PASSWORD})
        assert r.status_code == 200, r.json()
    plan = r.json()
    assert plan["status"] == "agreed"
    assert [(a["province"]["code"], a["approver"], a["signatures"][0]["intact"]) for a in plan["approvals"]] == [
        ("310000", "sh_reviewer", True),
        ("320000", "js_reviewer", True),
    ]

    r = post(
        pw.nmpa,
        f"{BASE}/{app_id}/decision",
        {"decision": "approve", "conditions": "一品一策：年度全面检查。", "reason": "eligible", "password": PASSWORD},
    )
    assert r.status_code == 201, r.json()
    decision = r.json()
    assert (decision["decision"], decision["conditions"], decision["officer"]) == (
        "approve",
        "一品一策：年度全面检查。",
        "nmpa_officer",
    )
    assert decision["signatures"][0]["meaning"] == "approved"
    assert client(pw.sz_ra).get(f"{BASE}/{app_id}").json()["status"] == "approved"

    events = client(pw.sh_cmo).get(f"{BASE}/{app_id}/events").json()
    assert events[0]["kind"] == "drafted" and events[-1]["kind"] == "decided"
    history = client(pw.nmpa).get(f"{BASE}/{app_id}/history").json()
    assert history[0]["action"] == "insert" and history[0]["reason"] == "pilot application drafted"

    dets = client(pw.nmpa).get(f"{BASE}/{app_id}/determinations").json()
    assert dets["count"] == 3
    for item in dets["items"]:
        r = post(pw.nmpa, f"{BASE}/{app_id}/determinations/{item['id']}/reproduce", {})
        assert r.status_code == 200
        assert (r.json()["identical"], r.json()["differences"]) == (True, [])


def test_submit_after_the_deadline_in_the_error_shape(pw, monkeypatch):
    app_id = drafted(pw)
    monkeypatch.setattr(clock, "today", lambda: dt.date(2026, 1, 5))
    before = counts()
    r = post(pw.sz_ra, f"{BASE}/{app_id}/submit", {"password": PASSWORD})
    assert r.status_code == 400
    body = r.json()
    assert set(body) == {"code", "message", "message_zh", "details"}
    assert body["code"] == "deadline_passed"
    assert body["details"]["deadline"] == "2025-12-31"
    assert counts() == before


def test_wrong_password_is_403_and_changes_nothing(pw):
    app_id = drafted(pw)
    before = counts()
    r = post(pw.sz_ra, f"{BASE}/{app_id}/submit", {"password": "not my password"})
    assert (r.status_code, r.json()["code"]) == (403, "signature_refused")
    assert counts() == before


def test_guangdong_reviewer_gets_404(pw):
    app_id = submitted(pw)
    before = counts()
    assert client(pw.gd_reviewer).get(f"{BASE}/{app_id}").status_code == 404
    r = post(pw.gd_reviewer, f"{BASE}/{app_id}/reviews", {"action": "recommend", "comment": ""})
    assert (r.status_code, r.json()["code"]) == (404, "not_found")
    assert counts() == before


def test_cmo_cannot_draft(pw):
    before = counts()
    r = post(pw.sh_cmo, BASE, {"product_id": pw.pd1.pk})
    assert (r.status_code, r.json()["code"]) == (403, "permission_denied")
    assert counts() == before


def test_lists_are_scoped(pw):
    app_id = drafted(pw)
    assert [a["id"] for a in client(pw.sz_ra).get(BASE).json()["items"]] == [app_id]
    assert [a["id"] for a in client(pw.sh_cmo).get(BASE).json()["items"]] == [app_id]
    assert client(pw.js_reviewer).get(BASE).json()["count"] == 0
    post(pw.sz_ra, f"{BASE}/{app_id}/submit", {"password": PASSWORD})
    assert [a["id"] for a in client(pw.js_reviewer).get(BASE).json()["items"]] == [app_id]
    assert client(pw.gd_reviewer).get(BASE).json()["count"] == 0
    assert client(pw.nmpa).get(f"{BASE}?status=submitted").json()["count"] == 1
    assert client(pw.nmpa).get(f"{BASE}?status=draft").json()["count"] == 0
    assert Client().get(BASE).status_code == 401


def test_bad_upload_is_a_field_error(pw):
    app_id = drafted(pw)
    before = counts()
    upload = SimpleUploadedFile("x.exe", b"MZ", content_type="application/octet-stream")
    r = client(pw.sz_ra).post(
        f"{BASE}/{app_id}/evidence", {"file": upload, "requirement": "pilot2024.cmo.experience", "kind": "other"}
    )
    assert r.status_code == 400
    assert list(r.json()["details"]["fields"]) == ["file"]
    assert counts() == before


def test_unknown_fields_and_values_are_refused(pw):
    app_id = drafted(pw)
    r = post(pw.sz_ra, f"{BASE}/{app_id}/assess", {"as_of": "2024-01-01"})
    assert r.status_code == 400
    assert list(r.json()["details"]["fields"]) == ["as_of"]
    r = post(pw.sz_ra, BASE, {"product_id": pw.pd1.pk, "colour": "red"})
    assert r.status_code == 422


def test_multipart_without_boundary_is_a_clear_400(pw):
    app_id = drafted(pw)
    before = counts()
    r = client(pw.sz_ra).generic(
        "POST", f"{BASE}/{app_id}/evidence", b"--x\r\n\r\nbody", content_type="multipart/form-data"
    )
    assert r.status_code == 400
    assert r.json() == {
        "code": "invalid_multipart",
        "message": "The upload is not valid multipart/form-data (send the file as a form field with a boundary).",
        "message_zh": "上传内容不是有效的 multipart/form-data（请以带分隔符的表单字段发送文件）。",
        "details": {},
    }
    assert counts() == before
