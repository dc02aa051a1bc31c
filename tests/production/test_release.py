"""Release at each segment: contract-manufacturer QA and qualified-person release, e-signed; refused with
every blocking reason while anything upstream is unreleased, an excursion is unassessed or the CoA is
missing."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest

from bioseg.audit.models import AuditEvent, Signature
from bioseg.audit.selectors import signatures_for
from bioseg.audit.services import SignatureRefused
from bioseg.common.errors import ApplicationError, PermissionDenied, ValidationFailed
from bioseg.production import services as ps
from bioseg.production.models import Excursion, Release
from tests.conftest import PASSWORD
from tests.production.helpers import reload
from tests.production.test_coldchain import WARM

pytestmark = pytest.mark.django_db


def release_counts():
    return Release.objects.count(), Signature.objects.count(), AuditEvent.objects.count()


def coa(world, lot, actor=None):
    return ps.coa_record(
        actor=actor or world.holder_qa,
        lot=lot,
        reference=f"COA-{lot.lot_number}",
        file_name=f"coa-{lot.lot_number}.pdf",
        content=f"certificate of {lot.lot_number}".encode(),
        issued_on=dt.date(2025, 3, 20),
    )


def test_a_release_is_refused_listing_every_blocker_then_allowed(genealogy, world):
    g = genealogy
    ps.temperature_log_upload(actor=world.cmo_qa, shipment=g.sh1, file_name="warm.csv", content=WARM)
    before = release_counts()
    with pytest.raises(ApplicationError) as exc:
        ps.lot_release(actor=world.qp, password=PASSWORD, lot=g.p1, kind="qualified_person")
    assert exc.value.code == "release_blocked"
    assert exc.value.status == 409
    blockers = exc.value.details["blockers"]
    assert [(b["code"], b["lot_id"]) for b in blockers] == [
        ("certificate_missing", g.p1.pk),
        ("cmo_release_missing", g.p1.pk),
        ("ancestor_not_released", g.d1.pk),
        ("ancestor_not_released", g.d2.pk),
        ("ancestor_not_released", g.w1.pk),
        ("excursion_unassessed", g.d1.pk),
        ("excursion_unassessed", g.d2.pk),
    ]
    assert blockers[2]["message"] == "Upstream lot D1 (DS) is on hold, not released."
    assert blockers[2]["message_zh"] == "上游批 D1（DS）状态为暂停使用，尚未放行。"
    assert blockers[5]["message"] == ("Shipment SH-1 that carried lot D1 has a temperature excursion not yet assessed.")
    assert blockers[5]["object_id"] == g.sh1.pk
    assert release_counts() == before
    assert reload(g.p1).status == "quarantine"

    # the contract manufacturer's QA release is blocked by the same upstream reasons
    with pytest.raises(ApplicationError) as exc:
        ps.lot_release(actor=world.cmo_qa, password=PASSWORD, lot=g.p1, kind="cmo_qa")
    assert [b["code"] for b in exc.value.details["blockers"]] == [
        "certificate_missing",
        "ancestor_not_released",
        "ancestor_not_released",
        "ancestor_not_released",
        "excursion_unassessed",
        "excursion_unassessed",
    ]
    assert release_counts() == before

    # clear every blocker: assess the excursion, release upstream (each with its certificate), CoA for P1
    ps.excursion_assess(
        actor=world.qp, password=PASSWORD, excursion=Excursion.objects.get(), outcome="accepted", justification="ok"
    )
    for lot in (g.w1, g.d1, g.d2):
        coa(world, lot)
        ps.lot_release(actor=world.qp, password=PASSWORD, lot=lot, kind="qualified_person")
        assert reload(lot).status == "released"
    coa(world, g.p1, actor=world.cmo_qa)
    with pytest.raises(ApplicationError) as exc:
        ps.lot_release(actor=world.qp, password=PASSWORD, lot=g.p1, kind="qualified_person")
    assert [b["code"] for b in exc.value.details["blockers"]] == ["cmo_release_missing"]

    cmo_release = ps.lot_release(actor=world.cmo_qa, password=PASSWORD, lot=g.p1, kind="cmo_qa")
    assert reload(g.p1).status == "quarantine"  # the contract manufacturer's release alone does not release it
    qp_release = ps.lot_release(
        actor=world.qp, password=PASSWORD, lot=g.p1, kind="qualified_person", reason="QP release"
    )
    assert reload(g.p1).status == "released"
    assert (qp_release.kind, qp_release.released_by, qp_release.certificate.reference) == (
        "qualified_person",
        world.qp,
        "COA-P1",
    )
    for release, signer in ((cmo_release, world.cmo_qa), (qp_release, world.qp)):
        [status] = signatures_for(release)
        assert (status.signature.meaning, status.signature.signer, status.intact) == ("released", signer, True)

    # a later recall changes the lot, not the signed release record
    ps.lot_recall(
        recall_class="class_2", actor=world.qp, lot=g.p1, reason="complaint", status="recalled", password=PASSWORD
    )
    assert reload(g.p1).status == "recalled"
    assert signatures_for(qp_release)[0].intact is True


def test_release_needs_the_right_person_and_password(genealogy, world):
    g = genealogy
    coa(world, g.w1)
    before = release_counts()
    with pytest.raises(PermissionDenied):
        ps.lot_release(actor=world.holder_qa, password=PASSWORD, lot=g.w1, kind="qualified_person")
    with pytest.raises(PermissionDenied):
        ps.lot_release(actor=world.cmo_qa, password=PASSWORD, lot=g.w1, kind="cmo_qa")  # not its site
    with pytest.raises(PermissionDenied):
        ps.lot_release(actor=world.admin, password=PASSWORD, lot=g.w1, kind="qualified_person")
    with pytest.raises(ValidationFailed):
        ps.lot_release(actor=world.qp, password=PASSWORD, lot=g.w1, kind="final")
    with pytest.raises(SignatureRefused):
        ps.lot_release(actor=world.qp, password="not my password", lot=g.w1, kind="qualified_person")
    assert release_counts() == before
    assert reload(g.w1).status == "quarantine"
    ps.lot_release(actor=world.qp, password=PASSWORD, lot=g.w1, kind="qualified_person")
    before = release_counts()
    with pytest.raises(ApplicationError) as exc:
        ps.lot_release(actor=world.qp, password=PASSWORD, lot=g.w1, kind="qualified_person")
    # a released lot is no longer in a state the step starts from: the one refusal shape of every workflow
    assert (exc.value.status, exc.value.code) == (409, "wrong_state")
    assert exc.value.details == {"action": "release_qp", "state": "released", "allowed_from": ["quarantine"]}
    assert release_counts() == before


def test_a_holder_made_lot_has_no_contract_manufacturer_release(genealogy, world, make_user):
    from bioseg.accounts.roles import Role

    holder_cmo_qa = make_user(Role.CMO_QA, world.holder_qa.organisation, username="holder-cmo-qa")
    with pytest.raises(ValidationFailed):
        ps.lot_release(actor=holder_cmo_qa, password=PASSWORD, lot=genealogy.w1, kind="cmo_qa")


def test_a_certificate_needs_a_matching_sha256(genealogy, world):
    with pytest.raises(ValidationFailed) as exc:
        ps.coa_record(
            actor=world.holder_qa,
            lot=genealogy.w1,
            reference="COA-1",
            file_name="coa.pdf",
            content=b"abc",
            sha256="0" * 64,
            issued_on=dt.date(2025, 3, 1),
        )
    assert list(exc.value.details["fields"]) == ["sha256"]
    c = coa(world, genealogy.w1)
    assert c.sha256 == hashlib.sha256(b"certificate of W1").hexdigest()
