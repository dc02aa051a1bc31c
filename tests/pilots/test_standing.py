"""The standing route (Order No. 828 Arts. 31–34, ruleset reg2026): an approved pilot product carried over, a
vaccine through NMPA's approval, and every refused transition changing nothing."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from bioseg.audit.selectors import signatures_for
from bioseg.common.errors import ApplicationError, NotFound, PermissionDenied, ValidationFailed
from bioseg.pilots import selectors, services, standing
from bioseg.pilots.models import (
    RULE_OUTCOMES,
    YES_NO,
    ArrangementConsent,
    ArrangementDetermination,
    ArrangementEvent,
    OpenQuestion,
    SegmentedArrangement,
)
from bioseg.registry.scope import scope_for
from tests.conftest import PASSWORD
from tests.pilots.standing_helpers import (
    CONDITIONS,
    PD1_STANDING_FACTS,
    TODAY,
    VACCINE_FACTS,
    approve_pd1_pilot,
    counts,
    make_vaccine,
    snapshot,
)

pytestmark = pytest.mark.django_db

PD1_QUESTIONS = ["Q11", "Q11.conditions", "Q12", "Q12.approval"]


@pytest.fixture
def pilot(pw, on_day):
    app = approve_pd1_pilot(pw, on_day)
    on_day(TODAY)
    return app


def refused(call, exc_type=ApplicationError):
    with pytest.raises(exc_type) as info:
        call()
    return info.value


def draft(pw):
    return standing.arrangement_draft(actor=pw.sz_ra, product=pw.pd1)


def assessed(pw):
    a = draft(pw)
    a = standing.arrangement_facts_declare(actor=pw.sz_ra, arrangement=a, facts=PD1_STANDING_FACTS, reason="reg2026")
    standing.arrangement_assess(actor=pw.sz_ra, arrangement=a)
    a.refresh_from_db()
    return a


def submitted(pw):
    return standing.arrangement_submit(actor=pw.sz_ra, arrangement=assessed(pw), password=PASSWORD)


def determine_all(pw, a):
    for q in OpenQuestion.objects.filter(arrangement=a, status="open"):
        standing.question_determine(
            actor=pw.nmpa,
            question=q,
            outcome="pass" if q.rule else "no",
            determination="It continues.",
            reasoning="Order 828 Art. 32.",
            password=PASSWORD,
        )


def actions(user, a):
    a.refresh_from_db()
    return standing.ARRANGEMENT_WORKFLOW.allowed_actions(user, a)


# --------------------------------------------------------------------------------------- the happy paths


def test_the_approved_pd1_pilot_product_is_carried_onto_the_standing_route(pw, pilot):
    a = draft(pw)
    assert (a.reference, a.status, a.ruleset, a.vaccine) == ("SA-2026-0001", "draft", "reg2026", False)
    assert a.pilot_application == pilot
    assert (a.holder_province, a.consent_province_list, a.province_list) == ("320000", ["310000"], ["310000", "320000"])
    assert [(c["key"], c["awaits"]) for c in a.carry_over] == [
        ("pilot_approval", "Q11"),
        ("conditions", "Q11.conditions"),
        ("declared_facts", ""),
        ("joint_plan", "Q12"),
    ]
    assert a.carry_over[0]["detail_en"] == "PA-2025-0001, approved on 2025-09-12"
    assert a.carry_over[1]["detail_zh"] == CONDITIONS
    assert a.carry_over[3]["detail_en"] == "agreed by Shanghai, Jiangsu on 2025-06-30"
    assert a.case_facts["pilot_approval"] == {
        "approved": True,
        "approved_on": "2025-09-12",
        "reference": "PA-2025-0001",
    }
    assert a.carried_facts["stationed_personnel"][0]["name"] == "Li Wei"
    assert "application" not in a.case_facts
    qs = list(OpenQuestion.objects.filter(arrangement=a).order_by("id"))
    assert [(q.key, q.status, q.authority) for q in qs] == [(k, "open", "NMPA") for k in PD1_QUESTIONS]
    assert qs[0].text_zh == "试点于2026年12月31日结束后，试点批复是否依第三十二条延续、需重新申请，还是失效？"
    assert [e.kind for e in ArrangementEvent.objects.filter(arrangement=a)] == ["drafted"]

    first = standing.arrangement_assess(actor=pw.sz_ra, arrangement=a)
    assert (first.outcome, first.purpose, first.as_of) == ("incomplete", "assessment", TODAY)
    missing = selectors.arrangement_missing_facts(arrangement=a)
    assert missing == [
        "contract_manufacturers[0].redelegates",
        "product.special_process_or_facility_need",
        "product.public_health_emergency_need",
        "product.reserve_need",
        "holder.segmentation_need",
        "segments[0].electronic_records",
        "segments[1].electronic_records",
    ]
    a.refresh_from_db()
    assert a.status == "assessed"
    a = standing.arrangement_facts_declare(actor=pw.sz_qa, arrangement=a, facts=PD1_STANDING_FACTS, reason="reg2026")
    assert a.status == "draft"
    second = standing.arrangement_assess(actor=pw.sz_qa, arrangement=a)
    assert second.outcome == "eligible"

    a = standing.arrangement_submit(
        actor=pw.sz_ra, arrangement=SegmentedArrangement.objects.get(pk=a.pk), password=PASSWORD
    )
    assert (a.status, a.submitted_on) == ("submitted", TODAY)
    [consent] = ArrangementConsent.objects.filter(arrangement=a)
    assert (consent.province_code, consent.status, consent.reviewer) == ("310000", "pending", None)
    event = ArrangementEvent.objects.get(arrangement=a, kind="submitted")
    assert event.message_en == ("Submitted to Jiangsu; consent requested from Shanghai (NMPA 2023 No. 132 §一(一)).")
    assert event.message_zh == "已报送江苏省；已请求上海市出具同意意见（国家药监局2023年第132号公告第一条第（一）项）。"
    assert (event.data["outcome"], event.data["consent_requested"], event.data["questions_added"]) == (
        "eligible",
        ["310000"],
        [],
    )
    [sig] = signatures_for(event)
    assert (sig.signature.meaning, sig.signature.signer, sig.intact) == ("authored", pw.sz_ra, True)
    sub = selectors.arrangement_determinations(arrangement=a).first()
    assert (sub.purpose, json.loads(sub.case_json)["application"]) == ("submission", {"submitted_on": "2026-12-04"})

    # Who may do what now.
    assert actions(pw.js_reviewer, a) == ["pass_review", "refuse"]
    assert actions(pw.sh_reviewer, a) == ["consent", "withhold_consent"]
    assert actions(pw.sz_ra, a) == []
    assert actions(pw.nmpa, a) == []
    assert [q.pk for q in selectors.arrangement_list(scope=scope_for(pw.js_reviewer))] == [a.pk]
    assert [q.pk for q in selectors.arrangement_list(scope=scope_for(pw.sh_reviewer))] == [a.pk]
    assert list(selectors.arrangement_list(scope=scope_for(pw.gd_reviewer))) == []
    assert [q.pk for q in selectors.arrangement_list(scope=scope_for(pw.nmpa))] == [a.pk]
    assert selectors.arrangement_awaiting_count(scope=scope_for(pw.js_reviewer), user=pw.js_reviewer) == 1

    row = standing.arrangement_consent(actor=pw.sh_reviewer, arrangement=a, give=True, comment="", password=PASSWORD)
    assert (row.status, row.reviewer) == ("given", pw.sh_reviewer)
    [sig] = signatures_for(row)
    assert (sig.signature.meaning, sig.intact) == ("approved", True)
    assert actions(pw.sh_reviewer, a) == []

    a = standing.arrangement_review(actor=pw.js_reviewer, arrangement=a, passed=True, comment="", password=PASSWORD)
    assert a.status == "reviewed"
    assert actions(pw.js_reviewer, a) == ["record"]
    assert actions(pw.nmpa, a) == []  # Art. 32 has no approval step

    q11 = OpenQuestion.objects.get(arrangement=a, key="Q11")
    assert standing.QUESTION_WORKFLOW.allowed_actions(pw.nmpa, q11) == ["determine"]
    assert standing.QUESTION_WORKFLOW.allowed_actions(pw.js_reviewer, q11) == []
    q11 = standing.question_determine(
        actor=pw.nmpa,
        question=q11,
        outcome="pass",
        determination="The pilot approval continues under Art. 32 until the registration change is recorded.",
        reasoning="Order No. 828 Art. 32; the product's pilot conditions were met.",
        password=PASSWORD,
    )
    assert (q11.status, q11.determined_by) == ("determined", pw.nmpa)
    [sig] = signatures_for(q11)
    assert (sig.signature.meaning, sig.signature.signer, sig.intact) == ("authored", pw.nmpa, True)
    assert ArrangementEvent.objects.filter(arrangement=a, kind="question_determined").count() == 1

    determine_all(pw, a)
    a = standing.arrangement_record(
        actor=pw.js_reviewer, arrangement=a, reference="苏药生变2026-001", password=PASSWORD
    )
    assert (a.status, a.record_reference, a.recorded_on) == ("recorded", "苏药生变2026-001", TODAY)
    assert [e.kind for e in ArrangementEvent.objects.filter(arrangement=a)] == [
        "drafted",
        "assessed",
        "facts_declared",
        "assessed",
        "submitted",
        "consent_given",
        "reviewed",
        "question_determined",
        "question_determined",
        "question_determined",
        "question_determined",
        "recorded",
    ]
    # Signatures of every signed row are still intact (nothing signed was changed afterwards).
    for e in ArrangementEvent.objects.filter(arrangement=a, kind__in=["submitted", "reviewed", "recorded"]):
        assert all(s.intact for s in signatures_for(e))


def test_a_vaccine_needs_nmpa_approval_after_the_provinces(pw, on_day):
    on_day(TODAY)
    vaccine = make_vaccine(pw)
    a = standing.arrangement_draft(actor=pw.sz_ra, product=vaccine)
    assert (a.vaccine, a.pilot_application, a.carry_over) == (True, None, [])
    assert list(OpenQuestion.objects.filter(arrangement=a).values_list("key", flat=True)) == ["Q12"]
    a = standing.arrangement_facts_declare(actor=pw.sz_ra, arrangement=a, facts=VACCINE_FACTS, reason="Art. 33")
    det = standing.arrangement_assess(actor=pw.sz_ra, arrangement=a)
    assert det.outcome == "needs_determination"
    a.refresh_from_db()
    a = standing.arrangement_submit(actor=pw.sz_ra, arrangement=a, password=PASSWORD)
    # Art. 33's open point is NMPA's approval itself: the workflow's nmpa_approve step, not a separate question.
    assert list(OpenQuestion.objects.filter(arrangement=a).values_list("key", flat=True)) == ["Q12"]
    standing.arrangement_consent(actor=pw.sh_reviewer, arrangement=a, give=True, comment="", password=PASSWORD)
    a = standing.arrangement_review(actor=pw.js_reviewer, arrangement=a, passed=True, comment="", password=PASSWORD)
    assert a.status == "awaiting_nmpa"
    assert actions(pw.nmpa, a) == ["nmpa_approve", "nmpa_reject"]
    assert actions(pw.js_reviewer, a) == []

    before, row = counts(), snapshot(a)
    err = refused(
        lambda: standing.arrangement_nmpa_decide(
            actor=pw.nmpa, arrangement=a, approve=True, reason="Art. 33 met.", password=PASSWORD
        )
    )
    assert (err.code, err.status, err.details) == ("open_determination", 409, {"open_questions": ["Q12"]})
    assert err.message_zh == "不能批准：尚有1个问题待国家药监局认定（Q12）。"
    assert counts() == before and snapshot(a) == row

    determine_all(pw, a)
    a = standing.arrangement_nmpa_decide(
        actor=pw.nmpa, arrangement=a, approve=True, reason="Art. 33 met.", password=PASSWORD
    )
    assert a.status == "approved"
    [sig] = signatures_for(ArrangementEvent.objects.get(arrangement=a, kind="nmpa_approved"))
    assert (sig.signature.meaning, sig.signature.signer) == ("approved", pw.nmpa)
    a = standing.arrangement_record(
        actor=pw.js_reviewer, arrangement=a, reference="苏药生变2026-002", password=PASSWORD
    )
    assert a.status == "recorded"


# --------------------------------------------------------------------------------------- refused transitions


def test_a_pilot_draft_after_the_deadline_is_refused_at_creation(pw, on_day):
    on_day(dt.date(2026, 1, 1))
    before = counts()
    err = refused(lambda: services.application_draft(actor=pw.sz_ra, product=pw.pd1))
    assert (err.code, err.status) == ("deadline_passed", 400)
    assert err.message.startswith("Pilot applications closed on 2025-12-31 (")
    assert err.message.endswith(
        "today is 2026-01-01. Draft a segmented-production arrangement on the standing route instead "
        "(Order No. 828 Arts. 31–34, ruleset reg2026)."
    )
    assert err.message_zh.endswith(
        "请改为按常设途径起草分段生产安排（国务院令第828号第三十一条至第三十四条，规则集 reg2026）。"
    )
    assert (err.details["deadline"], err.details["standing_route"]) == ("2025-12-31", "reg2026")
    assert counts() == before
    assert services.applications_closed_on(dt.date(2026, 1, 1)) == dt.date(2025, 12, 31)
    assert services.applications_closed_on(dt.date(2025, 12, 31)) is None


def test_a_pilot_draft_on_the_deadline_day_is_accepted(pw, on_day):
    on_day(dt.date(2025, 12, 31))
    assert services.application_draft(actor=pw.sz_ra, product=pw.pd1).status == "draft"


def test_an_arrangement_before_order_828_is_in_force_is_refused(pw, on_day):
    on_day(dt.date(2026, 5, 14))
    before = counts()
    err = refused(lambda: draft(pw))
    assert (err.code, err.status, err.details) == (
        "not_in_force",
        400,
        {"in_force_from": "2026-05-15", "today": "2026-05-14"},
    )
    assert counts() == before
    on_day(dt.date(2026, 5, 15))
    assert draft(pw).status == "draft"


def test_a_second_open_arrangement_and_the_wrong_drafters_are_refused(pw, pilot):
    first = draft(pw)
    before = counts()
    err = refused(lambda: standing.arrangement_draft(actor=pw.sz_qa, product=pw.pd1))
    assert (err.code, err.status, err.details) == (
        "arrangement_exists",
        409,
        {"reference": "SA-2026-0001", "id": first.pk},
    )
    refused(lambda: standing.arrangement_draft(actor=pw.sh_cmo, product=pw.pd1), PermissionDenied)
    refused(lambda: standing.arrangement_draft(actor=pw.gd_ra, product=pw.pd1), NotFound)
    refused(lambda: standing.arrangement_draft(actor=pw.js_reviewer, product=pw.pd1), PermissionDenied)
    assert counts() == before


def test_submit_refusals_change_nothing(pw, pilot):
    a = draft(pw)
    before, row = counts(), snapshot(a)
    err = refused(lambda: standing.arrangement_submit(actor=pw.sz_ra, arrangement=a, password=PASSWORD))
    assert (err.code, err.status, err.details["allowed_from"]) == ("wrong_state", 409, ["assessed"])
    standing.arrangement_assess(actor=pw.sz_ra, arrangement=a)
    a.refresh_from_db()
    before, row = counts(), snapshot(a)
    err = refused(lambda: standing.arrangement_submit(actor=pw.sz_ra, arrangement=a, password=PASSWORD))
    assert (err.code, err.status) == ("incomplete", 400)
    assert err.details["missing_facts"][0] == "contract_manufacturers[0].redelegates"
    assert counts() == before and snapshot(a) == row

    a = standing.arrangement_facts_declare(actor=pw.sz_ra, arrangement=a, facts=PD1_STANDING_FACTS, reason="r")
    standing.arrangement_assess(actor=pw.sz_ra, arrangement=a)
    a.refresh_from_db()
    before, row = counts(), snapshot(a)
    err = refused(lambda: standing.arrangement_submit(actor=pw.sz_ra, arrangement=a, password="wrong"))
    assert (err.code, err.status) == ("signature_refused", 403)
    assert {k: v for k, v in counts().items() if k != "audit_events"} == {
        k: v for k, v in before.items() if k != "audit_events"
    }
    assert snapshot(a) == row
    refused(lambda: standing.arrangement_submit(actor=pw.sh_cmo, arrangement=a, password=PASSWORD), NotFound)
    refused(lambda: standing.arrangement_submit(actor=pw.js_reviewer, arrangement=a, password=PASSWORD), NotFound)


def test_an_ineligible_arrangement_is_not_submitted(pw, pilot):
    a = draft(pw)
    facts = {**PD1_STANDING_FACTS, "contract_manufacturers": [{"name": "Shanghai CDMO", "redelegates": True}]}
    a = standing.arrangement_facts_declare(actor=pw.sz_ra, arrangement=a, facts=facts, reason="r")
    assert standing.arrangement_assess(actor=pw.sz_ra, arrangement=a).outcome == "ineligible"
    a.refresh_from_db()
    before, row = counts(), snapshot(a)
    err = refused(lambda: standing.arrangement_submit(actor=pw.sz_ra, arrangement=a, password=PASSWORD))
    assert (err.code, err.status, err.details["failing_rules"]) == (
        "ineligible",
        400,
        ["reg2026.art31.no_redelegation"],
    )
    assert counts() == before and snapshot(a) == row


def test_declared_facts_are_validated_and_workflow_facts_refused(pw, pilot):
    a = draft(pw)
    before, row = counts(), snapshot(a)
    err = refused(
        lambda: standing.arrangement_facts_declare(
            actor=pw.sz_ra, arrangement=a, facts={"nmpa_consent": True, "pilot_approval": {"approved": True}}, reason=""
        ),
        ValidationFailed,
    )
    assert sorted(err.details["fields"]) == ["facts.nmpa_consent", "facts.pilot_approval", "reason"]
    err = refused(
        lambda: standing.arrangement_facts_declare(
            actor=pw.sz_ra, arrangement=a, facts={"product": {"category": "tea"}}, reason="r"
        ),
        ValidationFailed,
    )
    assert list(err.details["fields"]) == ["facts.product.category"]
    refused(lambda: standing.arrangement_facts_declare(actor=pw.sh_cmo, arrangement=a, facts={}, reason="r"), NotFound)
    assert counts() == before and snapshot(a) == row


def test_a_submitted_arrangement_is_frozen(pw, pilot):
    a = submitted(pw)
    before, row = counts(), snapshot(a)
    sub = selectors.arrangement_determinations(arrangement=a).first()
    err = refused(lambda: standing.arrangement_assess(actor=pw.sz_ra, arrangement=a))
    assert (err.code, err.status, err.details) == (
        "wrong_state",
        409,
        {"action": "assess", "state": "submitted", "allowed_from": ["assessed", "draft"]},
    )
    err = refused(
        lambda: standing.arrangement_facts_declare(
            actor=pw.sz_ra, arrangement=a, facts={"holder": {"segmentation_need": False}}, reason="r"
        )
    )
    assert (err.code, err.status) == ("wrong_state", 409)
    assert err.message == (
        "The arrangement is submitted to the province: “Declare facts of the arrangement” is possible only when it "
        "is assessed or a draft."
    )
    refused(lambda: standing.arrangement_assess(actor=pw.js_reviewer, arrangement=a), PermissionDenied)
    assert counts() == before and snapshot(a) == row
    assert selectors.arrangement_determinations(arrangement=a).first() == sub


def test_review_refusals_change_nothing(pw, pilot):
    a = submitted(pw)
    before, row = counts(), snapshot(a)
    err = refused(
        lambda: standing.arrangement_review(
            actor=pw.js_reviewer, arrangement=a, passed=True, comment="", password=PASSWORD
        )
    )
    assert (err.code, err.status, err.details) == ("consent_pending", 409, {"pending": ["310000"]})
    assert err.message_zh.startswith("上海市作为受托方所在地省局出具同意意见前，审查不能通过")
    # The holder's province does not consent for the contract manufacturer's, nor the other way round.
    refused(
        lambda: standing.arrangement_consent(
            actor=pw.js_reviewer, arrangement=a, give=True, comment="", password=PASSWORD
        ),
        PermissionDenied,
    )
    refused(
        lambda: standing.arrangement_review(
            actor=pw.sh_reviewer, arrangement=a, passed=True, comment="", password=PASSWORD
        ),
        PermissionDenied,
    )
    refused(
        lambda: standing.arrangement_review(
            actor=pw.gd_reviewer, arrangement=a, passed=True, comment="", password=PASSWORD
        ),
        NotFound,
    )
    refused(
        lambda: standing.arrangement_review(
            actor=pw.js_inspector, arrangement=a, passed=True, comment="", password=PASSWORD
        ),
        PermissionDenied,
    )
    err = refused(
        lambda: standing.arrangement_review(
            actor=pw.js_reviewer, arrangement=a, passed=False, comment=" ", password=PASSWORD
        ),
        ValidationFailed,
    )
    assert list(err.details["fields"]) == ["comment"]
    err = refused(
        lambda: standing.arrangement_consent(
            actor=pw.sh_reviewer, arrangement=a, give=False, comment="", password=PASSWORD
        ),
        ValidationFailed,
    )
    assert list(err.details["fields"]) == ["comment"]
    err = refused(
        lambda: standing.arrangement_consent(actor=pw.sh_reviewer, arrangement=a, give=True, comment="", password="no")
    )
    assert err.code == "signature_refused"
    err = refused(
        lambda: standing.arrangement_record(actor=pw.js_reviewer, arrangement=a, reference="X-1", password=PASSWORD)
    )
    assert (err.code, err.details["allowed_from"]) == ("wrong_state", ["approved", "reviewed"])
    err = refused(
        lambda: standing.arrangement_nmpa_decide(
            actor=pw.nmpa, arrangement=a, approve=True, reason="r", password=PASSWORD
        )
    )
    assert (err.code, err.details["allowed_from"]) == ("wrong_state", ["awaiting_nmpa"])
    c = {k: v for k, v in counts().items() if k != "audit_events"}
    assert c == {k: v for k, v in before.items() if k != "audit_events"}
    assert snapshot(a) == row
    assert ArrangementConsent.objects.get(arrangement=a).status == "pending"


def test_withheld_consent_refuses_the_arrangement_and_a_new_draft_may_follow(pw, pilot):
    a = submitted(pw)
    row = standing.arrangement_consent(
        actor=pw.sh_reviewer, arrangement=a, give=False, comment="受托方产能不足。", password=PASSWORD
    )
    a.refresh_from_db()
    assert (row.status, a.status) == ("withheld", "refused")
    [sig] = signatures_for(row)
    assert sig.signature.meaning == "rejected"
    before = counts()
    err = refused(
        lambda: standing.arrangement_review(
            actor=pw.js_reviewer, arrangement=a, passed=True, comment="", password=PASSWORD
        )
    )
    assert (err.code, err.details["state"]) == ("wrong_state", "refused")
    assert counts() == before
    assert draft(pw).reference == "SA-2026-0002"


def test_the_province_cannot_record_while_a_question_awaits_nmpa(pw, pilot):
    a = submitted(pw)
    standing.arrangement_consent(actor=pw.sh_reviewer, arrangement=a, give=True, comment="", password=PASSWORD)
    a = standing.arrangement_review(actor=pw.js_reviewer, arrangement=a, passed=True, comment="", password=PASSWORD)
    q11 = OpenQuestion.objects.get(arrangement=a, key="Q11")
    standing.question_determine(
        actor=pw.nmpa, question=q11, outcome="pass", determination="d", reasoning="r", password=PASSWORD
    )
    before, row = counts(), snapshot(a)
    err = refused(
        lambda: standing.arrangement_record(actor=pw.js_reviewer, arrangement=a, reference="X-1", password=PASSWORD)
    )
    assert (err.code, err.status) == ("open_determination", 409)
    assert err.details == {"open_questions": ["Q11.conditions", "Q12", "Q12.approval"]}
    assert err.message == (
        "The arrangement cannot be recorded: 3 question(s) await NMPA's determination (Q11.conditions, Q12, "
        "Q12.approval)."
    )
    err = refused(
        lambda: standing.arrangement_record(actor=pw.js_reviewer, arrangement=a, reference=" ", password=PASSWORD),
        ValidationFailed,
    )
    assert list(err.details["fields"]) == ["reference"]
    refused(
        lambda: standing.arrangement_record(actor=pw.sh_reviewer, arrangement=a, reference="X-1", password=PASSWORD),
        PermissionDenied,
    )
    assert counts() == before and snapshot(a) == row


def test_question_determination_refusals_change_nothing(pw, pilot):
    a = draft(pw)
    q11 = OpenQuestion.objects.get(arrangement=a, key="Q11")
    before, row = counts(), snapshot(q11)
    # A draft is not NMPA's to see.
    refused(
        lambda: standing.question_determine(
            actor=pw.nmpa, question=q11, outcome="pass", determination="d", reasoning="r", password=PASSWORD
        ),
        NotFound,
    )
    a = standing.arrangement_facts_declare(actor=pw.sz_ra, arrangement=a, facts=PD1_STANDING_FACTS, reason="r")
    standing.arrangement_assess(actor=pw.sz_ra, arrangement=a)
    a.refresh_from_db()
    a = standing.arrangement_submit(actor=pw.sz_ra, arrangement=a, password=PASSWORD)
    q11.refresh_from_db()
    before, row = counts(), snapshot(q11)
    refused(
        lambda: standing.question_determine(
            actor=pw.js_reviewer, question=q11, outcome="pass", determination="d", reasoning="r", password=PASSWORD
        ),
        PermissionDenied,
    )
    refused(
        lambda: standing.question_determine(
            actor=pw.sz_ra, question=q11, outcome="pass", determination="d", reasoning="r", password=PASSWORD
        ),
        PermissionDenied,
    )
    err = refused(
        lambda: standing.question_determine(
            actor=pw.nmpa, question=q11, outcome="yes", determination="", reasoning=" ", password=PASSWORD
        ),
        ValidationFailed,
    )
    assert sorted(err.details["fields"]) == ["determination", "outcome", "reasoning"]
    assert err.details["fields"]["outcome"]["message"] == "Choose whether the rule is met, not met or does not apply."
    err = refused(
        lambda: standing.question_determine(
            actor=pw.nmpa, question=q11, outcome="pass", determination="d", reasoning="r", password="no"
        )
    )
    assert err.code == "signature_refused"
    assert {k: v for k, v in counts().items() if k != "audit_events"} == {
        k: v for k, v in before.items() if k != "audit_events"
    }
    assert snapshot(q11) == row
    standing.question_determine(
        actor=pw.nmpa, question=q11, outcome="pass", determination="d", reasoning="r", password=PASSWORD
    )
    q11.refresh_from_db()
    before, row = counts(), snapshot(q11)
    err = refused(
        lambda: standing.question_determine(
            actor=pw.nmpa, question=q11, outcome="pass", determination="e", reasoning="r", password=PASSWORD
        )
    )
    assert (err.code, err.status, err.details["state"]) == ("wrong_state", 409, "determined")
    assert counts() == before and snapshot(q11) == row


def test_no_question_is_determined_once_the_arrangement_is_decided(pw, pilot):
    a = submitted(pw)
    standing.arrangement_consent(actor=pw.sh_reviewer, arrangement=a, give=False, comment="不同意。", password=PASSWORD)
    q = OpenQuestion.objects.get(arrangement=a, key="Q12")
    before, row = counts(), snapshot(q)
    err = refused(
        lambda: standing.question_determine(
            actor=pw.nmpa, question=q, outcome="no", determination="d", reasoning="r", password=PASSWORD
        )
    )
    assert (err.code, err.details["state"]) == ("wrong_state", "refused")
    assert counts() == before and snapshot(q) == row


def test_the_workflow_table_is_what_the_services_enforce():
    rows = {r["action"]: r for r in standing.ARRANGEMENT_WORKFLOW.rows()}
    assert {a: (r["from"], r["to"], r["signature"]) for a, r in rows.items()} == {
        "declare_facts": (["assessed", "draft"], "draft", None),
        "assess": (["assessed", "draft"], "assessed", None),
        "submit": (["assessed"], "submitted", "authored"),
        "consent": (["submitted"], None, "approved"),
        "withhold_consent": (["submitted"], "refused", "rejected"),
        "pass_review": (["submitted"], "reviewed", "reviewed"),
        "refuse": (["submitted"], "refused", "rejected"),
        "nmpa_approve": (["awaiting_nmpa"], "approved", "approved"),
        "nmpa_reject": (["awaiting_nmpa"], "rejected", "rejected"),
        "record": (["approved", "reviewed"], "recorded", "approved"),
    }
    [determine] = standing.QUESTION_WORKFLOW.rows()
    assert (determine["from"], determine["to"], determine["signature"], determine["roles"]) == (
        ["open"],
        "determined",
        "authored",
        ["nmpa_officer"],
    )


def after_the_pilot(pw, on_day):
    """The PD-1 arrangement drafted and submitted on 2027-01-05, consented to by Shanghai, reviewed by Jiangsu."""
    on_day(dt.date(2027, 1, 5))
    a = draft(pw)
    assert a.reference == "SA-2027-0001"
    a = standing.arrangement_facts_declare(actor=pw.sz_ra, arrangement=a, facts=PD1_STANDING_FACTS, reason="r")
    assert standing.arrangement_assess(actor=pw.sz_ra, arrangement=a).outcome == "needs_determination"
    a.refresh_from_db()
    return standing.arrangement_submit(actor=pw.sz_ra, arrangement=a, password=PASSWORD)


def test_after_the_pilot_ends_the_rule_awaiting_nmpa_is_asked_by_q11_once(pw, pilot, on_day):
    a = after_the_pilot(pw, on_day)
    event = ArrangementEvent.objects.get(arrangement=a, kind="submitted")
    # the rule awaits NMPA, and Q11 is the question on it: no second question is asked
    assert (event.data["outcome"], event.data["questions_added"]) == ("needs_determination", [])
    submission = ArrangementDetermination.objects.get(arrangement=a, purpose="submission")
    [finding] = [f for f in json.loads(submission.determination_json)["findings"] if f["outcome"] == "undetermined"]
    assert (finding["rule"], finding["needs_determination_by"][0]["authority"]) == (
        "reg2026.transition.pilot_approval",
        "NMPA",
    )
    q11 = OpenQuestion.objects.get(arrangement=a, key="Q11")
    assert (q11.rule, q11.status, q11.outcomes) == ("reg2026.transition.pilot_approval", "open", RULE_OUTCOMES)
    assert list(OpenQuestion.objects.filter(arrangement=a).values_list("key", "rule")) == [
        ("Q11", "reg2026.transition.pilot_approval"),
        ("Q11.conditions", ""),
        ("Q12", ""),
        ("Q12.approval", ""),
    ]


def test_nmpas_determination_on_q11_is_read_by_the_rule_and_the_submission_stays(pw, pilot, on_day):
    a = after_the_pilot(pw, on_day)
    submission = ArrangementDetermination.objects.get(arrangement=a, purpose="submission")
    frozen = (submission.outcome, submission.determination_sha256, submission.case_sha256)
    q11 = OpenQuestion.objects.get(arrangement=a, key="Q11")
    q11 = standing.question_determine(
        actor=pw.nmpa,
        question=q11,
        outcome="pass",
        determination="试点批复依第三十二条继续有效，直至登记变更。",
        reasoning="国务院令第828号第三十二条。",
        password=PASSWORD,
    )
    assert (q11.status, q11.outcome) == ("determined", "pass")
    day = q11.determined_on.isoformat()
    after = ArrangementDetermination.objects.get(arrangement=a, purpose="regulator_determined")
    assert (after.outcome, after.as_of, after.created_by) == ("eligible", dt.date(2027, 1, 5), pw.nmpa)
    case = json.loads(after.case_json)
    assert case["regulator_determinations"] == [
        {
            "rule": "reg2026.transition.pilot_approval",
            "authority": "NMPA",
            "outcome": "pass",
            "determined_on": day,
            "text": "试点批复依第三十二条继续有效，直至登记变更。",
            "reference": "SA-2027-0001 Q11",
        }
    ]
    data = json.loads(after.determination_json)
    [finding] = [f for f in data["findings"] if f["rule"] == "reg2026.transition.pilot_approval"]
    assert finding["outcome"] == "pass"
    assert (
        finding["reason_zh"]
        == f"国家药品监督管理局于{day}认定（SA-2027-0001 Q11）：试点批复依第三十二条继续有效，直至登记变更。"
    )
    assert finding["reason_en"] == (
        f"National Medical Products Administration (NMPA) determined on {day} (SA-2027-0001 Q11): 试点批复依第三十二条继续有效，直至登记变更。"
    )
    assert finding["regulator_determination"]["outcome"] == "pass"
    assert finding["checks"][-1]["subject_zh"] == "提请监管部门认定的问题"
    assert finding["checks"][-1]["reason_en"].startswith("The pilot ended on 2026-12-31.")
    # the submission's determination is a record of its day: unchanged
    submission.refresh_from_db()
    assert (
        (submission.outcome, submission.determination_sha256, submission.case_sha256)
        == frozen
        == (
            "needs_determination",
            frozen[1],
            frozen[2],
        )
    )
    event = ArrangementEvent.objects.filter(arrangement=a, kind="question_determined").get()
    assert (event.data["outcome"], event.data["assessed"], event.data["determination_id"]) == (
        "pass",
        "eligible",
        after.pk,
    )


def test_a_rule_nmpa_settles_as_not_met_stops_the_record(pw, pilot, on_day):
    a = after_the_pilot(pw, on_day)
    standing.arrangement_consent(actor=pw.sh_reviewer, arrangement=a, give=True, comment="", password=PASSWORD)
    a = standing.arrangement_review(actor=pw.js_reviewer, arrangement=a, passed=True, comment="", password=PASSWORD)
    q11 = OpenQuestion.objects.get(arrangement=a, key="Q11")
    standing.question_determine(
        actor=pw.nmpa,
        question=q11,
        outcome="fail",
        determination="试点批复随试点结束而失效。",
        reasoning="试点工作方案的期限。",
        password=PASSWORD,
    )
    determine_all(pw, a)
    after = ArrangementDetermination.objects.get(arrangement=a, purpose="regulator_determined")
    assert after.outcome == "ineligible"
    a.refresh_from_db()
    before, row = counts(), snapshot(a)
    err = refused(
        lambda: standing.arrangement_record(actor=pw.js_reviewer, arrangement=a, reference="X-1", password=PASSWORD)
    )
    assert (err.code, err.details["failing_rules"], err.details["determination"]) == (
        "ineligible",
        ["reg2026.transition.pilot_approval"],
        after.pk,
    )
    assert "计入国家药监局的认定后，评估结论为不符合条件" in err.message_zh
    assert counts() == before and snapshot(a) == row


def test_a_yes_no_question_is_answered_yes_or_no_and_refused_otherwise(pw, pilot):
    a = submitted(pw)
    q12 = OpenQuestion.objects.get(arrangement=a, key="Q12")
    assert (q12.rule, q12.outcomes) == ("", YES_NO)
    before, row = counts(), snapshot(q12)
    err = refused(
        lambda: standing.question_determine(
            actor=pw.nmpa, question=q12, outcome="pass", determination="d", reasoning="r", password=PASSWORD
        ),
        ValidationFailed,
    )
    assert err.details["fields"]["outcome"]["message_zh"] == "请回答是或否。"
    assert counts() == before and snapshot(q12) == row
    standing.question_determine(
        actor=pw.nmpa, question=q12, outcome="no", determination="不再适用。", reasoning="r", password=PASSWORD
    )
    q12.refresh_from_db()
    assert (q12.status, q12.outcome, q12.get_outcome_display()) == ("determined", "no", "否")
    # a question that settles no rule does not re-assess the arrangement
    assert not ArrangementDetermination.objects.filter(arrangement=a, purpose="regulator_determined").exists()


def test_nmpas_yes_to_q12_approval_sends_a_reviewed_arrangement_to_nmpa(pw, pilot):
    a = submitted(pw)
    standing.arrangement_consent(actor=pw.sh_reviewer, arrangement=a, give=True, comment="", password=PASSWORD)
    a = standing.arrangement_review(actor=pw.js_reviewer, arrangement=a, passed=True, comment="", password=PASSWORD)
    assert a.status == "reviewed"
    q = OpenQuestion.objects.get(arrangement=a, key="Q12.approval")
    standing.question_determine(
        actor=pw.nmpa, question=q, outcome="yes", determination="须经批准。", reasoning="r", password=PASSWORD
    )
    a.refresh_from_db()
    assert a.status == "awaiting_nmpa"
    sent = ArrangementEvent.objects.get(arrangement=a, kind="sent_to_nmpa")
    assert (sent.status_to, sent.actor) == ("awaiting_nmpa", pw.nmpa)
    before, row = counts(), snapshot(a)
    err = refused(
        lambda: standing.arrangement_record(actor=pw.js_reviewer, arrangement=a, reference="X-1", password=PASSWORD)
    )
    assert (err.code, err.details["state"]) == ("wrong_state", "awaiting_nmpa")
    assert counts() == before and snapshot(a) == row
    determine_all(pw, a)
    a = standing.arrangement_nmpa_decide(actor=pw.nmpa, arrangement=a, approve=True, reason="同意。", password=PASSWORD)
    assert a.status == "approved"
    a = standing.arrangement_record(actor=pw.js_reviewer, arrangement=a, reference="苏药变-1", password=PASSWORD)
    assert a.status == "recorded"


def test_the_holders_province_refuses_and_nmpa_rejects_a_vaccine(pw, pilot):
    a = submitted(pw)
    a = standing.arrangement_review(
        actor=pw.js_reviewer, arrangement=a, passed=False, comment="统一质量保证体系未覆盖制剂车间。", password=PASSWORD
    )
    assert a.status == "refused"
    event = ArrangementEvent.objects.get(arrangement=a, kind="refused")
    assert event.message_zh == "不予同意：统一质量保证体系未覆盖制剂车间。"
    [sig] = signatures_for(event)
    assert sig.signature.meaning == "rejected"

    vaccine = make_vaccine(pw)
    v = standing.arrangement_draft(actor=pw.sz_ra, product=vaccine)
    v = standing.arrangement_facts_declare(actor=pw.sz_ra, arrangement=v, facts=VACCINE_FACTS, reason="r")
    standing.arrangement_assess(actor=pw.sz_ra, arrangement=v)
    v.refresh_from_db()
    v = standing.arrangement_submit(actor=pw.sz_ra, arrangement=v, password=PASSWORD)
    standing.arrangement_consent(actor=pw.sh_reviewer, arrangement=v, give=True, comment="", password=PASSWORD)
    v = standing.arrangement_review(actor=pw.js_reviewer, arrangement=v, passed=True, comment="", password=PASSWORD)
    before, row = counts(), snapshot(v)
    refused(
        lambda: standing.arrangement_nmpa_decide(
            actor=pw.js_reviewer, arrangement=v, approve=True, reason="r", password=PASSWORD
        ),
        PermissionDenied,
    )
    err = refused(
        lambda: standing.arrangement_nmpa_decide(
            actor=pw.nmpa, arrangement=v, approve=False, reason=" ", password=PASSWORD
        ),
        ValidationFailed,
    )
    assert list(err.details["fields"]) == ["reason"]
    err = refused(
        lambda: standing.arrangement_record(actor=pw.js_reviewer, arrangement=v, reference="X-1", password=PASSWORD)
    )
    assert (err.code, err.details["state"]) == ("wrong_state", "awaiting_nmpa")
    assert counts() == before and snapshot(v) == row
    # Rejecting is possible while a question is open: only approval waits for NMPA's determinations.
    v = standing.arrangement_nmpa_decide(
        actor=pw.nmpa, arrangement=v, approve=False, reason="超出产能的证据不足。", password=PASSWORD
    )
    assert v.status == "rejected"
    assert OpenQuestion.objects.get(arrangement=v).status == "open"
