"""The national-scale generator (bench/national) keeps the domain's rules and its shape, on a tiny scale.

No timing here (house rule 7): the figures come from ``bench/bench_trace.py``. Exact counts pin the
seeded generation, so a change of shape shows up as a failed count, on purpose.
"""

from __future__ import annotations

import sys
from collections import Counter, defaultdict
from decimal import Decimal
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))

from national.shape import COLUMNS, TABLES, Config, Generator  # noqa: E402

TINY = Config(scale=0.003, seed=4)
EXPECTED = {
    "registry_enterprise": 5,
    "registry_site": 7,
    "registry_product": 4,
    "production_processchain": 5,
    "production_segment": 70,
    "production_segmentfeed": 77,
    "production_consignee": 20,
    "production_transformation": 994,
    "production_lot": 2168,
    "production_transformationinput": 5433,
    "production_lotedge": 9809,
    "production_shipment": 3320,
    "production_shipmentline": 8048,
}


def generate(config: Config = TINY):
    gen = Generator(config)
    tables: dict[str, list[dict]] = {t: [] for t in TABLES}
    for batch in gen.batches():
        for table, rows in batch.items():
            cols = COLUMNS[table]
            tables[table].extend(dict(zip(cols, row, strict=True)) for row in rows)
    return gen, tables


@pytest.fixture(scope="module")
def world():
    return generate()


def test_exact_counts_and_deterministic(world):
    gen, tables = world
    assert {t: len(rows) for t, rows in tables.items()} == EXPECTED
    assert gen.facts.counts == EXPECTED
    again, tables2 = generate()
    assert tables2 == tables
    assert again.facts.wcb_lot_id == gen.facts.wcb_lot_id


def test_every_transformation_keeps_the_domain_rules(world):
    _, t = world
    lots = {r["id"]: r for r in t["production_lot"]}
    segments = {r["id"]: r for r in t["production_segment"]}
    chains = {r["id"]: r for r in t["production_processchain"]}
    feeds = defaultdict(set)  # target segment id -> source codes
    for f in t["production_segmentfeed"]:
        feeds[f["target_id"]].add(segments[f["source_id"]]["code"])
    received_at = defaultdict(dict)  # lot -> {site: first day received}
    shipments = {s["id"]: s for s in t["production_shipment"]}
    for line in t["production_shipmentline"]:
        s = shipments[line["shipment_id"]]
        if s["to_site_id"] and s["received_at"]:
            day = s["received_at"][:10]
            prev = received_at[line["lot_id"]].get(s["to_site_id"])
            received_at[line["lot_id"]][s["to_site_id"]] = min(day, prev) if prev else day
    inputs = defaultdict(list)
    for i in t["production_transformationinput"]:
        inputs[i["transformation_id"]].append(i)
    outputs = defaultdict(list)
    for lot in lots.values():
        if lot["produced_by_id"]:
            outputs[lot["produced_by_id"]].append(lot)
    edges = Counter((e["parent_lot_id"], e["child_lot_id"], e["transformation_id"]) for e in t["production_lotedge"])
    consumed = Counter()
    blend_sizes = Counter()
    for tx in t["production_transformation"]:
        seg = segments[tx["segment_id"]]
        chain = chains[seg["chain_id"]]
        assert chain["product_id"] == tx["product_id"]
        assert chain["effective_from"] <= tx["performed_on"]
        assert chain["effective_until"] is None or tx["performed_on"] <= chain["effective_until"]
        assert tx["site_id"] == seg["site_id"]
        outs = outputs[tx["id"]]
        assert outs and all(o["segment_id"] == seg["id"] and o["manufactured_on"] == tx["performed_on"] for o in outs)
        ins = inputs[tx["id"]]
        assert ins, "a segment fed by others is never made without inputs"
        assert len({i["lot_id"] for i in ins}) == len(ins)
        for i in ins:
            lot = lots[i["lot_id"]]
            assert lot["product_id"] == tx["product_id"]
            assert lot["material"] in feeds[seg["id"]], "the input comes from a segment that feeds this one"
            assert lot["manufactured_on"] <= tx["performed_on"] < lot["expires_on"]
            at_site = (
                lot["site_id"] == tx["site_id"]
                or received_at[lot["id"]].get(tx["site_id"], "9999") <= tx["performed_on"]
            )
            assert at_site, "the input lot is at the site (made there or received there before)"
            consumed[lot["id"]] += Decimal(i["quantity"])
            for o in outs:
                assert edges[(lot["id"], o["id"], tx["id"])] == 1
        if tx["kind"] == "blend":
            assert len(outs) == 1
            ds = [
                i
                for i in ins
                if segments[lots[i["lot_id"]]["segment_id"]]["stage"] in ("drug_substance", "component_ds")
            ]
            assert 3 <= len(ds) <= 13
            blend_sizes[len(ds)] += 1
    assert sum(len(inputs[tx]) * len(outputs[tx]) for tx in outputs) == len(t["production_lotedge"])
    for lot_id, used in consumed.items():
        assert used <= Decimal(lots[lot_id]["quantity"]), "never consumed beyond the lot's quantity"
    assert min(blend_sizes) == 3 and max(blend_sizes) == 13


def test_lots_shipments_and_shape(world):
    gen, t = world
    lots = {r["id"]: r for r in t["production_lot"]}
    numbers = Counter((r["product_id"], r["material"], r["site_id"], r["lot_number"]) for r in lots.values())
    assert max(numbers.values()) == 1
    assert all(len(r["lot_number"]) <= 20 and r["manufactured_on"] < r["expires_on"] for r in lots.values())
    assert {r["status"] for r in lots.values()} == {"quarantine"}
    shipments = {s["id"]: s for s in t["production_shipment"]}
    assert all((s["to_site_id"] is None) != (s["consignee_id"] is None) for s in shipments.values())
    assert len({(x["shipment_id"], x["lot_id"]) for x in t["production_shipmentline"]}) == len(
        t["production_shipmentline"]
    )
    shipped = Counter()
    for line in t["production_shipmentline"]:
        shipped[line["lot_id"]] += Decimal(line["quantity"])
        assert Decimal(line["quantity"]) > 0
    assert all(q <= Decimal(lots[lot]["quantity"]) for lot, q in shipped.items())
    consignees = {s["consignee_id"] for s in shipments.values() if s["consignee_id"]}
    assert len(consignees) == EXPECTED["production_consignee"]
    # the blockbuster's working-cell-bank lot feeds every one of its DS lots (11,000 at scale 1)
    wcb = gen.facts.wcb_lot_id
    assert lots[wcb]["material"] == "WCB" and lots[wcb]["lot_number"] == gen.facts.wcb_lot_number
    assert sum(1 for e in t["production_lotedge"] if e["parent_lot_id"] == wcb) == gen.facts.wcb_ds_lots == 33
    # hot raw-material lots: one lot consumed by many transformations
    uses = Counter(
        i["lot_id"] for i in t["production_transformationinput"] if lots[i["lot_id"]]["material"].startswith("RM-")
    )
    assert max(uses.values()) >= 150
    # chains cross provincial borders; a second chain version exists
    assert any(c["version"] == 2 for c in t["production_processchain"])


@pytest.mark.django_db
def test_load_into_the_database_and_trace(world):
    """The loader writes the same rows (through the engine in use), re-installs the triggers, and the real
    selectors trace the loaded genealogy."""
    from django.db import connection
    from national.load import bulk_load, counts

    from bioseg.audit import triggers
    from bioseg.production import selectors
    from bioseg.production.models import Lot, LotEdge
    from bioseg.registry.scope import Scope

    gen, t = world
    before = counts(connection)
    manifest = bulk_load(TINY, tune=False, log=lambda *_: None)
    after = counts(connection)
    assert {k: after[k] - before[k] for k in after} == EXPECTED
    assert manifest["generated"] == EXPECTED
    # the audit triggers are back: an update without a reason is refused
    from django.db import DatabaseError, transaction

    wcb = manifest["wcb_lot_id"]
    with pytest.raises(DatabaseError), transaction.atomic():
        Lot.objects.filter(pk=wcb).update(status="on_hold")
    assert triggers.regulated_tables()

    # forward trace of the WCB lot: every descendant the generated edges imply
    children = defaultdict(set)
    for e in t["production_lotedge"]:
        children[e["parent_lot_id"]].add(e["child_lot_id"])
    offset = wcb - gen.facts.wcb_lot_id
    seen, todo = set(), [gen.facts.wcb_lot_id]
    while todo:
        for c in children[todo.pop()] - seen:
            seen.add(c)
            todo.append(c)
    scope = Scope(kind="national")
    result = selectors.lot_trace(scope=scope, pk=wcb, direction="forward")
    assert len(result.lots) == len(seen) + 1
    assert {lot.id - offset for lot in result.lots} == seen | {gen.facts.wcb_lot_id}
    assert result.shipments and result.consignees
    # backward trace of a drug-product lot: its 3–13 drug-substance lots and the WCB lot
    dp = Lot.objects.filter(material="DP", product_id=Lot.objects.get(pk=wcb).product_id).order_by("id").first()
    back = selectors.lot_trace(scope=scope, pk=dp.pk, direction="backward")
    ds = [lot for lot in back.lots if lot.material == "DS"]
    assert 3 <= len(ds) <= 13 and wcb in {lot.id for lot in back.lots}
    assert LotEdge.objects.filter(child_lot_id=dp.pk).count() == len(ds) + 1  # + the excipient lot
