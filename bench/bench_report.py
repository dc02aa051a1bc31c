"""The end-of-pilot evaluation report (试点总结评估) on the national-scale store (issue 12).

Figures, not pass/fail (house rule 7). Build the store first (once; see ``bench/README.md``):

    source .venv/bin/activate
    python bench/gen_national.py --engine both                 # SQLite file + PostgreSQL bioseg_bench
    python bench/bench_report.py --engine sqlite
    python bench/bench_report.py --engine postgresql
    python bench/bench_report.py --engine postgresql --runs 1 --render-runs 1   # quicker
    python bench/bench_report.py --engine sqlite --activity    # first give the lots their release history (kept)

Measured, wall clock in this process (``time.perf_counter``), database on the same machine, after one untimed
warm-up of each measurement:

1. **figures** — ``bioseg.evaluation.figures.evaluation(as_of=…)`` for the country and for one province (the
   province whose sites made the most lots; its report covers the products whose holder is registered there or
   that have a chain segment at a site there), every registered section and the trace drills, as the background
   task asks for them; per-section times from the progress callback;
2. **full render** — the build the interface asks for: ``report_request`` (as an NMPA officer) then the
   background task ``bioseg.reporting.tasks.build_evaluation_report`` run in this process (figures, PDF, XLSX,
   the files stored with their SHA-256 by ``report_finish``), national and province; the PDF and XLSX times are
   taken once more on their own from the same evaluation.

The store as generated has no lot events (every lot in quarantine), applications, quality or supervision records, so
the sections that count them read empty tables. ``--activity`` adds, once, the lots' release history a pilot has by
its end (~1.2 million ``LotEvent`` rows: released by the CMO's QA and the qualified person, rejected, recalled; see
``add_activity``), which the production section counts and from which it computes the release lead time over the
lot edges; the applications, quality and supervision tables stay empty.

Targets (2-core machine): national < 60 s, a province < 15 s, on SQLite and PostgreSQL.

The report builds write to the bench store: one NMPA organisation and user (``bench-nmpa``, shared with
``bench_quality.py``), an ``EvaluationReport`` row per build and its files in the media directory of
``BIOSEG_DATA_DIR``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import os
import platform
import sqlite3
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

from gen_national import PG_NAME, engine_env  # noqa: E402

PASSWORD = "bench-report-2026"
TARGETS = {"national": 60.0, "province": 15.0}

# the tables the report reads, for the row counts printed with the figures
REPORT_TABLES = (
    "registry_product",
    "registry_site",
    "production_processchain",
    "production_segment",
    "production_lot",
    "production_lotedge",
    "production_lotevent",
    "production_shipment",
    "production_shipmentline",
    "production_excursion",
    "pilots_pilotapplication",
    "pilots_applicationevent",
    "quality_deviation",
    "quality_deviationevent",
    "quality_capa",
    "quality_oosinvestigation",
    "quality_stationing",
    "oversight_inspection",
    "oversight_riskrating",
    "evaluation_evaluationnarrative",
    "audit_signature",
)


def officer():
    """An NMPA officer (made once): NMPA may ask for every report."""
    from bioseg.accounts.models import Organisation, User
    from bioseg.accounts.roles import OrganisationKind as Kind
    from bioseg.accounts.roles import Role
    from bioseg.accounts.services import organisation_create, user_create
    from bioseg.audit.context import audit_context

    found = User.objects.filter(username="bench-nmpa").first()
    if found is not None:
        return found
    with audit_context(actor="bench", reason="bench users"):
        org = Organisation.objects.filter(kind=Kind.NMPA).first() or organisation_create(
            kind=Kind.NMPA, name_zh="国家药品监督管理局", name_en="NMPA"
        )
        return user_create(
            username="bench-nmpa", password=PASSWORD, organisation=org, roles=[Role.NMPA_OFFICER], printed_name="bench"
        )


ACTIVITY = "bench activity (issue 12)"


def add_activity(actor, seed: int) -> int:
    """Gives the store the lot history a pilot has by its end (once; marked ``message_en = ACTIVITY``): per lot, seeded,
    93 % released (the CMO's QA 5–20 days after manufacture, the qualified person 1–10 days later), 1 % rejected,
    1 ‰ of the released recalled 30–200 days after release, the rest still in quarantine. Only ``LotEvent`` rows
    (what the report counts); the lots' status columns stay as generated. Bulk-inserted with the audit triggers
    lifted, like the rest of the bench store: **no audit trail**. Returns the events added (0 if already there)."""
    import random

    from django.db import connection, transaction

    from bioseg.audit import triggers
    from bioseg.production.models import Lot, LotEvent, LotEventKind

    if LotEvent.objects.filter(message_en=ACTIVITY).exists():
        return 0
    rng = random.Random(seed)
    eight = dt.time(8, tzinfo=dt.UTC)

    def event(lot_id, kind, day, status_to):
        return LotEvent(
            lot_id=lot_id,
            kind=kind,
            status_to=status_to,
            actor=actor,
            occurred_at=dt.datetime.combine(day, eight),
            message_en=ACTIVITY,
            message_zh=ACTIVITY,
        )

    added = 0
    triggers.uninstall()
    try:
        batch: list = []
        lots = Lot.objects.order_by("id").values_list("id", "manufactured_on")
        for lot_id, made in lots.iterator(chunk_size=20_000):
            r = rng.random()
            if r < 0.01:
                batch.append(event(lot_id, LotEventKind.REJECTED, made + dt.timedelta(rng.randint(10, 40)), "rejected"))
            elif r < 0.94:
                cmo = made + dt.timedelta(rng.randint(5, 20))
                qp = cmo + dt.timedelta(rng.randint(1, 10))
                batch.append(event(lot_id, LotEventKind.RELEASED_CMO, cmo, "released_cmo"))
                batch.append(event(lot_id, LotEventKind.RELEASED, qp, "released"))
                if rng.random() < 0.001:
                    batch.append(event(lot_id, LotEventKind.RECALLED, qp + dt.timedelta(rng.randint(30, 200)), ""))
            if len(batch) >= 10_000:
                with transaction.atomic():
                    LotEvent.objects.bulk_create(batch, batch_size=2_000)
                added += len(batch)
                batch = []
        if batch:
            with transaction.atomic():
                LotEvent.objects.bulk_create(batch, batch_size=2_000)
            added += len(batch)
    finally:
        triggers.install()
    with connection.cursor() as cur:
        cur.execute("ANALYZE" if connection.vendor == "sqlite" else "ANALYZE production_lotevent")
    return added


def seconds(fn):
    gc.collect()
    t = time.perf_counter()
    out = fn()
    return time.perf_counter() - t, out


def figures_run(as_of, province):
    """One ``evaluation`` call; returns (seconds, evaluation, {section: seconds})."""
    from bioseg.evaluation.figures import evaluation

    marks: list[tuple[str, float]] = []

    def progress(_pct, step):
        marks.append((step, time.perf_counter()))

    gc.collect()
    t0 = time.perf_counter()
    ev = evaluation(as_of=as_of, province=province, progress=progress)
    total = time.perf_counter() - t0
    steps = {a[0]: b[1] - a[1] for a, b in zip(marks, marks[1:], strict=False)}
    steps["narratives + scope"] = total - sum(steps.values())
    return total, ev, steps


def summary(values: list[float]) -> str:
    return f"{statistics.median(values):,.2f} / {max(values):,.2f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--engine", choices=("sqlite", "postgresql"), required=True)
    parser.add_argument("--pg-url", default=f"postgresql://postgres@127.0.0.1:5432/{PG_NAME}")
    parser.add_argument(
        "--as-of", default="2026-11-30", help="the evaluation date (a past day: report_request refuses a future one)"
    )
    parser.add_argument("--province", default="", help="GB/T 2260 code; default: the province with the most lots")
    parser.add_argument("--runs", type=int, default=3, help="timed runs of the figures, per scope")
    parser.add_argument("--render-runs", type=int, default=2, help="timed full renders, per scope")
    parser.add_argument("--language", default="zh", choices=("zh", "en"))
    parser.add_argument(
        "--activity",
        action="store_true",
        help="first add the lots' release / rejection / recall events to the store (once, ~1.3 million rows, kept)",
    )
    parser.add_argument("--seed", type=int, default=12, help="seed of --activity")
    args = parser.parse_args()
    as_of = dt.date.fromisoformat(args.as_of)

    os.environ.update(engine_env(args.engine, args.pg_url))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bioseg.settings")
    import django

    django.setup()
    from django.db import connection
    from django.db.models import Count
    from national.load import counts

    from bioseg.common.regions import province_name
    from bioseg.evaluation import services
    from bioseg.evaluation.models import EvaluationReport
    from bioseg.production.models import Lot
    from bioseg.reporting.evaluation import to_pdf, to_xlsx
    from bioseg.reporting.tasks import build_evaluation_report

    user = officer()
    if args.activity:
        t, added = seconds(lambda: add_activity(user, args.seed))
        print(f"activity: {added:,} lot events added in {t:.1f} s" if added else "activity: already in the store")
    connection.ensure_connection()
    version = sqlite3.sqlite_version if connection.vendor == "sqlite" else connection.pg_version
    rows = counts(connection, REPORT_TABLES)
    by_region = list(
        Lot.objects.values("site__region_code").annotate(n=Count("id")).order_by("-n", "site__region_code")[:3]
    )
    province = args.province or by_region[0]["site__region_code"]
    print(
        f"engine {args.engine} ({connection.vendor} {version}); python {platform.python_version()}; "
        f"{os.cpu_count()} CPUs; load average {os.getloadavg()[0]:.2f}; {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC"
    )
    print("store rows: " + " · ".join(f"{t} {n:,}" for t, n in rows.items()))
    print(
        "lots by site province (top 3): "
        + ", ".join(
            f"{r['site__region_code']} {province_name(r['site__region_code'], 'en')} {r['n']:,}" for r in by_region
        )
    )
    print(f"as of {as_of}; province {province} ({province_name(province, 'en')}); language {args.language}")

    results: dict[str, dict] = {}
    for scope, code in (("national", None), ("province", province)):
        out = results[scope] = {}
        # --- figures ------------------------------------------------------------------------------------------------
        _, ev, _ = figures_run(as_of, code)  # warm-up
        times, sections = [], []
        for _ in range(args.runs):
            t, ev, steps = figures_run(as_of, code)
            times.append(t)
            sections.append(steps)
        out["figures"] = times
        out["sections"] = {k: statistics.median(s[k] for s in sections) for k in sections[0]}
        out["ev"] = ev
        lots = Lot.objects.filter(product_id__in=ev.scope.product_ids).count()
        out["scope"] = f"{len(ev.scope.product_ids)} products, {lots:,} lots"
        print(
            f"[{scope}] figures s (p50 / max of {args.runs}): {summary(times)} — {out['scope']}; sections p50 s: "
            + ", ".join(f"{k} {v:.2f}" for k, v in out["sections"].items())
        )
        # --- PDF and XLSX on their own --------------------------------------------------------------------------------
        out["pdf"], pdf = seconds(lambda ev=ev: to_pdf(ev, lang=args.language))
        out["xlsx"], xlsx = seconds(lambda ev=ev: to_xlsx(ev, lang=args.language))
        print(
            f"[{scope}] to_pdf {out['pdf']:.2f} s ({len(pdf):,} bytes), to_xlsx {out['xlsx']:.2f} s ({len(xlsx):,} bytes)"
        )

        # --- the full build: request + the background task -----------------------------------------------------------
        def build(code=code, scope=scope):
            report = services.report_request(
                actor=user, kind=scope, code=code or "", as_of=as_of, language=args.language
            )
            build_evaluation_report.call(report.pk)
            return EvaluationReport.objects.get(pk=report.pk)

        build()  # warm-up
        renders = []
        for _ in range(args.render_runs):
            t, report = seconds(build)
            assert report.status == "done", (report.status, report.error)
            renders.append(t)
        out["render"] = renders
        print(
            f"[{scope}] full render s (p50 / max of {args.render_runs}): {summary(renders)} "
            f"(task's own seconds {report.seconds}; files {report.pdf_path}, {report.xlsx_path})"
        )

    print()
    print("| scope | target | figures p50 / max (s) | PDF (s) | XLSX (s) | full render p50 / max (s) |")
    print("|---|---|---|---|---|---|")
    for scope, out in results.items():
        label = "national" if scope == "national" else f"province {province} ({province_name(province, 'en')})"
        print(
            f"| {label}: {out['scope']} | < {TARGETS[scope]:.0f} | {summary(out['figures'])} | {out['pdf']:.2f} "
            f"| {out['xlsx']:.2f} | {summary(out['render'])} |"
        )
    print()
    print("figures (national | province):")
    nat, prov = results["national"]["ev"], results["province"]["ev"]
    for section in nat.sections:
        for f in section.figures:
            other = prov.figure(f.key).value
            print(f"  {f.key:45} {f.value!s:>12} | {other!s:>12} {f.unit}")
    print()
    print("reproduce:")
    print("  python bench/gen_national.py --engine both")
    print(
        f"  python bench/bench_report.py --engine {args.engine} --as-of {as_of} --province {province} "
        f"--runs {args.runs} --render-runs {args.render_runs} --language {args.language}"
        + (f" --activity --seed {args.seed}" if args.activity else "")
    )


if __name__ == "__main__":
    main()
