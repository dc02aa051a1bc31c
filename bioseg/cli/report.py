"""``bioseg report evaluation`` — the end-of-pilot evaluation as PDF or XLSX; ``bioseg worker`` — runs the
background tasks (report builds, schedule solves) of the database task backend.

Exit codes: ``0`` written; ``2`` bad input (a wrong date, an unknown province or product, both given, an output
name that is not .pdf or .xlsx, or a folder that does not exist).
"""

from __future__ import annotations

import datetime as dt
import sys
import time
from pathlib import Path

import typer

from bioseg.cli.app import app
from bioseg.cli.app import setup as _setup

EXIT_INPUT_ERROR = 2
report_app = typer.Typer(help="Reports: the end-of-pilot evaluation.", no_args_is_help=True)
app.add_typer(report_app, name="report")


def _fail(code: str, message: str) -> typer.Exit:
    typer.echo(f"error [{code}]: {message}", err=True)
    return typer.Exit(EXIT_INPUT_ERROR)


@report_app.command("evaluation")
def evaluation_command(
    as_of: str = typer.Option(..., "--as-of", help="The date the figures are counted up to (YYYY-MM-DD)."),
    out: Path = typer.Option(..., "--out", help="File to write: .pdf or .xlsx."),
    province: str | None = typer.Option(None, "--province", help="A province's report (GB/T 2260 code, e.g. 320000)."),
    product: str | None = typer.Option(None, "--product", help="A product's report (its id)."),
    lang: str = typer.Option("zh", "--lang", help="zh or en."),
    no_drills: bool = typer.Option(False, "--no-drills", help="Leave out the trace drills (timings)."),
) -> None:
    """Write the end-of-pilot evaluation (national, a province's or a product's) as of a date."""
    try:
        day = dt.date.fromisoformat(as_of)
    except ValueError:
        raise _fail("bad_date", f"--as-of {as_of!r} is not a date (YYYY-MM-DD).") from None
    suffix = out.suffix.lower()
    if suffix not in (".pdf", ".xlsx"):
        raise _fail("unknown_format", f"--out {str(out)!r} must end in .pdf or .xlsx.")
    if not out.parent.is_dir():
        raise _fail("bad_output", f"the folder of --out ({str(out.parent)!r}) does not exist.")
    if lang not in ("zh", "en"):
        raise _fail("bad_language", "--lang must be zh or en.")
    _setup()
    from bioseg.common.errors import ApplicationError
    from bioseg.evaluation.figures import evaluation
    from bioseg.reporting.evaluation import to_pdf, to_xlsx

    started = time.perf_counter()

    def progress(pct: int, step: str) -> None:
        print(f"\r  {pct:3d}%  {step:<40}", end="", file=sys.stderr, flush=True)

    try:
        ev = evaluation(as_of=day, province=province, product=product, drills=not no_drills, progress=progress)
    except ApplicationError as exc:
        print(file=sys.stderr)
        raise _fail(exc.code, exc.message) from None
    print(file=sys.stderr)
    data = to_pdf(ev, lang=lang) if suffix == ".pdf" else to_xlsx(ev, lang=lang)
    out.write_bytes(data)
    typer.echo(
        f"Wrote the evaluation ({ev.scope.kind}{' ' + ev.scope.code if ev.scope.code else ''}, as of {day}) "
        f"→ {out} in {time.perf_counter() - started:.1f} s"
    )


@app.command("worker")
def worker_command(
    batch: bool = typer.Option(False, "--batch", help="Run the queued tasks, then exit."),
) -> None:
    """Run the background tasks of the database backend (report builds, schedule solves)."""
    _setup()
    from django.core.management import call_command

    call_command("db_worker", *(["--batch"] if batch else []))
