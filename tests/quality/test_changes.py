"""Change control across sites: a change at the holder's drug-substance site affects the contract manufacturer's
drug-product segment downstream; the CMO's impact assessment, the holder's approval and the filing are required
before implementation; after a key change the first three lots are flagged; a regulator re-classifies."""

from __future__ import annotations

import datetime as dt

import pytest

from bioseg.accounts.roles import Role
from bioseg.audit.models import AuditEvent, Signature
from bioseg.audit.selectors import signatures_for
from bioseg.common.errors import ApplicationError, NotFound, PermissionDenied, ValidationFailed
from bioseg.common.workflow import WrongState
from bioseg.production import services as ps
from bioseg.production.models import Lot
from bioseg.quality import changes as cs
from bioseg.quality.change_workflow import CHANGE_WORKFLOW
from bioseg.quality.models import (
    ChangeAffectedSegment,
    ChangeAssessment,
    ChangeEvent,
    ChangeRequest,
    Notification,
)
from bioseg.registry.models import QualityAgreement
from bioseg.registry.scope import scope_for
from tests.conftest import PASSWORD
from tests.production.helpers import make_output

pytestmark = pytest.mark.django_db


def counts() -> dict[str, int]:
    return {
        "changes": ChangeRequest.objects.count(),
        "affected": ChangeAffectedSegment.objects.count(),
        "assessments": ChangeAssessment.objects.count(),
        "events": ChangeEvent.objects.count(),
        "notifications": Notification.objects.count(),
        "signatures": Signature.objects.count(),
        "audit": AuditEvent.objects.count(),
    }


def snapshot(change) -> tuple:
    c = ChangeRequest.objects.get(pk=change.pk)
    return (c.status, c.route, c.gmp_impact, c.approved_at, c.regulatory_reference, c.implemented_on, c.updated_at)


def raise_change(world, *, actor=None, site=None, segment="DS", **kw):
    values = dict(
        actor=actor or world.holder_qa,
        product=world.pd1,
        site=site or world.js_site,
        segment=world.seg[segment] if segment else None,
        kind="material",
        title="Second supplier of the protein A resin",
        description="Qualify a second supplier of the protein A capture resin.",
        justification="Supply security.",
        raised_on=dt.date(2025, 3, 1),
        route="filing",
        gmp_impact="major",
        classification_reason="A change of a key raw material of the drug substance: moderate, filed.",
        stability_followup=True,
    )
    values.update(kw)
    return cs.change_raise(**values)


def test_a_change_at_the_ds_site_requires_the_cmos_assessment(world):
    change = raise_change(world)
    assert change.reference == f"CHG-{dt.date.today().year}-00001"
    assert change.status == "assessing" and change.chain == world.chain and change.agreement is None
    assert change.approver_party == "holder"
    affected = list(
        change.affected.order_by("segment__position").values_list("segment__code", "because", "assessment_required")
    )
    assert affected == [("DS", "changed", False), ("DP", "downstream", True)]
    assert cs.pending_assessors(change) == {world.cmo.pk}
    assert list(Notification.objects.filter(subject_id=change.pk).values_list("recipient__username", flat=True)) == [
        "cmo-qa"
    ]
    n = Notification.objects.get(subject_id=change.pk)
    assert n.title_en == f"Change {change.reference} (filing): your impact assessment"
    assert n.due_at - n.sent_at == dt.timedelta(hours=72)  # bioseg's default for a moderate change
    assert cs.filing_authority(change) == ("Jiangsu MPA", "江苏省药品监督管理局")
    assert CHANGE_WORKFLOW.allowed_actions(world.cmo_qa, change) == ["record_assessment"]
    assert CHANGE_WORKFLOW.allowed_actions(world.holder_qa, change) == [
        "approve",
        "record_regulatory",
        "implement",
        "reject",
    ]


def test_a_site_change_reaches_every_segment_made_there(world):
    change = raise_change(world, segment=None, kind="site", title="New purification suite")
    affected = list(change.affected.order_by("segment__position").values_list("segment__code", "because"))
    assert affected == [("WCB", "changed"), ("DS", "changed"), ("DP", "downstream")]
    change = raise_change(world, segment="DS", kind="site", title="New purification suite B")
    affected = list(change.affected.order_by("segment__position").values_list("segment__code", "because"))
    assert affected == [("WCB", "same_site"), ("DS", "changed"), ("DP", "downstream")]


def test_implementation_is_refused_until_every_record_is_in_and_then_the_first_lots_are_flagged(
    world, genealogy, client
):
    change = raise_change(world)
    cs.change_approve(actor=world.qp, change=change, password=PASSWORD)
    before, state = counts(), snapshot(change)
    with pytest.raises(ApplicationError) as exc:
        cs.change_implement(
            actor=world.holder_qa, change=change, implemented_on=dt.date(2025, 3, 10), password=PASSWORD
        )
    assert exc.value.code == "change_not_ready" and exc.value.status == 409
    assert [p["code"] for p in exc.value.details["missing"]] == ["assessment_missing", "regulatory_missing"]
    assert exc.value.details["missing"][0]["message"] == "The impact assessment of Shanghai CDMO is not recorded."
    assert exc.value.details["missing"][0]["message_zh"] == "Shanghai CDMO公司的影响评估尚未记录。"
    assert exc.value.details["missing"][1]["message"] == "The filing with Jiangsu MPA is not recorded."
    assert counts() == before and snapshot(change) == state

    cs.change_record_regulatory(
        actor=world.holder_qa, change=change, reference="JS-BA-2025-0042", recorded_on=dt.date(2025, 3, 5)
    )
    before, state = counts(), snapshot(change)
    with pytest.raises(ApplicationError) as exc:
        cs.change_implement(
            actor=world.holder_qa, change=change, implemented_on=dt.date(2025, 3, 10), password=PASSWORD
        )
    assert [p["code"] for p in exc.value.details["missing"]] == ["assessment_missing"]
    assert counts() == before and snapshot(change) == state

    cs.change_record_assessment(
        actor=world.cmo_qa,
        change=change,
        conclusion="acceptable",
        assessment="Resin leachables covered by the DP specification.",
        actions="Add leachables to the first three DP lots' testing.",
        password=PASSWORD,
    )
    assert CHANGE_WORKFLOW.allowed_actions(world.cmo_qa, change) == []  # assessed once
    change = cs.change_implement(
        actor=world.holder_qa, change=change, implemented_on=dt.date(2025, 3, 10), password=PASSWORD
    )
    assert change.status == "implemented" and change.implemented_on == dt.date(2025, 3, 10)
    assert [s.signature.meaning for s in signatures_for(change)] == ["approved", "approved"]
    assert [e.kind for e in change.events.order_by("id")] == [
        "raised",
        "approved",
        "regulatory_recorded",
        "assessment_recorded",
        "implemented",
    ]
    # the lots made before the change are not flagged; four DS lots after it: the first three are
    assert cs.change_lot_flags(change) == []
    w1 = genealogy.w1
    made = []
    for i in range(4):
        made.append(
            ps.transformation_record(
                actor=world.holder_qa,
                kind="manufacture",
                segment=world.seg["DS"],
                performed_on=dt.date(2025, 3, 11 + i),
                inputs=[(w1, 1)],
                outputs=[make_output(f"DN{i}", 100)],
            ).outputs.get()
        )
    shipment = ps.shipment_create(
        actor=world.holder_qa,
        reference="SH-DN0",
        from_site=world.js_site,
        to_site=world.sh_site,
        shipped_at=dt.datetime(2025, 3, 18, 1, 0, tzinfo=dt.UTC),
        lines=[(made[0], 100)],
    )
    ps.shipment_receive(
        actor=world.cmo_qa, shipment=shipment, received_at=dt.datetime(2025, 3, 18, 9, 0, tzinfo=dt.UTC)
    )
    ps.transformation_record(
        actor=world.cmo_qa,
        kind="manufacture",
        segment=world.seg["DP"],
        performed_on=dt.date(2025, 3, 20),
        inputs=[(made[0], 10)],
        outputs=[make_output("PN0", 1000, "vial")],
    )
    flags = cs.change_lot_flags(change)
    assert [(f.lot.lot_number, f.because, f.stability) for f in flags] == [
        ("DN0", "changed", True),
        ("DN1", "changed", True),
        ("DN2", "changed", True),
        ("PN0", "downstream", True),
    ]
    # each flagged lot's page names the change; DN3, the fourth, is not flagged
    dn3 = Lot.objects.get(lot_number="DN3")
    assert cs.changes_flagging_lot(scope=scope_for(world.cmo_qa), lot=dn3) == []
    pn0 = Lot.objects.get(lot_number="PN0")
    assert [(c.reference, f.because) for c, f in cs.changes_flagging_lot(scope=scope_for(world.cmo_qa), lot=pn0)] == [
        (change.reference, "downstream")
    ]
    assert cs.changes_flagging_lot(scope=scope_for(world.gd_qa), lot=pn0) == []
    client.force_login(world.cmo_qa)
    html = client.get(f"/lots/{pn0.pk}/").content.decode()
    assert 'data-testid="lot-change-flag"' in html and change.reference in html
    assert 'data-testid="lot-change-flag"' not in client.get(f"/lots/{dn3.pk}/").content.decode()


def test_a_prior_approval_change_waits_for_the_supplementary_application(world):
    change = raise_change(world, route="prior_approval")
    assert cs.filing_authority(change)[0] == "NMPA Center for Drug Evaluation (CDE)"
    missing = cs.change_missing(change)
    assert [p["code"] for p in missing] == ["approval_missing", "assessment_missing", "regulatory_missing"]
    assert missing[0]["message"] == "The holder's approval is not recorded."
    assert missing[2]["message"] == (
        "The approval of the supplementary application by NMPA Center for Drug Evaluation (CDE) is not recorded."
    )


def test_a_regulator_reclassifies_and_a_filing_no_longer_suffices(world, make_user):
    change = raise_change(world)
    cs.change_approve(actor=world.qp, change=change, password=PASSWORD)
    cs.change_record_regulatory(
        actor=world.holder_qa, change=change, reference="JS-BA-2025-0042", recorded_on=dt.date(2025, 3, 5)
    )
    cs.change_record_assessment(
        actor=world.cmo_qa, change=change, conclusion="no_impact", assessment="None.", password=PASSWORD
    )
    assert cs.change_missing(ChangeRequest.objects.get(pk=change.pk)) == []
    before = counts()
    for who in (world.holder_qa, world.gd_inspector):
        with pytest.raises(PermissionDenied):
            cs.change_reclassify(actor=who, change=change, route="prior_approval", reason="Major.")
    assert counts() == before
    change = cs.change_reclassify(
        actor=world.js_inspector,
        change=change,
        route="prior_approval",
        reason="A new resin supplier for a biologic's capture step is a major change (Art. 79).",
    )
    assert change.route == "prior_approval" and change.reclassified_by_regulator
    event = change.events.get(kind="reclassified")
    assert event.data["route"] == ["filing", "prior_approval"]
    assert [p["code"] for p in cs.change_missing(change)] == ["regulatory_missing"]
    # the holder and the requester are told (here both the holder)
    assert Notification.objects.filter(subject_id=change.pk, title_en__contains="re-classified").count() == 2
    # the Shanghai inspector sees it (an affected site is in Shanghai) and may re-classify too; NMPA as well
    assert CHANGE_WORKFLOW.allowed_actions(world.sh_inspector, change) == ["reclassify"]
    assert CHANGE_WORKFLOW.allowed_actions(world.nmpa, change) == ["reclassify"]
    reviewer = make_user(Role.PROVINCIAL_REVIEWER, world.js_inspector.organisation, username="js-reviewer")
    with pytest.raises(ValidationFailed) as exc:
        cs.change_reclassify(actor=reviewer, change=change, route="prior_approval", reason="Same.")
    assert exc.value.details["fields"]["route"]["message"] == "The change already has this classification."


def test_refused_raises_write_nothing(world):
    before = counts()
    with pytest.raises(PermissionDenied):
        raise_change(world, actor=world.gd_qa)
    with pytest.raises(PermissionDenied):
        raise_change(world, actor=world.sh_inspector)
    with pytest.raises(ValidationFailed) as exc:
        raise_change(world, raised_on=dt.date.today() + dt.timedelta(days=1), route="urgent", title="")
    fields = exc.value.details["fields"]
    assert set(fields) >= {"raised_on", "route", "title"}
    assert fields["raised_on"]["message"] == "The date the change is raised cannot be in the future."
    assert fields["raised_on"]["message_zh"] == "变更提出日期不能晚于今天。"
    with pytest.raises(ValidationFailed) as exc:  # the site makes nothing of the chain
        raise_change(world, actor=world.gd_qa, site=world.gd_site, segment=None, product=world.pd1)
    with pytest.raises(ValidationFailed) as exc:
        raise_change(world, site=world.js_site, segment="DP")
    assert "segment_id" in exc.value.details["fields"]
    with pytest.raises(ValidationFailed) as exc:  # before the chain's first version
        raise_change(world, raised_on=dt.date(2024, 12, 31))
    assert exc.value.details["fields"]["site"]["message_zh"] == "2024-12-31 当日PD-1单抗没有有效的工艺链。"
    assert counts() == before


def test_a_closed_agreement_is_a_field_error(world):
    agreement = QualityAgreement.objects.get(reference="QA-2025-001")
    from bioseg.audit.context import audit_context

    with audit_context(actor="setup", reason="ended"):
        agreement.effective_until = dt.date(2025, 2, 28)
        agreement.save(update_fields=["effective_until", "updated_at"])
    before = counts()
    with pytest.raises(ValidationFailed) as exc:
        raise_change(world, actor=world.cmo_qa, site=world.sh_site, segment="DP")
    assert exc.value.details["fields"]["site"]["message"] == (
        "No quality agreement between the holder and Shanghai site covering PD-1 mAb was in force on 2025-03-01."
    )
    assert exc.value.details["fields"]["site"]["message_zh"].startswith("2025-03-01 当日，持有人与上海基地之间")
    assert counts() == before


def test_refused_transitions_change_nothing(world):
    change = raise_change(world)
    before, state = counts(), snapshot(change)
    with pytest.raises(PermissionDenied):  # the CMO does not approve (the holder does)
        cs.change_approve(actor=world.cmo_qa, change=change, password=PASSWORD)
    with pytest.raises(PermissionDenied):  # out of scope
        cs.change_approve(actor=world.gd_qa, change=change, password=PASSWORD)
    with pytest.raises(PermissionDenied):  # a regulator does not approve
        cs.change_approve(actor=world.js_inspector, change=change, password=PASSWORD)
    with pytest.raises(ValidationFailed) as exc:  # missing signature
        cs.change_approve(actor=world.qp, change=change, password="")
    assert "password" in exc.value.details["fields"]
    with pytest.raises(ApplicationError) as exc:  # wrong signature
        cs.change_approve(actor=world.qp, change=change, password="wrong")
    assert exc.value.code == "signature_refused"
    with pytest.raises(ApplicationError) as exc:
        cs.change_record_assessment(
            actor=world.cmo_qa, change=change, conclusion="no_impact", assessment="None.", password="wrong"
        )
    assert exc.value.code == "signature_refused"
    with pytest.raises(PermissionDenied):  # the requester assesses nothing: it is not an affected party
        cs.change_record_assessment(
            actor=world.holder_qa, change=change, conclusion="no_impact", assessment="None.", password=PASSWORD
        )
    with pytest.raises(PermissionDenied):  # the CMO does not record the holder's filing
        cs.change_record_regulatory(actor=world.cmo_qa, change=change, reference="X", recorded_on=dt.date(2025, 3, 5))
    with pytest.raises(ValidationFailed) as exc:
        cs.change_record_regulatory(
            actor=world.holder_qa, change=change, reference="X", recorded_on=dt.date.today() + dt.timedelta(days=2)
        )
    assert exc.value.details["fields"]["recorded_on"]["message"] == (
        "The date of the regulatory record cannot be in the future."
    )
    with pytest.raises(ValidationFailed):
        cs.change_implement(
            actor=world.holder_qa,
            change=change,
            implemented_on=dt.date.today() + dt.timedelta(days=1),
            password=PASSWORD,
        )
    with pytest.raises(ValidationFailed):
        cs.change_reject(actor=world.qp, change=change, password=PASSWORD, reason=" ")
    assert counts() == before and snapshot(change) == state

    cs.change_reject(actor=world.qp, change=change, password=PASSWORD, reason="Not needed after all.")
    before, state = counts(), snapshot(change)
    with pytest.raises(WrongState) as exc:
        cs.change_approve(actor=world.qp, change=change, password=PASSWORD)
    assert exc.value.details == {"action": "approve", "state": "rejected", "allowed_from": ["assessing"]}
    with pytest.raises(WrongState):
        cs.change_implement(actor=world.holder_qa, change=change, implemented_on=dt.date(2025, 3, 2), password=PASSWORD)
    with pytest.raises(WrongState):
        cs.change_reclassify(actor=world.js_inspector, change=change, route="annual_report", reason="Minor.")
    assert counts() == before and snapshot(change) == state


def test_who_sees_a_change(world):
    change = raise_change(world)
    for user in (world.cmo_qa, world.holder_qa, world.sh_inspector, world.js_inspector, world.nmpa):
        assert cs.change_get(scope=scope_for(user), pk=change.pk) == change
    for user in (world.gd_qa, world.gd_inspector):
        with pytest.raises(NotFound):
            cs.change_get(scope=scope_for(user), pk=change.pk)
        assert not cs.change_list(scope=scope_for(user)).exists()
    assert list(cs.change_list(scope=scope_for(world.cmo_qa), status="open_any")) == [change]


def test_the_change_links_to_the_chain_version_it_creates(world):
    change = raise_change(world, route="annual_report", gmp_impact="minor", title="Buffer hold time")
    cs.change_approve(actor=world.qp, change=change, password=PASSWORD)
    cs.change_record_assessment(
        actor=world.cmo_qa, change=change, conclusion="no_impact", assessment="None.", password=PASSWORD
    )
    ps.chain_close(actor=world.holder_qa, chain=world.chain, effective_until=dt.date(2025, 3, 9), reason="v2 follows")
    v2 = ps.chain_create(
        actor=world.holder_qa,
        product=world.pd1,
        effective_from=dt.date(2025, 3, 10),
        segments=[
            {
                "code": s.code,
                "stage": s.stage,
                "name_zh": s.name_zh,
                "name_en": s.name_en,
                "site": s.site,
                "feeds": [t.code for t in s.feeds.all()],
            }
            for s in world.chain.segments.order_by("position")
        ],
    )
    before, state = counts(), snapshot(change)
    with pytest.raises(ValidationFailed) as exc:  # an earlier (the same) version is not one the change creates
        cs.change_implement(
            actor=world.holder_qa,
            change=change,
            implemented_on=dt.date(2025, 3, 10),
            password=PASSWORD,
            new_chain=world.chain,
        )
    assert (
        exc.value.details["fields"]["new_chain_id"]["message_zh"]
        == "变更所产生的工艺链版本须为本产品工艺链的更新版本。"
    )
    with pytest.raises(ValidationFailed) as exc:
        cs.change_implement(
            actor=world.holder_qa, change=change, implemented_on=dt.date(2025, 2, 28), password=PASSWORD
        )
    assert exc.value.details["fields"]["implemented_on"]["message"] == "The date is before the change was raised."
    assert counts() == before and snapshot(change) == state
    # an annual-report change needs no regulatory record before implementation; a minor one flags no lots
    change = cs.change_implement(
        actor=world.holder_qa, change=change, implemented_on=dt.date(2025, 3, 10), password=PASSWORD, new_chain=v2
    )
    assert change.new_chain == v2 and change.status == "implemented"
    assert cs.change_lot_flags(change) == []


@pytest.mark.parametrize(
    "action",
    ["record_assessment", "approve", "record_regulatory", "implement", "reject", "reclassify"],
)
def test_every_step_refused_to_an_outsider_and_to_a_regulator_changes_nothing(world, action):
    change = raise_change(world)
    calls = {
        "record_assessment": lambda u: cs.change_record_assessment(
            actor=u, change=change, conclusion="no_impact", assessment="x", password=PASSWORD
        ),
        "approve": lambda u: cs.change_approve(actor=u, change=change, password=PASSWORD),
        "record_regulatory": lambda u: cs.change_record_regulatory(
            actor=u, change=change, reference="X", recorded_on=dt.date(2025, 3, 5)
        ),
        "implement": lambda u: cs.change_implement(
            actor=u, change=change, implemented_on=dt.date(2025, 3, 5), password=PASSWORD
        ),
        "reject": lambda u: cs.change_reject(actor=u, change=change, password=PASSWORD, reason="No."),
        "reclassify": lambda u: cs.change_reclassify(actor=u, change=change, route="prior_approval", reason="Major."),
    }
    assert set(calls) == set(CHANGE_WORKFLOW.actions)
    outsiders = [world.gd_qa, world.gd_inspector]
    outsiders.append(world.holder_qa if action in ("record_assessment", "reclassify") else world.sh_inspector)
    before, state = counts(), snapshot(change)
    for user in outsiders:
        with pytest.raises(PermissionDenied):
            calls[action](user)
        assert action not in CHANGE_WORKFLOW.allowed_actions(user, change)
    assert counts() == before and snapshot(change) == state


def test_a_cmo_change_follows_the_agreements_duty_for_its_class(world):
    from bioseg.audit.context import audit_context
    from bioseg.quality.models import AgreementDuty

    agreement = QualityAgreement.objects.get(reference="QA-2025-001")
    with audit_context(actor="setup"):
        AgreementDuty.objects.create(
            agreement=agreement,
            activity="change_minor",
            responsible="cmo",
            approver="cmo",
            notify="holder",
            notify_within_hours=240,
        )
    change = raise_change(
        world, actor=world.cmo_qa, site=world.sh_site, segment="DP", route="annual_report", gmp_impact="minor"
    )
    assert change.agreement == agreement and change.approver_party == "cmo"
    assert list(change.affected.values_list("segment__code", "assessment_required")) == [("DP", False)]
    assert cs.pending_assessors(change) == set()  # nothing downstream of the fill: nobody else must assess
    n = Notification.objects.filter(subject_id=change.pk).order_by("recipient__username")
    assert [x.recipient.username for x in n] == ["holder-qa", "holder-qp"]
    assert n[0].due_at - n[0].sent_at == dt.timedelta(hours=240)
    with pytest.raises(PermissionDenied):  # the agreement gives minor changes to the CMO
        cs.change_approve(actor=world.qp, change=change, password=PASSWORD)
    cs.change_approve(actor=world.cmo_qa, change=change, password=PASSWORD)
    change = cs.change_implement(
        actor=world.cmo_qa, change=change, implemented_on=dt.date(2025, 3, 2), password=PASSWORD
    )
    assert change.status == "implemented"
