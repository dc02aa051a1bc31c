"""Lots and transformations: edges are materialised; over-consumption, wrong segment, unusable lots,
taken lot numbers and lots not at the site are refused with every problem, and nothing is written."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from bioseg.common.errors import ApplicationError, PermissionDenied
from bioseg.production import selectors
from bioseg.production import services as ps
from bioseg.production.models import STATUS_ZH, Lot, LotEdge, TransformationInput
from bioseg.registry import services as rs
from tests.conftest import PASSWORD
from tests.production.helpers import EXPIRES, MADE, counts, make_output, reload

pytestmark = pytest.mark.django_db


def codes(exc) -> list[str]:
    return [p["code"] for p in exc.value.details["problems"]]


def test_the_genealogy_is_materialised_as_edges(genealogy):
    g = genealogy
    edges = sorted(
        (e.parent_lot.lot_number, e.child_lot.lot_number, e.quantity, e.transformation.kind)
        for e in LotEdge.objects.select_related("parent_lot", "child_lot", "transformation")
    )
    assert edges == [
        ("D1", "P1", Decimal("40"), "manufacture"),
        ("D2", "P1", Decimal("10"), "manufacture"),
        ("D2", "P2", Decimal("30"), "manufacture"),
        ("W1", "D1", Decimal("1"), "manufacture"),
        ("W1", "D2", Decimal("1"), "manufacture"),
    ]
    p1 = reload(g.p1)
    assert (p1.product_id, p1.material, p1.site.name_en, p1.status, p1.unit) == (
        g.w1.product_id,
        "DP",
        "Shanghai site",
        "quarantine",
        "vial",
    )
    assert p1.quantity == Decimal("5000")
    assert p1.produced_by == g.p1_t
    assert selectors.lot_remaining(lot=g.d2) == Decimal("60")
    assert selectors.lot_remaining(lot=g.w1) == Decimal("8")
    assert selectors.lot_ancestor_ids(lot=g.p1) == {g.w1.pk, g.d1.pk, g.d2.pk}
    assert selectors.lot_descendant_ids(lot=g.w1) == {g.d1.pk, g.d2.pk, g.p1.pk, g.p2.pk}


def test_a_blend_of_13_drug_substance_lots_makes_one_lot(world):
    vaccine = rs.product_create(
        actor=world.holder_qa,
        holder=world.holder,
        name_zh="13价疫苗",
        name_en="PCV13",
        category="vaccine_multivalent",
        storage_min_c=2,
        storage_max_c=8,
    )
    segments = [
        {
            "code": f"ST{i}",
            "stage": "component_ds",
            "name_zh": f"血清型{i}原液",
            "name_en": f"Serotype {i} DS",
            "site": world.js_site,
            "feeds": ["MIX"],
        }
        for i in range(1, 14)
    ]
    segments.append(
        {"code": "MIX", "stage": "formulation", "name_zh": "配制", "name_en": "Formulation", "site": world.js_site}
    )
    chain = ps.chain_create(
        actor=world.holder_qa, product=vaccine, effective_from=dt.date(2025, 1, 1), segments=segments
    )
    seg = {s.code: s for s in chain.segments.all()}
    ds = [
        ps.lot_create(
            actor=world.holder_qa,
            segment=seg[f"ST{i}"],
            lot_number=f"ST{i}-001",
            quantity=50,
            unit="L",
            manufactured_on=MADE,
            expires_on=EXPIRES,
        )
        for i in range(1, 14)
    ]
    before = counts()
    t = ps.transformation_record(
        actor=world.holder_qa,
        kind="blend",
        segment=seg["MIX"],
        performed_on=dt.date(2025, 3, 10),
        inputs=[(lot, Decimal("12.5")) for lot in ds],
        outputs=[make_output("PCV-F-001", 160)],
        reference="BR-PCV-001",
    )
    blended = t.outputs.get()
    assert blended.material == "MIX"
    assert LotEdge.objects.filter(child_lot=blended).count() == 13
    assert sorted(LotEdge.objects.filter(child_lot=blended).values_list("parent_lot__lot_number", flat=True)) == sorted(
        f"ST{i}-001" for i in range(1, 14)
    )
    assert set(LotEdge.objects.filter(child_lot=blended).values_list("quantity", flat=True)) == {Decimal("12.5")}
    assert all(selectors.lot_remaining(lot=lot) == Decimal("37.5") for lot in ds)
    after = counts()
    assert after["lots"] - before["lots"] == 1
    assert after["edges"] - before["edges"] == 13
    assert after["transformations"] - before["transformations"] == 1


def test_a_blend_needs_two_inputs_and_one_output(genealogy, world):
    before = counts()
    with pytest.raises(ApplicationError) as exc:
        ps.transformation_record(
            actor=world.cmo_qa,
            kind="blend",
            segment=world.seg["DP"],
            performed_on=dt.date(2025, 3, 7),
            inputs=[(genealogy.d1, 1)],
            outputs=[make_output("B1", 10), make_output("B2", 10)],
        )
    assert exc.value.code == "validation_error"
    assert sorted(exc.value.details["fields"]) == ["inputs", "outputs"]
    assert counts() == before


def test_over_consumption_is_refused_and_nothing_is_written(genealogy, world):
    before = counts()
    consumed = TransformationInput.objects.count()
    with pytest.raises(ApplicationError) as exc:
        ps.transformation_record(
            actor=world.cmo_qa,
            kind="manufacture",
            segment=world.seg["DP"],
            performed_on=dt.date(2025, 3, 7),
            inputs=[(genealogy.d2, 50), (genealogy.d2, 11)],  # 61 L of the 60 L left, over two lines
            outputs=[make_output("P3", 100, "vial")],
        )
    assert exc.value.code == "transformation_refused"
    assert exc.value.details["problems"] == [
        {
            "code": "over_consumption",
            "message": "Input lot D2 has 60 L left; 61 L were requested.",
            "message_zh": "投入批 D2剩余 60 L，请求投入 61 L。",
            "lot_id": genealogy.d2.pk,
            "left": "60",
            "requested": "61",
        }
    ]
    assert exc.value.message == "The transformation was refused: Input lot D2 has 60 L left; 61 L were requested."
    assert counts() == before
    assert TransformationInput.objects.count() == consumed


def test_an_input_from_a_segment_that_does_not_feed_this_one_is_refused(genealogy, world):
    before = counts()
    with pytest.raises(ApplicationError) as exc:
        ps.transformation_record(
            actor=world.cmo_qa,
            kind="manufacture",
            segment=world.seg["DP"],
            performed_on=dt.date(2025, 3, 7),
            inputs=[(genealogy.p1, 10)],  # a DP lot does not feed DP
            outputs=[make_output("P3", 100, "vial")],
        )
    assert codes(exc) == ["segment_does_not_feed"]
    assert exc.value.details["problems"][0]["message"] == "Input lot P1 is DP, which does not feed DP."
    assert counts() == before


@pytest.mark.parametrize("status", ["rejected", "recalled", "on_hold"])
def test_a_rejected_recalled_or_held_input_lot_is_refused(genealogy, world, status):
    d1 = genealogy.d1
    if status == "rejected":
        ps.lot_reject(actor=world.holder_qa, lot=d1, reason="OOS potency", password=PASSWORD)
    else:
        ps.lot_recall(
            recall_class="class_2",
            actor=world.holder_qa,
            lot=d1,
            reason="contamination suspected",
            status=status,
            password=PASSWORD,
        )
    assert reload(d1).status == status
    before = counts()
    with pytest.raises(ApplicationError) as exc:
        ps.transformation_record(
            actor=world.cmo_qa,
            kind="manufacture",
            segment=world.seg["DP"],
            performed_on=dt.date(2025, 3, 7),
            inputs=[(d1, 10)],
            outputs=[make_output("P3", 100, "vial")],
        )
    assert exc.value.details["problems"] == [
        {
            "code": "input_lot_unusable",
            "message": f"Input lot D1 is {status.replace('_', ' ')} and cannot be used.",
            "message_zh": f"投入批 D1状态为{STATUS_ZH[status]}，不得使用。",
            "lot_id": d1.pk,
            "status": status,
        }
    ]
    assert counts() == before


def test_every_problem_of_a_transformation_is_listed(genealogy, world):
    ps.lot_reject(actor=world.holder_qa, lot=genealogy.p2, reason="visible particles", password=PASSWORD)
    before = counts()
    with pytest.raises(ApplicationError) as exc:
        ps.transformation_record(
            actor=world.cmo_qa,
            kind="manufacture",
            segment=world.seg["DP"],
            performed_on=dt.date(2025, 3, 7),
            inputs=[(genealogy.p2, 3001), (genealogy.w1, 1)],
            outputs=[make_output("P1", 100, "vial")],
        )
    assert codes(exc) == [
        "lot_number_taken",
        # W1 (lower id): a cell bank does not feed DP, and it is still in Suzhou
        "segment_does_not_feed",
        "input_not_at_site",
        # P2: DP does not feed DP, it is rejected, and more than it has was asked for
        "segment_does_not_feed",
        "input_lot_unusable",
        "over_consumption",
    ]
    assert counts() == before


def test_a_lot_must_be_at_the_site_before_it_is_used(world):
    w1 = ps.lot_create(
        actor=world.holder_qa,
        segment=world.seg["WCB"],
        lot_number="W9",
        quantity=5,
        unit="vial",
        manufactured_on=dt.date(2025, 1, 10),
        expires_on=EXPIRES,
    )
    d9 = ps.transformation_record(
        actor=world.holder_qa,
        kind="manufacture",
        segment=world.seg["DS"],
        performed_on=MADE,
        inputs=[(w1, 1)],
        outputs=[make_output("D9", 100)],
    ).outputs.get()
    before = counts()
    with pytest.raises(ApplicationError) as exc:
        ps.transformation_record(
            actor=world.cmo_qa,
            kind="manufacture",
            segment=world.seg["DP"],
            performed_on=dt.date(2025, 3, 7),
            inputs=[(d9, 10)],
            outputs=[make_output("P9", 100, "vial")],
        )
    assert codes(exc) == ["input_not_at_site"]
    assert counts() == before


def test_a_fed_segment_needs_its_inputs_and_only_its_site_records_it(world):
    before = counts()
    with pytest.raises(ApplicationError) as exc:
        ps.lot_create(
            actor=world.holder_qa,
            segment=world.seg["DS"],
            lot_number="D0",
            quantity=1,
            unit="L",
            manufactured_on=MADE,
            expires_on=EXPIRES,
        )
    assert codes(exc) == ["inputs_missing"]
    with pytest.raises(PermissionDenied):
        ps.lot_create(
            actor=world.cmo_qa,  # the WCB is made in Suzhou, not by the CDMO
            segment=world.seg["WCB"],
            lot_number="W0",
            quantity=1,
            unit="vial",
            manufactured_on=MADE,
            expires_on=EXPIRES,
        )
    with pytest.raises(ApplicationError) as exc:
        ps.lot_create(
            actor=world.holder_qa,
            segment=world.seg["WCB"],
            lot_number="W0",
            quantity=0,
            unit="bottle",
            manufactured_on=MADE,
            expires_on=MADE,
        )
    assert sorted(exc.value.details["fields"]) == ["expires_on", "quantity", "unit"]  # the lot's own fields
    assert counts() == before
    assert Lot.objects.filter(lot_number__in=["D0", "W0"]).count() == 0
