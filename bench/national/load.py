"""Building the national-scale store on SQLite or PostgreSQL: the normal migrations, then a bulk load.

The bulk load lifts the audit triggers (``bioseg.audit.triggers.uninstall()``) and installs them again at
the end: the bulk-loaded rows have **no audit trail** (``bioseg audit verify`` reports them as
unaudited rows). Every row is still checked by the database: primary keys, foreign keys, unique and check
constraints are in force or re-validated when re-created.

* PostgreSQL: the secondary indexes and the foreign-key, unique and check constraints of the big
  production tables are dropped, the rows COPYed in (psycopg 3 ``cursor.copy``), then the constraints and
  indexes re-created exactly as the migrations made them (``pg_get_constraintdef`` / ``pg_indexes``),
  which validates every row; identity sequences are moved past the loaded ids; ``VACUUM ANALYZE``.
* SQLite: ``PRAGMA journal_mode=WAL, synchronous=OFF`` and a large page cache during the load; the
  secondary ``CREATE INDEX`` indexes of the big tables are dropped and re-created afterwards (the table's
  own UNIQUE constraints stay); ``executemany`` in one transaction per product; foreign keys stay on
  (deferred, checked at each commit); ``ANALYZE`` at the end.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

from .shape import COLUMNS, TABLES, Config, Generator

BIG_TABLES = (
    "production_transformation",
    "production_lot",
    "production_transformationinput",
    "production_lotedge",
    "production_shipment",
    "production_shipmentline",
)
AUDIT_NOTE = (
    "audit triggers lifted for the bulk load and re-installed after it: the bulk-loaded rows have NO audit "
    "trail (`bioseg audit verify` reports them as unaudited)"
)


def check_columns(connection) -> None:
    """Every NOT NULL column of each table is written (the database has no Python defaults)."""
    from django.apps import apps

    by_table = {m._meta.db_table: m for m in apps.get_models()}
    for table, cols in COLUMNS.items():
        model = by_table[table]
        names = {f.column for f in model._meta.concrete_fields}
        unknown = set(cols) - names
        missing = {f.column for f in model._meta.concrete_fields if not f.null} - set(cols)
        if unknown or missing:
            raise RuntimeError(f"{table}: unknown columns {sorted(unknown)}, missing NOT NULL {sorted(missing)}")


def next_ids(connection) -> dict[str, int]:
    out = {}
    with connection.cursor() as cur:
        for table in TABLES:
            cur.execute(f'SELECT COALESCE(MAX(id), 0) + 1 FROM "{table}"')
            out[table] = cur.fetchone()[0]
    return out


def counts(connection, tables=TABLES) -> dict[str, int]:
    out = {}
    with connection.cursor() as cur:
        for table in tables:
            cur.execute(f'SELECT COUNT(*) FROM "{table}"')
            out[table] = cur.fetchone()[0]
    return out


# --- PostgreSQL ----------------------------------------------------------------------------------------


def _pg_lift(cur, tables) -> list[str]:
    """Drops FK/unique/check constraints and secondary indexes of ``tables``; returns the SQL that
    re-creates them (constraints first: unique before foreign keys, then plain indexes)."""
    recreate_unique, recreate_other, recreate_idx, drops = [], [], [], []
    for table in tables:
        cur.execute(
            "SELECT conname, contype, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid = %s::regclass AND contype IN ('f', 'u', 'c') ORDER BY conname",
            [table],
        )
        cons = cur.fetchall()
        for name, kind, definition in cons:
            drops.append(f'ALTER TABLE "{table}" DROP CONSTRAINT "{name}"')
            stmt = f'ALTER TABLE "{table}" ADD CONSTRAINT "{name}" {definition}'
            (recreate_unique if kind == "u" else recreate_other).append(stmt)
        cur.execute(
            "SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.tablename = %s AND NOT EXISTS "
            "(SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname AND c.conrelid = %s::regclass) "
            "ORDER BY i.indexname",
            [table, table],
        )
        for name, definition in cur.fetchall():
            drops.append(f'DROP INDEX "{name}"')
            recreate_idx.append(definition)
    for stmt in drops:
        cur.execute(stmt)
    return recreate_unique + recreate_other + recreate_idx


def _pg_copy(raw_conn, batch: dict[str, list]) -> None:
    with raw_conn.cursor() as cur:
        for table in TABLES:
            rows = batch[table]
            if not rows:
                continue
            cols = ", ".join(COLUMNS[table])
            with cur.copy(f'COPY "{table}" ({cols}) FROM STDIN') as copy:
                write = copy.write_row
                for row in rows:
                    write(row)


# --- SQLite ---------------------------------------------------------------------------------------------


def _sqlite_lift(cur, tables) -> list[str]:
    marks = ", ".join("?" for _ in tables)
    cur.execute(
        f"SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL AND tbl_name IN ({marks})",
        list(tables),
    )
    found = cur.fetchall()
    for name, _ in found:
        cur.execute(f'DROP INDEX "{name}"')
    return [sql for _, sql in found]


def _sqlite_insert(raw_conn, batch: dict[str, list]) -> None:
    cur = raw_conn.cursor()
    for table in TABLES:
        rows = batch[table]
        if rows:
            cols = COLUMNS[table]
            cur.executemany(f'INSERT INTO "{table}" ({", ".join(cols)}) VALUES ({", ".join("?" for _ in cols)})', rows)


# --- the load ---------------------------------------------------------------------------------------------


def bulk_load(config: Config, *, connection=None, tune: bool = True, log=print) -> dict:
    """Generates and loads the store into ``connection`` (migrated). Returns the manifest.

    ``tune=False`` (the tests: inside the caller's transaction) only inserts: no pragmas or session
    settings, no dropping and re-creating of indexes and constraints, no VACUUM / ANALYZE."""
    from django.db import connection as default_connection
    from django.db import transaction

    from bioseg.audit import triggers

    conn = connection or default_connection
    vendor = conn.vendor
    check_columns(conn)
    started = time.perf_counter()
    log(f"[{vendor}] {AUDIT_NOTE}")
    triggers.uninstall(conn)
    gen = Generator(config, start_ids=next_ids(conn))
    recreate: list[str] = []
    conn.ensure_connection()
    raw = conn.connection
    if vendor == "sqlite":
        with conn.cursor() as cur:
            if tune:
                cur.execute("PRAGMA journal_mode=WAL")
                cur.execute("PRAGMA synchronous=OFF")
                cur.execute("PRAGMA cache_size=-1000000")
                cur.execute("PRAGMA temp_store=MEMORY")
                recreate = _sqlite_lift(cur, BIG_TABLES)
        insert = _sqlite_insert
    elif vendor == "postgresql":
        with conn.cursor() as cur:
            cur.execute("SET TIME ZONE 'UTC'")
            if tune:
                cur.execute("SET synchronous_commit = off")
                cur.execute("SET maintenance_work_mem = '1GB'")
                with transaction.atomic(using=conn.alias):
                    recreate = _pg_lift(cur, BIG_TABLES)
        insert = _pg_copy
    else:  # pragma: no cover
        raise RuntimeError(f"unsupported engine {vendor}")
    phases = {}
    t = time.perf_counter()
    gen_seconds = 0.0
    batches = gen.batches()
    n = 0
    while True:
        g0 = time.perf_counter()
        batch = next(batches, None)
        gen_seconds += time.perf_counter() - g0
        if batch is None:
            break
        with transaction.atomic(using=conn.alias):
            insert(raw, batch)
        n += 1
        if n % 50 == 0:
            log(
                f"[{vendor}]   {n} batches, {gen.counts['production_lot']:,} lots, "
                f"{gen.counts['production_lotedge']:,} edges, {time.perf_counter() - t:.0f} s"
            )
    phases["generate (Python)"] = gen_seconds
    phases["insert rows"] = time.perf_counter() - t - gen_seconds
    t = time.perf_counter()
    with conn.cursor() as cur:
        for stmt in recreate:
            cur.execute(stmt)
    phases["re-create constraints and indexes"] = time.perf_counter() - t
    t = time.perf_counter()
    with conn.cursor() as cur:
        if vendor == "postgresql":
            for table in TABLES:
                cur.execute(
                    f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), (SELECT MAX(id) FROM \"{table}\"))"
                )
        elif tune:
            cur.execute("PRAGMA synchronous=NORMAL")
    triggers.install(conn)
    with conn.cursor() as cur:
        if vendor == "postgresql" and tune:
            cur.execute("VACUUM ANALYZE")
        elif tune:
            cur.execute("ANALYZE")
            cur.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    phases["sequences, triggers, analyze"] = time.perf_counter() - t
    t = time.perf_counter()
    if ensure_gs1_mappings(conn, log=log):
        phases["GS1 keys (ORM, audited)"] = time.perf_counter() - t
    total = time.perf_counter() - started
    return {
        "engine": vendor,
        "scale": config.scale,
        "seed": config.seed,
        "seconds": round(total, 1),
        "phases": {k: round(v, 1) for k, v in phases.items()},
        "generated": gen.facts.counts,
        "wcb_lot_id": gen.facts.wcb_lot_id,
        "wcb_lot_number": gen.facts.wcb_lot_number,
        "wcb_ds_lots": gen.facts.wcb_ds_lots,
        "audit": AUDIT_NOTE,
    }


def bench_dir() -> Path:
    return Path(os.environ.get("BIOSEG_BENCH_DIR") or Path.home() / ".bioseg-bench").expanduser()


def manifest_path(engine: str) -> Path:
    return bench_dir() / f"national-{engine}.json"


def write_manifest(manifest: dict) -> Path:
    path = manifest_path(manifest["engine"])
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(manifest, indent=2))
    return path


def read_manifest(engine: str) -> dict | None:
    path = manifest_path(engine)
    return json.loads(path.read_text()) if path.exists() else None


# --- GS1 identifiers for the EPCIS export ---------------------------------------------------------------------


def _check_digit(body: str) -> str:
    total = sum((ord(c) - 48) * (3 if i % 2 == 0 else 1) for i, c in enumerate(reversed(body)))
    return str((10 - total % 10) % 10)


def gtin_for(product_id: int, index: int) -> str:
    """GTIN-14 in GS1's demonstration prefix 952 (``0`` + ``952`` + 9 digits + check digit)."""
    body = f"0952{product_id:06d}{index:03d}"
    return body + _check_digit(body)


def gln_for(kind: str, pk: int) -> str:
    """GLN-13 in prefix 952: ``9521…`` for sites, ``9522…`` for consignees."""
    body = f"952{1 if kind == 'site' else 2}{pk:08d}"
    return body + _check_digit(body)


def ensure_gs1_mappings(connection=None, log=print) -> int:
    """Gives every product material (segment code), site and consignee without one a GTIN / GLN, through
    the ORM with the audit triggers in place (these rows are audited). Returns how many were created;
    0 when the GS1 models do not exist (yet) in this tree or every mapping is there."""
    from django.apps import apps
    from django.db import connection as default_connection
    from django.db import transaction

    from bioseg.audit.context import audit_context

    conn = connection or default_connection
    try:
        item_model = apps.get_model("production", "Gs1TradeItem")
        location_model = apps.get_model("production", "Gs1Location")
    except LookupError:
        return 0
    if item_model._meta.db_table not in conn.introspection.table_names():
        return 0
    from bioseg.production.models import Consignee, Segment
    from bioseg.registry.models import Site

    have_items = set(item_model.objects.values_list("product_id", "material"))
    materials = sorted(set(Segment.objects.values_list("chain__product_id", "code")))
    index: dict[int, int] = {}
    items = []
    for product_id, code in materials:
        index[product_id] = index.get(product_id, 0) + 1
        if (product_id, code) not in have_items:
            items.append(item_model(product_id=product_id, material=code, gtin=gtin_for(product_id, index[product_id])))
    have_sites = set(location_model.objects.exclude(site_id=None).values_list("site_id", flat=True))
    have_consignees = set(location_model.objects.exclude(consignee_id=None).values_list("consignee_id", flat=True))
    places = [
        location_model(site_id=pk, gln=gln_for("site", pk))
        for pk in Site.objects.values_list("id", flat=True)
        if pk not in have_sites
    ]
    places += [
        location_model(consignee_id=pk, gln=gln_for("consignee", pk))
        for pk in Consignee.objects.values_list("id", flat=True)
        if pk not in have_consignees
    ]
    if items or places:
        with transaction.atomic(using=conn.alias), audit_context(actor="bench", reason="bench: GS1 keys (prefix 952)"):
            item_model.objects.bulk_create(items, batch_size=2000)
            location_model.objects.bulk_create(places, batch_size=2000)
        log(f"[{conn.vendor}] GS1 keys created (audited): {len(items):,} GTINs, {len(places):,} GLNs")
    return len(items) + len(places)
