"""Benchmark: assessments per second with full explanations, and the batch function on generated cases.

Figures, not pass/fail (house rule 7). Reproduce, pinned to one core:

    source .venv/bin/activate
    taskset -c 0 python bench/bench_assess.py                      # throughput + 100,000-case batch (CSV)
    taskset -c 0 python bench/bench_assess.py --batch 100000 --xlsx
    python bench/bench_assess.py --throughput 50000 --batch 0      # throughput only

The generator is seeded, so every run assesses the same cases.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import random
import shutil
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bioseg.regulation import assess, batch_assess, determination_to_dict, parse_case  # noqa: E402
from bioseg.rulebook import render_json, render_text  # noqa: E402

CATEGORIES = [
    "antibody",
    "adc",
    "glp1",
    "insulin",
    "vaccine_combination",
    "vaccine_multivalent",
    "vaccine",
    "blood_product",
    "cell_gene_therapy",
    "other_biologic",
    "chemical_drug",
]
ORIGINS = ["originally_developed", "originally_developed", "originally_developed", "licensed_in", "co_developed"]
PROVINCES = ["110000", "120000", "310115", "320500", "330100", "340100", "440300", "510100", "420100", "370200"]
ABROAD = ["DE", "CH", "US", "IE", "SG"]


def _maybe(rng: random.Random, value, unknown: float = 0.05):
    """Mostly the value, sometimes unknown (None) — so every path of the rules is exercised."""
    return None if rng.random() < unknown else value


def generate_case(rng: random.Random, i: int) -> dict:
    holder_name = f"Holder {i} Biologics Co., Ltd."
    n_cmos = rng.choice([1, 1, 1, 2, 3])
    cmos = [f"CMO {i}-{k} Ltd" for k in range(n_cmos)]
    holder_region = rng.choice(PROVINCES)
    segments = [
        {
            "stage": "drug_substance",
            "enterprise": holder_name if rng.random() < 0.6 else cmos[0],
            "region": holder_region,
            "electronic_records": _maybe(rng, rng.random() < 0.95),
        }
    ]
    for cmo in cmos:
        region = rng.choice(ABROAD) if rng.random() < 0.05 else rng.choice(PROVINCES)
        segments.append(
            {
                "stage": rng.choice(["drug_product", "conjugation", "fill_finish", "intermediate"]),
                "enterprise": cmo,
                "region": _maybe(rng, region, 0.02),
                "electronic_records": _maybe(rng, rng.random() < 0.95),
            }
        )
    provinces = sorted({s["region"][:2] + "0000" for s in segments if s["region"] and s["region"].isdigit()})
    start = date(2010, 1, 1) + timedelta(days=rng.randrange(0, 365 * 13))
    personnel = []
    for cmo in cmos:
        for p in range(rng.choice([1, 2, 2, 3])):
            personnel.append({"name": f"P{p}", "qualified": _maybe(rng, rng.random() < 0.9), "stationed_at": cmo})
    as_of = date(2024, 10, 21) + timedelta(days=rng.randrange(0, 620))
    submitted = as_of - timedelta(days=rng.randrange(0, 200))
    case = {
        "name": f"generated case {i}",
        "as_of": as_of.isoformat(),
        "application": {"submitted_on": max(submitted, date(2024, 10, 21)).isoformat()} if rng.random() < 0.7 else None,
        "holder": {
            "name": holder_name,
            "domestic": _maybe(rng, rng.random() < 0.9),
            "import_drug_holder": _maybe(rng, rng.random() < 0.1),
            "region": holder_region,
            "capabilities": {
                k: _maybe(rng, rng.random() < 0.95)
                for k in ("independent_rd", "quality_management", "risk_control", "liability_compensation")
            },
            "segmentation_need": _maybe(rng, True),
            "vaccine_capacity_exceeded": _maybe(rng, rng.random() < 0.8),
        },
        "product": {
            "name": f"P-{i}",
            "category": _maybe(rng, rng.choice(CATEGORIES), 0.02),
            "innovative": _maybe(rng, rng.random() < 0.7),
            "urgent_clinical_need": _maybe(rng, rng.random() < 0.3),
            "nmpa_specified": _maybe(rng, rng.random() < 0.1),
            "origin": _maybe(rng, rng.choice(ORIGINS)),
            "special_process_or_facility_need": _maybe(rng, rng.random() < 0.6),
        },
        "segments": segments,
        "contract_manufacturers": [
            {
                "name": cmo,
                "commercial_biologics_production_since": _maybe(rng, (start + timedelta(days=400 * k)).isoformat()),
                "qa_system_complete": _maybe(rng, rng.random() < 0.95),
                "unified_quality_system": _maybe(rng, rng.random() < 0.95),
                "redelegates": _maybe(rng, rng.random() < 0.02),
            }
            for k, cmo in enumerate(cmos)
        ],
        "stationed_personnel": personnel,
        "joint_regulatory_plan": {"agreed_by": provinces if rng.random() < 0.8 else provinces[:1]},
        "nmpa_consent": _maybe(rng, rng.random() < 0.5),
        "pilot_approval": {"approved": rng.random() < 0.2},
    }
    return case


def generate(n: int, seed: int = 20241021) -> list[dict]:
    rng = random.Random(seed)
    return [generate_case(rng, i) for i in range(n)]


def _timed(label: str, n: int, fn) -> None:
    wall0, cpu0 = time.perf_counter(), time.process_time()
    fn()
    wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
    print(f"  {label:<38} {n / cpu:>8,.0f} cases/s CPU ({cpu * 1e6 / n:4.0f} µs)   {n / wall:>8,.0f} cases/s wall")


def throughput(n: int) -> None:
    raw = generate(n)
    parsed = [parse_case(c) for c in raw]
    for case in parsed[:200]:  # warm-up
        determination_to_dict(assess(case, ruleset="pilot2024"))
    # The input corpus is static: move it out of the cyclic GC's way, as a long-running worker would.
    gc.collect()
    gc.freeze()
    outcomes: dict[str, int] = {}

    def full() -> None:
        for case in parsed:
            data = determination_to_dict(
                assess(case, ruleset="pilot2024")
            )  # the full explanation tree, citations and facts
            outcomes[data["outcome"]] = outcomes.get(data["outcome"], 0) + 1

    print(f"throughput on {n:,} generated cases (pilot2024, full explanations, one process):")
    _timed("assess + explanation dict", n, full)

    def each(inputs, render) -> None:
        for case in inputs:
            render(assess(case, ruleset="pilot2024"))

    _timed("parse dict + assess + explanation dict", n, lambda: each(raw, determination_to_dict))
    _timed("assess + compact JSON text", n, lambda: each(parsed, lambda d: render_json(d, indent=None)))
    _timed("assess + indented JSON text", n, lambda: each(parsed, render_json))
    _timed("assess + Chinese text", n, lambda: each(parsed, lambda d: render_text(d, lang="zh")))
    print(f"  outcome mix: {dict(sorted(outcomes.items()))}")
    gc.unfreeze()


def batch(n: int, xlsx: bool, keep: Path | None) -> None:
    folder = keep or Path(tempfile.mkdtemp(prefix="bioseg-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    rng = random.Random(20261231)
    for i in range(n):
        (folder / f"case-{i:06d}.json").write_text(json.dumps(generate_case(rng, i)), encoding="utf-8")
    t_gen = time.perf_counter() - t0
    print(f"batch: generated {n:,} JSON case files in {t_gen:.1f}s under {folder}")
    out = folder.parent / (folder.name + ("-summary.xlsx" if xlsx else "-summary.csv"))
    step = max(1, n // 10)

    def progress(done: int, total: int) -> None:
        if done % step == 0 or done == total:
            print(f"  {done:>8,}/{total:,}  {time.perf_counter() - t1:6.1f}s", flush=True)

    t1 = time.perf_counter()
    result = batch_assess(folder, out, progress=progress)
    t_batch = time.perf_counter() - t1
    print(
        f"  batch_assess → {out.name}: {result.total:,} cases in {t_batch:.1f}s = {result.total / t_batch:,.0f} cases/s"
        f" (read + parse + assess + write), {out.stat().st_size / 1e6:.1f} MB"
    )
    print(f"  outcomes: {result.counts}")
    if keep is None:
        shutil.rmtree(folder)
        out.unlink()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--throughput", type=int, default=20_000, help="cases for the throughput run (0 = skip)")
    parser.add_argument("--batch", type=int, default=100_000, help="generated case files for the batch (0 = skip)")
    parser.add_argument("--xlsx", action="store_true", help="write the batch summary as .xlsx instead of .csv")
    parser.add_argument("--keep", type=Path, help="generate the batch into this directory and keep it")
    args = parser.parse_args()
    affinity = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else "?"
    print(f"python {platform.python_version()} on {platform.machine()}, {affinity} CPU(s) allowed; one process")
    if args.throughput:
        throughput(args.throughput)
    if args.batch:
        batch(args.batch, args.xlsx, args.keep)
    print("reproduce: taskset -c 0 python bench/bench_assess.py [--throughput N] [--batch N] [--xlsx]")


if __name__ == "__main__":
    main()
