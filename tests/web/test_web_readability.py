"""What a new user reads on the pilot, wizard and dashboard pages, in both languages: outcomes, fact paths
and sub-checks by their labels (never codes), Chinese refusals without English words, shortcuts only to what
the user may open, the favicon, and a GET of the wizard's PDF sent back to the wizard."""

from __future__ import annotations

import datetime as dt
import html as html_lib
import json
import re

import pytest
from django.test import Client

from bioseg.common import clock
from bioseg.pilots import services
from bioseg.regulation import get_ruleset
from tests.pilots.helpers import PD1_DECLARED, PDF, build_world

VERSION = get_ruleset("pilot2024").version  # the events name the version that assessed

pytestmark = pytest.mark.django_db


def as_user(user, lang: str) -> Client:
    c = Client(HTTP_ACCEPT_LANGUAGE=lang)
    c.force_login(user)
    return c


def body(response, status: int = 200) -> str:
    assert response.status_code == status, response.status_code
    return html_lib.unescape(response.content.decode())


# --- pilot pages ------------------------------------------------------------------------------------------


@pytest.fixture
def pw(make_user, admin, monkeypatch):
    monkeypatch.setattr(clock, "today", lambda: dt.date(2025, 6, 30))
    return build_world(make_user, admin)


@pytest.fixture
def assessed(pw):
    """Drafted, the holder's capabilities declared, a quality agreement attached, assessed: incomplete."""
    app = services.application_draft(actor=pw.sz_ra, product=pw.pd1)
    app = services.application_facts_declare(
        actor=pw.sz_ra,
        application=app,
        facts={"holder": PD1_DECLARED["holder"], "nmpa_consent": False},
        reason="from the QMS",
    )
    services.evidence_attach(
        actor=pw.sz_ra,
        application=app,
        requirement="pilot2024.cmo.unified_qms",
        kind="quality_agreement",
        file_name="qa.pdf",
        content=PDF,
    )
    return app, services.application_assess(actor=pw.sz_ra, application=app)


def test_the_pilot_page_shows_outcomes_and_the_timeline_in_words(pw, assessed):
    app, stored = assessed
    zh = body(as_user(pw.sz_ra, "zh-hans").get(f"/pilots/{app.pk}/"))
    en = body(as_user(pw.sz_ra, "en").get(f"/pilots/{app.pk}/"))
    assert '<strong data-testid="outcome">信息不完整——缺少事实</strong>' in zh
    assert '<strong data-testid="outcome">Incomplete — facts are missing</strong>' in en
    row = f'<a href="/pilots/{app.pk}/determinations/{stored.pk}/">{stored.pk}</a></td><td>{{}}</td><td>{{}}</td>'
    assert row.format("评估", "信息不完整——缺少事实") in zh
    assert row.format("Assessment", "Incomplete — facts are missing") in en
    events_zh = re.findall(r'<li data-testid="event" data-kind="\w+">.*?<br>(.*?)</li>', zh)
    events_en = re.findall(r'<li data-testid="event" data-kind="\w+">.*?<br>(.*?)</li>', en)
    assert events_zh[1:] == [
        "声明事实：持有人；国家药监局已同意该疫苗分段委托生产。原因：from the QMS",
        "为 pilot2024.cmo.unified_qms 添加证明材料 qa.pdf（质量协议）。",
        f"按 pilot2024 {VERSION} 评估（评估日 2025-06-30）：信息不完整——缺少事实。",
    ]
    assert events_en[1:] == [
        "Facts declared: Holder; NMPA has consented to splitting this vaccine. Reason: from the QMS",
        "Evidence qa.pdf (Quality agreement) attached for pilot2024.cmo.unified_qms.",
        f"Assessed with pilot2024 {VERSION} as of 2025-06-30: incomplete — facts are missing.",
    ]
    times = re.findall(r'<li data-testid="event" data-kind="\w+"><span class="mono">([^<]+)</span>', zh)
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC", t) for t in times), times
    for code in ("incomplete", "quality_agreement", "stationed_personnel", "nmpa_consent"):
        assert f">{code}<" not in zh and f"：{code}" not in zh and f"（{code}）" not in zh


def test_the_determination_page_names_facts_and_outcomes(pw, assessed):
    app, stored = assessed
    url = f"/pilots/{app.pk}/determinations/{stored.pk}/"
    zh = body(as_user(pw.sz_ra, "zh-hans").get(url))
    en = body(as_user(pw.sz_ra, "en").get(url))
    assert '<h1 data-testid="outcome">信息不完整——缺少事实</h1>' in zh
    assert '<h1 data-testid="outcome">Incomplete — facts are missing</h1>' in en
    tags_zh = re.findall(
        r'data-rule="pilot2024\.holder\.capabilities".*?<span class="tag[^"]*">([^<]+)</span>', zh, re.S
    )
    tags_en = re.findall(
        r'data-rule="pilot2024\.holder\.capabilities".*?<span class="tag[^"]*">([^<]+)</span>', en, re.S
    )
    assert tags_zh == ["符合"] and tags_en == ["Pass"]
    path = "contract_manufacturers[0].qa_system_complete"
    assert f'<span title="{path}" data-path="{path}">Shanghai CDMO：具有完善的药品质量保证体系</span>' in zh
    assert (
        f'<span title="{path}" data-path="{path}">Shanghai CDMO: Has a complete drug quality assurance system</span>'
        in en
    )
    assert (
        '缺少的事实：<span title="stationed_personnel" data-path="stationed_personnel">持有人派驻受托生产企业的人员</span>'
    ) in zh
    assert (
        'Missing facts: <span title="stationed_personnel" data-path="stationed_personnel">'
        "People of the holder stationed at the contract manufacturers</span>"
    ) in en


# --- wizard -----------------------------------------------------------------------------------------------

CASE = {
    "holder": {
        "name": "Suzhou Innovator",
        "region": "320000",
        "domestic": True,
        "capabilities": {"independent_rd": True},
    },
    "product": {"name": "PD-1", "category": "antibody", "innovative": True, "origin": "originally_developed"},
    "segments": [
        {"stage": "drug_substance", "enterprise": "Suzhou Innovator", "region": "320000"},
        {"stage": "drug_product", "enterprise": "Shanghai CDMO", "region": "310000"},
    ],
    "contract_manufacturers": [{"name": "Shanghai CDMO"}],
    "application": {"submitted_on": "2026-01-05"},
}


def wizard(user, lang: str) -> str:
    response = as_user(user, lang).post(
        "/wizard/", {"state": json.dumps(CASE), "edited": "1", "as_of": "2026-01-05", "ruleset": "pilot2024"}
    )
    return body(response)


def test_the_wizard_headline_and_sub_checks_are_labels_in_one_language_at_a_time(world):
    zh = wizard(world.holder_qa, "zh-hans")
    en = wizard(world.holder_qa, "en")
    assert "<h2>不符合条件</h2>" in zh
    assert "<h2>Ineligible</h2>" in en
    assert "<p>不符合条件：“在截止日前提出试点申请”不符合。</p>" in zh
    assert "<p>Ineligible: “Application submitted by the deadline” fails.</p>" in en
    checks_zh = re.findall(r'<li data-testid="check">(.*?)</li>', zh)
    checks_en = re.findall(r'<li data-testid="check">(.*?)</li>', en)
    for expected in (
        '<span class="tag tag-pass">符合</span> 自主研发：具备',
        '<span class="tag tag-pass">符合</span> 持有人：江苏省为试点地区',
        '<span class="tag tag-pass">符合</span> 第1段（原液）：江苏省为试点地区',
        '<span class="tag tag-undetermined">待定</span> Shanghai CDMO：尚不清楚是否具备完善的药品质量保证体系',
    ):
        assert expected in checks_zh, expected
    for expected in (
        '<span class="tag tag-pass">Pass</span> independent R&D: yes',
        '<span class="tag tag-pass">Pass</span> segment 2 (drug product): Shanghai is a pilot region',
    ):
        assert expected in checks_en, expected
    missing = "holder.capabilities.quality_management"
    assert f'缺少的事实：<span title="{missing}" data-path="{missing}">持有人具备该品种的质量管理能力</span>；' in zh
    assert (
        f'Missing facts: <span title="{missing}" data-path="{missing}">'
        "The holder has quality-management capability for the product</span>; "
    ) in en
    for code in ("ineligible<", "drug_substance)", "未知：contract_manufacturers", "<code>holder.capabilities"):
        assert code not in zh, code


def test_the_wizard_breadcrumb_does_not_repeat_itself(world):
    assert '<p class="kicker">分段生产试点</p>' in body(as_user(world.holder_qa, "zh-hans").get("/wizard/"))
    assert '<p class="kicker">Segmented-production pilot</p>' in body(as_user(world.holder_qa, "en").get("/wizard/"))


def test_a_get_of_the_wizard_pdf_goes_back_to_the_wizard(world):
    response = as_user(world.holder_qa, "zh-hans").get("/wizard/pdf/")
    assert response.status_code == 302 and response["Location"] == "/wizard/"


# --- refusals, shortcuts, favicon -------------------------------------------------------------------------


def test_a_403_names_the_action_in_the_active_language(world):
    zh = body(as_user(world.holder_qa, "zh-hans").get("/audit/"), 403)
    en = body(as_user(world.holder_qa, "en").get("/audit/"), 403)
    assert "您的角色无权验证审计追踪。" in zh and "verify the audit trail" not in zh
    assert "Your role does not allow you to verify the audit trail." in en


def test_shortcuts_are_only_what_the_user_may_open(world):
    def shortcuts(user, lang="zh-hans"):
        page = body(as_user(user, lang).get("/"))
        return re.findall(r'<li><a class="button" href="([^"]+)">([^<]+)</a></li>', page)

    cmo = shortcuts(world.cmo_qa)
    assert ("/sites/new/", "登记生产场地") in cmo
    assert all(label != "登记产品" for _, label in cmo)
    assert as_user(world.cmo_qa, "zh-hans").get("/products/new/").status_code == 403
    holder = shortcuts(world.holder_qa, "en")
    assert ("/sites/new/", "Register a site") in holder and ("/products/new/", "Register a product") in holder
    assert shortcuts(world.js_inspector) == [("/inspections/new/", "计划检查"), ("/wizard/", "核查试点资格")]
    assert as_user(world.js_inspector, "zh-hans").get("/inspections/new/").status_code == 200
    products = body(as_user(world.cmo_qa, "zh-hans").get("/products/"))
    assert 'data-testid="product-create"' not in products


def test_every_page_names_its_icon_and_favicon_ico_redirects_to_it(world, client):
    page = body(as_user(world.holder_qa, "zh-hans").get("/"))
    assert '<link rel="icon" href="/static/web/favicon.svg" type="image/svg+xml">' in page
    response = client.get("/favicon.ico")
    assert response.status_code == 301 and response["Location"] == "/static/web/favicon.svg"


def test_an_unknown_pilot_status_filter_is_shown_as_an_error(pw):
    zh = body(as_user(pw.sz_ra, "zh-hans").get("/pilots/?status=bogus"))
    assert (
        '<p class="field-error" role="alert" data-testid="filter-error-status">'
        "选择一个有效的选项。 bogus 不在可用的选项中。</p>"
    ) in zh
