"""Joint supervision plans: drafted by the holder's province for a partner where the chain is made, in force once
both provinces have signed (either order; the partner states its free capacity, which the lead's programme then
plans against), versions superseding one another, and the late sharing of results listed; refusals write nothing."""

from __future__ import annotations

import datetime as dt

import pytest

from bioseg.audit.models import AuditEvent, Signature
from bioseg.common import clock
from bioseg.common.errors import PermissionDenied, ValidationFailed
from bioseg.oversight import joint, programme
from bioseg.oversight import services as svc
from bioseg.oversight.models import JointPlanEvent, JointSupervisionPlan
from tests.conftest import PASSWORD
from tests.oversight.test_inspections import run_to_report

pytestmark = pytest.mark.django_db


def draft(sup, **kw):
    values = dict(
        actor=sup.js[0],
        product=sup.world.pd1,
        partner_region_code="310000",
        lead_obligations="江苏省局：持有人监管，牵头年度全面检查。",
        partner_obligations="上海市局：受托生产企业日常监管，派员参加联合检查。",
        liaison_letter="苏药监函〔2026〕12号",
        exchange_working_days=5,
        escalation="双方意见不一致时，报国家药监局协调。",
    )
    values.update(kw)
    return joint.joint_plan_draft(**values)


def counts():
    return (JointSupervisionPlan.objects.count(), JointPlanEvent.objects.count(), AuditEvent.objects.count())


def test_a_plan_is_in_force_once_both_provinces_have_signed_in_either_order(sup):
    p = draft(sup)
    assert (p.reference, p.status, p.lead_region_code) == (f"JSP-{sup.world.pd1.pk}-310000-v1", "draft", "320000")
    joint.joint_plan_sign(actor=sup.sh[0], plan=p, password=PASSWORD, free_inspectors=2)
    p.refresh_from_db()
    assert (p.status, p.partner_free_inspectors, p.partner_signed_by_id) == ("partner_signed", 2, sup.sh[0].pk)
    joint.joint_plan_sign(actor=sup.js[2], plan=p, password=PASSWORD)
    p.refresh_from_db()
    assert (p.status, p.lead_signed_by_id, p.effective_from) == ("in_force", sup.js[2].pk, clock.today())
    signers = set(
        Signature.objects.filter(table_name="oversight_jointsupervisionplan").values_list("signer_id", flat=True)
    )
    assert signers == {sup.sh[0].pk, sup.js[2].pk}
    # the lead's programme plans against the two Shanghai shared, not Shanghai's three registered inspectors
    prog = programme.derive("320000", 2027, ratings={}, seed=None, plan_id="320000-2027", version=1)
    assert [i["id"] for i in prog.problem["inspectors"] if i["province"] == "310000"] == [
        "310000-free-1",
        "310000-free-2",
    ]
    # a second version supersedes the first only once it is in force
    v2 = draft(sup, exchange_working_days=3)
    joint.joint_plan_sign(actor=sup.js[0], plan=v2, password=PASSWORD)
    assert dict(JointSupervisionPlan.objects.values_list("version", "status")) == {1: "in_force", 2: "lead_signed"}
    joint.joint_plan_sign(actor=sup.sh[1], plan=v2, password=PASSWORD, free_inspectors=3)
    assert dict(JointSupervisionPlan.objects.values_list("version", "status")) == {1: "superseded", 2: "in_force"}


def test_refusals_write_nothing(sup):
    w = sup.world
    before = counts()
    with pytest.raises(ValidationFailed) as exc:
        draft(sup, partner_region_code="440000", exchange_working_days=0, liaison_letter=" ")
    assert set(exc.value.details["fields"]) == {"partner_region_code", "exchange_working_days", "liaison_letter"}
    with pytest.raises(PermissionDenied):
        draft(sup, actor=sup.sh[0])  # Shanghai is not the holder's province
    with pytest.raises(PermissionDenied):
        draft(sup, actor=w.cmo_qa)
    assert counts() == before
    p = draft(sup)
    before = counts()
    with pytest.raises(ValidationFailed) as exc:
        joint.joint_plan_sign(actor=sup.sh[0], plan=p, password=PASSWORD)
    assert exc.value.details["fields"]["free_inspectors"]["message_zh"] == "请填写每日可调配的合格检查员人数（0–999）。"
    with pytest.raises(PermissionDenied):
        joint.joint_plan_sign(actor=w.gd_inspector, plan=p, password=PASSWORD)
    assert counts() == before


def test_results_shared_after_the_limit_are_listed(sup):
    p = draft(sup, exchange_working_days=5)
    joint.joint_plan_sign(actor=sup.js[0], plan=p, password=PASSWORD)
    joint.joint_plan_sign(actor=sup.sh[0], plan=p, password=PASSWORD, free_inspectors=2)
    p.refresh_from_db()
    i, _, _ = run_to_report(sup)
    ended = i.ended_on
    assert joint.late_exchanges(p, today=ended + dt.timedelta(days=3)) == []
    due = joint.add_working_days(ended, 5)
    overdue = joint.late_exchanges(p, today=due + dt.timedelta(days=2))
    assert [(x["inspection"].pk, x["due"], x["shared"], x["days_late"]) for x in overdue] == [(i.pk, due, None, 2)]
    late_day = due + dt.timedelta(days=4)
    with clock.pinned(dt.datetime(late_day.year, late_day.month, late_day.day, 2, 0, tzinfo=dt.UTC)):
        svc.inspection_sign_report(
            actor=sup.js[0], inspection=i, conclusion="basically_compliant", summary="基本符合要求。", password=PASSWORD
        )
    late = joint.late_exchanges(p, today=late_day + dt.timedelta(days=10))
    assert [(x["shared"], x["days_late"]) for x in late] == [(late_day, 4)]


def test_working_days_skip_weekends_and_the_holidays_of_the_calendar():
    # Thursday 2027-09-30 + 1 working day: the National Day week (10-01 to 10-07) is off, Saturday 10-09 works
    assert joint.add_working_days(dt.date(2027, 9, 30), 1) == dt.date(2027, 10, 8)
    assert joint.add_working_days(dt.date(2027, 10, 8), 1) == dt.date(2027, 10, 9)
    assert joint.add_working_days(dt.date(2027, 10, 9), 1) == dt.date(2027, 10, 11)
