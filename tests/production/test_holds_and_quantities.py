"""Defects found by the hardening probe (issue 8) in lot status and quantities, each with the test that failed
before the fix: holds stack (a recalled lot never returns to "released" because an excursion was accepted),
shipments use up quantity at the site they leave, and the system operator records no GMP records."""

from __future__ import annotations

import pytest

from bioseg.audit.models import AuditEvent, Signature
from bioseg.common.errors import ApplicationError, PermissionDenied
from bioseg.production import selectors
from bioseg.production import services as ps
from bioseg.production.models import Excursion, LotEvent, LotHold, Shipment, ShipmentLine
from tests.conftest import PASSWORD
from tests.production.helpers import at, reload
from tests.production.test_coldchain import WARM

pytestmark = pytest.mark.django_db


def accept(world, excursion):
    return ps.excursion_assess(
        actor=world.holder_qa,
        password=PASSWORD,
        excursion=excursion,
        outcome="accepted",
        justification="stability data cover 2 h at 12 °C",
    )


def test_a_recalled_lot_stays_on_hold_when_an_excursion_is_accepted(market, genealogy, world):
    g = genealogy
    assert reload(g.p2).status == "released"
    ps.temperature_log_upload(actor=world.cmo_qa, shipment=market.sh2, file_name="sh2.csv", content=WARM)
    first = Excursion.objects.get(shipment=market.sh2)
    assert reload(g.p2).status == "on_hold"
    accept(world, first)
    assert reload(g.p2).status == "released"  # its only hold lifted: back to released

    ps.lot_recall(recall_class="class_2", actor=world.qp, lot=g.p2, reason="complaint: particles", password=PASSWORD)
    assert reload(g.p2).status == "on_hold"
    ps.temperature_log_upload(actor=world.cmo_qa, shipment=market.sh3, file_name="sh3.csv", content=WARM)
    second = Excursion.objects.get(shipment=market.sh3)
    accept(world, second)
    # the excursion's hold is lifted, the recall's is not: the lot stays on hold
    assert reload(g.p2).status == "on_hold"
    holds = list(LotHold.objects.filter(lot=g.p2).order_by("id").values_list("kind", "lifted", "previous_status"))
    assert holds == [("excursion", True, "released"), ("recall", False, "released"), ("excursion", True, "released")]
    kinds = list(LotEvent.objects.filter(lot=g.p2).order_by("id").values_list("kind", "status_to"))
    assert kinds == [
        ("released_cmo", "quarantine"),
        ("released", "released"),
        ("held", "on_hold"),
        ("hold_lifted", "released"),
        ("held", "on_hold"),
        ("recalled", "on_hold"),
        ("held", "on_hold"),
        ("hold_lifted", "on_hold"),
    ]


def test_a_lot_held_twice_returns_to_its_status_only_when_both_holds_are_lifted(market, genealogy, world):
    g = genealogy
    for shipment in (market.sh2, market.sh3):
        ps.temperature_log_upload(actor=world.cmo_qa, shipment=shipment, file_name="x.csv", content=WARM)
    first, second = Excursion.objects.filter(product=g.p2.product).order_by("id")
    accept(world, first)
    assert reload(g.p2).status == "on_hold"
    accept(world, second)
    assert reload(g.p2).status == "released"


def test_a_lot_cannot_be_shipped_beyond_what_is_left_at_the_site(market, genealogy, world):
    g = genealogy
    # P2: 3,000 vials made in Shanghai; 1,000 and 500 shipped to consignees by the market fixture
    assert selectors.lot_available_at(lot=g.p2, site=world.sh_site) == 1500
    assert selectors.lot_remaining(lot=g.p2) == 1500
    ps.shipment_create(
        actor=world.cmo_qa,
        reference="SH-4",
        from_site=world.sh_site,
        consignee=market.bj,
        shipped_at=at(23),
        lines=[(g.p2, 1500)],
    )
    before = (Shipment.objects.count(), ShipmentLine.objects.count(), AuditEvent.objects.count())
    with pytest.raises(ApplicationError) as exc:
        ps.shipment_create(
            actor=world.cmo_qa,
            reference="SH-5",
            from_site=world.sh_site,
            consignee=market.bj,
            shipped_at=at(24),
            lines=[(g.p2, 1500)],
        )
    assert exc.value.code == "shipment_refused"
    assert [(p["code"], p["lot_id"]) for p in exc.value.details["problems"]] == [("over_shipment", g.p2.pk)]
    assert exc.value.details["problems"][0]["message"] == (
        "Lot P2 has 0 vials left at Shanghai site; 1,500 vials were to be shipped."
    )
    assert (Shipment.objects.count(), ShipmentLine.objects.count(), AuditEvent.objects.count()) == before


def test_what_a_shipment_takes_away_cannot_be_consumed_at_the_site_it_left(genealogy, world):
    g = genealogy
    # D1: 100 L made in Suzhou, all shipped to Shanghai on SH-1 (received), 40 L consumed there for P1
    assert selectors.lot_available_at(lot=g.d1, site=world.js_site) == 0
    assert selectors.lot_available_at(lot=g.d1, site=world.sh_site) == 60
    before = AuditEvent.objects.count()
    with pytest.raises(ApplicationError) as exc:
        ps.transformation_record(
            actor=world.cmo_qa,
            kind="manufacture",
            segment=world.seg["DP"],
            performed_on=at(10).date(),
            inputs=[(g.d1, 61)],
            outputs=[{"lot_number": "P9", "quantity": 100, "unit": "vial", "expires_on": g.p1.expires_on}],
        )
    assert [p["code"] for p in exc.value.details["problems"]] == ["over_consumption"]
    assert exc.value.details["problems"][0]["left"] == "60"
    assert AuditEvent.objects.count() == before


def test_the_system_operator_records_no_gmp_records(genealogy, world):
    g = genealogy
    before = (AuditEvent.objects.count(), Signature.objects.count())
    with pytest.raises(PermissionDenied):
        ps.coa_record(
            actor=world.admin,
            lot=g.p1,
            reference="COA-ADMIN",
            file_name="coa.pdf",
            sha256="b" * 64,
            issued_on=at(5).date(),
        )
    with pytest.raises(PermissionDenied):
        ps.lot_recall(recall_class="class_2", actor=world.admin, lot=g.p1, reason="admin recall", password=PASSWORD)
    with pytest.raises(PermissionDenied):
        ps.lot_reject(actor=world.admin, lot=g.p1, reason="admin reject", password=PASSWORD)
    with pytest.raises(PermissionDenied):
        ps.shipment_create(
            actor=world.admin,
            reference="SH-ADMIN",
            from_site=world.sh_site,
            to_site=world.js_site,
            shipped_at=at(9),
            lines=[(g.p1, 1)],
        )
    with pytest.raises(PermissionDenied):
        ps.lot_create(
            actor=world.admin,
            segment=world.seg["WCB"],
            lot_number="W9",
            quantity=1,
            unit="vial",
            manufactured_on=at(1).date(),
            expires_on=g.w1.expires_on,
        )
    assert (AuditEvent.objects.count(), Signature.objects.count()) == before
    assert reload(g.p1).status == "quarantine"
