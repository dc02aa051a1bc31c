"""The quality system at national scale (issue 9): a deviation's impact on the blockbuster's working-cell-bank lot,
and the deviation list with 200,000 records.

    source .venv/bin/activate
    python bench/gen_national.py --engine both               # the national store (see bench/README.md)
    python bench/bench_quality.py --engine postgresql        # ~2 min the first time (200,000 deviations)
    python bench/bench_quality.py --engine sqlite --n 50 --impact-runs 3

Measured:

* **impact** — ``deviation_record`` of a major deviation on the WCB lot (81,081 lots: the lot and every descendant
  at every site, plus every shipment that carried one of them), computed and stored by the service in its
  transaction, audit triggers in place (target < 2 s); ``--impact-runs`` deviations are recorded.
* **lists** — ``GET /api/v1/deviations`` (a page of 50 with its count) and the web list ``/deviations/`` with
  200,000 deviations in the store, in-process through Django's test client (the whole request on the server
  side: middleware, session, scope, query, serialisation), for a national user and a provincial inspector, each
  with a random filter (status, class, product or site) and a random page among the first ten (target p95 <
  150 ms on PostgreSQL).

The 200,000 list rows are bulk-inserted with the audit triggers lifted (like the rest of the bench store: they have
no audit trail); the deviations recorded by the impact measurement go through the service with the triggers on.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import os
import platform
import random
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

from bench_trace import pct  # noqa: E402
from gen_national import PG_NAME, engine_env  # noqa: E402

PASSWORD = "bench-quality-2026"


def people(wcb):
    """A QA of the WCB lot's holder, an NMPA officer and an inspector of the WCB site's province (made once)."""
    from bioseg.accounts.models import Organisation, User
    from bioseg.accounts.roles import OrganisationKind as Kind
    from bioseg.accounts.roles import Role
    from bioseg.accounts.services import organisation_create, user_create
    from bioseg.audit.context import audit_context
    from bioseg.registry.models import Enterprise

    def user(name, org, role):
        found = User.objects.filter(username=name).first()
        return found or user_create(username=name, password=PASSWORD, organisation=org, roles=[role], printed_name=name)

    def org(kind, zh, en, region=""):
        found = Organisation.objects.filter(kind=kind, region_code=region).first()
        return found or organisation_create(kind=kind, name_zh=zh, name_en=en, region_code=region)

    holder, region = wcb.product.holder, wcb.site.region_code
    with audit_context(actor="bench", reason="bench users"):
        if holder.organisation_id is None:
            own = organisation_create(
                kind=Kind.ENTERPRISE, name_zh=holder.name_zh, name_en=holder.name_en, region_code=holder.region_code
            )
            Enterprise.objects.filter(pk=holder.pk).update(organisation=own)
            holder.refresh_from_db()
        qa = user("bench-holder-qa", holder.organisation, Role.HOLDER_QA)
        officer = user("bench-nmpa", org(Kind.NMPA, "国家药品监督管理局", "NMPA"), Role.NMPA_OFFICER)
        province = org(Kind.PROVINCIAL_REGULATOR, f"{region} 药监局", f"MPA {region}", region)
        inspector = user("bench-inspector", province, Role.PROVINCIAL_INSPECTOR)
    return qa, officer, inspector


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--engine", choices=("sqlite", "postgresql"), required=True)
    parser.add_argument("--pg-url", default=f"postgresql://postgres@127.0.0.1:5432/{PG_NAME}")
    parser.add_argument("--deviations", type=int, default=200_000)
    parser.add_argument("--n", type=int, default=100, help="requests per list measurement")
    parser.add_argument("--impact-runs", type=int, default=3)
    parser.add_argument("--seed", type=int, default=9)
    args = parser.parse_args()

    os.environ.update(engine_env(args.engine, args.pg_url))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bioseg.settings")
    import django

    django.setup()
    from django.db import connection, transaction
    from django.test import Client
    from national.load import read_manifest

    from bioseg.audit import triggers
    from bioseg.production.models import Lot
    from bioseg.quality import services
    from bioseg.quality.models import Deviation, DeviationImpact
    from bioseg.registry.models import Enterprise, Product, Site

    rng = random.Random(args.seed)
    manifest = read_manifest(args.engine) or {}
    wcb = Lot.objects.select_related("product", "site", "product__holder").get(
        pk=manifest.get("wcb_lot_id")
        or Lot.objects.filter(lot_number="P0001-W-0000001").values_list("id", flat=True)[0]
    )
    print(
        f"engine {args.engine} ({connection.vendor}); python {platform.python_version()}; {os.cpu_count()} CPUs; "
        f"lots {Lot.objects.count():,}; WCB lot {wcb.lot_number} at {wcb.site.name_en}"
    )

    qa, officer, inspector = people(wcb)
    region = wcb.site.region_code

    # --- the impact on the WCB lot --------------------------------------------------------------------------------
    impact_ms = []
    for i in range(args.impact_runs):
        gc.collect()
        t = time.perf_counter()
        d = services.deviation_record(
            actor=qa,
            product=wcb.product,
            site=wcb.site,
            lots=[wcb],
            title=f"Bench: cell bank vial contamination suspected ({i + 1})",
            description="Bench deviation on the working cell bank lot.",
            occurred_on=dt.date(2026, 11, 30),
            classification="major",
            classification_reason="Every descendant lot may be affected.",
        )
        impact_ms.append((time.perf_counter() - t) * 1000)
    print(
        f"impact: {d.impact_lot_count:,} lots at {d.impact_site_count} sites, {d.impact_shipment_count:,} shipments; "
        f"deviation_record ms {', '.join(f'{x:,.0f}' for x in impact_ms)} (target < 2,000)"
    )
    assert DeviationImpact.objects.filter(deviation=d).count() == d.impact_lot_count

    # --- 200,000 deviations -----------------------------------------------------------------------------------------
    products = list(Product.objects.values_list("id", "holder_id"))
    have = Deviation.objects.count()
    if have < args.deviations:
        t = time.perf_counter()
        sites_of = {}
        for sid, eid in Site.objects.values_list("id", "enterprise_id"):
            sites_of.setdefault(eid, []).append(sid)
        all_sites = [s for v in sites_of.values() for s in v]
        classes = ["critical"] * 1 + ["major"] * 4 + ["minor"] * 15
        states = ["open"] * 3 + ["under_review"] * 2 + ["approved"] + ["closed"] * 14
        triggers.uninstall()
        try:
            batch = []
            for i in range(have, args.deviations):
                pid, holder_id = rng.choice(products)
                site = rng.choice(sites_of.get(holder_id) or all_sites) if rng.random() < 0.4 else rng.choice(all_sites)
                day = dt.date(2025, 1, 1) + dt.timedelta(days=rng.randrange(700))
                batch.append(
                    Deviation(
                        reference=f"DEV-B-{i:07d}",
                        product_id=pid,
                        site_id=site,
                        title=f"Bench deviation {i}",
                        description="bench",
                        occurred_on=day,
                        classification=rng.choice(classes),
                        classification_reason="bench",
                        status=rng.choice(states),
                        investigation_due=day + dt.timedelta(days=30),
                        approver_party="holder",
                        recorded_by=qa,
                        impact_lot_count=rng.randrange(1, 40),
                    )
                )
                if len(batch) == 5000:
                    with transaction.atomic():
                        Deviation.objects.bulk_create(batch)
                    batch = []
            if batch:
                with transaction.atomic():
                    Deviation.objects.bulk_create(batch)
        finally:
            triggers.install()
        with connection.cursor() as cur:
            cur.execute("ANALYZE" if connection.vendor == "sqlite" else "ANALYZE quality_deviation")
        print(f"loaded {args.deviations - have:,} deviations in {time.perf_counter() - t:.1f} s (no audit trail)")
    total = Deviation.objects.count()
    from bioseg.quality.models import Capa

    have = Capa.objects.count()
    if have < args.deviations:
        t = time.perf_counter()
        owners = list(Enterprise.objects.values_list("id", flat=True))
        sources = ["deviation", "oos", "complaint", "audit", "inspection", "other"]
        capa_states = ["planned"] * 2 + ["in_progress"] * 5 + ["effectiveness"] * 2 + ["closed"] * 11
        triggers.uninstall()
        try:
            batch = []
            for i in range(have, args.deviations):
                pid, holder_id = rng.choice(products)
                batch.append(
                    Capa(
                        reference=f"CAPA-B-{i:07d}",
                        product_id=pid,
                        owner_id=holder_id if rng.random() < 0.5 else rng.choice(owners),
                        source=rng.choice(sources),
                        title=f"Bench CAPA {i}",
                        problem="bench",
                        status=rng.choice(capa_states),
                        approver_party="holder",
                        recorded_by=qa,
                    )
                )
                if len(batch) == 5000:
                    with transaction.atomic():
                        Capa.objects.bulk_create(batch)
                    batch = []
            if batch:
                with transaction.atomic():
                    Capa.objects.bulk_create(batch)
        finally:
            triggers.install()
        with connection.cursor() as cur:
            cur.execute("ANALYZE" if connection.vendor == "sqlite" else "ANALYZE quality_capa")
        print(f"loaded {args.deviations - have:,} CAPAs in {time.perf_counter() - t:.1f} s (no audit trail)")

    # --- the lists ------------------------------------------------------------------------------------------------
    product_ids = list(Product.objects.order_by("?").values_list("id", flat=True)[:50])
    site_ids = list(Site.objects.filter(region_code=region).values_list("id", flat=True)) or [wcb.site_id]

    def filters() -> str:
        kind = rng.choice(("status", "class", "product", "site", "status+class"))
        q = {
            "status": f"status={rng.choice(('open', 'under_review', 'closed'))}",
            "class": f"classification={rng.choice(('critical', 'major', 'minor'))}",
            "product": f"product={rng.choice(product_ids)}",
            "site": f"site={rng.choice(site_ids)}",
            "status+class": "status=open&classification=major",
        }[kind]
        return q

    def measure(who, path_of) -> list[float]:
        c = Client(HTTP_HOST="localhost")
        c.force_login(who)
        c.get(path_of(filters()))  # warm
        out = []
        for _ in range(args.n):
            url = path_of(filters())
            gc.collect()
            t = time.perf_counter()
            r = c.get(url)
            out.append((time.perf_counter() - t) * 1000)
            assert r.status_code == 200, (url, r.status_code, r.content[:300])
        return out

    def api(q):
        return f"/api/v1/deviations?{q}&limit=50&offset={50 * rng.randrange(10)}"

    def web(q):
        return f"/deviations/?{q}&page={1 + rng.randrange(10)}"

    owner_ids = list(Enterprise.objects.values_list("id", flat=True))

    def capa_api(_q):
        kind = rng.choice(("status", "product", "owner", "status+product"))
        status = rng.choice(("planned", "in_progress", "effectiveness", "closed"))
        q = {
            "status": f"status={status}",
            "product": f"product={rng.choice(product_ids)}",
            "owner": f"owner={rng.choice(owner_ids)}",
            "status+product": f"status=in_progress&product={rng.choice(product_ids)}",
        }[kind]
        return f"/api/v1/capas?{q}&limit=50&offset={50 * rng.randrange(10)}"

    print(
        f"lists: {total:,} deviations, {Capa.objects.count():,} CAPAs; {args.n} requests each; ms p50 / p95 / max (target p95 < 150)"
    )
    for label, who, path_of in (
        ("API, national", officer, api),
        ("API, provincial inspector", inspector, api),
        ("web list, national", officer, web),
        ("web list, provincial inspector", inspector, web),
        ("CAPA API, national", officer, capa_api),
        ("CAPA API, provincial inspector", inspector, capa_api),
    ):
        ms = measure(who, path_of)
        print(f"  {label:<32} {statistics.median(ms):7.1f} / {pct(ms, 95):7.1f} / {max(ms):7.1f}")
    print(f"reproduce: python bench/bench_quality.py --engine {args.engine} --n {args.n} --seed {args.seed}")


if __name__ == "__main__":
    main()
