"""A rule of a pilot application that awaits a regulator: NMPA cannot approve until that regulator records its
determination on the rule (who, when, reasoning, e-signature); the rules then read it. Every refusal changes
nothing."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.test import Client

from bioseg.audit.context import audit_context
from bioseg.audit.selectors import signatures_for
from bioseg.common.errors import ApplicationError, NotFound, PermissionDenied, ValidationFailed
from bioseg.pilots import services
from bioseg.pilots.models import ApplicationEvent, RuleDetermination, StoredDetermination
from bioseg.registry.models import Product
from tests.conftest import PASSWORD
from tests.pilots.helpers import PD1_DECLARED, counts, snapshot

pytestmark = pytest.mark.django_db

RULE = "pilot2024.scope.category"
CONDITIONS = "一品一策：原液与制剂仅限申报场地。"


def refused(call, exc_type=ApplicationError):
    with pytest.raises(exc_type) as info:
        call()
    return info.value


@pytest.fixture
def agreed(pw, on_day):
    """A cell and gene therapy product (scope awaits NMPA, Q2), recommended by both provinces, joint plan agreed."""
    on_day(dt.date(2025, 6, 30))
    with audit_context(actor=pw.admin, reason="the product is a gene therapy"):
        Product.objects.filter(pk=pw.pd1.pk).update(category="cell_gene_therapy")
    pw.pd1.refresh_from_db()
    app = services.application_draft(actor=pw.sz_ra, product=pw.pd1)
    app = services.application_facts_declare(actor=pw.sz_ra, application=app, facts=PD1_DECLARED, reason="r")
    app = services.application_submit(actor=pw.sz_ra, application=app, password=PASSWORD)
    services.review_record(actor=pw.js_reviewer, application=app, action="recommend", comment="")
    services.review_record(actor=pw.sh_reviewer, application=app, action="recommend", comment="")
    app.refresh_from_db()
    services.joint_plan_approve(actor=pw.js_reviewer, plan=app.joint_plan, password=PASSWORD)
    services.joint_plan_approve(actor=pw.sh_reviewer, plan=app.joint_plan, password=PASSWORD)
    app.refresh_from_db()
    assert app.status == "joint_plan_agreed"
    return app


def approve(pw, app):
    return services.nmpa_decide(
        actor=pw.nmpa, application=app, decision="approve", conditions=CONDITIONS, reason="同意。", password=PASSWORD
    )


def determine(user, app, outcome="pass", rule=RULE, password=PASSWORD, text="本品属于国家药监局规定的其他生物制品。"):
    return services.rule_determine(
        actor=user,
        application=app,
        rule=rule,
        outcome=outcome,
        determination=text,
        reasoning="试点工作方案第二条；Q2。",
        password=password,
    )


def test_nmpa_cannot_approve_while_a_rule_awaits_its_determination(pw, agreed):
    before, row = counts(), snapshot(agreed)
    err = refused(lambda: approve(pw, agreed))
    assert (err.code, err.details["awaiting"]) == ("open_determination", [{"rule": RULE, "authorities": ["NMPA"]}])
    assert err.message_zh == (
        "不能批准：规则 pilot2024.scope.category 尚待国家药品监督管理局认定。请先记录对该规则的认定。"
    )
    assert counts() == before and snapshot(agreed) == row


def test_nmpas_determination_is_signed_read_by_the_rule_and_then_the_approval_passes(pw, agreed):
    submission = StoredDetermination.objects.get(application=agreed, purpose="submission")
    frozen = (submission.outcome, submission.determination_sha256)
    item = determine(pw.nmpa, agreed)
    assert (item.rule, item.authority, item.outcome, item.determined_by) == (RULE, "NMPA", "pass", pw.nmpa)
    [sig] = signatures_for(item)
    assert (sig.signature.meaning, sig.signature.signer, sig.intact) == ("authored", pw.nmpa, True)
    event = ApplicationEvent.objects.get(application=agreed, kind="rule_determined")
    assert event.message_zh == (
        "国家药品监督管理局认定规则 pilot2024.scope.category（规则符合）：本品属于国家药监局规定的其他生物制品。"
    )
    after = StoredDetermination.objects.get(application=agreed, purpose="regulator_determined")
    assert (after.outcome, event.data["determination_id"]) == ("eligible", after.pk)
    [finding] = [f for f in json.loads(after.determination_json)["findings"] if f["rule"] == RULE]
    day = item.determined_on.isoformat()
    assert finding["outcome"] == "pass"
    assert finding["reason_zh"] == (
        f"国家药品监督管理局于{day}认定（{agreed.reference} {RULE}）：本品属于国家药监局规定的其他生物制品。"
    )
    # the submission's determination is the record of its day
    submission.refresh_from_db()
    assert (submission.outcome, submission.determination_sha256) == frozen == ("needs_determination", frozen[1])

    decision = approve(pw, agreed)
    agreed.refresh_from_db()
    assert (decision.decision, agreed.status) == ("approve", "approved")
    at_decision = StoredDetermination.objects.get(application=agreed, purpose="decision")
    assert at_decision.outcome == "eligible"
    assert json.loads(at_decision.case_json)["regulator_determinations"][0]["rule"] == RULE


def test_a_rule_determined_as_not_met_makes_the_approval_ineligible(pw, agreed):
    determine(pw.nmpa, agreed, outcome="fail", text="本品不在试点范围内。")
    before, row = counts(), snapshot(agreed)
    err = refused(lambda: approve(pw, agreed))
    assert (err.code, [f["rule"] for f in err.details["failing_rules"]]) == ("ineligible", [RULE])
    assert counts() == before and snapshot(agreed) == row
    decision = services.nmpa_decide(
        actor=pw.nmpa, application=agreed, decision="reject", conditions="", reason="不在试点范围。", password=PASSWORD
    )
    assert decision.decision == "reject"


def test_every_refused_determination_changes_nothing(pw, agreed):
    before, row = counts(), snapshot(agreed)
    err = refused(lambda: determine(pw.nmpa, agreed, outcome="maybe", text=" "), ValidationFailed)
    assert sorted(err.details["fields"]) == ["determination", "outcome"]
    # a province the rule does not await; a rule that awaits nobody
    err = refused(lambda: determine(pw.js_reviewer, agreed))
    assert (err.code, err.details["authority"], err.details["awaiting"]) == ("not_awaiting", "PROV-320000", [RULE])
    err = refused(lambda: determine(pw.nmpa, agreed, rule="pilot2024.cmo.unified_qms"))
    assert (err.code, err.message_zh) == (
        "not_awaiting",
        f"申请 {agreed.reference} 的规则 pilot2024.cmo.unified_qms 今日不待贵单位认定。",
    )
    err = refused(lambda: determine(pw.nmpa, agreed, password="wrong"))
    assert err.code == "signature_refused"
    refused(lambda: determine(pw.sz_ra, agreed), PermissionDenied)
    refused(lambda: determine(pw.gd_reviewer, agreed), NotFound)
    assert {k: v for k, v in counts().items() if k != "audit_events"} == {
        k: v for k, v in before.items() if k != "audit_events"
    }
    assert snapshot(agreed) == row
    # once: a determination is never changed
    determine(pw.nmpa, agreed)
    before = counts()
    err = refused(lambda: determine(pw.nmpa, agreed, outcome="fail"))
    assert err.code == "not_awaiting"  # the rule no longer awaits anyone: it is settled
    assert counts() == before and RuleDetermination.objects.get().outcome == "pass"


def test_no_determination_after_the_decision(pw, agreed):
    services.nmpa_decide(
        actor=pw.nmpa, application=agreed, decision="reject", conditions="", reason="不在试点范围。", password=PASSWORD
    )
    agreed.refresh_from_db()
    before, row = counts(), snapshot(agreed)
    err = refused(lambda: determine(pw.nmpa, agreed))
    assert (err.code, err.details["status"]) == ("wrong_state", "rejected")
    assert counts() == before and snapshot(agreed) == row


# ------------------------------------------------------------------------------------------ the page and the API


def as_user(user, lang="zh-hans") -> Client:
    c = Client(HTTP_ACCEPT_LANGUAGE=lang)
    c.force_login(user)
    return c


def test_the_page_offers_the_form_to_the_regulator_the_rule_awaits_only(pw, agreed):
    url = f"/pilots/{agreed.pk}/"
    nmpa = as_user(pw.nmpa).get(url).content.decode()
    assert f'data-rule="{RULE}"' in nmpa and 'data-testid="form-determine-rule"' in nmpa
    assert "国家药品监督管理局" in nmpa
    js = as_user(pw.js_reviewer).get(url).content.decode()
    assert f'data-rule="{RULE}"' in js and 'data-testid="form-determine-rule"' not in js

    post_url = f"/pilots/{agreed.pk}/rules/{RULE}/determination/"
    before, row = counts(), snapshot(agreed)
    bad = as_user(pw.nmpa).post(post_url, {"determination": "x", "reasoning": "y", "password": PASSWORD})
    assert bad.status_code == 400
    assert '<p class="field-error" data-testid="error-outcome">这个字段是必填项。</p>' in bad.content.decode()
    wrong = as_user(pw.nmpa).post(
        post_url, {"outcome": "pass", "determination": "x", "reasoning": "y", "password": "wrong"}
    )
    assert wrong.status_code == 403 and 'data-testid="error-password"' in wrong.content.decode()
    other = as_user(pw.js_reviewer).post(
        post_url, {"outcome": "pass", "determination": "x", "reasoning": "y", "password": PASSWORD}
    )
    assert other.status_code == 409 and "今日不待贵单位认定" in other.content.decode()
    assert {k: v for k, v in counts().items() if k != "audit_events"} == {
        k: v for k, v in before.items() if k != "audit_events"
    }
    assert snapshot(agreed) == row

    ok = as_user(pw.nmpa).post(
        post_url, {"outcome": "pass", "determination": "属于试点范围。", "reasoning": "Q2。", "password": PASSWORD}
    )
    assert (ok.status_code, ok["Location"]) == (302, url)
    page = as_user(pw.js_reviewer).get(url).content.decode()
    assert '<strong data-outcome="pass">规则符合</strong>：属于试点范围。' in page
    assert "没有待认定的规则。" in page


def test_the_api_lists_what_awaits_and_records_the_determination(pw, agreed):
    base = f"/api/v1/pilot-applications/{agreed.pk}"
    waiting = as_user(pw.nmpa).get(f"{base}/rules-awaiting").json()
    assert [(w["rule"], w["authorities"], w["may_determine"]) for w in waiting] == [(RULE, ["NMPA"], True)]
    assert [w["may_determine"] for w in as_user(pw.sh_reviewer).get(f"{base}/rules-awaiting").json()] == [False]
    body = {"rule": RULE, "outcome": "pass", "determination": "属于。", "reasoning": "Q2。", "password": PASSWORD}
    before = counts()
    r = as_user(pw.sh_reviewer).post(f"{base}/rule-determinations", body, content_type="application/json")
    assert (r.status_code, r.json()["code"]) == (409, "not_awaiting")
    assert as_user(pw.gd_reviewer).get(f"{base}/rule-determinations").status_code == 404
    assert {k: v for k, v in counts().items() if k != "audit_events"} == {
        k: v for k, v in before.items() if k != "audit_events"
    }
    r = as_user(pw.nmpa).post(f"{base}/rule-determinations", body, content_type="application/json")
    assert r.status_code == 201, r.json()
    assert (r.json()["rule"], r.json()["authority"], r.json()["outcome"], r.json()["determined_by"]) == (
        RULE,
        "NMPA",
        "pass",
        "nmpa_officer",
    )
    assert as_user(pw.nmpa).get(f"{base}/rules-awaiting").json() == []
    assert [d["rule"] for d in as_user(pw.js_reviewer).get(f"{base}/rule-determinations").json()] == [RULE]
