"""Benchmark: EPCIS 2.0 export of a genealogy and capture (validate + hash) of a 10,000-event document.

Figures, not pass/fail (house rule 7). The storing side (Django, PostgreSQL) is not measured here: this is
the pure part of "EPCIS capture ≥ 2,000 events/s" and "export of a 10,000-event genealogy < 10 s".

    source .venv/bin/activate
    python bench/bench_epcis.py                    # 10,000 events, 3 repeats
    taskset -c 0 python bench/bench_epcis.py --events 20000 --repeat 5

The genealogy is seeded: a working-cell-bank lot, drug-substance lots made from it, blends of 3–13
drug-substance lots into drug-product lots, QA and QP releases, shipments with 24 temperature readings
each (shipping + receiving events), holds and a recall. Capture is measured end to end from JSON text:
parse, schema validation (official GS1 schema, URI/date-time formats checked), identifier check digits,
CBV 2.0 hash IDs, duplicate detection and normalisation into dataclasses.
"""

from __future__ import annotations

import argparse
import gc
import platform
import random
import statistics
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bioseg.epcis import (  # noqa: E402
    Location,
    LotQuantity,
    LotRef,
    ShipmentRecord,
    StatusChange,
    TemperatureReading,
    TransformationRecord,
    build_document,
    capture_document,
    dumps,
    gs1_check_digit,
)

CN = timezone(timedelta(hours=8))


def _key(body: str) -> str:
    return body + gs1_check_digit(body)


def genealogy(events: int, seed: int = 4) -> dict[str, list]:
    """Records that export to about ``events`` events."""
    rng = random.Random(seed)
    sites = [Location(gln=_key(f"6901234{i:05d}"), party_gln=_key(f"6901235{i:05d}")) for i in range(12)]
    start = datetime(2024, 1, 1, 8, tzinfo=CN)
    ds_gtin, dp_gtin, wcb_gtin = _key("0690123400100"), _key("0690123400200"), _key("0690123400300")
    wcb = LotRef(gtin=wcb_gtin, lot="WCB-0001")
    transformations = [
        TransformationRecord(
            kind="manufacture", event_time=start, location=sites[0], inputs=(), outputs=(LotQuantity(wcb, 200, "H87"),)
        )
    ]
    status: list[StatusChange] = []
    shipments: list[ShipmentRecord] = []
    drug_substances: list[LotRef] = []
    clock = start
    count = 1
    n = 0
    while count < events:
        n += 1
        clock += timedelta(minutes=7)
        roll = rng.random()
        if roll < 0.35 or len(drug_substances) < 13:
            lot = LotRef(gtin=ds_gtin, lot=f"DS{n:07d}")
            transformations.append(
                TransformationRecord(
                    kind="manufacture", event_time=clock, location=sites[n % 4],
                    inputs=(LotQuantity(wcb, 1, "H87"),), outputs=(LotQuantity(lot, 25.0, "KGM"),), record_id=str(n),
                )
            )  # fmt: skip
            drug_substances.append(lot)
            status.append(
                StatusChange(
                    lot=lot, status="qa_released", event_time=clock + timedelta(days=20), location=sites[n % 4]
                )
            )
            count += 2
        elif roll < 0.60:
            parts = rng.sample(drug_substances[-200:], rng.randint(3, 13))
            lot = LotRef(gtin=dp_gtin, lot=f"DP{n:07d}")
            transformations.append(
                TransformationRecord(
                    kind="blending", event_time=clock, location=sites[4 + n % 4],
                    inputs=tuple(LotQuantity(p, round(rng.uniform(1, 5), 2), "KGM") for p in parts),
                    outputs=(LotQuantity(lot, 10_000, "H87"),),
                )
            )  # fmt: skip
            status.append(
                StatusChange(
                    lot=lot, status="released", event_time=clock + timedelta(days=30), location=sites[4 + n % 4]
                )
            )
            count += 2
        elif roll < 0.97:
            lot = rng.choice(drug_substances[-200:])
            origin, destination = rng.sample(sites, 2)
            readings = tuple(
                TemperatureReading(clock + timedelta(minutes=15 * i), round(rng.gauss(5, 1.2), 1)) for i in range(24)
            )
            shipments.append(
                ShipmentRecord(
                    shipment_id=f"SH{n:07d}", origin=origin, destination=destination,
                    lines=(LotQuantity(lot, 5.0, "KGM"),), shipped_at=clock, received_at=clock + timedelta(hours=7),
                    sscc=_key(f"0690123{n:010d}"), readings=readings, storage_range=(2, 8), logger_id=f"LOGGER-{n % 97}",
                )
            )  # fmt: skip
            count += 2
        else:
            lot = rng.choice(drug_substances)
            status.append(
                StatusChange(
                    lot=lot,
                    status=rng.choice(["on_hold", "recalled"]),
                    event_time=clock,
                    location=sites[0],
                    reason="excursion under assessment",
                )
            )
            count += 1
    return {"transformations": transformations, "shipments": shipments, "status_changes": status}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    records = genealogy(args.events)
    created = datetime(2025, 1, 1, tzinfo=CN)
    print(f"python {platform.python_version()} on {platform.machine()}, {args.repeat} repeats")

    export_times = []
    for _ in range(args.repeat):
        gc.collect()
        t = time.perf_counter()
        document = build_document(**records, creation_date=created)
        text = dumps(document)
        export_times.append(time.perf_counter() - t)
    n_events = len(document["epcisBody"]["eventList"])
    print(
        f"export  {n_events} events ({len(text) / 1e6:.1f} MB JSON, incl. hash IDs): "
        f"median {statistics.median(export_times):.2f} s, max {max(export_times):.2f} s  (target < 10 s)"
    )

    capture_times = []
    for _ in range(args.repeat):
        gc.collect()
        t = time.perf_counter()
        result = capture_document(text)
        capture_times.append(time.perf_counter() - t)
    assert len(result.events) == n_events
    best, median = min(capture_times), statistics.median(capture_times)
    print(
        f"capture {n_events} events (parse + schema + identifiers + hash + normalise): "
        f"median {median:.2f} s = {n_events / median:,.0f} events/s, best {n_events / best:,.0f} events/s  "
        "(target ≥ 2,000 events/s end to end incl. storing)"
    )


if __name__ == "__main__":
    main()
