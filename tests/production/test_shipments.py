"""Shipments: lots must be at the shipping site, usable, released when going to a consignee, and not
shipped beyond what they have left; a receipt is recorded once, by the receiver."""

from __future__ import annotations

import pytest

from bioseg.common.errors import ApplicationError, PermissionDenied, ValidationFailed
from bioseg.production import selectors
from bioseg.production import services as ps
from bioseg.registry.scope import scope_for
from tests.production.helpers import at, counts

pytestmark = pytest.mark.django_db


def test_a_shipment_to_a_consignee_needs_released_lots_at_the_site(genealogy, world):
    g = genealogy
    bj = ps.consignee_create(actor=world.cmo_qa, name_zh="北京医药", name_en="Beijing Pharma", region_code="110000")
    before = counts()
    with pytest.raises(ApplicationError) as exc:
        ps.shipment_create(
            actor=world.cmo_qa,
            reference="SH-9",
            from_site=world.sh_site,
            consignee=bj,
            shipped_at=at(25),
            lines=[(g.p1, 6000), (g.w1, 1)],
        )
    assert exc.value.code == "shipment_refused"
    assert [(p["code"], p["lot_id"]) for p in exc.value.details["problems"]] == [
        ("lot_not_released", g.p1.pk),
        ("over_shipment", g.p1.pk),
        ("lot_not_released", g.w1.pk),
        ("lot_not_at_site", g.w1.pk),
    ]
    assert counts() == before


def test_a_shipment_goes_to_one_destination_and_is_received_once(genealogy, world):
    g = genealogy
    before = counts()
    with pytest.raises(ValidationFailed) as exc:
        ps.shipment_create(
            actor=world.holder_qa, reference="SH-1", from_site=world.js_site, shipped_at=at(4), lines=[(g.w1, 1)]
        )
    assert sorted(exc.value.details["fields"]) == ["reference", "to_site"]
    with pytest.raises(PermissionDenied):
        ps.shipment_create(
            actor=world.cmo_qa,
            reference="SH-X",
            from_site=world.js_site,
            to_site=world.sh_site,
            shipped_at=at(4),
            lines=[(g.w1, 1)],
        )
    assert counts() == before
    with pytest.raises(ValidationFailed):
        ps.shipment_receive(actor=world.cmo_qa, shipment=g.sh1, received_at=at(4))
    with pytest.raises(PermissionDenied):
        ps.shipment_receive(actor=world.gd_qa, shipment=g.sh1, received_at=at(4))


def test_lot_detail_gathers_what_a_page_shows(genealogy, world):
    detail = selectors.lot_detail(scope=scope_for(world.cmo_qa), pk=genealogy.d2.pk)
    assert detail.remaining == 60
    assert [line.shipment.reference for line in detail.shipment_lines] == ["SH-1"]
    assert [i.lot for i in detail.inputs] == [genealogy.w1]
    assert list(detail.release_blockers) == ["qualified_person"]
    assert [b.code for b in detail.release_blockers["qualified_person"]] == [
        "certificate_missing",
        "ancestor_not_released",
    ]
    p1 = selectors.lot_detail(scope=scope_for(world.holder_qa), pk=genealogy.p1.pk)
    assert list(p1.release_blockers) == ["cmo_qa", "qualified_person"]
