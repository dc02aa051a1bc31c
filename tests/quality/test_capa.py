"""CAPA across the two enterprises: planned from a deviation with actions owned by people of either side, approved
by the agreement's approving party (e-signed), actions done, effectiveness checked, closed (e-signed); overdue
CAPAs listed for both parties and their regulators; every refusal writes nothing."""

from __future__ import annotations

import datetime as dt

import pytest

from bioseg.audit.models import AuditEvent, Signature
from bioseg.audit.selectors import signatures_for
from bioseg.common import clock
from bioseg.common.errors import ApplicationError, NotFound, PermissionDenied, ValidationFailed
from bioseg.common.workflow import WrongState
from bioseg.quality import capa as cs
from bioseg.quality.models import Capa, CapaAction, CapaEvent, Notification
from bioseg.registry.scope import scope_for
from tests.conftest import PASSWORD
from tests.quality.test_deviations import record

pytestmark = pytest.mark.django_db


def counts():
    return (
        Capa.objects.count(),
        CapaAction.objects.count(),
        CapaEvent.objects.count(),
        Notification.objects.count(),
        Signature.objects.count(),
        AuditEvent.objects.count(),
    )


def plan(world, deviation, **kw):
    soon = clock.today() + dt.timedelta(days=10)
    values = dict(
        actor=world.cmo_qa,
        product=world.pd1,
        owner=world.cmo,
        source="deviation",
        deviation=deviation,
        title="Needle inspection before each fill",
        problem="Needle wear was not detected before the fill.",
        actions=[
            {"description": "Replace the needle set.", "kind": "corrective", "owner": world.cmo_qa, "due_on": soon},
            {
                "description": "Add a needle check to the SOP.",
                "kind": "preventive",
                "owner": world.holder_qa,
                "due_on": soon,
            },
        ],
    )
    values.update(kw)
    return cs.capa_create(**values)


def test_a_capa_walks_from_plan_to_closure(genealogy, world):
    dev = record(world, [genealogy.p2])
    capa = plan(world, dev)
    assert (capa.reference, capa.status, capa.approver_party) == (
        f"CAPA-{clock.today().year}-00001",
        "planned",
        "holder",
    )
    assert sorted(
        Notification.objects.filter(subject_id=capa.pk, subject_table="quality_capa").values_list(
            "recipient__username", flat=True
        )
    ) == ["holder-qa", "holder-qp"]
    with pytest.raises(PermissionDenied):  # the holder approves, by default
        cs.capa_approve(actor=world.cmo_qa, capa=capa, password=PASSWORD)
    capa = cs.capa_approve(actor=world.qp, capa=capa, password=PASSWORD)
    assert capa.status == "in_progress"
    first, second = capa.actions.order_by("position")
    before = counts()
    with pytest.raises(ValidationFailed) as exc:  # an action is still open
        cs.capa_submit_effectiveness(actor=world.cmo_qa, capa=capa, plan="Review 3 fills.", due_on=clock.today())
    assert exc.value.details["fields"]["actions"]["message"] == "Actions not done yet: 1, 2."
    assert counts() == before
    cs.capa_complete_action(actor=world.cmo_qa, action=first, done_on=clock.today(), evidence="Work order WO-1.")
    with pytest.raises(PermissionDenied):  # not the owner and no party of the CAPA
        cs.capa_complete_action(actor=world.gd_qa, action=second, done_on=clock.today(), evidence="x")
    cs.capa_complete_action(actor=world.holder_qa, action=second, done_on=clock.today(), evidence="SOP v3.")
    with pytest.raises(WrongState):
        cs.capa_complete_action(actor=world.holder_qa, action=second, done_on=clock.today(), evidence="again")
    capa = cs.capa_submit_effectiveness(
        actor=world.cmo_qa,
        capa=capa,
        plan="No needle clog in the next 3 fills.",
        due_on=clock.today() + dt.timedelta(days=60),
    )
    assert capa.status == "effectiveness"
    capa = cs.capa_reopen(actor=world.holder_qa, capa=capa, reason="A clog recurred in fill 2.")
    assert capa.status == "in_progress"
    capa = cs.capa_submit_effectiveness(
        actor=world.cmo_qa,
        capa=capa,
        plan="No needle clog in the next 3 fills.",
        due_on=clock.today() + dt.timedelta(days=60),
    )
    with pytest.raises(ApplicationError) as exc:
        cs.capa_close(actor=world.qp, capa=capa, password="wrong", result="ok")
    assert exc.value.code == "signature_refused"
    capa = cs.capa_close(actor=world.qp, capa=capa, password=PASSWORD, result="Three fills without a clog.")
    assert capa.status == "closed" and capa.closed_at is not None
    assert [s.signature.meaning for s in signatures_for(capa)] == ["approved", "approved"]
    assert [e.kind for e in capa.events.order_by("id")] == [
        "planned",
        "plan_approved",
        "action_completed",
        "action_completed",
        "effectiveness_check_started",
        "reopened",
        "effectiveness_check_started",
        "closed",
    ]


def test_refused_plans_write_nothing(genealogy, world):
    dev = record(world, [genealogy.p2])
    before = counts()
    with pytest.raises(PermissionDenied):
        plan(world, dev, actor=world.gd_qa)
    with pytest.raises(ValidationFailed) as exc:
        plan(world, dev, actor=world.holder_qa, owner=world.gd, title="", actions=[])
    assert set(exc.value.details["fields"]) >= {"title", "owner_id", "actions"}
    past = clock.today() - dt.timedelta(days=1)
    with pytest.raises(ValidationFailed) as exc:
        plan(world, dev, actions=[{"description": "x", "kind": "corrective", "owner": world.gd_qa, "due_on": past}])
    assert exc.value.details["fields"]["actions.0"]["message"] == "An action's due date cannot be in the past."
    with pytest.raises(ValidationFailed) as exc:
        plan(world, None)
    assert exc.value.details["fields"]["deviation_id"]["message_zh"] == "来源为偏差的纠正预防措施须注明偏差。"
    assert counts() == before


def test_overdue_capas_are_listed_for_both_parties_and_their_regulators(genealogy, world):
    dev = record(world, [genealogy.p2])
    capa = plan(world, dev)
    cs.capa_approve(actor=world.qp, capa=capa, password=PASSWORD)
    later = clock.today() + dt.timedelta(days=11)
    for user in (world.cmo_qa, world.holder_qa, world.sh_inspector, world.js_inspector):
        assert list(cs.capa_list(scope=scope_for(user)).overdue(later)) == [capa]
        assert list(cs.capa_list(scope=scope_for(user)).overdue(clock.today())) == []
    for user in (world.gd_qa, world.gd_inspector):
        assert not cs.capa_list(scope=scope_for(user)).exists()
        with pytest.raises(NotFound):
            cs.capa_get(scope=scope_for(user), pk=capa.pk)
