"""Generate the national-scale synthetic store of issue 4 on SQLite and/or PostgreSQL.

    source .venv/bin/activate
    python bench/gen_national.py --engine sqlite          # ~/.bioseg-bench/sqlite/bioseg.sqlite3
    python bench/gen_national.py --engine postgresql      # database bioseg_bench on 127.0.0.1:5432
    python bench/gen_national.py --engine both --scale 1 --seed 4

The store is created from nothing each time: the SQLite file is deleted, the PostgreSQL database
``bioseg_bench`` dropped and created; then the normal migrations run (``bioseg migrate`` with
``BIOSEG_DATA_DIR`` / ``BIOSEG_DATABASE_URL``) and the rows are bulk-loaded (see ``national/shape.py`` for
the shape and ``national/load.py`` for how). The audit triggers are lifted during the bulk load and
installed again afterwards, so **the bulk-loaded rows have no audit trail** (``bioseg audit verify``
reports them as unaudited). Seeded: the same --seed and --scale give the same rows on both engines.

``BIOSEG_BENCH_DIR`` (default ``~/.bioseg-bench``) holds the SQLite store and the manifests
(``national-<engine>.json``: generation time, row counts, the working-cell-bank lot) that
``bench/bench_trace.py`` reads.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))

from national.load import bench_dir  # noqa: E402

PG_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
PG_NAME = "bioseg_bench"


def engine_env(engine: str, pg_url: str) -> dict[str, str]:
    env = dict(os.environ)
    if engine == "sqlite":
        env["BIOSEG_DATA_DIR"] = str(bench_dir() / "sqlite")
        env.pop("BIOSEG_DATABASE_URL", None)
    else:
        env["BIOSEG_DATA_DIR"] = str(bench_dir() / "postgresql")
        env["BIOSEG_DATABASE_URL"] = pg_url
    return env


def fresh_database(engine: str, pg_url: str, admin_url: str) -> None:
    if engine == "sqlite":
        shutil.rmtree(bench_dir() / "sqlite", ignore_errors=True)
        (bench_dir() / "sqlite").mkdir(parents=True)
        return
    import psycopg

    name = pg_url.rsplit("/", 1)[1].split("?")[0]
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def generate(engine: str, args) -> dict:
    """Runs in a child process whose environment points Django at the engine's database."""
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bioseg.settings")
    django.setup()
    from django.db import connection
    from national.load import bulk_load, counts, write_manifest
    from national.shape import Config

    manifest = bulk_load(Config(scale=args.scale, seed=args.seed), tune=True)
    manifest["migrate_seconds"] = args.migrate_seconds
    manifest["counts"] = counts(connection)
    manifest["database"] = (
        connection.settings_dict["NAME"] if engine == "postgresql" else str(connection.settings_dict["NAME"])
    )
    path = write_manifest(manifest)
    print(json.dumps(manifest, indent=2))
    print(f"manifest: {path}")
    return manifest


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--engine", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--scale", type=float, default=1.0, help="1 = national scale (~650,000 lots)")
    parser.add_argument("--seed", type=int, default=4)
    parser.add_argument("--pg-url", default=f"postgresql://postgres@127.0.0.1:5432/{PG_NAME}")
    parser.add_argument("--pg-admin-url", default=PG_ADMIN_URL)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--migrate-seconds", type=float, default=0.0, help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.child:
        generate(args.engine, args)
        return
    engines = ("sqlite", "postgresql") if args.engine == "both" else (args.engine,)
    for engine in engines:
        env = engine_env(engine, args.pg_url)
        print(f"== {engine}: fresh database, `bioseg migrate`, bulk load (scale {args.scale}, seed {args.seed})")
        started = time.perf_counter()
        fresh_database(engine, args.pg_url, args.pg_admin_url)
        subprocess.run(
            [str(Path(sys.executable).parent / "bioseg"), "migrate"],
            env=env,
            check=True,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
        )
        migrate_seconds = time.perf_counter() - started
        print(f"   migrated in {migrate_seconds:.1f} s")
        subprocess.run(
            [
                sys.executable,
                __file__,
                "--child",
                "--engine",
                engine,
                "--scale",
                str(args.scale),
                "--seed",
                str(args.seed),
                "--migrate-seconds",
                f"{migrate_seconds:.1f}",
            ],
            env=env,
            check=True,
        )
        print(f"== {engine}: done in {time.perf_counter() - started:.0f} s (migrate + load)")


if __name__ == "__main__":
    main()
