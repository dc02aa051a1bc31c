"""Pilot-application pages: drafting, the detail with the forms each role gets, the signatures, the refusals,
the determination page with its explanation and reproduction, scoping, and the dashboard cards."""

from __future__ import annotations

import datetime as dt
import html as html_lib
import json
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from bioseg.common import clock
from bioseg.pilots import services
from bioseg.pilots.models import PilotApplication
from tests.conftest import PASSWORD
from tests.pilots.helpers import PD1_DECLARED, PDF, build_world, counts

pytestmark = pytest.mark.django_db


@pytest.fixture
def pw(make_user, admin, monkeypatch):
    monkeypatch.setattr(clock, "today", lambda: dt.date(2025, 6, 30))
    return build_world(make_user, admin)


def as_user(user, lang: str = "en") -> Client:
    c = Client(HTTP_ACCEPT_LANGUAGE=lang)
    c.force_login(user)
    return c


def text(response) -> str:
    return html_lib.unescape(response.content.decode())


def ids_on(response) -> set[str]:
    return set(re.findall(r'data-testid="([^"]+)"', response.content.decode()))


def drafted(pw) -> PilotApplication:
    app = services.application_draft(actor=pw.sz_ra, product=pw.pd1)
    return services.application_facts_declare(actor=pw.sz_ra, application=app, facts=PD1_DECLARED, reason="facts")


def test_holder_drafts_declares_attaches_and_submits_through_the_pages(pw):
    c = as_user(pw.sz_ra)
    page = c.get("/pilots/new/")
    assert page.status_code == 200 and 'data-testid="draft-form"' in page.content.decode()
    r = c.post("/pilots/new/", {"product": pw.pd1.pk})
    app = PilotApplication.objects.get()
    assert r.status_code == 302 and r["Location"] == f"/pilots/{app.pk}/"

    r = c.post(
        f"/pilots/{app.pk}/facts/",
        {"facts": json.dumps(PD1_DECLARED), "reason": "declared from the QMS"},
    )
    assert r.status_code == 302
    r = c.post(f"/pilots/{app.pk}/assess/", {"as_of": "", "ruleset": ""})
    assert r.status_code == 302
    upload = SimpleUploadedFile("cv.pdf", PDF, content_type="application/pdf")
    r = c.post(
        f"/pilots/{app.pk}/evidence/",
        {"requirement": "pilot2024.holder.stationed_personnel", "kind": "personnel_qualification", "file": upload},
    )
    assert r.status_code == 302

    detail = c.get(f"/pilots/{app.pk}/")
    ids = ids_on(detail)
    assert {"form-declare_facts", "form-assess", "form-attach_evidence", "form-submit"} <= ids
    assert "form-review" not in ids and "form-decide" not in ids
    body = text(detail)
    assert "Needs a regulator's determination" in body or "needs a regulator's determination" in body
    assert "cv.pdf" in body
    assert 'type="password"' in body

    # Wrong password: the form shows the refusal, nothing is written.
    before = counts()
    r = c.post(f"/pilots/{app.pk}/submit/", {"password": "not the password"})
    assert r.status_code == 403
    assert "The signature was refused: Wrong user name or password." in text(r)
    assert counts() == before

    r = c.post(f"/pilots/{app.pk}/submit/", {"password": PASSWORD})
    assert r.status_code == 302
    app.refresh_from_db()
    assert (app.status, app.submitted_on) == ("submitted", dt.date(2025, 6, 30))
    timeline = c.get(f"/pilots/{app.pk}/").content.decode()
    assert re.findall(r'data-testid="event" data-kind="(\w+)"', timeline) == [
        "drafted",
        "facts_declared",
        "assessed",
        "evidence_attached",
        "submitted",
    ]


def test_submit_after_the_deadline_shows_the_cited_refusal_in_chinese(pw, monkeypatch):
    app = drafted(pw)
    monkeypatch.setattr(clock, "today", lambda: dt.date(2026, 1, 5))
    before = counts()
    r = as_user(pw.sz_ra, "zh-hans").post(f"/pilots/{app.pk}/submit/", {"password": PASSWORD})
    assert r.status_code == 400
    body = text(r)
    assert "试点申请已于 2025-12-31 截止" in body
    assert "2025年12月31日前提出试点申请" in body
    assert counts() == before


def test_reviewers_recommend_sign_the_joint_plan_and_nmpa_approves(pw):
    app = drafted(pw)
    services.application_submit(actor=pw.sz_ra, application=app, password=PASSWORD)
    js, sh, nmpa = as_user(pw.js_reviewer), as_user(pw.sh_reviewer), as_user(pw.nmpa)
    assert "form-review" in ids_on(js.get(f"/pilots/{app.pk}/"))
    assert "form-review" not in ids_on(nmpa.get(f"/pilots/{app.pk}/"))
    assert js.post(f"/pilots/{app.pk}/review/", {"action": "recommend", "comment": ""}).status_code == 302
    assert sh.post(f"/pilots/{app.pk}/review/", {"action": "recommend", "comment": "ok"}).status_code == 302
    assert "form-approve_joint_plan" in ids_on(js.get(f"/pilots/{app.pk}/"))

    before = counts()
    r = nmpa.post(
        f"/pilots/{app.pk}/decide/",
        {"decision": "approve", "conditions": "c", "reason": "r", "password": PASSWORD},
    )
    assert r.status_code == 409
    assert "only once the joint regulatory plan is agreed" in text(r)
    assert counts() == before

    assert js.post(f"/pilots/{app.pk}/joint-plan/", {"password": PASSWORD}).status_code == 302
    assert sh.post(f"/pilots/{app.pk}/joint-plan/", {"password": PASSWORD}).status_code == 302
    assert "form-decide" in ids_on(nmpa.get(f"/pilots/{app.pk}/"))
    r = nmpa.post(
        f"/pilots/{app.pk}/decide/",
        {"decision": "approve", "conditions": "一品一策：年度全面检查。", "reason": "eligible", "password": PASSWORD},
    )
    assert r.status_code == 302
    app.refresh_from_db()
    assert app.status == "approved"
    page = as_user(pw.sh_cmo).get(f"/pilots/{app.pk}/")
    assert page.status_code == 200
    assert "一品一策：年度全面检查。" in text(page)
    assert "actions" not in ids_on(page)  # the CMO reads only


def test_guangdong_reviewer_and_other_holders_get_404(pw):
    app = drafted(pw)
    services.application_submit(actor=pw.sz_ra, application=app, password=PASSWORD)
    before = counts()
    for user in (pw.gd_reviewer, pw.gd_ra):
        c = as_user(user)
        assert c.get(f"/pilots/{app.pk}/").status_code == 404
        assert c.post(f"/pilots/{app.pk}/review/", {"action": "recommend", "comment": ""}).status_code == 404
    assert counts() == before
    assert Client().get(f"/pilots/{app.pk}/").status_code == 302  # to the login page


def test_cmo_cannot_draft_through_the_page(pw):
    c = as_user(pw.sh_cmo)
    page = c.get("/pilots/new/")
    assert 'data-testid="no-products"' in page.content.decode()
    before = counts()
    r = c.post("/pilots/new/", {"product": pw.pd1.pk})
    assert r.status_code == 400  # the product is not among the CMO's choices
    assert counts() == before


def test_determination_page_explains_and_reproduces(pw):
    app = drafted(pw)
    stored = services.application_assess(actor=pw.sz_ra, application=app)
    c = as_user(pw.sz_ra, "zh-hans")
    page = c.get(f"/pilots/{app.pk}/determinations/{stored.pk}/")
    assert page.status_code == 200
    body = text(page)
    assert "需由监管部门认定" in body
    assert 'data-rule="pilot2024.cmo.experience" data-outcome="pass"' in body
    assert "具有三年以上生物制品商业化生产经验" in body
    r = c.post(f"/pilots/{app.pk}/determinations/{stored.pk}/")
    assert 'data-identical="true"' in r.content.decode()
    assert "已完全复现" in text(r)
    assert as_user(pw.gd_ra).get(f"/pilots/{app.pk}/determinations/{stored.pk}/").status_code == 404


def test_the_determination_page_is_in_one_language_at_a_time(pw):
    from tests.quality.test_chinese_pages import english_words
    from tests.web.test_web_wizard import chinese_words

    app = drafted(pw)
    stored = services.application_assess(actor=pw.sz_ra, application=app)
    url = f"/pilots/{app.pk}/determinations/{stored.pk}/"
    zh = as_user(pw.sz_ra, "zh-hans").get(url).content.decode()
    # names: a person's, the contract manufacturer's as written in the case, a publisher's; the ruleset code reg2026
    names = {w for n in (pw.sz_ra.printed_name, "Shanghai CDMO", "Mondaq reg") for w in n.split()}
    assert [w for w in english_words(zh) if w not in names] == []
    assert "Pilot Work Plan" not in zh
    en = as_user(pw.sz_ra, "en").get(url).content.decode()
    assert chinese_words(en) == []  # but the law's own words, marked as Chinese beside their rendering
    assert '<q lang="zh-Hans" class="muted">' in en and "Pilot Work Plan" in en


def test_list_and_dashboard(pw):
    app = drafted(pw)
    holder = as_user(pw.sz_ra)
    listing = holder.get("/pilots/").content.decode()
    assert re.findall(r'data-testid="row" data-id="(\d+)"', listing) == [str(app.pk)]
    dash = holder.get("/").content.decode()
    assert re.search(r'data-testid="count-pilot_applications">\s*<span class="stat-count">1</span>', dash)
    assert re.search(r'data-testid="count-pilot_awaiting">\s*<span class="stat-count">1</span>', dash)
    assert "/pilots/new/" in dash
    js_dash = as_user(pw.js_reviewer).get("/").content.decode()
    assert re.search(r'data-testid="count-pilot_applications">\s*<span class="stat-count">0</span>', js_dash)
    services.application_submit(actor=pw.sz_ra, application=app, password=PASSWORD)
    js_dash = as_user(pw.js_reviewer).get("/").content.decode()
    assert re.search(r'data-testid="count-pilot_awaiting">\s*<span class="stat-count">1</span>', js_dash)
    assert as_user(pw.gd_reviewer).get("/pilots/").content.decode().count('data-testid="row" data-id=') == 0


def test_pages_speak_chinese(pw):
    app = drafted(pw)
    c = as_user(pw.sz_ra, "zh-hans")
    body = text(c.get(f"/pilots/{app.pk}/"))
    for words in ("试点申请", "时间线", "证明材料", "您的密码（电子签名）", "草稿", "已起草", "电子签名并提交"):
        assert words in body, words
    assert "起草试点申请" in text(c.get("/pilots/"))


def test_evidence_download_is_scoped(pw):
    app = drafted(pw)
    item = services.evidence_attach(
        actor=pw.sz_ra,
        application=app,
        requirement="pilot2024.cmo.experience",
        kind="production_history",
        file_name="h.pdf",
        content=PDF,
    )
    r = as_user(pw.sh_cmo).get(f"/pilots/{app.pk}/evidence/{item.pk}/")
    assert r.status_code == 200 and b"".join(r.streaming_content) == PDF
    assert r["Content-Disposition"] == 'attachment; filename="h.pdf"'
    assert as_user(pw.gd_ra).get(f"/pilots/{app.pk}/evidence/{item.pk}/").status_code == 404
