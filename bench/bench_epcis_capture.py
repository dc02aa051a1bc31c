"""Benchmark: EPCIS capture end to end into the database — parse, validate against GS1's schema (formats
checked), check identifiers, hash (CBV 2.0), look up duplicates, link LGTINs to known lots, store in one
transaction with the audit triggers firing for every row. Figures, not pass/fail (house rule 7).

The database is the one bioseg is configured with: ``BIOSEG_DATABASE_URL`` (PostgreSQL), else SQLite in
``BIOSEG_DATA_DIR``. It must be a scratch database: the script migrates it and adds a product, a site, lots
and a user. ``BIOSEG_EPCIS_SCHEMA`` must name GS1's EPCIS-JSON-Schema.json.

    source .venv/bin/activate
    export BIOSEG_EPCIS_SCHEMA=../shared/vendor/gs1-epcis/EPCIS-JSON-Schema.json
    # PostgreSQL
    createdb -h 127.0.0.1 -U postgres bioseg_epcis_bench
    BIOSEG_DATABASE_URL=postgres://postgres@127.0.0.1:5432/bioseg_epcis_bench python bench/bench_epcis_capture.py
    dropdb -h 127.0.0.1 -U postgres bioseg_epcis_bench
    # SQLite
    BIOSEG_DATA_DIR=$(mktemp -d) python bench/bench_epcis_capture.py --events 10000 --repeat 3

Each repeat captures a new document of ``--events`` events (the genealogy of ``bench_epcis.py``: drug
substance lots from a working cell bank, blends of 3–13 of them, shipments with 24 temperature readings,
releases, holds, recalls), its event times moved by whole leap cycles so every repeat's events are new. Every
lot the documents name exists in the database with a GTIN mapping, so the lot links are really written.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import os
import platform
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bioseg.settings")


def setup_world(records: dict) -> object:
    """A holder, a site, a product with its chain, GTIN mappings for the three materials, a lot for every
    lot number the documents name, and a QA user; returns the user."""
    from django.db import transaction

    from bioseg.accounts.roles import OrganisationKind, Role
    from bioseg.accounts.services import organisation_create, user_create
    from bioseg.audit.context import audit_context
    from bioseg.production import services as ps
    from bioseg.production.epcis import gs1_trade_item_create
    from bioseg.production.models import Lot
    from bioseg.registry import services as rs

    with audit_context(actor="bench", reason="bench setup"):
        org = organisation_create(
            kind=OrganisationKind.ENTERPRISE, name_zh="基准企业", name_en="Bench Holder", region_code="320000"
        )
        operator = organisation_create(kind=OrganisationKind.OPERATOR, name_zh="运营方", name_en="Bench operator")
        admin = user_create(
            username="bench-admin", password="bench-password-1", printed_name="Bench Admin", organisation=operator,
            roles=[Role.SYSTEM_ADMIN],
        )  # fmt: skip
        qa = user_create(
            username="bench-qa", password="bench-password-1", printed_name="Bench QA", organisation=org,
            roles=[Role.HOLDER_QA],
        )  # fmt: skip
    holder = rs.enterprise_create(
        actor=admin, name_zh="基准企业", name_en="Bench Holder", credit_code=None, domestic=False, country_code="CH",
        region_code="", roles=["holder"], organisation=org,
    )  # fmt: skip
    site = rs.site_create(
        actor=qa, enterprise=holder, name_zh="基准场地", name_en="Bench site", address="1 Bench Road",
        country_code="CH", region_code="", activities=["drug_substance", "drug_product"],
    )  # fmt: skip
    product = rs.product_create(
        actor=qa, holder=holder, name_zh="基准单抗", name_en="Bench mAb", category="antibody", storage_min_c=2,
        storage_max_c=8,
    )  # fmt: skip
    chain = ps.chain_create(
        actor=qa, product=product, effective_from=dt.date(2020, 1, 1),
        segments=[
            {"code": code, "stage": stage, "name_zh": code, "name_en": code, "site": site, "feeds": feeds}
            for code, stage, feeds in [("WCB", "cell_bank", ["DS"]), ("DS", "drug_substance", ["DP"]),
                                       ("DP", "drug_product", [])]
        ],
    )  # fmt: skip
    segments = {s.code: s for s in chain.segments.all()}
    lots: dict[str, tuple[str, str]] = {}  # lot number -> (gtin, material)
    for record in records["transformations"]:
        for line in (*record.inputs, *record.outputs):
            lots[line.lot.lot] = line.lot.gtin
    materials = {}
    for number, gtin in lots.items():
        materials.setdefault(gtin, "WCB" if number.startswith("WCB") else number[:2])
    for gtin, material in materials.items():
        gs1_trade_item_create(actor=qa, product=product, material=material, gtin=gtin)
    with transaction.atomic(), audit_context(actor=qa, reason="bench lots"):
        Lot.objects.bulk_create(
            [
                Lot(
                    product=product, segment=segments[materials[gtin]], material=materials[gtin], site=site,
                    lot_number=number, quantity=100, unit="kg", manufactured_on=dt.date(2024, 1, 1),
                    expires_on=dt.date(2030, 1, 1),
                )
                for number, gtin in sorted(lots.items())
            ],
            batch_size=2000,
        )  # fmt: skip
    return qa


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    import django

    django.setup()
    from bench_epcis import genealogy
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection

    from bioseg.epcis import build_document, capture_document, dumps
    from bioseg.production.epcis import epcis_capture
    from bioseg.production.models import EpcisEvent, EpcisEventLot

    engine = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
    call_command("migrate", interactive=False, verbosity=0)
    records = genealogy(args.events)
    actor = setup_world(records)
    base = dumps(build_document(**records, creation_date=dt.datetime(2025, 1, 1, tzinfo=dt.UTC)))
    print(
        f"python {platform.python_version()}, {engine} ({connection.vendor}), {args.repeat} repeats of "
        f"{args.events} events ({len(base) / 1e6:.1f} MB JSON)"
    )

    capture_document(dumps(build_document(**genealogy(20), creation_date=dt.datetime(2025, 1, 1, tzinfo=dt.UTC))))
    totals, pure = [], []  # (the schema is compiled above, once per process, outside the timings)
    for r in range(1, args.repeat + 1):
        # move every event time by 4r years (leap-year safe): new hash IDs, same shape
        text = base.replace('"eventTime":"2024-', f'"eventTime":"{2024 + 4 * r}-')
        text = text.replace('"eventTime":"2025-', f'"eventTime":"{2025 + 4 * r}-')
        gc.collect()
        t = time.perf_counter()
        capture_document(text.encode())  # the pure part alone (no duplicate look-up, nothing stored)
        pure.append(time.perf_counter() - t)
        gc.collect()
        t = time.perf_counter()
        outcome = epcis_capture(actor=actor, document=text.encode(), reason=f"bench repeat {r}")
        totals.append(time.perf_counter() - t)
        n = outcome.capture.event_count
        print(
            f"  repeat {r}: {n} events, {outcome.lot_links} lot links: {totals[-1]:.2f} s end to end "
            f"= {n / totals[-1]:,.0f} events/s (validate + hash alone {pure[-1]:.2f} s)"
        )
    n = args.events
    print(
        f"capture end to end ({engine}): median {n / statistics.median(totals):,.0f} events/s, "
        f"worst {n / max(totals):,.0f} events/s, best {n / min(totals):,.0f} events/s  (target ≥ 2,000 events/s)"
    )
    print(
        f"  of which parse + validate + hash + normalise: median {statistics.median(pure):.2f} s; storing "
        f"(duplicate look-up, lot links, inserts, audit triggers): median "
        f"{statistics.median(totals) - statistics.median(pure):.2f} s"
    )
    print(f"  rows now: {EpcisEvent.objects.count()} events, {EpcisEventLot.objects.count()} lot links")


if __name__ == "__main__":
    main()
