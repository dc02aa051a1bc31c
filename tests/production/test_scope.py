"""Who sees which lots, chains and shipments: holder and contract manufacturer share the product's lots;
each province sees the lots made or shipped in it, and the holder's province every lot of its holders' products
wherever it is made; everyone else gets 404."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser

from bioseg.common.errors import NotFound
from bioseg.production import selectors
from bioseg.registry.scope import scope_for

pytestmark = pytest.mark.django_db


def numbers(qs):
    return sorted(lot.lot_number for lot in qs)


def test_holder_and_contract_manufacturer_see_the_lots_of_their_shared_product(genealogy, world):
    everything = ["D1", "D2", "P1", "P2", "W1"]
    assert numbers(selectors.lot_list(scope=scope_for(world.holder_qa))) == everything
    assert numbers(selectors.lot_list(scope=scope_for(world.cmo_qa))) == everything
    assert numbers(selectors.lot_list(scope=scope_for(world.nmpa))) == everything
    assert numbers(selectors.lot_list(scope=scope_for(world.gd_qa))) == []
    with pytest.raises(NotFound) as exc:
        selectors.lot_get(scope=scope_for(world.gd_qa), pk=genealogy.p1.pk)
    assert exc.value.status == 404
    assert selectors.lot_get(scope=scope_for(world.cmo_qa), pk=genealogy.w1.pk) == genealogy.w1
    assert selectors.lot_find(scope=scope_for(world.cmo_qa), lot_number=" P1 ") == [genealogy.p1]
    assert selectors.lot_find(scope=scope_for(world.gd_qa), lot_number="P1") == []


def test_each_province_sees_the_lots_made_or_shipped_in_it(market, genealogy, world):
    # Jiangsu: made there (W1, D1, D2), and the Suzhou holder's drug-product lots made in Shanghai (P1, P2)
    assert numbers(selectors.lot_list(scope=scope_for(world.js_inspector))) == ["D1", "D2", "P1", "P2", "W1"]
    assert selectors.lot_get(scope=scope_for(world.js_inspector), pk=genealogy.p1.pk) == genealogy.p1
    # Shanghai: made there (P1, P2) and received there (D1, D2) — not the Jiangsu cell bank W1
    assert numbers(selectors.lot_list(scope=scope_for(world.sh_inspector))) == ["D1", "D2", "P1", "P2"]
    with pytest.raises(NotFound):
        selectors.lot_get(scope=scope_for(world.sh_inspector), pk=genealogy.w1.pk)
    # Guangdong: only P2, shipped to a Guangzhou consignee
    assert numbers(selectors.lot_list(scope=scope_for(world.gd_inspector))) == ["P2"]
    with pytest.raises(NotFound):
        selectors.lot_get(scope=scope_for(world.gd_inspector), pk=genealogy.p1.pk)
    assert selectors.lot_get(scope=scope_for(world.gd_inspector), pk=genealogy.p2.pk) == genealogy.p2


def test_nobody_else_sees_anything(genealogy):
    nobody = scope_for(AnonymousUser())
    assert selectors.lot_list(scope=nobody).count() == 0
    assert selectors.chain_list(scope=nobody).count() == 0
    assert selectors.shipment_list(scope=nobody).count() == 0
    assert selectors.consignee_list(scope=nobody).count() == 0
    with pytest.raises(NotFound):
        selectors.lot_get(scope=nobody, pk=genealogy.w1.pk)


def test_chains_are_seen_by_their_parties_and_the_provinces_they_cross(world):
    chain = world.chain
    for user in (world.holder_qa, world.cmo_qa, world.js_inspector, world.sh_inspector, world.nmpa):
        assert list(selectors.chain_list(scope=scope_for(user))) == [chain]
    for user in (world.gd_qa, world.gd_inspector):
        assert list(selectors.chain_list(scope=scope_for(user))) == []
        with pytest.raises(NotFound):
            selectors.chain_get(scope=scope_for(user), pk=chain.pk)


def test_shipments_are_seen_by_the_parties_and_the_provinces_they_touch(market, genealogy, world):
    def refs(user):
        return sorted(s.reference for s in selectors.shipment_list(scope=scope_for(user)))

    assert refs(world.holder_qa) == ["SH-1", "SH-2", "SH-3"]
    assert refs(world.cmo_qa) == ["SH-1", "SH-2", "SH-3"]
    # Jiangsu: SH-1 left Suzhou; SH-2 and SH-3 carry the Suzhou holder's lots
    assert refs(world.js_inspector) == ["SH-1", "SH-2", "SH-3"]
    assert refs(world.sh_inspector) == ["SH-1", "SH-2", "SH-3"]
    assert refs(world.gd_inspector) == ["SH-3"]
    assert refs(world.gd_qa) == []
    with pytest.raises(NotFound):
        selectors.shipment_get(scope=scope_for(world.gd_inspector), pk=market.sh2.pk)


def test_transformations_follow_the_lots(genealogy, world):
    def kinds(user):
        return sorted((t.segment.code, t.site.name_en) for t in selectors.transformation_list(scope=scope_for(user)))

    assert kinds(world.sh_inspector) == [("DP", "Shanghai site"), ("DP", "Shanghai site")]
    # Jiangsu: made there, and the Suzhou holder's fills in Shanghai
    assert kinds(world.js_inspector) == [
        ("DP", "Shanghai site"),
        ("DP", "Shanghai site"),
        ("DS", "Suzhou site"),
        ("DS", "Suzhou site"),
        ("WCB", "Suzhou site"),
    ]
    assert len(kinds(world.cmo_qa)) == 5
    assert kinds(world.gd_qa) == []
