"""Benchmark: the change-request list with 200,000 changes (issue 9, Performance: "deviation, CAPA and change lists
with 200,000 records each answer a filtered, paginated page in < 150 ms, p95, server side, PostgreSQL").

Figures, not pass/fail (house rule 7). In a fresh database (a temporary SQLite file, or ``--database-url``), the
demo is loaded, then ``--n`` synthetic change requests (each with two affected segments, as the demo's PD-1 change
has) are bulk-inserted over the demo's products, sites and chains — with the audit triggers dropped for the load
and installed again after it (a bench store, not a GMP record). Then, for each user, the page the API serves for
``GET /api/v1/changes?status=assessing&route=filing&limit=50&offset=…`` is computed the way the endpoint does it
(the scoped selector, the filter, the count, one page of 50 serialised with the endpoint's schema), ``--runs``
times at random offsets within the first 20 pages, after a warm-up.

    python bench/bench_changes.py                                   # SQLite in a temporary directory
    python bench/bench_changes.py --database-url postgres://postgres@127.0.0.1:5432/bioseg_bench_changes
    python bench/bench_changes.py --n 20000 --runs 20               # quicker
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

USERS = ["suzhou-qa", "shcdmo-qa", "sh-reviewer", "nmpa"]
TARGET_MS = 150


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    k = (len(ordered) - 1) * p / 100
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def _fresh_postgres(url: str) -> None:
    import psycopg

    base, name = url.rsplit("/", 1)
    with psycopg.connect(base + "/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def build(n: int, seed: int) -> None:
    import datetime as dt

    from django.db import transaction

    from bioseg.accounts.models import User
    from bioseg.audit import triggers
    from bioseg.audit.context import audit_context
    from bioseg.production.models import ProcessChain
    from bioseg.quality.models import ChangeAffectedSegment, ChangeRequest

    rng = random.Random(seed)
    chains = [c for c in ProcessChain.objects.select_related("product__holder") if c.segments.count() >= 2]
    segments = {c.pk: list(c.segments.select_related("site").order_by("position")) for c in chains}
    requester = User.objects.get(username="suzhou-qa")
    statuses = ["assessing", "approved", "implemented", "rejected"]
    routes = ["prior_approval", "filing", "annual_report"]
    triggers.uninstall()
    try:
        done, batch = 0, 5000
        while done < n:
            rows, links = [], []
            for i in range(done, min(done + batch, n)):
                chain = rng.choice(chains)
                segs = segments[chain.pk]
                k = rng.randrange(len(segs) - 1)
                rows.append(
                    ChangeRequest(
                        reference=f"CHG-B-{i:07d}",
                        product=chain.product,
                        site=segs[k].site,
                        segment=segs[k],
                        chain=chain,
                        kind="process",
                        title=f"Synthetic change {i}",
                        description="bench",
                        justification="bench",
                        raised_on=dt.date(2026, 1, 1) + dt.timedelta(days=rng.randrange(330)),
                        route=rng.choice(routes),
                        gmp_impact=rng.choice(["major", "minor"]),
                        classification_reason="bench",
                        status=rng.choice(statuses),
                        approver_party="holder",
                        requested_by=requester,
                        region_codes=",".join(
                            sorted(
                                {
                                    segs[k].site.region_code,
                                    segs[k + 1].site.region_code,
                                    chain.product.holder.region_code,
                                }
                                - {""}
                            )
                        ),
                    )
                )
                links.append((segs[k], segs[k + 1]))
            with transaction.atomic(), audit_context(actor="bench", reason="synthetic change requests"):
                created = ChangeRequest.objects.bulk_create(rows)
                ChangeAffectedSegment.objects.bulk_create(
                    [
                        ChangeAffectedSegment(
                            change=c,
                            segment=s,
                            site=s.site,
                            enterprise_id=s.site.enterprise_id,
                            because=because,
                            assessment_required=s.site.enterprise_id != c.site.enterprise_id,
                        )
                        for c, pair in zip(created, links, strict=True)
                        for s, because in zip(pair, ("changed", "downstream"), strict=True)
                    ]
                )
            done += len(rows)
    finally:
        triggers.install()
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("ANALYZE")
    else:
        with connection.cursor() as cur:
            cur.execute("ANALYZE")


def page(scope, offset: int) -> tuple[int, list[dict]]:
    from bioseg.api.changes import ChangeRequestOut
    from bioseg.api.registry import ordered
    from bioseg.quality import changes

    qs = ordered(changes.change_list(scope=scope).filter(status="assessing", route="filing"))
    count = qs.count()
    return count, [ChangeRequestOut.from_orm(c).model_dump() for c in qs[offset : offset + 50]]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default="")
    parser.add_argument("--n", type=int, default=200_000)
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--seed", type=int, default=9)
    args = parser.parse_args()
    data_dir = tempfile.mkdtemp(prefix="bioseg-bench-changes-")
    os.environ["BIOSEG_DATA_DIR"] = data_dir
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bioseg.settings")
    if args.database_url:
        os.environ["BIOSEG_DATABASE_URL"] = args.database_url
        _fresh_postgres(args.database_url)
    else:
        os.environ.pop("BIOSEG_DATABASE_URL", None)
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from bioseg.accounts.models import User
    from bioseg.demo.scenario import load
    from bioseg.quality.models import ChangeRequest
    from bioseg.registry.scope import scope_for

    call_command("migrate", verbosity=0)
    load()
    t0 = time.perf_counter()
    build(args.n, args.seed)
    print(f"built {ChangeRequest.objects.count():,} change requests in {time.perf_counter() - t0:.0f} s")
    rng = random.Random(args.seed)
    print(f"engine: {connection.vendor}; filtered page: status=assessing, route=filing, limit=50")
    print(f"{'user':<14}{'matching':>10}{'p50 ms':>10}{'p95 ms':>10}{'max ms':>10}  target p95 < {TARGET_MS} ms")
    for username in USERS:
        scope = scope_for(User.objects.get(username=username))
        for _ in range(3):
            page(scope, 0)
        times, count = [], 0
        for _ in range(args.runs):
            offset = rng.randrange(20) * 50
            t = time.perf_counter()
            count, _rows = page(scope, offset)
            times.append((time.perf_counter() - t) * 1000)
        print(f"{username:<14}{count:>10,}{statistics.median(times):>10.1f}{pct(times, 95):>10.1f}{max(times):>10.1f}")
    print("reproduce: python bench/bench_changes.py " + " ".join(sys.argv[1:]))


if __name__ == "__main__":
    main()
