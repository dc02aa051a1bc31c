"""Benchmark: trace and EPCIS export on the national-scale store (issue 4, Performance).

Figures, not pass/fail (house rule 7). Build the store first (once; see ``bench/README.md``):

    source .venv/bin/activate
    python bench/gen_national.py --engine both                 # SQLite file + PostgreSQL bioseg_bench
    python bench/bench_trace.py --engine sqlite
    python bench/bench_trace.py --engine postgresql
    python bench/bench_trace.py --engine postgresql --n 50 --wcb-runs 3   # quicker

Everything goes through the real selectors with a national scope (``Scope(kind="national")``, what an
NMPA user gets): ``lot_trace`` and ``site_trace``. Samples are seeded (``--seed``), so every run traces
the same lots. Before the timed runs a few untimed traces warm the caches; times are wall-clock
(``time.perf_counter``) in this process, database on the same machine.

Measurements (p50 / p95 / max):
1. backward trace (with shipments) from N random drug-product lots (DP and vaccine formulation lots);
2. forward trace with shipments and consignees from N random drug-substance lots (DS and component DS);
3. forward trace from the working-cell-bank lot of the blockbuster (≥ 75,000 descendant lots), with and
   without shipments (beyond the expand limit: shipments summarised per destination in the database), and
   its shipment lines read on demand (a page of 100 at offset 0 and 300,000; per-shipment summaries);
4. forward trace from a site and a 7-day window (random sites that make drug substance);
5. EPCIS 2.0 export of a ~10,000-event genealogy: the forward trace of a hot raw-material lot turned into
   ``bioseg.epcis`` records (TransformationRecord, ShipmentRecord…), then ``build_document``
   (with CBV 2.0 event hash IDs) and ``dumps``; and ``epcis_export_lot`` when
   ``bioseg/production/epcis/export.py`` exists.
Targets (2-core machine): backward p95 < 50 ms; forward of an ordinary lot p95 < 100 ms; WCB lot < 1 s;
export of a 10,000-event genealogy < 10 s.
"""

from __future__ import annotations

import argparse
import gc
import importlib
import inspect
import json
import os
import platform
import random
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))

from gen_national import PG_NAME, engine_env  # noqa: E402

CN = timezone(timedelta(hours=8))
UOM = {
    "kg": "KGM",
    "g": "GRM",
    "mg": "MGM",
    "L": "LTR",
    "mL": "MLT",
    "vial": "H87",
    "syringe": "H87",
    "dose": "H87",
    "pack": "H87",
    "unit": "H87",
}
KIND = {"manufacture": "manufacture", "blend": "blending", "fill": "fill", "rework": "rework"}
TARGETS = {
    "backward trace, drug-product lot": 50,
    "forward trace + shipments, drug-substance lot": 100,
    "forward trace, WCB lot (lots only)": 1000,
    "forward trace, WCB lot + shipments": 1000,
    "EPCIS export, ~10,000-event genealogy (trace + records + document + JSON)": 10_000,
    "epcis_export_lot (service), same lot": 10_000,
}


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    k = (len(ordered) - 1) * p / 100
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def timed(fn, *args, **kwargs):
    gc.collect()
    t = time.perf_counter()
    out = fn(*args, **kwargs)
    return (time.perf_counter() - t) * 1000, out


# --- EPCIS records from a trace ----------------------------------------------------------------------------


def _key(body: str) -> str:
    from bioseg.epcis import gs1_check_digit

    return body + gs1_check_digit(body)


def gs1_keys() -> tuple[dict, dict, dict]:
    """The GS1 keys stored for the EPCIS service (``Gs1TradeItem`` / ``Gs1Location``), if that model exists."""
    from django.apps import apps

    try:
        items, places = apps.get_model("production", "Gs1TradeItem"), apps.get_model("production", "Gs1Location")
    except LookupError:
        return {}, {}, {}
    gtins = {(p, m): g for p, m, g in items.objects.values_list("product_id", "material", "gtin")}
    sites, consignees = {}, {}
    for site_id, consignee_id, gln in places.objects.values_list("site_id", "consignee_id", "gln"):
        if site_id:
            sites[site_id] = gln
        else:
            consignees[consignee_id] = gln
    return gtins, sites, consignees


def epcis_records(result, keys, cap_events: int | None = None):
    """TransformationRecords and ShipmentRecords for a trace, with the stored GS1 keys (``keys``, from
    ``gs1_keys``; keys derived from the ids where none is stored), in time order, up to ``cap_events``."""
    from bioseg.epcis import Location, LotQuantity, LotRef, ShipmentRecord, TransformationRecord

    stored_gtins, stored_sites, stored_consignees = keys
    lots = {lot.id: lot for lot in result.lots}
    materials = sorted({(lot.product_id, lot.material) for lot in lots.values()})
    gtins = {m: stored_gtins.get(m) or _key(f"0690{m[0]:06d}{i % 1000:03d}") for i, m in enumerate(materials)}
    refs = {pk: LotRef(gtin=gtins[(lot.product_id, lot.material)], lot=lot.lot_number) for pk, lot in lots.items()}
    sites = {
        s.id: Location(
            gln=stored_sites.get(s.id) or _key(f"691{s.id:09d}"), party_gln=_key(f"692{s.enterprise_id:09d}")
        )
        for s in result.sites
    }
    consignees = {c.id: Location(gln=stored_consignees.get(c.id) or _key(f"693{c.id:09d}")) for c in result.consignees}

    def quantity(pk, qty):
        return LotQuantity(refs[pk], qty, UOM.get(lots[pk].unit))

    by_tx: dict[int, tuple[dict, dict]] = {}
    for e in result.edges:
        inputs, outputs = by_tx.setdefault(e.transformation_id, ({}, {}))
        inputs[e.parent_lot_id] = e.quantity
        outputs[e.child_lot_id] = lots[e.child_lot_id].quantity
    timed_records = []
    for t in result.transformations:
        inputs, outputs = by_tx.get(t.id, ({}, {}))
        outputs = {pk: q for pk, q in outputs.items() if pk in lots}
        if not outputs:
            continue
        when = datetime(t.performed_on.year, t.performed_on.month, t.performed_on.day, 8, tzinfo=CN)
        expiry = min(lots[pk].expires_on for pk in outputs)
        rec = TransformationRecord(
            kind=KIND[t.kind],
            event_time=when,
            location=sites[t.site_id],
            inputs=tuple(quantity(pk, q) for pk, q in sorted(inputs.items()) if pk in lots),
            outputs=tuple(quantity(pk, q) for pk, q in sorted(outputs.items())),
            record_id=str(t.id),
            expiry_date=expiry,
        )
        timed_records.append((when, 1, rec))
    lines: dict[int, list] = {}
    for s in result.shipments:
        lines.setdefault(s.shipment_id, []).append(s)
    for group in lines.values():
        s = group[0]
        dest = sites[s.to_site_id] if s.to_site_id else consignees[s.consignee_id]
        rec = ShipmentRecord(
            shipment_id=s.reference,
            origin=sites[s.from_site_id],
            destination=dest,
            lines=tuple(quantity(x.lot_id, x.quantity) for x in sorted(group, key=lambda x: x.lot_id)),
            shipped_at=s.shipped_at.astimezone(CN),
            received_at=s.received_at.astimezone(CN) if s.received_at else None,
        )
        timed_records.append((rec.shipped_at, 2 if rec.received_at else 1, rec))
    timed_records.sort(key=lambda r: r[0])
    transformations, shipments, events = [], [], 0
    for _, n, rec in timed_records:
        if cap_events is not None and events + n > cap_events:
            break
        events += n
        (transformations if n == 1 and isinstance(rec, TransformationRecord) else shipments).append(rec)
    return transformations, shipments, events


def event_count(result) -> int:
    shipments = {}
    for s in result.shipments:
        shipments[s.shipment_id] = s.received_at is not None
    return len(result.transformations) + sum(2 if r else 1 for r in shipments.values())


# --- the benchmark -------------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--engine", choices=("sqlite", "postgresql"), required=True)
    parser.add_argument("--pg-url", default=f"postgresql://postgres@127.0.0.1:5432/{PG_NAME}")
    parser.add_argument("--n", type=int, default=200, help="lots per random-lot measurement")
    parser.add_argument("--windows", type=int, default=30, help="site + 7-day windows")
    parser.add_argument("--wcb-runs", type=int, default=5)
    parser.add_argument("--export-runs", type=int, default=3)
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--skip-validate", action="store_true", help="do not validate the EPCIS document")
    args = parser.parse_args()

    os.environ.update(engine_env(args.engine, args.pg_url))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bioseg.settings")
    import django

    django.setup()
    from django.db import connection
    from national.load import counts, ensure_gs1_mappings, read_manifest

    from bioseg.epcis import build_document, dumps
    from bioseg.production import selectors
    from bioseg.production.models import Lot, LotEdge, Segment
    from bioseg.registry.scope import Scope

    ensure_gs1_mappings(connection)  # a store generated before the GS1 models existed gets its keys now
    keys = gs1_keys()
    scope = Scope(kind="national")
    rng = random.Random(args.seed)
    manifest = read_manifest(args.engine) or {}
    rows = counts(
        connection,
        (
            "production_lot",
            "production_lotedge",
            "production_shipment",
            "production_shipmentline",
            "production_consignee",
            "production_transformation",
        ),
    )
    print(
        f"engine {args.engine} ({connection.vendor}, {connection.settings_dict['NAME']}); python "
        f"{platform.python_version()}; {os.cpu_count()} CPUs"
    )
    print("rows: " + ", ".join(f"{k.split('_', 1)[1]} {v:,}" for k, v in rows.items()))
    if manifest:
        print(
            f"store generated in {manifest['seconds']} s (+ migrate {manifest.get('migrate_seconds')} s), "
            f"scale {manifest['scale']}, seed {manifest['seed']}; {manifest['audit']}"
        )

    def stage_ids(*stages):
        segs = Segment.objects.filter(stage__in=stages).values("id")
        return list(Lot.objects.filter(segment_id__in=segs).order_by("id").values_list("id", flat=True))

    dp_ids = stage_ids("drug_product", "formulation")
    ds_ids = stage_ids("drug_substance", "component_ds")
    wcb_id = (
        manifest.get("wcb_lot_id") or Lot.objects.filter(lot_number="P0001-W-0000001").values_list("id", flat=True)[0]
    )
    results: dict[str, dict] = {}

    def record(name, times, sizes=None):
        entry = {
            "n": len(times),
            "p50_ms": round(statistics.median(times), 1),
            "p95_ms": round(pct(times, 95), 1),
            "max_ms": round(max(times), 1),
        }
        if sizes:
            for key, values in sizes.items():
                entry[f"median_{key}"] = statistics.median(values)
                entry[f"max_{key}"] = max(values)
        results[name] = entry
        target = TARGETS.get(name)
        extra = "  ".join(f"{k}={v}" for k, v in entry.items() if k.startswith(("median_", "max_")) and k != "max_ms")
        print(
            f"  {name:<72} n={entry['n']:<4} p50 {entry['p50_ms']:>8.1f}  p95 {entry['p95_ms']:>8.1f}  "
            f"max {entry['max_ms']:>8.1f} ms" + (f"  (target {target} ms)" if target else "") + f"   {extra}"
        )

    def trace_series(name, ids, direction, include_shipments=True):
        times, sizes = [], {"lots": [], "shipment_lines": [], "consignees": []}
        for pk in ids:
            ms, res = timed(
                selectors.lot_trace, scope=scope, pk=pk, direction=direction, include_shipments=include_shipments
            )
            times.append(ms)
            sizes["lots"].append(len(res.lots))
            sizes["shipment_lines"].append(res.shipment_line_count)
            sizes["consignees"].append(len(res.consignees))
        record(name, times, sizes)

    # warm-up (untimed): a few traces of each kind
    for pk in rng.sample(dp_ids, 5):
        selectors.lot_trace(scope=scope, pk=pk, direction="backward")
    for pk in rng.sample(ds_ids, 5):
        selectors.lot_trace(scope=scope, pk=pk, direction="forward")

    print("\nmeasurements (wall clock, ms):")
    trace_series("backward trace, drug-product lot", rng.sample(dp_ids, args.n), "backward")
    trace_series("forward trace + shipments, drug-substance lot", rng.sample(ds_ids, args.n), "forward")

    # the working-cell-bank lot
    descendants = len(selectors.lot_descendant_ids(lot=Lot.objects.get(pk=wcb_id)))
    ds_fed = LotEdge.objects.filter(parent_lot_id=wcb_id).count()
    print(f"  WCB lot {wcb_id}: feeds {ds_fed:,} DS lots, {descendants:,} descendant lots")
    wcb = None
    for label, ship in (("lots only", False), ("+ shipments", True)):
        times, sizes = [], {"lots": [], "shipment_lines": [], "shipments": [], "destinations": [], "consignees": []}
        for _ in range(args.wcb_runs):
            ms, res = timed(selectors.lot_trace, scope=scope, pk=wcb_id, direction="forward", include_shipments=ship)
            times.append(ms)
            sizes["lots"].append(len(res.lots))
            sizes["shipment_lines"].append(res.shipment_line_count)
            sizes["shipments"].append(res.shipment_count)
            sizes["destinations"].append(len(res.destinations))
            sizes["consignees"].append(len(res.consignees))
            if ship:
                wcb = res
            del res
        record(f"forward trace, WCB lot ({label})" if not ship else "forward trace, WCB lot + shipments", times, sizes)
    # beyond the expand limit the shipment lines are read on demand: a page of 100 (first, deep) and the
    # per-shipment summaries
    print(f"  WCB trace expanded: {wcb.expanded}; shipment lines read on demand:")
    for name, call in (
        ("WCB shipment lines, page of 100 (offset 0)", lambda: wcb.shipment_lines(offset=0, limit=100)),
        ("WCB shipment lines, page of 100 (offset 300,000)", lambda: wcb.shipment_lines(offset=300_000, limit=100)),
        ("WCB per-shipment summaries, page of 100", lambda: wcb.shipment_summaries(offset=0, limit=100)),
    ):
        times = []
        for _ in range(args.wcb_runs):
            ms, page = timed(call)
            times.append(ms)
        record(name, times, {"rows": [len(page)]})
    wcb = None

    # site + 7-day window
    ds_sites = list(
        Segment.objects.filter(stage__in=("drug_substance", "component_ds"))
        .values_list("site_id", flat=True)
        .distinct()
        .order_by("site_id")
    )
    times, sizes = [], {"lots": [], "shipment_lines": []}
    for _ in range(args.windows):
        site = rng.choice(ds_sites)
        start = datetime(2021, 1, 1).date() + timedelta(days=rng.randrange(0, 1590))
        ms, res = timed(
            selectors.site_trace,
            scope=scope,
            site_pk=site,
            date_from=start,
            date_to=start + timedelta(days=6),
            direction="forward",
        )
        times.append(ms)
        sizes["lots"].append(len(res.lots))
        sizes["shipment_lines"].append(res.shipment_line_count)
    record("forward trace + shipments, DS site and 7-day window", times, sizes)

    # EPCIS export of a ~10,000-event genealogy: the forward trace of a hot raw-material lot
    print(f"\n  choosing a raw-material lot whose forward genealogy has >= {args.events:,} events:")
    raw_segs = Segment.objects.filter(stage="raw_material").values("id")
    with connection.cursor() as cur:
        cur.execute(
            "SELECT e.parent_lot_id, COUNT(*) FROM production_lotedge e JOIN production_lot l ON l.id = e.parent_lot_id "
            "WHERE l.segment_id IN (SELECT id FROM production_segment WHERE stage = 'raw_material') "
            "AND l.material IN ('RM-MEDIA', 'RM-BUFFER') GROUP BY e.parent_lot_id ORDER BY COUNT(*) DESC, e.parent_lot_id"
        )
        candidates = cur.fetchall()
    del raw_segs
    chosen = None
    # candidates by fan-out; try from the middle of the hot ones upwards until the genealogy is big enough
    hot = [c for c in candidates if 150 <= c[1] <= 2600]
    hot.sort(key=lambda c: (c[1], c[0]))
    lo, hi = 0, len(hot) - 1
    tried = 0
    while lo <= hi and tried < 14:
        mid = (lo + hi) // 2
        res = selectors.lot_trace(scope=scope, pk=hot[mid][0], direction="forward")
        events = event_count(res) if res.expanded else 0
        tried += 1
        print(
            f"    lot {hot[mid][0]} (consumed by {hot[mid][1]} transformations): {len(res.lots):,} lots, "
            f"{events:,} events{'' if res.expanded else ' (not expanded)'}"
        )
        if res.expanded and events >= args.events:
            chosen = (hot[mid][0], events)
            hi = mid - 1
        else:
            lo = mid + 1
    if chosen is None:
        print("    no raw-material lot with a big enough genealogy: EPCIS export skipped")
    else:
        root, events = chosen
        print(f"  EPCIS root: lot {root} ({events:,} events in its forward genealogy; capped at {args.events:,})")
        times, parts = [], {"trace": [], "records": [], "build_document": [], "dumps": []}
        doc_events = size = 0
        for _ in range(args.export_runs):
            gc.collect()
            t0 = time.perf_counter()
            res = selectors.lot_trace(scope=scope, pk=root, direction="forward")
            t1 = time.perf_counter()
            transformations, shipments, doc_events = epcis_records(res, keys, cap_events=args.events)
            t2 = time.perf_counter()
            doc = build_document(
                transformations=transformations, shipments=shipments, creation_date=datetime(2025, 7, 1, tzinfo=UTC)
            )
            t3 = time.perf_counter()
            text = dumps(doc)
            t4 = time.perf_counter()
            size = len(text.encode())
            times.append((t4 - t0) * 1000)
            for key, a, b in (("trace", t0, t1), ("records", t1, t2), ("build_document", t2, t3), ("dumps", t3, t4)):
                parts[key].append((b - a) * 1000)
        record("EPCIS export, ~10,000-event genealogy (trace + records + document + JSON)", times)
        results["EPCIS export, ~10,000-event genealogy (trace + records + document + JSON)"].update(
            events=len(doc["epcisBody"]["eventList"]),
            bytes=size,
            parts_p50_ms={k: round(statistics.median(v), 1) for k, v in parts.items()},
        )
        print(
            f"    {len(doc['epcisBody']['eventList']):,} events, {size / 1e6:.1f} MB JSON; p50 parts: "
            + ", ".join(f"{k} {statistics.median(v):.0f} ms" for k, v in parts.items())
        )
        if not args.skip_validate:
            from bioseg.epcis import schema_validator

            os.environ.setdefault(
                "BIOSEG_EPCIS_SCHEMA", str(ROOT.parent / "shared/vendor/gs1-epcis/EPCIS-JSON-Schema.json")
            )
            problems = list(schema_validator().iter_errors(json.loads(text)))
            print(
                f"    document valid against the GS1 EPCIS 2.0 JSON schema: {not problems}"
                + (f" ({len(problems)} problems, first: {problems[0].message[:200]})" if problems else "")
            )
            results["EPCIS export, ~10,000-event genealogy (trace + records + document + JSON)"][
                "schema_valid"
            ] = not problems
        # the service, when it exists
        try:
            service = importlib.import_module("bioseg.production.epcis.export")
        except ImportError:
            service = None
        fn = getattr(service, "epcis_export_lot", None) if service else None
        if fn is None:
            print("    bioseg.production.epcis.export.epcis_export_lot not found: not timed")
        else:
            params = inspect.signature(fn).parameters
            kwargs = {"scope": scope, "pk": root} if "pk" in params else {"scope": scope, "lot_id": root}
            if "direction" in params:
                kwargs["direction"] = "forward"
            try:
                times = []
                for _ in range(args.export_runs):
                    ms, out = timed(fn, **kwargs)
                    times.append(ms)
                record("epcis_export_lot (service), same lot", times)
                n_events = len(out["epcisBody"]["eventList"]) if isinstance(out, dict) else None
                results["epcis_export_lot (service), same lot"]["events"] = n_events
                print(
                    f"    epcis_export_lot{inspect.signature(fn)}: {n_events:,} events (the lot's whole genealogy, "
                    "both directions, every input and output of each transformation, releases and status changes)"
                )
            except Exception as exc:  # noqa: BLE001 - report, do not hide
                print(f"    epcis_export_lot{inspect.signature(fn)} failed: {type(exc).__name__}: {exc}")

    out = Path(os.environ["BIOSEG_DATA_DIR"]).parent / f"results-{args.engine}.json"
    out.write_text(
        json.dumps(
            {
                "engine": args.engine,
                "rows": rows,
                "wcb": {"lot_id": wcb_id, "ds_lots": ds_fed, "descendants": descendants},
                "results": results,
                "at": datetime.now(UTC).isoformat(timespec="seconds"),
            },
            indent=2,
        )
    )
    print(f"\nresults: {out}")
    print(
        "reproduce:\n  source .venv/bin/activate\n  python bench/gen_national.py --engine both --scale 1 --seed 4\n"
        f"  python bench/bench_trace.py --engine {args.engine} --n {args.n} --seed {args.seed}"
    )


if __name__ == "__main__":
    main()
