"""Deviations across enterprises: recorded at a site against lots, impact computed over the genealogy, the
partner notified per the agreement, investigation approved and the deviation closed by the party the agreement
names (e-signed), an open major deviation blocking release of its lots and their descendants."""

from __future__ import annotations

import datetime as dt

import pytest

from bioseg.audit.models import AuditEvent, Signature
from bioseg.audit.selectors import signatures_for
from bioseg.common.errors import ApplicationError, NotFound, PermissionDenied, ValidationFailed
from bioseg.common.workflow import WrongState
from bioseg.production import services as ps
from bioseg.production.models import Lot, Release
from bioseg.quality import selectors as qsel
from bioseg.quality import services as qs
from bioseg.quality.models import (
    AgreementDuty,
    Deviation,
    DeviationEvent,
    DeviationImpact,
    DeviationLot,
    Notification,
)
from bioseg.quality.notifications import notification_read, unread_count
from bioseg.quality.workflows import DEVIATION_WORKFLOW
from bioseg.registry.models import QualityAgreement
from bioseg.registry.scope import scope_for
from tests.conftest import PASSWORD
from tests.production.conftest import release

pytestmark = pytest.mark.django_db


def counts() -> dict[str, int]:
    return {
        "deviations": Deviation.objects.count(),
        "links": DeviationLot.objects.count(),
        "impact": DeviationImpact.objects.count(),
        "events": DeviationEvent.objects.count(),
        "notifications": Notification.objects.count(),
        "signatures": Signature.objects.count(),
        "audit": AuditEvent.objects.count(),
    }


def record(world, lots, *, actor=None, site=None, classification="major", **kw):
    values = dict(
        actor=actor or world.cmo_qa,
        product=world.pd1,
        site=site or world.sh_site,
        title="Filling line stopped for 40 minutes",
        description="The filling needle clogged; vials filled before and after the stop were segregated.",
        occurred_on=dt.date(2025, 3, 6),
        classification=classification,
        classification_reason="Sterility assurance of the filled vials may be affected.",
        lots=lots,
    )
    values.update(kw)
    return qs.deviation_record(**values)


def test_a_cmo_deviation_on_a_dp_lot_notifies_the_holder_and_stores_its_impact(genealogy, world):
    g = genealogy
    dev = record(world, [g.p2])
    assert dev.reference == f"DEV-{dt.date.today().year}-00001"
    assert dev.status == "open"
    assert dev.agreement == QualityAgreement.objects.get(reference="QA-2025-001")
    assert dev.approver_party == "holder"  # the guide's default: the holder approves deviation investigations
    assert (dev.impact_lot_count, dev.impact_site_count, dev.impact_shipment_count) == (1, 1, 0)
    assert list(DeviationImpact.objects.filter(deviation=dev).values_list("lot_id", "direct")) == [(g.p2.pk, True)]
    notes = Notification.objects.filter(subject_id=dev.pk).order_by("recipient__username")
    assert [n.recipient.username for n in notes] == ["holder-qa", "holder-qp"]
    n = notes[0]
    assert n.title_en == f"Deviation {dev.reference} (major) recorded"
    assert n.title_zh == f"偏差 {dev.reference}（主要）已记录"
    assert n.due_at - n.sent_at == dt.timedelta(hours=24)
    assert unread_count(world.holder_qa) == 1 and unread_count(world.cmo_qa) == 0
    assert [e.kind for e in dev.events.all()] == ["recorded"]


def test_a_deviation_on_the_cell_bank_reaches_every_descendant_at_every_site_and_each_shipment(genealogy, world):
    g = genealogy
    dev = record(world, [g.w1], actor=world.holder_qa, site=world.js_site)
    assert dev.agreement is None  # the holder's own site
    impact = dict(DeviationImpact.objects.filter(deviation=dev).values_list("lot_id", "direct"))
    assert impact == {g.w1.pk: True, g.d1.pk: False, g.d2.pk: False, g.p1.pk: False, g.p2.pk: False}
    assert (dev.impact_lot_count, dev.impact_site_count, dev.impact_shipment_count) == (5, 2, 1)
    assert list(qsel.impact_shipments(dev).values_list("id", flat=True)) == [g.sh1.pk]
    # the contract manufacturer holds lots in the impact: its QA is told (the recorder's own colleagues are not
    # the partner the agreement means)
    assert list(Notification.objects.filter(subject_id=dev.pk).values_list("recipient__username", flat=True)) == [
        "cmo-qa"
    ]


def test_an_open_major_deviation_blocks_release_of_its_lots_and_descendants_until_closed(genealogy, world):
    g = genealogy
    for lot in (g.w1, g.d1, g.d2):
        release(world, lot)
    dev = record(world, [g.d2], actor=world.holder_qa, site=world.js_site)
    ps.coa_record(
        actor=world.cmo_qa,
        lot=g.p1,
        reference="COA-P1",
        file_name="coa.pdf",
        sha256="b" * 64,
        issued_on=dt.date(2025, 3, 20),
    )
    releases = Release.objects.count()
    with pytest.raises(ApplicationError) as exc:
        ps.lot_release(actor=world.cmo_qa, password=PASSWORD, lot=g.p1, kind="cmo_qa")
    assert exc.value.code == "release_blocked"
    assert Release.objects.count() == releases
    assert exc.value.details["blockers"] == [
        {
            "code": "deviation_open",
            "message": f"Deviation {dev.reference} (major) on upstream lot D2 is not closed.",
            "message_zh": f"上游批 D2 的偏差 {dev.reference}（主要）尚未关闭。",
            "lot_id": g.d2.pk,
            "object_id": dev.pk,
        }
    ]
    assert Lot.objects.get(pk=g.p1.pk).status == "quarantine"
    qs.deviation_submit_investigation(
        actor=world.holder_qa, deviation=dev, root_cause="Operator error.", investigation_summary="Retrained."
    )
    qs.deviation_approve(actor=world.qp, deviation=dev, password=PASSWORD)
    with pytest.raises(ApplicationError):  # approved but not closed: still blocks
        ps.lot_release(actor=world.cmo_qa, password=PASSWORD, lot=g.p1, kind="cmo_qa")
    assert Release.objects.count() == releases
    dev = qs.deviation_close(actor=world.qp, deviation=dev, password=PASSWORD)
    assert dev.status == "closed" and dev.closed_at is not None
    ps.lot_release(actor=world.cmo_qa, password=PASSWORD, lot=g.p1, kind="cmo_qa")
    ps.lot_release(actor=world.qp, password=PASSWORD, lot=g.p1, kind="qualified_person")
    assert Lot.objects.get(pk=g.p1.pk).status == "released"
    assert [s.signature.meaning for s in signatures_for(dev)] == ["approved", "approved"]
    assert [e.kind for e in dev.events.order_by("id")] == [
        "recorded",
        "investigation_submitted",
        "investigation_approved",
        "closed",
    ]


def test_a_minor_deviation_does_not_block_and_reclassifying_it_major_does(genealogy, world):
    g = genealogy
    dev = record(world, [g.w1], actor=world.holder_qa, site=world.js_site, classification="minor")
    assert qsel.deviation_release_blockers(g.w1, set()) == []
    qs.deviation_reclassify(actor=world.holder_qa, deviation=dev, classification="critical", reason="Sterility.")
    assert [b.code for b in qsel.deviation_release_blockers(g.p1, {g.w1.pk, g.d1.pk})] == ["deviation_open"]
    event = dev.events.get(kind="reclassified")
    assert event.data == {"from": "minor", "to": "critical"}


def test_the_approving_party_is_the_agreements(genealogy, world):
    g = genealogy
    agreement = QualityAgreement.objects.get(reference="QA-2025-001")
    from bioseg.audit.context import audit_context

    with audit_context(actor="setup"):
        AgreementDuty.objects.create(
            agreement=agreement,
            activity="deviation_investigation",
            responsible="cmo",
            approver="cmo",
            notify="holder",
            notify_within_hours=4,
            complete_within_days=15,
        )
    dev = record(world, [g.p2])
    assert dev.approver_party == "cmo"
    assert dev.investigation_due == dt.date.today() + dt.timedelta(days=15)
    n = Notification.objects.filter(subject_id=dev.pk).first()
    assert n.due_at - n.sent_at == dt.timedelta(hours=4)
    qs.deviation_submit_investigation(actor=world.cmo_qa, deviation=dev, root_cause="x", investigation_summary="y")
    before = counts()
    with pytest.raises(PermissionDenied):
        qs.deviation_approve(actor=world.qp, deviation=dev, password=PASSWORD)
    assert counts() == before
    assert qs.deviation_approve(actor=world.cmo_qa, deviation=dev, password=PASSWORD).status == "approved"


def test_refused_records_write_nothing(genealogy, world):
    g = genealogy
    before = counts()
    with pytest.raises(PermissionDenied):
        record(world, [g.p2], actor=world.gd_qa)
    with pytest.raises(PermissionDenied):
        record(world, [g.p2], actor=world.sh_inspector)
    with pytest.raises(ValidationFailed) as exc:
        record(world, [g.p2], occurred_on=dt.date.today() + dt.timedelta(days=1), classification="grave", title="")
    assert set(exc.value.details["fields"]) == {"occurred_on", "classification", "title"}
    assert exc.value.details["fields"]["occurred_on"]["message_zh"] == "偏差发生日期不能晚于今天。"
    with pytest.raises(ValidationFailed) as exc:
        record(world, [])
    assert exc.value.details["fields"]["lot_ids"]["message"] == (
        "Name what the deviation concerns: lots, a segment, a shipment or equipment."
    )
    # before the agreement was in force, the CDMO's site has no agreement with the holder
    with pytest.raises(ValidationFailed) as exc:
        record(world, [g.p2], occurred_on=dt.date(2024, 12, 31))
    assert exc.value.details["fields"]["site"]["message"] == (
        "No quality agreement between the holder and Shanghai site covering PD-1 mAb was in force on 2024-12-31."
    )
    assert counts() == before


def test_refused_transitions_change_nothing(genealogy, world):
    g = genealogy
    dev = record(world, [g.p2])
    before, state = counts(), Deviation.objects.get(pk=dev.pk).status
    with pytest.raises(WrongState) as exc:
        qs.deviation_close(actor=world.qp, deviation=dev, password=PASSWORD)
    assert exc.value.details == {"action": "close", "state": "open", "allowed_from": ["approved"]}
    with pytest.raises(WrongState):
        qs.deviation_approve(actor=world.qp, deviation=dev, password=PASSWORD)
    with pytest.raises(PermissionDenied):
        qs.deviation_submit_investigation(actor=world.gd_qa, deviation=dev, root_cause="x", investigation_summary="y")
    with pytest.raises(ValidationFailed):
        qs.deviation_submit_investigation(actor=world.cmo_qa, deviation=dev, root_cause="", investigation_summary="")
    qs.deviation_submit_investigation(actor=world.cmo_qa, deviation=dev, root_cause="x", investigation_summary="y")
    before, state = counts(), Deviation.objects.get(pk=dev.pk).status
    with pytest.raises(PermissionDenied):  # the holder approves, not the CDMO
        qs.deviation_approve(actor=world.cmo_qa, deviation=dev, password=PASSWORD)
    with pytest.raises(ApplicationError) as exc:
        qs.deviation_approve(actor=world.qp, deviation=dev, password="wrong")
    assert exc.value.code == "signature_refused"
    with pytest.raises(ValidationFailed):
        qs.deviation_return(actor=world.qp, deviation=dev, reason=" ")
    assert counts() == before
    assert Deviation.objects.get(pk=dev.pk).status == state == "under_review"


def test_who_sees_a_deviation(genealogy, world):
    dev = record(world, [genealogy.p2])
    for user in (world.cmo_qa, world.holder_qa, world.sh_inspector, world.js_inspector, world.nmpa):
        assert qsel.deviation_get(scope=scope_for(user), pk=dev.pk) == dev
    for user in (world.gd_qa, world.gd_inspector):
        with pytest.raises(NotFound):
            qsel.deviation_get(scope=scope_for(user), pk=dev.pk)
        assert not qsel.deviation_list(scope=scope_for(user)).exists()
    assert DEVIATION_WORKFLOW.allowed_actions(world.sh_inspector, dev) == []
    assert DEVIATION_WORKFLOW.allowed_actions(world.cmo_qa, dev) == [
        "submit_investigation",
        "reclassify",
        "recompute_impact",
    ]


def test_a_notification_is_read_once_and_only_by_its_recipient(genealogy, world):
    dev = record(world, [genealogy.p2])
    n = Notification.objects.get(subject_id=dev.pk, recipient=world.holder_qa)
    with pytest.raises(NotFound):
        notification_read(user=world.qp, pk=n.pk)
    assert Notification.objects.get(pk=n.pk).read_at is None
    first = notification_read(user=world.holder_qa, pk=n.pk).read_at
    assert first is not None and notification_read(user=world.holder_qa, pk=n.pk).read_at == first
    assert Notification.objects.get(pk=n.pk).read_in_time is True


def test_recomputing_the_impact_adds_lots_made_since(genealogy, world):
    g = genealogy
    dev = record(world, [g.d1], actor=world.holder_qa, site=world.js_site)
    assert dev.impact_lot_count == 2  # D1 and P1
    from tests.production.helpers import make_output

    ps.transformation_record(
        actor=world.cmo_qa,
        kind="manufacture",
        segment=world.seg["DP"],
        performed_on=dt.date(2025, 3, 7),
        inputs=[(g.d1, 10)],
        outputs=[make_output("P3", 1000, "vial")],
    )
    dev = qs.deviation_recompute_impact(actor=world.holder_qa, deviation=dev)
    assert dev.impact_lot_count == 3
    assert dev.events.get(kind="impact_computed").data == {"lots_before": 2, "lots_after": 3}
