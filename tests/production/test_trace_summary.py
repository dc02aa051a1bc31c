"""A trace beyond the expand limit: shipments summarised in the database, lines read on demand.

The expand limit is forced down to 2 lots so that the small genealogy (W1 → D1, D2 → P1, P2; SH-1 carries
D1 and D2 to Shanghai; P2 goes to Beijing twice (SH-2, SH-4) and to Guangzhou once (SH-3)) takes the
summary path; every value is then also checked against the expanded trace of the same lots.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal

import pytest

from bioseg.production import selectors
from bioseg.production import services as ps
from bioseg.production import trace as trace_module
from bioseg.production.models import Lot
from bioseg.production.trace import TraceDestination, TraceShipmentSummary, trace
from bioseg.registry.scope import Scope, scope_for
from tests.production.helpers import at

pytestmark = pytest.mark.django_db

UTC = dt.UTC


@pytest.fixture
def sh4(market, genealogy, world):
    """A second shipment of P2 to Beijing: two shipments, one lot."""
    return ps.shipment_create(
        actor=world.cmo_qa,
        reference="SH-4",
        from_site=world.sh_site,
        consignee=market.bj,
        shipped_at=at(25, 10),
        lines=[(genealogy.p2, 200)],
    )


def both(root, direction="forward", scope=None):
    roots = Lot.objects.filter(pk=root.pk)
    full = trace(roots=roots, direction=direction, scope=scope)
    summary = trace(roots=roots, direction=direction, scope=scope, expand_limit=2)
    return full, summary


def no_path(lines):
    return [dataclasses.replace(s, path=()) for s in lines]


def test_beyond_the_limit_shipments_are_summarised_per_destination(market, genealogy, world, sh4):
    g = genealogy
    full, result = both(g.w1)
    assert (full.expanded, result.expanded) == (True, False)
    assert result.shipments == [] and result.edges == [] and result.transformations == []
    assert (result.shipment_count, result.shipment_line_count) == (4, 5)
    assert result.destinations == [
        TraceDestination(world.sh_site.pk, None, 1, 2, 2, at(2), at(2)),
        TraceDestination(None, market.bj.pk, 2, 2, 1, at(21), at(25, 10)),
        TraceDestination(None, market.gd.pk, 1, 1, 1, at(22), at(22)),
    ]
    assert result.destinations[0].first_shipped_at == dt.datetime(2025, 3, 2, 8, tzinfo=UTC)
    assert [c.name_en for c in result.consignees] == ["Beijing Pharma", "Guangzhou Pharma"]
    assert [s.name_en for s in result.sites] == ["Suzhou site", "Shanghai site"]
    # the same figures as the expanded trace, which works them out from its lines
    assert (full.destinations, full.shipment_count, full.shipment_line_count) == (
        result.destinations,
        result.shipment_count,
        result.shipment_line_count,
    )
    assert (full.consignees, full.sites, full.products) == (result.consignees, result.sites, result.products)
    assert [(x.id, x.depth, x.in_scope) for x in full.lots] == [(x.id, x.depth, x.in_scope) for x in result.lots]
    data = result.as_dict()
    assert (data["expanded"], data["shipments"], data["shipment_count"], data["shipment_line_count"]) == (
        False,
        [],
        4,
        5,
    )
    assert data["destinations"][1] == {
        "to_site_id": None,
        "consignee_id": market.bj.pk,
        "shipment_count": 2,
        "line_count": 2,
        "lot_count": 1,
        "first_shipped_at": "2025-03-21T08:00:00+00:00",
        "last_shipped_at": "2025-03-25T10:00:00+00:00",
    }


def test_the_lines_are_read_on_demand_in_shipping_order(market, genealogy, world, sh4):
    g = genealogy
    full, result = both(g.w1)
    lines = result.shipment_lines()
    assert [(s.reference, s.lot_id, s.quantity, s.shipped_at, s.received_at, s.path) for s in lines] == [
        ("SH-1", g.d1.pk, Decimal("100.0000"), at(2), at(3), ()),
        ("SH-1", g.d2.pk, Decimal("100.0000"), at(2), at(3), ()),
        ("SH-2", g.p2.pk, Decimal("1000.0000"), at(21), None, ()),
        ("SH-3", g.p2.pk, Decimal("500.0000"), at(22), None, ()),
        ("SH-4", g.p2.pk, Decimal("200.0000"), at(25, 10), None, ()),
    ]
    assert lines == no_path(full.shipments)
    assert lines[0].received_at.tzinfo is not None
    assert result.shipment_lines(offset=1, limit=2) == lines[1:3]
    assert result.shipment_lines(offset=4) == lines[4:]
    assert result.shipment_lines(offset=9, limit=3) == []
    assert list(result.iter_shipment_lines(batch=2)) == lines
    # the expanded trace answers the same accessors from its list
    assert full.shipment_lines(offset=1, limit=2) == full.shipments[1:3]
    assert list(full.iter_shipment_lines()) == full.shipments
    # the paths, in bulk or one at a time, are the expanded trace's
    assert result.paths() == {x.id: x.path for x in full.lots}
    assert result.path_to(g.p2.pk) == (g.w1.pk, g.d2.pk, g.p2.pk)


def test_per_shipment_summaries_count_the_traced_lines(market, genealogy, world, sh4):
    g = genealogy
    full, result = both(g.w1)
    summaries = result.shipment_summaries()
    assert summaries == [
        TraceShipmentSummary(
            g.sh1.pk, "SH-1", world.js_site.pk, world.sh_site.pk, None, at(2), at(3), 2, (("L", Decimal("200.0000")),)
        ),
        TraceShipmentSummary(
            market.sh2.pk,
            "SH-2",
            world.sh_site.pk,
            None,
            market.bj.pk,
            at(21),
            None,
            1,
            (("vial", Decimal("1000.0000")),),
        ),
        TraceShipmentSummary(
            market.sh3.pk,
            "SH-3",
            world.sh_site.pk,
            None,
            market.gd.pk,
            at(22),
            None,
            1,
            (("vial", Decimal("500.0000")),),
        ),
        TraceShipmentSummary(
            sh4.pk, "SH-4", world.sh_site.pk, None, market.bj.pk, at(25, 10), None, 1, (("vial", Decimal("200.0000")),)
        ),
    ]
    assert full.shipment_summaries() == summaries
    assert result.shipment_summaries(offset=1, limit=2) == summaries[1:3]
    assert full.shipment_summaries(offset=1, limit=2) == summaries[1:3]
    # a trace that starts below SH-1 counts only its own lots' lines on it
    only_d2 = trace(roots=Lot.objects.filter(pk=g.d2.pk), direction="forward", expand_limit=1)
    assert only_d2.shipment_summaries(limit=1) == [
        TraceShipmentSummary(
            g.sh1.pk, "SH-1", world.js_site.pk, world.sh_site.pk, None, at(2), at(3), 1, (("L", Decimal("100.0000")),)
        )
    ]


def test_a_backward_trace_and_a_trace_without_shipments(market, genealogy, world):
    g = genealogy
    full, result = both(g.p1, "backward")
    assert not result.expanded
    assert result.destinations == full.destinations == [TraceDestination(world.sh_site.pk, None, 1, 2, 2, at(2), at(2))]
    assert result.shipment_lines() == no_path(full.shipments)
    bare = trace(roots=Lot.objects.filter(pk=g.w1.pk), direction="forward", include_shipments=False, expand_limit=2)
    assert (bare.destinations, bare.shipment_count, bare.shipment_line_count, bare.consignees) == ([], 0, 0, [])
    assert (bare.shipment_lines(), list(bare.iter_shipment_lines()), bare.shipment_summaries()) == ([], [], [])


def test_scope_flags_are_the_same_beyond_the_limit(market, genealogy, world):
    for user in (world.js_inspector, world.holder_qa, world.gd_qa):
        full, result = both(genealogy.w1, scope=scope_for(user))
        assert [x.in_scope for x in result.lots] == [x.in_scope for x in full.lots]
    # the Beijing inspector's province only sees P2 through the shipment to Beijing
    bj = Scope(kind="provincial", region_code="110000")
    full, result = both(genealogy.w1, scope=bj)
    assert {x.lot_number: x.in_scope for x in result.lots} == {x.lot_number: x.in_scope for x in full.lots}
    assert [x.lot_number for x in result.lots if x.in_scope] == ["P2"]


def test_the_selector_reads_the_limit_at_call_time(market, genealogy, world, monkeypatch):
    monkeypatch.setattr(trace_module, "EXPAND_LIMIT", 4)
    result = selectors.lot_trace(scope=scope_for(world.nmpa), pk=genealogy.w1.pk, direction="forward")
    assert (result.expanded, result.shipment_line_count, len(result.destinations)) == (False, 4, 3)
    monkeypatch.setattr(trace_module, "EXPAND_LIMIT", 5)
    assert selectors.lot_trace(scope=scope_for(world.nmpa), pk=genealogy.w1.pk, direction="forward").expanded
