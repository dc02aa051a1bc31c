"""The pilot-application workflow end to end, and every refused transition changing nothing."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.test import Client

from bioseg.audit.models import Signature
from bioseg.audit.selectors import signatures_for
from bioseg.common.errors import ApplicationError, NotFound, PermissionDenied, ValidationFailed
from bioseg.pilots import selectors, services
from bioseg.pilots.models import (
    ApplicationEvent,
    ApplicationParty,
    ApplicationStatus,
    JointRegulatoryPlan,
    ProvincialReview,
)
from tests.conftest import PASSWORD
from tests.pilots.helpers import GD_DECLARED, PD1_DECLARED, PDF, counts, snapshot

pytestmark = pytest.mark.django_db


def draft_pd1(pw, actor=None):
    app = services.application_draft(actor=actor or pw.sz_ra, product=pw.pd1)
    return services.application_facts_declare(
        actor=pw.sz_ra, application=app, facts=PD1_DECLARED, reason="facts the registry does not hold"
    )


def submitted_pd1(pw):
    app = draft_pd1(pw)
    return services.application_submit(actor=pw.sz_ra, application=app, password=PASSWORD)


def recommended_pd1(pw):
    app = submitted_pd1(pw)
    services.review_record(actor=pw.js_reviewer, application=app, action="recommend", comment="")
    services.review_record(actor=pw.sh_reviewer, application=app, action="recommend", comment="")
    app.refresh_from_db()
    return app


def refused(call, exc_type=ApplicationError):
    """Runs a call that must be refused; returns the error."""
    with pytest.raises(exc_type) as info:
        call()
    return info.value


# --------------------------------------------------------------------------------------- the happy path


def test_pd1_happy_path_jiangsu_holder_shanghai_cmo(pw, on_day):
    on_day(dt.date(2025, 6, 30))
    app = services.application_draft(actor=pw.sz_ra, product=pw.pd1)
    assert app.reference == "PA-2025-0001"
    assert app.status == ApplicationStatus.DRAFT
    assert app.holder == pw.suzhou
    assert app.province_list == ["310000", "320000"]
    assert app.registry_facts["segments"] == [
        {"stage": "drug_substance", "enterprise": "Suzhou Innovator", "region": "320000"},
        {"stage": "drug_product", "enterprise": "Shanghai CDMO", "region": "310000"},
    ]
    assert "as_of" not in app.case_facts
    parties = {(p.enterprise_id, p.role, p.active) for p in ApplicationParty.objects.filter(application=app)}
    assert parties == {(pw.suzhou.pk, "holder", True), (pw.shanghai.pk, "contract_manufacturer", True)}

    # From the registry alone the case is incomplete: the holder's capabilities etc. are unknown.
    first = services.application_assess(actor=pw.sz_ra, application=app)
    assert first.outcome == "incomplete"
    assert "holder.capabilities.independent_rd" in json.loads(first.determination_json)["missing_facts"]

    app = services.application_facts_declare(
        actor=pw.sz_qa, application=app, facts=PD1_DECLARED, reason="facts the registry does not hold"
    )
    det = services.application_assess(actor=pw.sz_qa, application=app)
    data = json.loads(det.determination_json)
    assert (det.ruleset, det.as_of, det.outcome) == ("pilot2024", dt.date(2025, 6, 30), "needs_determination")
    assert det.ruleset_version == data["ruleset_version"]
    awaiting = {f["rule"]: f for f in data["findings"] if f["outcome"] == "undetermined"}
    assert list(awaiting) == ["pilot2024.cross_province.joint_plan"]
    assert [a["authority"] for a in awaiting["pilot2024.cross_province.joint_plan"]["needs_determination_by"]] == [
        "PROV-310000",
        "PROV-320000",
    ]

    ev = services.evidence_attach(
        actor=pw.sz_qa,
        application=app,
        requirement="pilot2024.cmo.experience",
        kind="production_history",
        file_name="cdmo-history.pdf",
        content=PDF,
        description="Shanghai CDMO commercial batches since 2018",
    )
    assert ev.size == len(PDF) and ev.content_type == "application/pdf"

    app = services.application_submit(actor=pw.sz_ra, application=app, password=PASSWORD)
    assert (app.status, app.submitted_on, app.submission_round) == ("submitted", dt.date(2025, 6, 30), 1)
    submitted = ApplicationEvent.objects.get(application=app, kind="submitted")
    assert submitted.data["outcome"] == "needs_determination"
    assert submitted.data["needs_determination_by"] == ["PROV-310000", "PROV-320000"]
    assert submitted.data["provinces"] == ["310000", "320000"]
    [sig] = signatures_for(submitted)
    assert (sig.signature.meaning, sig.signature.signer, sig.intact) == ("authored", pw.sz_ra, True)
    sub_det = selectors.determination_get(application=app, pk=submitted.data["determination_id"])
    assert json.loads(sub_det.case_json)["application"] == {"submitted_on": "2025-06-30"}

    # Both provinces review; Jiangsu first asks for information, the holder answers by re-submitting.
    on_day(dt.date(2025, 7, 10))
    services.review_record(
        actor=pw.js_reviewer, application=app, action="request_information", comment="Send the QA agreement."
    )
    app.refresh_from_db()
    assert app.status == "information_requested"
    services.evidence_attach(
        actor=pw.sz_ra,
        application=app,
        requirement="pilot2024.cmo.unified_qms",
        kind="quality_agreement",
        file_name="QA-2025-001.pdf",
        content=PDF + b"% agreement\n",
    )
    app = services.application_submit(actor=pw.sz_ra, application=app, password=PASSWORD)
    assert (app.status, app.submitted_on, app.submission_round) == ("submitted", dt.date(2025, 6, 30), 2)

    services.review_record(actor=pw.sh_reviewer, application=app, action="recommend", comment="CMO inspected.")
    app.refresh_from_db()
    assert app.status == "under_review"
    services.review_record(actor=pw.js_reviewer, application=app, action="recommend", comment="")
    app.refresh_from_db()
    assert app.status == "recommended"
    plan = JointRegulatoryPlan.objects.get(application=app)
    assert (plan.province_list, plan.status) == (["310000", "320000"], "pending")

    # NMPA may not decide before the joint plan is agreed.
    before = counts()
    err = refused(
        lambda: services.nmpa_decide(
            actor=pw.nmpa, application=app, decision="approve", conditions="x", reason="y", password=PASSWORD
        )
    )
    assert err.code == "joint_plan_not_agreed"
    assert err.details == {"pending_provinces": ["310000", "320000"]}
    assert counts() == before

    services.joint_plan_approve(actor=pw.js_reviewer, plan=plan, password=PASSWORD)
    app.refresh_from_db()
    assert app.status == "recommended"
    services.joint_plan_approve(actor=pw.sh_reviewer, plan=plan, password=PASSWORD)
    app.refresh_from_db()
    plan.refresh_from_db()
    assert (app.status, plan.status, plan.agreed_on) == ("joint_plan_agreed", "agreed", dt.date(2025, 7, 10))
    for approval in plan.approvals.all():
        [s] = signatures_for(approval)
        assert (s.signature.meaning, s.intact) == ("approved", True)
    assert {a.approver for a in plan.approvals.all()} == {pw.js_reviewer, pw.sh_reviewer}

    # With the plan agreed by both provinces the case is eligible.
    det = services.application_assess(actor=pw.nmpa, application=app)
    assert det.outcome == "eligible"

    on_day(dt.date(2025, 8, 1))
    conditions = "一品一策：每年全面检查两次；上海制剂场地每批放行前抽检。"
    decision = services.nmpa_decide(
        actor=pw.nmpa,
        application=app,
        decision="approve",
        conditions=conditions,
        reason="Eligible; both provinces recommended and agreed the joint plan.",
        password=PASSWORD,
    )
    app.refresh_from_db()
    assert (app.status, app.decided_on) == ("approved", dt.date(2025, 8, 1))
    assert (decision.decision, decision.conditions, decision.officer) == ("approve", conditions, pw.nmpa)
    [s] = signatures_for(decision)
    assert (s.signature.meaning, s.signature.signer, s.intact) == ("approved", pw.nmpa, True)

    kinds = list(ApplicationEvent.objects.filter(application=app).values_list("kind", flat=True))
    assert kinds == [
        "drafted",
        "assessed",
        "facts_declared",
        "assessed",
        "evidence_attached",
        "submitted",
        "reviewed",
        "evidence_attached",
        "submitted",
        "reviewed",
        "reviewed",
        "joint_plan_opened",
        "joint_plan_approved",
        "joint_plan_approved",
        "joint_plan_agreed",
        "assessed",
        "decided",
    ]
    purposes = list(selectors.determination_list(application=app).values_list("purpose", "outcome"))
    assert purposes[0] == ("decision", "eligible")
    assert sorted(purposes) == sorted(
        [
            ("assessment", "incomplete"),
            ("assessment", "needs_determination"),
            ("submission", "needs_determination"),
            ("submission", "needs_determination"),
            ("assessment", "eligible"),
            ("decision", "eligible"),
        ]
    )
    # Every determination reproduces exactly.
    for stored in selectors.determination_list(application=app):
        result = selectors.determination_reproduce(stored=stored)
        assert (result.reproducible, result.identical, result.differences) == (True, True, []), stored.pk


def test_single_province_application_needs_no_joint_plan(pw, on_day):
    app = services.application_draft(actor=pw.gd_ra, product=pw.glp1)
    app = services.application_facts_declare(actor=pw.gd_ra, application=app, facts=GD_DECLARED, reason="chain")
    assert app.province_list == ["440000"]
    app = services.application_submit(actor=pw.gd_ra, application=app, password=PASSWORD)
    services.review_record(actor=pw.gd_reviewer, application=app, action="recommend", comment="")
    app.refresh_from_db()
    assert app.status == "recommended"
    assert not JointRegulatoryPlan.objects.filter(application=app).exists()
    services.nmpa_decide(
        actor=pw.nmpa, application=app, decision="reject", reason="Not of urgent need.", password=PASSWORD
    )
    app.refresh_from_db()
    assert app.status == "rejected"
    # A rejected product may be applied for again.
    again = services.application_draft(actor=pw.gd_ra, product=pw.glp1)
    assert again.reference == "PA-2025-0002"


# --------------------------------------------------------------------------------------- refused transitions


def test_submit_after_the_deadline_is_refused_citing_it(pw, on_day):
    app = draft_pd1(pw)
    on_day(dt.date(2026, 1, 5))
    before, row = counts(), snapshot(app)
    err = refused(lambda: services.application_submit(actor=pw.sz_ra, application=app, password=PASSWORD))
    assert err.code == "deadline_passed"
    assert err.status == 400
    assert err.message.startswith("Pilot applications closed on 2025-12-31 (")
    assert "2025年12月31日前提出试点申请" in err.message
    assert err.message.endswith("today is 2026-01-05.")
    assert err.message_zh.startswith("试点申请已于 2025-12-31 截止（")
    assert err.details["deadline"] == "2025-12-31"
    assert err.details["parameter"] == "pilot2024.application_deadline"
    assert "2025年12月31日前提出试点申请" in err.details["citations"][0]["text_zh"]
    assert counts() == before
    assert snapshot(app) == row


def test_submit_on_the_deadline_day_is_accepted(pw, on_day):
    app = draft_pd1(pw)
    on_day(dt.date(2025, 12, 31))
    app = services.application_submit(actor=pw.sz_ra, application=app, password=PASSWORD)
    assert app.submitted_on == dt.date(2025, 12, 31)


def test_answer_to_an_information_request_after_the_deadline_is_accepted(pw, on_day):
    on_day(dt.date(2025, 12, 20))
    app = submitted_pd1(pw)
    services.review_record(actor=pw.sh_reviewer, application=app, action="request_information", comment="More.")
    on_day(dt.date(2026, 1, 5))
    app.refresh_from_db()
    app = services.application_submit(actor=pw.sz_ra, application=app, password=PASSWORD)
    assert (app.status, app.submitted_on, app.submission_round) == ("submitted", dt.date(2025, 12, 20), 2)


def test_submit_with_a_wrong_password_changes_nothing(pw, on_day):
    app = draft_pd1(pw)
    before, row = counts(), snapshot(app)
    err = refused(lambda: services.application_submit(actor=pw.sz_ra, application=app, password="wrong password!"))
    assert err.code == "signature_refused"
    assert err.status == 403
    assert err.details == {"cause": "bad_credentials"}
    assert counts() == before
    assert snapshot(app) == row
    pw.sz_ra.refresh_from_db()
    assert pw.sz_ra.failed_login_count == 1  # counted toward the lockout


def test_submit_of_an_ineligible_application_lists_the_failing_rules(pw, on_day):
    app = services.application_draft(actor=pw.sz_ra, product=pw.pd1)
    facts = json.loads(json.dumps(PD1_DECLARED))
    facts["contract_manufacturers"][0]["commercial_biologics_production_since"] = "2024-01-01"
    app = services.application_facts_declare(actor=pw.sz_ra, application=app, facts=facts, reason="young CDMO")
    before = counts()
    err = refused(lambda: services.application_submit(actor=pw.sz_ra, application=app, password=PASSWORD))
    assert err.code == "ineligible"
    assert [f["rule"] for f in err.details["failing_rules"]] == ["pilot2024.cmo.experience"]
    assert "pilot2024.cmo.experience" in err.message and "pilot2024.cmo.experience" in err.message_zh
    assert counts() == before


def test_submit_of_an_incomplete_application_lists_the_missing_facts(pw, on_day):
    app = services.application_draft(actor=pw.sz_ra, product=pw.pd1)
    before = counts()
    err = refused(lambda: services.application_submit(actor=pw.sz_ra, application=app, password=PASSWORD))
    assert err.code == "incomplete"
    assert "holder.capabilities.independent_rd" in err.details["missing_facts"]
    assert counts() == before


def test_guangdong_reviewer_cannot_review_a_jiangsu_shanghai_application(pw, on_day):
    app = submitted_pd1(pw)
    before, row = counts(), snapshot(app)
    err = refused(
        lambda: services.review_record(actor=pw.gd_reviewer, application=app, action="recommend", comment=""),
        NotFound,
    )
    assert err.status == 404
    assert counts() == before
    assert snapshot(app) == row


def test_inspector_is_not_a_reviewer(pw, on_day):
    app = submitted_pd1(pw)
    before = counts()
    err = refused(
        lambda: services.review_record(actor=pw.js_inspector, application=app, action="recommend"), PermissionDenied
    )
    assert err.status == 403
    assert counts() == before


def test_nmpa_cannot_decide_before_every_province_recommended(pw, on_day):
    app = submitted_pd1(pw)
    services.review_record(actor=pw.js_reviewer, application=app, action="recommend")
    app.refresh_from_db()
    before, row = counts(), snapshot(app)
    err = refused(
        lambda: services.nmpa_decide(
            actor=pw.nmpa, application=app, decision="approve", conditions="c", reason="r", password=PASSWORD
        )
    )
    assert err.code == "not_ready_for_decision"
    assert err.details == {"waiting_for": ["310000"], "status": "under_review"}
    assert "Shanghai" in err.message and "上海市" in err.message_zh
    assert counts() == before
    assert snapshot(app) == row


def test_nmpa_decision_before_the_joint_plan_is_refused_and_changes_nothing(pw, on_day):
    app = recommended_pd1(pw)
    plan = JointRegulatoryPlan.objects.get(application=app)
    services.joint_plan_approve(actor=pw.js_reviewer, plan=plan, password=PASSWORD)
    app.refresh_from_db()
    before, row = counts(), snapshot(app)
    err = refused(
        lambda: services.nmpa_decide(
            actor=pw.nmpa, application=app, decision="approve", conditions="c", reason="r", password=PASSWORD
        )
    )
    assert (err.code, err.status, err.details) == ("joint_plan_not_agreed", 409, {"pending_provinces": ["310000"]})
    assert counts() == before
    assert snapshot(app) == row


def test_cmo_user_cannot_draft(pw, on_day):
    before = counts()
    err = refused(lambda: services.application_draft(actor=pw.sh_cmo, product=pw.pd1), PermissionDenied)
    assert err.status == 403
    assert counts() == before


def test_other_holder_cannot_draft_for_a_product_it_cannot_see(pw, on_day):
    before = counts()
    refused(lambda: services.application_draft(actor=pw.gd_ra, product=pw.pd1), NotFound)
    assert counts() == before


def test_a_second_open_application_for_a_product_is_refused(pw, on_day):
    first = services.application_draft(actor=pw.sz_ra, product=pw.pd1)
    before = counts()
    err = refused(lambda: services.application_draft(actor=pw.sz_qa, product=pw.pd1))
    assert (err.code, err.details) == ("application_exists", {"reference": first.reference, "id": first.pk})
    assert counts() == before


def test_only_nmpa_decides(pw, on_day):
    app = recommended_pd1(pw)
    before = counts()
    for actor in (pw.js_reviewer, pw.sz_ra):
        refused(
            lambda actor=actor: services.nmpa_decide(
                actor=actor, application=app, decision="reject", reason="r", password=PASSWORD
            ),
            PermissionDenied,
        )
    refused(
        lambda: services.nmpa_decide(actor=pw.sh_cmo, application=app, decision="reject", reason="r", password=PASSWORD)
    )
    assert counts() == before


def test_approval_needs_product_specific_conditions(pw, on_day):
    app = submitted_pd1(pw)
    before = counts()
    err = refused(
        lambda: services.nmpa_decide(
            actor=pw.nmpa, application=app, decision="approve", reason="ok", password=PASSWORD
        ),
        ValidationFailed,
    )
    assert list(err.details["fields"]) == ["conditions"]
    assert counts() == before


def test_joint_plan_approval_refusals(pw, on_day):
    app = recommended_pd1(pw)
    plan = JointRegulatoryPlan.objects.get(application=app)
    before = counts()
    err = refused(lambda: services.joint_plan_approve(actor=pw.js_reviewer, plan=plan, password="nope nope nope"))
    assert err.code == "signature_refused"
    refused(lambda: services.joint_plan_approve(actor=pw.gd_reviewer, plan=plan, password=PASSWORD), NotFound)
    refused(lambda: services.joint_plan_approve(actor=pw.nmpa, plan=plan, password=PASSWORD), PermissionDenied)
    assert counts() == before
    services.joint_plan_approve(actor=pw.js_reviewer, plan=plan, password=PASSWORD)
    before = counts()
    err = refused(lambda: services.joint_plan_approve(actor=pw.js_reviewer, plan=plan, password=PASSWORD))
    assert err.code == "already_approved"
    assert counts() == before


def test_review_refusals(pw, on_day):
    app = draft_pd1(pw)
    before = counts()
    # A draft is not visible to regulators at all.
    refused(lambda: services.review_record(actor=pw.js_reviewer, application=app, action="recommend"), NotFound)
    app = services.application_submit(actor=pw.sz_ra, application=app, password=PASSWORD)
    before = counts()
    err = refused(
        lambda: services.review_record(actor=pw.js_reviewer, application=app, action="object", comment=""),
        ValidationFailed,
    )
    assert list(err.details["fields"]) == ["comment"]
    err = refused(
        lambda: services.review_record(actor=pw.js_reviewer, application=app, action="approve"), ValidationFailed
    )
    assert list(err.details["fields"]) == ["action"]
    assert counts() == before


def test_objection_then_nmpa_returns(pw, on_day):
    app = submitted_pd1(pw)
    services.review_record(actor=pw.sh_reviewer, application=app, action="object", comment="QA system gaps.")
    app.refresh_from_db()
    assert app.status == "objected"
    err = refused(
        lambda: services.nmpa_decide(actor=pw.nmpa, application=app, decision="reject", reason="r", password=PASSWORD)
    )
    assert err.code == "not_ready_for_decision"
    services.application_return(actor=pw.nmpa, application=app, reason="Shanghai objected.", password=PASSWORD)
    app.refresh_from_db()
    assert (app.status, app.decision.decision) == ("returned", "return")
    before = counts()
    err = refused(lambda: services.application_return(actor=pw.nmpa, application=app, reason="x", password=PASSWORD))
    assert err.code == "wrong_state"
    assert counts() == before


def test_holder_cannot_change_a_submitted_application(pw, on_day):
    app = submitted_pd1(pw)
    before = counts()
    err = refused(
        lambda: services.evidence_attach(
            actor=pw.sz_ra,
            application=app,
            requirement="pilot2024.cmo.experience",
            kind="other",
            file_name="a.pdf",
            content=PDF,
        )
    )
    assert err.code == "wrong_state"
    err = refused(lambda: services.application_facts_declare(actor=pw.sz_ra, application=app, facts={}, reason="late"))
    assert err.code == "wrong_state"
    err = refused(lambda: services.application_submit(actor=pw.sz_ra, application=app, password=PASSWORD))
    assert err.code == "wrong_state"
    assert counts() == before


def test_declared_facts_are_validated_and_workflow_facts_refused(pw, on_day):
    app = services.application_draft(actor=pw.sz_ra, product=pw.pd1)
    before, row = counts(), snapshot(app)
    err = refused(
        lambda: services.application_facts_declare(
            actor=pw.sz_ra, application=app, facts={"product": {"category": "potion"}}, reason="r"
        ),
        ValidationFailed,
    )
    assert list(err.details["fields"]) == ["facts.product.category"]
    err = refused(
        lambda: services.application_facts_declare(
            actor=pw.sz_ra,
            application=app,
            facts={"joint_regulatory_plan": {"agreed_by": ["320000", "310000"]}, "application": {}},
            reason="r",
        ),
        ValidationFailed,
    )
    assert sorted(err.details["fields"]) == ["facts.application", "facts.joint_regulatory_plan"]
    refused(
        lambda: services.application_facts_declare(actor=pw.sh_cmo, application=app, facts={}, reason="r"),
        PermissionDenied,
    )
    assert counts() == before
    assert snapshot(app) == row


def test_signatures_of_a_submission_stay_intact(pw, on_day):
    app = recommended_pd1(pw)
    submitted = ApplicationEvent.objects.get(application=app, kind="submitted")
    assert [s.intact for s in signatures_for(submitted)] == [True]
    assert Signature.objects.filter(table_name="pilots_applicationevent").count() == 1
    assert ProvincialReview.objects.filter(application=app).count() == 2


def test_an_approved_application_keeps_its_decided_determination_when_assessed_again(pw, on_day):
    on_day(dt.date(2025, 6, 30))
    app = recommended_pd1(pw)
    services.joint_plan_approve(actor=pw.js_reviewer, plan=app.joint_plan, password=PASSWORD)
    services.joint_plan_approve(actor=pw.sh_reviewer, plan=app.joint_plan, password=PASSWORD)
    app.refresh_from_db()
    services.nmpa_decide(
        actor=pw.nmpa, application=app, decision="approve", conditions="一品一策。", reason="同意。", password=PASSWORD
    )
    app.refresh_from_db()
    decided = selectors.decided_determination(application=app)
    frozen = (decided.pk, decided.outcome, decided.determination_sha256)
    assert (decided.purpose, decided.outcome) == ("decision", "eligible")

    # after the pilot the holder assesses again: a new record with another answer, the decision's stays
    on_day(dt.date(2027, 1, 5))
    later = services.application_assess(actor=pw.sz_ra, application=app)
    app.refresh_from_db()
    assert (later.purpose, later.outcome, app.status) == ("assessment", "ineligible", "approved")
    again = selectors.decided_determination(application=app)
    assert (again.pk, again.outcome, again.determination_sha256) == frozen

    c = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    c.force_login(pw.sz_ra)
    page = c.get(f"/pilots/{app.pk}/").content.decode()
    assert '<div class="card" data-testid="decided-determination">' in page
    assert 'data-outcome="eligible"' in page.split('data-testid="decided-determination"')[1].split("</div>")[0]
    assert "最近一次评估（仅供参考，不取代决定时的评估结论）" in page
    body = c.get(f"/api/v1/pilot-applications/{app.pk}").json()
    assert (body["decided_determination"]["id"], body["decided_determination"]["outcome"]) == (frozen[0], "eligible")
    assert (body["latest_determination"]["id"], body["latest_determination"]["outcome"]) == (later.pk, "ineligible")


def test_the_workflow_table_is_what_the_services_enforce_and_the_pages_offer():
    from bioseg.pilots.workflow import PILOT_WORKFLOW

    rows = {r["action"]: r for r in PILOT_WORKFLOW.rows()}
    editable = ["draft", "information_requested"]
    filed = ["information_requested", "joint_plan_agreed", "objected", "recommended", "submitted", "under_review"]
    assert {a: (r["from"], r["to"], r["signature"], r["parties"]) for a, r in rows.items()} == {
        "declare_facts": (editable, None, None, ["holder"]),
        "attach_evidence": (editable, None, None, ["holder"]),
        "assess": (sorted(s.value for s in ApplicationStatus), None, None, ["holder", "nmpa", "province"]),
        "submit": (editable, "submitted", "authored", ["holder"]),
        "review": (["objected", "submitted", "under_review"], None, None, ["province"]),
        "approve_joint_plan": (["recommended"], None, "approved", ["joint_plan_approver"]),
        "decide": (["joint_plan_agreed", "recommended"], None, "approved", ["nmpa_when_ready"]),
        "return": (filed, "returned", "approved", ["nmpa"]),
        "determine_rule": (filed, None, "authored", ["nmpa", "province"]),
    }


def test_a_refused_step_gives_the_workflow_tables_details(pw, on_day):
    on_day(dt.date(2025, 6, 30))
    app = submitted_pd1(pw)
    before, row = counts(), snapshot(app)
    err = refused(
        lambda: services.application_facts_declare(
            actor=pw.sz_ra, application=app, facts={"holder": {"segmentation_need": True}}, reason="r"
        )
    )
    assert (err.code, err.status) == ("wrong_state", 409)
    assert err.details == {
        "status": "submitted",
        "reference": app.reference,
        "action": "declare_facts",
        "state": "submitted",
        "allowed_from": ["draft", "information_requested"],
    }
    assert counts() == before and snapshot(app) == row
