"""The standing-route pages in both languages: drafting from a pilot approval, the facts form generated from the
case schema, the signed steps of each role, refusals on the form (nothing written), and the pilot pages pointing
to this route once pilot applications have closed."""

from __future__ import annotations

import datetime as dt
import html as html_lib
import re

import pytest
from django.test import Client

from bioseg.common import clock
from bioseg.pilots import standing
from bioseg.pilots.models import OpenQuestion, PilotApplication, SegmentedArrangement
from tests.conftest import PASSWORD
from tests.pilots.helpers import build_world
from tests.pilots.standing_helpers import PD1_STANDING_FACTS, TODAY, approve_pd1_pilot, counts

pytestmark = pytest.mark.django_db


def as_user(user, lang: str = "zh-hans") -> Client:
    c = Client(HTTP_ACCEPT_LANGUAGE=lang)
    c.force_login(user)
    return c


def body(response, status: int = 200) -> str:
    assert response.status_code == status, (response.status_code, response.content[:3000])
    return html_lib.unescape(response.content.decode())


def text(html: str) -> str:
    """The visible text of a page's main content, tags dropped."""
    main = html.split("<main", 1)[-1].split(">", 1)[-1].split("</main>", 1)[0]
    main = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", main, flags=re.S)
    visible = re.sub(r"<[^>]+>", " ", main)
    visible = re.sub(r"\b\w+(?:\.\w+)+\b", " ", visible)  # codes (rule ids, question keys), not sentences
    return re.sub(r"\s+", " ", visible)


@pytest.fixture
def days(monkeypatch):
    def pin(day: dt.date) -> None:
        monkeypatch.setattr(clock, "today", lambda: day)

    return pin


@pytest.fixture
def pw(make_user, admin, days):
    world = build_world(make_user, admin)
    approve_pd1_pilot(world, days)
    days(TODAY)
    return world


def answers(missing_value: str = "true") -> dict[str, str]:
    """The facts form's answers for what reg2026 still needs of PD-1 (one input per fact path, ``f:`` + path)."""
    return {
        "f:contract_manufacturers[0].redelegates": "false",
        "f:product.special_process_or_facility_need": missing_value,
        "f:holder.segmentation_need": "true",
        "f:segments[0].electronic_records": "true",
        "f:segments[1].electronic_records": "true",
        "reason": "从质量体系文件补充",
    }


def test_the_holder_drafts_from_the_pilot_approval_and_fills_the_facts_form(pw):
    c = as_user(pw.sz_ra)
    new = body(c.get("/arrangements/new/"))
    assert "PA-2025-0001" in new
    response = c.post("/arrangements/new/", {"product": pw.pd1.pk})
    a = SegmentedArrangement.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/arrangements/{a.pk}/"
    zh = body(c.get(f"/arrangements/{a.pk}/"))
    assert 'data-testid="status" data-status="draft">草稿</span>' in zh
    assert "<td>国家药监局试点批复</td><td>PA-2025-0001，2025-09-12批准</td>" in zh
    assert "试点于2026年12月31日结束后，试点批复是否依第三十二条延续、需重新申请，还是失效？" in zh
    assert '<dd data-testid="consent-provinces">上海市</dd>' in zh
    assert "请先评估，以查看尚需补充的事实。" in zh
    en = body(as_user(pw.sz_ra, "en").get(f"/arrangements/{a.pk}/"))
    assert "<td>NMPA pilot approval</td><td>PA-2025-0001, approved on 2025-09-12</td>" in en
    assert '<dd data-testid="consent-provinces">Shanghai</dd>' in en

    assert c.post(f"/arrangements/{a.pk}/assess/").status_code == 302
    zh = body(c.get(f"/arrangements/{a.pk}/"))
    names = re.findall(r'name="(f:[^"]+)"', zh)
    assert sorted(set(names)) == sorted(
        [
            "f:contract_manufacturers[0].redelegates",
            "f:product.special_process_or_facility_need",
            "f:product.public_health_emergency_need",
            "f:product.reserve_need",
            "f:holder.segmentation_need",
            "f:segments[0].electronic_records",
            "f:segments[1].electronic_records",
        ]
    )
    # A bad answer goes onto the form and nothing is written.
    before = counts()
    bad = body(c.post(f"/arrangements/{a.pk}/declare_facts/", answers("maybe")), 400)
    assert "请回答是、否或未知。" in bad
    assert counts() == before

    assert c.post(f"/arrangements/{a.pk}/declare_facts/", answers()).status_code == 302
    a.refresh_from_db()
    assert a.status == "draft"
    assert a.case_facts["segments"][1] == {
        "stage": "drug_product",
        "enterprise": "Shanghai CDMO",
        "region": "310000",
        "electronic_records": True,
    }
    assert a.case_facts["contract_manufacturers"][0]["redelegates"] is False
    assert c.post(f"/arrangements/{a.pk}/assess/").status_code == 302
    zh = body(c.get(f"/arrangements/{a.pk}/"))
    assert 'data-outcome="eligible">符合条件</strong>' in zh

    # A wrong password is refused on the form; nothing is written.
    before = counts()
    refused = body(c.post(f"/arrangements/{a.pk}/submit/", {"password": "wrong"}), 400)
    assert 'data-testid="error-password"' in refused
    assert {k: v for k, v in counts().items() if k != "audit_events"} == {
        k: v for k, v in before.items() if k != "audit_events"
    }
    assert c.post(f"/arrangements/{a.pk}/submit/", {"password": PASSWORD}).status_code == 302
    a.refresh_from_db()
    assert a.status == "submitted"


@pytest.fixture
def submitted(pw):
    a = standing.arrangement_draft(actor=pw.sz_ra, product=pw.pd1)
    a = standing.arrangement_facts_declare(actor=pw.sz_ra, arrangement=a, facts=PD1_STANDING_FACTS, reason="r")
    standing.arrangement_assess(actor=pw.sz_ra, arrangement=a)
    a.refresh_from_db()
    return standing.arrangement_submit(actor=pw.sz_ra, arrangement=a, password=PASSWORD)


def test_each_regulator_sees_its_own_step(pw, submitted):
    a = submitted
    js = body(as_user(pw.js_reviewer).get(f"/arrangements/{a.pk}/"))
    assert 'data-testid="form-pass_review"' in js and 'data-testid="form-refuse"' in js
    assert 'data-testid="form-consent"' not in js
    assert (
        'data-province="310000"><td>上海市</td><td><span class="tag" data-testid="consent-status" data-status="pending">已请求同意</span>'
        in js
    )
    sh = body(as_user(pw.sh_reviewer).get(f"/arrangements/{a.pk}/"))
    assert 'data-testid="form-consent"' in sh and 'data-testid="form-pass_review"' not in sh
    nmpa = body(as_user(pw.nmpa).get(f"/arrangements/{a.pk}/"))
    assert nmpa.count('data-testid="form-determine"') == 4
    assert 'data-testid="actions"' not in nmpa
    assert as_user(pw.gd_reviewer).get(f"/arrangements/{a.pk}/").status_code == 404
    assert as_user(pw.gd_ra).get(f"/arrangements/{a.pk}/").status_code == 404
    listed = body(as_user(pw.js_reviewer).get("/arrangements/"))
    assert f'data-id="{a.pk}"' in listed
    dash = body(as_user(pw.js_reviewer).get("/"))
    assert "待您办理的常设途径分段生产安排" in dash

    # Jiangsu cannot pass before Shanghai consents: the refusal is on the form, nothing written.
    before = counts()
    refused = body(as_user(pw.js_reviewer).post(f"/arrangements/{a.pk}/pass_review/", {"password": PASSWORD}), 400)
    assert "上海市作为受托方所在地省局出具同意意见前，审查不能通过" in refused
    assert counts() == before
    # Shanghai may not take Jiangsu's step at all.
    assert as_user(pw.sh_reviewer).post(f"/arrangements/{a.pk}/pass_review/", {"password": PASSWORD}).status_code == 403
    assert as_user(pw.js_reviewer).post(f"/arrangements/{a.pk}/nonsense/", {}).status_code == 404

    assert as_user(pw.sh_reviewer).post(f"/arrangements/{a.pk}/consent/", {"password": PASSWORD}).status_code == 302
    assert as_user(pw.js_reviewer).post(f"/arrangements/{a.pk}/pass_review/", {"password": PASSWORD}).status_code == 302
    a.refresh_from_db()
    assert a.status == "reviewed"

    q = OpenQuestion.objects.get(arrangement=a, key="Q11")
    url = f"/arrangements/{a.pk}/questions/{q.pk}/determine/"
    before = counts()
    empty = body(as_user(pw.nmpa).post(url, {"determination": "", "reasoning": "", "password": PASSWORD}), 400)
    assert '<p class="field-error" data-testid="error-determination">这个字段是必填项。</p>' in empty
    assert '<p class="field-error" data-testid="error-outcome">这个字段是必填项。</p>' in empty
    assert counts() == before
    wrong = body(
        as_user(pw.nmpa).post(url, {"outcome": "yes", "determination": "x", "reasoning": "y", "password": PASSWORD}),
        400,
    )
    assert 'data-testid="error-outcome">' in wrong and counts() == before
    assert (
        as_user(pw.js_reviewer)
        .post(url, {"outcome": "pass", "determination": "x", "reasoning": "y", "password": PASSWORD})
        .status_code
        == 403
    )
    ok = as_user(pw.nmpa).post(
        url,
        {"outcome": "pass", "determination": "试点批复继续有效。", "reasoning": "第三十二条。", "password": PASSWORD},
    )
    assert ok.status_code == 302
    q.refresh_from_db()
    assert (q.status, q.determination) == ("determined", "试点批复继续有效。")
    zh = body(as_user(pw.js_reviewer).get(f"/arrangements/{a.pk}/"))
    times = re.findall(r'<li data-testid="event" data-kind="\w+"><span class="mono">([^<]+)</span>', zh)
    assert times and all(re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC\+08:00", t) for t in times), times
    assert 'data-key="Q11"' in zh and '<span data-testid="question-determination">试点批复继续有效。</span>' in zh
    assert '<strong data-testid="question-outcome" data-outcome="pass">规则符合</strong>' in zh
    refused = body(
        as_user(pw.js_reviewer).post(f"/arrangements/{a.pk}/record/", {"reference": "苏-1", "password": PASSWORD}), 400
    )
    assert "不能登记：尚有3个问题待国家药监局认定（Q11.conditions、Q12、Q12.approval）。" in refused


def test_chinese_arrangement_pages_have_no_english_sentences(pw, submitted):
    a = submitted
    for user in (pw.sz_ra, pw.js_reviewer, pw.sh_reviewer, pw.nmpa):
        for url in ("/arrangements/", f"/arrangements/{a.pk}/"):
            page = text(body(as_user(user).get(url)))
            words = re.findall(r"\b[A-Za-z]{4,}\b", page)
            allowed = {"Shanghai", "CDMO", "Suzhou", "Innovator", "Anti", "antibody", "injection", "Test", "User"}
            assert [w for w in words if w not in allowed] == [], (user.username, url)
    new = text(body(as_user(pw.sz_ra).get("/arrangements/new/")))
    assert [w for w in re.findall(r"\b[A-Za-z]{4,}\b", new) if w not in {"Anti", "antibody", "injection"}] == []


def test_after_the_deadline_the_pilot_pages_point_to_the_standing_route(pw):
    c = as_user(pw.gd_ra)
    page = body(c.get("/pilots/new/"))
    assert 'data-testid="pilot-closed"' in page
    assert '<a href="/arrangements/new/" data-testid="standing-route-link">' in page
    assert 'data-testid="draft-form"' not in page
    listed = body(c.get("/pilots/"))
    assert 'href="/arrangements/new/" data-testid="standing-route-link"' in listed
    # A draft posted anyway is refused at creation, on the form, and nothing is written.
    before = PilotApplication.objects.count()
    refused = body(c.post("/pilots/new/", {"product": pw.glp1.pk}), 400)
    assert "试点申请已于 2025-12-31 截止" in refused
    assert "请改为按常设途径起草分段生产安排" in refused
    assert PilotApplication.objects.count() == before
