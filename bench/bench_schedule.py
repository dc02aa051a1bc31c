"""Inspection-scheduler benchmark (issue 11): generated problems of three sizes through ``bioseg.scheduling.solve``.

    source .venv/bin/activate
    python bench/bench_schedule.py                          # every size, the issue's time limits, 2 workers
    python bench/bench_schedule.py --size large --seed 1
    python bench/bench_schedule.py --size large --reference 900   # also a long solve: the best known value

Targets (2 cores): pilot-only (≈50 jobs / 20 inspectors) proven optimal in < 5 s; province (≈200 / 60) and the
tight province (≈200 / 20) within 1 % of the best bound (or optimal) in 60 s; large province (≈800 / 120) with
every mandatory job and a value within 5 % of the best known in 120 s. The best known value is at most the best
bound, so "gap to bound" ≤ 5 % already meets the last target; ``--reference S`` measures the best known value
with a solve of S seconds and prints the gap to it too.

Each plan is checked by bioseg's validator and, when the shared folder is there (``<repo>/../shared/oversight``
or ``BIOSEG_SHARED_DIR``), by ``check.py``. Problems and results go to ``BIOSEG_BENCH_DIR`` (default
``~/.bioseg-bench``)/``schedule``; the figures are printed with the command that reproduces each.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))

from gen_schedule import SIZES, generate  # noqa: E402

from bioseg.scheduling import gap, parse_problem, solve, validate_plan  # noqa: E402

LIMITS = {"pilot": 5.0, "province": 60.0, "tight": 60.0, "large": 120.0}
TARGETS = {
    "pilot": "proven optimal in < 5 s",
    "province": "gap ≤ 1 % in 60 s",
    "tight": "gap ≤ 1 % in 60 s",
    "large": "every mandatory job, ≤ 5 % from the best known in 120 s",
}


def bench_dir() -> Path:
    path = Path(os.environ.get("BIOSEG_BENCH_DIR", Path.home() / ".bioseg-bench")) / "schedule"
    path.mkdir(parents=True, exist_ok=True)
    return path


def shared_checker() -> Path | None:
    base = Path(os.environ["BIOSEG_SHARED_DIR"]) if os.environ.get("BIOSEG_SHARED_DIR") else ROOT.parent / "shared"
    check = base / "oversight" / "check.py"
    return check if check.is_file() else None


def run_one(size: str, seed: int, time_limit: float, workers: int, reference: float | None) -> dict:
    data = generate(size, seed)
    out = bench_dir()
    problem_path = out / f"{size}-{seed}.json"
    problem_path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    t0 = time.perf_counter()
    problem = parse_problem(data)
    plan = solve(problem, time_limit=time_limit, workers=workers, explain=True)
    seconds = time.perf_counter() - t0
    plan_path = out / f"{size}-{seed}-plan.json"
    plan_path.write_text(json.dumps(plan.as_dict(), ensure_ascii=False), encoding="utf-8")
    mandatory = [j.id for j in problem.jobs if j.mandatory]
    done = {a.job for a in plan.assignments}
    row = {
        "size": size,
        "seed": seed,
        "jobs": len(problem.jobs),
        "inspectors": len(problem.inspectors),
        "mandatory": f"{sum(1 for m in mandatory if m in done)}/{len(mandatory)}",
        "status": plan.status,
        "value": plan.value,
        "bound": plan.bound,
        "gap_pct": round(100 * gap(plan), 3),
        "value_seconds": plan.stats.get("value_seconds"),
        "seconds": round(seconds, 2),
        "time_limit": time_limit,
        "workers": workers,
        "validator_violations": len(validate_plan(problem, plan)),
        "target": TARGETS[size],
        "command": f"python bench/bench_schedule.py --size {size} --seed {seed} --time-limit {time_limit:g} --workers {workers}",
    }
    check = shared_checker()
    if check is not None:
        res = subprocess.run(
            [sys.executable, str(check), str(problem_path), str(plan_path)],
            cwd=check.parent,
            capture_output=True,
            text=True,
            check=False,
        )
        row["check_py"] = res.stdout.strip().splitlines()[-1] if res.stdout.strip() else res.stderr.strip()[-200:]
        row["check_py_ok"] = res.returncode == 0
    if reference:
        ref = solve(problem, time_limit=reference, workers=workers, explain=False)
        best = max(float(ref.value), float(plan.value))
        row["best_known"] = best
        row["reference_bound"] = ref.bound
        row["gap_to_best_known_pct"] = round(100 * (best - float(plan.value)) / best, 3) if best else 0.0
    return row


def main() -> None:
    ap = argparse.ArgumentParser(description="Inspection-scheduler benchmark (issue 11).")
    ap.add_argument("--size", choices=[*sorted(SIZES), "all"], default="all")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--time-limit", type=float, default=None, help="default: the issue's limit for the size")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--reference", type=float, default=None, help="seconds of a long solve giving the best known value")
    args = ap.parse_args()
    sizes = ["pilot", "province", "tight", "large"] if args.size == "all" else [args.size]
    rows = []
    for size in sizes:
        row = run_one(size, args.seed, args.time_limit or LIMITS[size], args.workers, args.reference)
        rows.append(row)
        print(
            f"{size:9} {row['jobs']:4} jobs {row['inspectors']:4} insp  {row['status']:8} value {row['value']:>8} "
            f"bound {row['bound']:>8} gap {row['gap_pct']:6.3f} %  value phase {row['value_seconds'] or 0:6.2f} s  "
            f"total {row['seconds']:6.2f} s  mandatory {row['mandatory']}  validator {row['validator_violations']}  "
            f"check.py {row.get('check_py', 'n/a')}"
            + (f"  best known {row['best_known']} ({row['gap_to_best_known_pct']} %)" if "best_known" in row else ""),
            flush=True,
        )
        print(f"          target: {row['target']}   reproduce: {row['command']}", flush=True)
    (bench_dir() / "results.json").write_text(json.dumps(rows, ensure_ascii=False, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
