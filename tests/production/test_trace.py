"""Backward and forward trace (from a lot and from a site and time window), and recall."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from bioseg.audit.models import AuditEvent
from bioseg.common.errors import ApplicationError, NotFound, PermissionDenied
from bioseg.production import selectors
from bioseg.production import services as ps
from bioseg.production.models import Lot, RecallAction
from bioseg.registry.scope import scope_for
from tests.conftest import PASSWORD
from tests.production.helpers import reload

pytestmark = pytest.mark.django_db


def summary(result):
    return [(lot.lot_number, lot.depth, [reload_number(i) for i in lot.path]) for lot in result.lots]


_numbers: dict[int, str] = {}


def reload_number(pk: int) -> str:
    if pk not in _numbers:
        _numbers[pk] = Lot.objects.get(pk=pk).lot_number
    return _numbers[pk]


@pytest.fixture(autouse=True)
def _clear_numbers():
    _numbers.clear()


def test_forward_trace_from_the_cell_bank(genealogy, world):
    g = genealogy
    result = selectors.lot_trace(scope=scope_for(world.nmpa), pk=g.w1.pk, direction="forward")
    assert summary(result) == [
        ("W1", 0, ["W1"]),
        ("D1", 1, ["W1", "D1"]),
        ("D2", 1, ["W1", "D2"]),
        ("P1", 2, ["W1", "D1", "P1"]),
        ("P2", 2, ["W1", "D2", "P2"]),
    ]
    assert [(e.parent_lot_id, e.child_lot_id, e.quantity) for e in result.edges] == [
        (g.w1.pk, g.d1.pk, Decimal("1.0000")),
        (g.w1.pk, g.d2.pk, Decimal("1.0000")),
        (g.d1.pk, g.p1.pk, Decimal("40.0000")),
        (g.d2.pk, g.p1.pk, Decimal("10.0000")),
        (g.d2.pk, g.p2.pk, Decimal("30.0000")),
    ]
    assert [t.kind for t in result.transformations] == ["manufacture"] * 4
    assert [
        (s.reference, reload_number(s.lot_id), s.quantity, [reload_number(i) for i in s.path]) for s in result.shipments
    ] == [
        ("SH-1", "D1", Decimal("100.0000"), ["W1", "D1"]),
        ("SH-1", "D2", Decimal("100.0000"), ["W1", "D2"]),
    ]
    assert result.consignees == []
    assert [(s.name_en, s.region_code) for s in result.sites] == [
        ("Suzhou site", "320000"),
        ("Shanghai site", "310000"),
    ]
    assert all(lot.in_scope for lot in result.lots)
    data = result.as_dict()
    assert data["lots"][3]["lot_number"] == "P1"
    assert data["lots"][3]["quantity"] == "5000.0000"
    assert data["lots"][3]["path"] == [g.w1.pk, g.d1.pk, g.p1.pk]


def test_forward_trace_reaches_shipments_and_consignees(market, genealogy, world):
    result = selectors.lot_trace(scope=scope_for(world.holder_qa), pk=genealogy.d2.pk, direction="forward")
    assert summary(result) == [("D2", 0, ["D2"]), ("P1", 1, ["D2", "P1"]), ("P2", 1, ["D2", "P2"])]
    assert [(s.reference, reload_number(s.lot_id), s.consignee_id) for s in result.shipments] == [
        ("SH-1", "D2", None),
        ("SH-2", "P2", market.bj.pk),
        ("SH-3", "P2", market.gd.pk),
    ]
    assert [(c.name_en, c.region_code) for c in result.consignees] == [
        ("Beijing Pharma", "110000"),
        ("Guangzhou Pharma", "440000"),
    ]


def test_backward_trace_from_a_drug_product_lot(genealogy, world):
    g = genealogy
    result = selectors.lot_trace(scope=scope_for(world.cmo_qa), pk=g.p1.pk, direction="backward")
    assert summary(result) == [
        ("P1", 0, ["P1"]),
        ("D1", 1, ["P1", "D1"]),
        ("D2", 1, ["P1", "D2"]),
        ("W1", 2, ["P1", "D1", "W1"]),
    ]
    assert sorted((reload_number(e.parent_lot_id), reload_number(e.child_lot_id)) for e in result.edges) == [
        ("D1", "P1"),
        ("D2", "P1"),
        ("W1", "D1"),
        ("W1", "D2"),
    ]
    assert [(s.reference, reload_number(s.lot_id)) for s in result.shipments] == [("SH-1", "D1"), ("SH-1", "D2")]
    assert result.lot_ids() == {g.p1.pk, g.d1.pk, g.d2.pk, g.w1.pk}


def test_trace_from_a_site_and_time_window(genealogy, world):
    result = selectors.site_trace(
        scope=scope_for(world.js_inspector),
        site_pk=world.js_site.pk,
        date_from=dt.date(2025, 3, 1),
        date_to=dt.date(2025, 3, 31),
        direction="forward",
    )
    assert result.root_ids == [genealogy.d1.pk, genealogy.d2.pk]
    assert summary(result) == [
        ("D1", 0, ["D1"]),
        ("D2", 0, ["D2"]),
        ("P1", 1, ["D1", "P1"]),
        ("P2", 1, ["D2", "P2"]),
    ]
    # the Jiangsu inspector: made in Jiangsu, or the Suzhou holder's lots made in Shanghai — all in scope
    assert {lot.lot_number: lot.in_scope for lot in result.lots} == {"D1": True, "D2": True, "P1": True, "P2": True}
    # the Shanghai inspector tracing back from its site sees the Jiangsu cell bank flagged out of scope
    back = selectors.site_trace(
        scope=scope_for(world.sh_inspector),
        site_pk=world.sh_site.pk,
        date_from=dt.date(2025, 1, 1),
        date_to=dt.date(2025, 12, 31),
        direction="backward",
    )
    assert {lot.lot_number: lot.in_scope for lot in back.lots} == {
        "P1": True,
        "P2": True,
        "D1": True,
        "D2": True,
        "W1": False,
    }
    with pytest.raises(NotFound):
        selectors.site_trace(
            scope=scope_for(world.js_inspector),
            site_pk=world.gd_site.pk,
            date_from=dt.date(2025, 3, 1),
            date_to=dt.date(2025, 3, 31),
            direction="forward",
        )


def test_a_trace_refuses_an_unknown_direction_and_unseen_lots(genealogy, world):
    with pytest.raises(ApplicationError):
        selectors.lot_trace(scope=scope_for(world.nmpa), pk=genealogy.w1.pk, direction="sideways")
    with pytest.raises(NotFound):
        selectors.lot_trace(scope=scope_for(world.gd_qa), pk=genealogy.w1.pk, direction="forward")


# --- recall ------------------------------------------------------------------------------------------------


def statuses():
    return dict(Lot.objects.values_list("lot_number", "status"))


def test_a_recall_holds_exactly_the_lot_and_its_descendants(market, genealogy, world):
    g = genealogy
    assert statuses() == {"W1": "released", "D1": "released", "D2": "released", "P1": "quarantine", "P2": "released"}
    audit_before = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first()
    action = ps.lot_recall(
        recall_class="class_2", actor=world.qp, lot=g.d2, reason="endotoxin above limit", password=PASSWORD
    )
    assert statuses() == {"W1": "released", "D1": "released", "D2": "on_hold", "P1": "on_hold", "P2": "on_hold"}
    assert (action.lot, action.status, action.affected_count, action.initiated_by) == (g.d2, "on_hold", 3, world.qp)
    events = AuditEvent.objects.filter(id__gt=audit_before, table_name="production_lot")
    assert sorted(int(e.row_pk) for e in events) == sorted([g.d2.pk, g.p1.pk, g.p2.pk])
    assert {e.reason for e in events} == {"recall from lot D2: endotoxin above limit"}
    assert {e.actor for e in events} == {"holder-qp"}
    # recalling further: the held lots become recalled; a rejected lot would stay rejected
    action2 = ps.lot_recall(
        recall_class="class_2", actor=world.qp, lot=g.d2, reason="confirmed", status="recalled", password=PASSWORD
    )
    assert action2.affected_count == 3
    assert statuses()["P2"] == "recalled"
    # the recall did not touch what it should not: upstream lots and the other branch
    assert (reload(g.w1).status, reload(g.d1).status) == ("released", "released")


def test_a_recall_is_one_transaction(genealogy, world, monkeypatch):
    before_status, before_audit = statuses(), AuditEvent.objects.count()

    def boom(**kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(RecallAction.objects, "create", boom)
    with pytest.raises(RuntimeError):
        ps.lot_recall(recall_class="class_2", actor=world.qp, lot=genealogy.w1, reason="mycoplasma", password=PASSWORD)
    assert statuses() == before_status
    assert AuditEvent.objects.count() == before_audit


def test_only_the_holder_recalls_and_a_reason_is_needed(genealogy, world):
    before = (statuses(), AuditEvent.objects.count())
    with pytest.raises(PermissionDenied):
        ps.lot_recall(recall_class="class_2", actor=world.cmo_qa, lot=genealogy.p1, reason="x", password=PASSWORD)
    with pytest.raises(ApplicationError):
        ps.lot_recall(recall_class="class_2", actor=world.qp, lot=genealogy.p1, reason="  ", password=PASSWORD)
    with pytest.raises(ApplicationError):
        ps.lot_recall(
            recall_class="class_2", actor=world.qp, lot=genealogy.p1, reason="x", status="quarantine", password=PASSWORD
        )
    assert (statuses(), AuditEvent.objects.count()) == before
