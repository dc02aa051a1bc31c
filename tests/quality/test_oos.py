"""OOS: a failing result on a certificate opens an investigation in the certificate's transaction and tells the
other party at once; the approving party invalidates (laboratory error) or confirms it — a confirmed OOS is
reported to the testing site's provincial regulator — and the holder records its recall decision; refusals
write nothing."""

from __future__ import annotations

import datetime as dt

import pytest

from bioseg.audit.models import AuditEvent, Signature
from bioseg.common.errors import NotFound, PermissionDenied, ValidationFailed
from bioseg.common.workflow import WrongState
from bioseg.production import services as ps
from bioseg.quality import oos as oq
from bioseg.quality.models import Notification, OosInvestigation
from bioseg.registry.scope import scope_for
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def certificate(world, lot, actor=None, value="92.1"):
    return ps.coa_record(
        actor=actor or world.cmo_qa,
        lot=lot,
        reference=f"COA-{lot.lot_number}-{value}",
        file_name="coa.pdf",
        sha256="c" * 64,
        issued_on=dt.date(2025, 3, 20),
        results=[
            {"test": "Endotoxin", "spec_max": "5", "value": "1.2", "unit": "EU/mL"},
            {"test": "Assay", "spec_min": "95", "spec_max": "105", "value": value, "unit": "%"},
        ],
    )


def counts():
    return (
        OosInvestigation.objects.count(),
        Notification.objects.count(),
        Signature.objects.count(),
        AuditEvent.objects.count(),
    )


def test_a_failing_result_opens_an_investigation_and_tells_the_holder(genealogy, world):
    coa = certificate(world, genealogy.p2)
    oos = OosInvestigation.objects.get()
    assert oos.result == coa.results.get(test="Assay")
    assert (oos.status, oos.lot, oos.site, oos.approver_party) == ("open", genealogy.p2, world.sh_site, "holder")
    assert oos.summary_en == "P2, certificate COA-P2-92.1: Assay = 92.1 % (specification 95–105 %)"
    notes = Notification.objects.filter(subject_table="quality_oosinvestigation")
    assert sorted(notes.values_list("recipient__username", flat=True)) == ["holder-qa", "holder-qp"]
    assert notes[0].body_zh == "批 P2，检验报告书 COA-P2-92.1：Assay 结果 92.1 %（标准 95–105 %）"
    certificate(world, genealogy.p1, value="99.0")  # passing: nothing opens
    assert OosInvestigation.objects.count() == 1


def test_confirmed_oos_is_reported_to_the_regulator_and_closed_by_the_recall_decision(genealogy, world):
    certificate(world, genealogy.p2)
    oos = OosInvestigation.objects.get()
    before = counts()
    with pytest.raises(ValidationFailed) as exc:  # nothing investigated yet
        oq.oos_confirm(actor=world.qp, oos=oos, password=PASSWORD)
    assert exc.value.details["fields"]["investigation"]["message_zh"] == "确认前请先记录调查情况。"
    with pytest.raises(PermissionDenied):
        oq.oos_record_investigation(actor=world.gd_qa, oos=oos, investigation="x")
    assert counts() == before
    oq.oos_record_investigation(actor=world.cmo_qa, oos=oos, investigation="Retest by a second analyst: 92.3 %.")
    with pytest.raises(PermissionDenied):  # the holder approves
        oq.oos_confirm(actor=world.cmo_qa, oos=oos, password=PASSWORD)
    oos = oq.oos_confirm(actor=world.qp, oos=oos, password=PASSWORD)
    assert oos.status == "confirmed" and oos.regulator_reported_at is not None
    reported = Notification.objects.filter(subject_id=oos.pk, title_en__startswith="Confirmed OOS result reported")
    assert list(reported.values_list("recipient__username", flat=True)) == ["sh-inspector"]
    assert oq.lots_concerned(oos) == [genealogy.p2.pk]
    with pytest.raises(WrongState):
        oq.oos_invalidate(actor=world.qp, oos=oos, root_cause="x", password=PASSWORD)
    with pytest.raises(PermissionDenied):  # the recall decision is the holder's
        oq.oos_decide_recall(actor=world.cmo_qa, oos=oos, decision="recall", reasoning="x", password=PASSWORD)
    oos = oq.oos_decide_recall(
        actor=world.qp, oos=oos, decision="no_recall", reasoning="Lot not released or shipped.", password=PASSWORD
    )
    assert (oos.status, oos.recall_decision) == ("closed", "no_recall")
    assert [e.kind for e in oos.events.order_by("id")] == [
        "opened",
        "investigation_recorded",
        "confirmed",
        "recall_decided",
    ]
    assert oos.events.get(kind="recall_decided").data == {"decision": "no_recall", "lots": 1}


def test_an_invalidated_result_still_blocks_until_a_passing_certificate(genealogy, world):
    certificate(world, genealogy.d1, actor=world.holder_qa)
    oos = OosInvestigation.objects.get()
    assert oos.site == world.js_site and oos.agreement is None
    # recorded by the holder at its own site: nobody else to tell about the result
    assert Notification.objects.filter(subject_id=oos.pk).count() == 0
    before = counts()
    with pytest.raises(ValidationFailed):
        oq.oos_invalidate(actor=world.qp, oos=oos, root_cause=" ", password=PASSWORD)
    assert counts() == before
    oq.oos_invalidate(actor=world.qp, oos=oos, root_cause="Wrong dilution.", password=PASSWORD)
    from bioseg.production.selectors import lot_release_blockers

    assert [b.code for b in lot_release_blockers(lot=genealogy.d1, kind="qualified_person")].count(
        "result_out_of_specification"
    ) == 1
    ps.coa_record(
        actor=world.holder_qa,
        lot=genealogy.d1,
        reference="COA-D1-RETEST",
        file_name="r.pdf",
        sha256="d" * 64,
        issued_on=dt.date(2025, 3, 22),
        results=[{"test": "Assay", "spec_min": "95", "spec_max": "105", "value": "99.2", "unit": "%"}],
    )
    assert "result_out_of_specification" not in [
        b.code for b in lot_release_blockers(lot=genealogy.d1, kind="qualified_person")
    ]


def test_who_sees_an_oos(genealogy, world):
    certificate(world, genealogy.p2)
    oos = OosInvestigation.objects.get()
    for user in (world.cmo_qa, world.holder_qa, world.sh_inspector, world.js_inspector, world.nmpa):
        assert oq.oos_get(scope=scope_for(user), pk=oos.pk) == oos
    for user in (world.gd_qa, world.gd_inspector):
        with pytest.raises(NotFound):
            oq.oos_get(scope=scope_for(user), pk=oos.pk)


def test_a_stability_result_out_of_specification_opens_an_investigation(genealogy, world):
    from bioseg.quality.models import StabilityResult

    values = dict(
        lot=genealogy.p2,
        study="LT-2025-01",
        condition="5 ± 3 °C",
        timepoint_months=6,
        test="Purity (SEC)",
        unit="%",
        spec_min="95",
        tested_on=dt.date(2025, 9, 6),
    )
    before = counts()
    with pytest.raises(PermissionDenied):
        oq.stability_result_record(actor=world.gd_qa, value="96", **values)
    with pytest.raises(ValidationFailed) as exc:
        oq.stability_result_record(
            actor=world.cmo_qa, value="abc", **{**values, "timepoint_months": 500, "tested_on": dt.date(2025, 1, 1)}
        )
    assert set(exc.value.details["fields"]) == {"value", "timepoint_months", "tested_on"}
    assert counts() == before and StabilityResult.objects.count() == 0
    ok = oq.stability_result_record(actor=world.cmo_qa, value="97.2", **values)
    assert ok.outcome == "pass" and OosInvestigation.objects.count() == 0
    bad = oq.stability_result_record(
        actor=world.cmo_qa, value="93.4", **{**values, "timepoint_months": 9, "tested_on": dt.date(2025, 12, 6)}
    )
    oos = OosInvestigation.objects.get()
    assert (bad.outcome, oos.stability_result, oos.result) == ("fail", bad, None)
    assert (
        oos.summary_en
        == "P2, stability study LT-2025-01, 5 ± 3 °C, 9 months: Purity (SEC) = 93.4 % (specification ≥ 95 %)"
    )
    assert sorted(
        Notification.objects.filter(subject_id=oos.pk, subject_table="quality_oosinvestigation").values_list(
            "recipient__username", flat=True
        )
    ) == ["holder-qa", "holder-qp"]
