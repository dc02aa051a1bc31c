"""The ``bioseg`` command: demo, serve, audit verify, backup/restore, and the domain commands."""

from __future__ import annotations

from pathlib import Path

import typer

from bioseg.cli.app import app
from bioseg.cli.app import setup as _setup

audit_app = typer.Typer(help="The GMP audit trail.", no_args_is_help=True)
app.add_typer(audit_app, name="audit")


def _migrate(verbosity: int = 0) -> None:
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=verbosity)


@app.command()
def demo(
    serve: bool = typer.Option(True, "--serve/--no-serve", help="Serve the web app after loading the demo."),
    host: str = typer.Option("127.0.0.1", help="Address to listen on."),
    port: int = typer.Option(8000, help="Port to listen on."),
) -> None:
    """Create the database, migrate, load the demo scenario (idempotent) and serve the web app."""
    _setup()
    from django.conf import settings

    _migrate()
    from bioseg.demo.scenario import DEMO_PASSWORD, load

    result = load()
    db = settings.DATABASES["default"]
    typer.echo(f"Database: {db['ENGINE'].rsplit('.', 1)[-1]} {db['NAME']}")
    typer.echo(f"Demo scenario: {result.created} objects created, {result.existing} already present.")
    typer.echo(f"Demo logins (password for all: {DEMO_PASSWORD}):")
    for line in demo_login_lines(result.logins):
        typer.echo(line)
    if serve:
        typer.echo(f"\nbioseg is running at http://{host}:{port}/  (Ctrl-C to stop)")
        _serve(host, port, workers=2)


def demo_login_lines(logins: list[tuple[str, str, str]]) -> list[str]:
    """One line per demo login: user name, role label in English and Chinese, organisation."""
    from django.utils import translation

    from bioseg.accounts.roles import Role

    def label(code: str, language: str) -> str:
        with translation.override(language):
            return str(Role(code).label) if code in Role.values else code

    rows = [(username, f"{label(role, 'en')} · {label(role, 'zh-hans')}", org) for username, role, org in logins]
    user_width = max([len(u) for u, _, _ in rows] + [0])
    role_width = max([_display_width(r) for _, r, _ in rows] + [0])
    return [f"  {u:<{user_width}}  {r}{' ' * (role_width - _display_width(r))}  {o}" for u, r, o in rows]


def _display_width(text: str) -> int:
    """Columns a terminal gives ``text``: CJK characters take two."""
    import unicodedata

    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


@app.command()
def serve(
    host: str = typer.Option("127.0.0.1", help="Address to listen on."),
    port: int = typer.Option(8000, help="Port to listen on."),
    workers: int = typer.Option(2, help="gunicorn worker processes."),
    migrate: bool = typer.Option(True, "--migrate/--no-migrate", help="Apply migrations first."),
) -> None:
    """Run the production server (gunicorn, static files by whitenoise)."""
    _setup()
    if migrate:
        _migrate()
    typer.echo(f"bioseg is running at http://{host}:{port}/")
    _serve(host, port, workers)


def _start_task_worker():
    """The background-task worker beside the web server (report builds, schedule solves), unless the tasks run
    elsewhere (``BIOSEG_TASKS_BACKEND`` set to another backend, or ``BIOSEG_NO_WORKER=1`` when a separate
    ``bioseg worker`` runs). Stopped with the server."""
    import atexit
    import os
    import subprocess
    import sys

    from django.conf import settings

    if os.environ.get("BIOSEG_NO_WORKER") == "1" or "django_tasks_db" not in settings.TASKS["default"]["BACKEND"]:
        return None
    worker = subprocess.Popen([sys.executable, "-c", "from bioseg.cli import main; main()", "worker"])
    typer.echo(f"Background tasks: worker process {worker.pid} (set BIOSEG_NO_WORKER=1 to run your own).")

    parent = os.getpid()

    def stop() -> None:  # in the server's own process only (gunicorn's forked workers inherit atexit)
        if os.getpid() == parent and worker.poll() is None:
            worker.terminate()
            try:
                worker.wait(timeout=10)
            except subprocess.TimeoutExpired:
                worker.kill()

    atexit.register(stop)
    return worker


def _serve(host: str, port: int, workers: int) -> None:
    from gunicorn.app.base import BaseApplication

    _start_task_worker()

    from bioseg.wsgi import application

    class _Server(BaseApplication):
        def load_config(self) -> None:
            self.cfg.set("bind", f"{host}:{port}")
            self.cfg.set("workers", workers)
            self.cfg.set("accesslog", "-")
            self.cfg.set("timeout", 120)

        def load(self):
            return application

    _Server().run()


@audit_app.command("verify")
def audit_verify(
    as_json: bool = typer.Option(False, "--json", help="Print the report as JSON."),
    anchor: bool = typer.Option(True, "--anchor/--no-anchor", help="When intact, anchor the chain's head."),
) -> None:
    """Check the hash chain, every anchor of its head, and that every regulated row equals its last audited
    state; when all is intact, anchor the current head (run it daily, e.g. from cron). Exit 1 if not intact."""
    _setup()
    import json

    from bioseg.audit.anchors import anchor_write
    from bioseg.audit.chain import verify

    report = verify()
    written = anchor_write() if anchor and report.ok else None
    if as_json:
        typer.echo(
            json.dumps(
                {
                    "ok": report.ok,
                    "events_checked": report.events_checked,
                    "rows_checked": report.rows_checked,
                    "anchors_checked": report.anchors_checked,
                    "anchored": {"audit_id": written.audit_id, "hash": written.hash} if written else None,
                    "first_broken_link": report.first_broken_link,
                    "problems": [p.__dict__ for p in report.problems],
                },
                ensure_ascii=False,
                indent=2,
            )
        )
    else:
        typer.echo(
            f"Audit events checked: {report.events_checked}; regulated rows checked: {report.rows_checked}; "
            f"anchors checked: {report.anchors_checked}"
        )
        if written:
            typer.echo(f"Anchored the head: audit event #{written.audit_id} ({written.hash[:16]}…)")
        if report.first_broken_link is not None:
            typer.echo(f"First broken link: audit event #{report.first_broken_link}")
        for p in report.problems:
            typer.echo(f"  {p.kind}: {p.table} row {p.row_pk} (audit #{p.audit_id}): {p.detail}")
        typer.echo("OK: the audit trail is intact." if report.ok else "FAILED: the audit trail is not intact.")
    raise typer.Exit(0 if report.ok else 1)


@app.command()
def backup(out: Path = typer.Argument(..., help="File to write the SQLite backup to.")) -> None:
    """Back up the embedded SQLite database through SQLite's online backup API (safe while serving)."""
    _setup()
    from bioseg.common.backup import sqlite_backup

    try:
        pages = sqlite_backup(out)
    except RuntimeError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(2) from exc
    typer.echo(f"Backed up {pages} pages to {out}")


@app.command()
def restore(
    source: Path = typer.Argument(..., help="A backup written by `bioseg backup`."),
    yes: bool = typer.Option(False, "--yes", help="Replace the current database without asking."),
) -> None:
    """Restore the embedded SQLite database from a backup (stop the server first)."""
    _setup()
    from bioseg.common.backup import sqlite_restore

    if not yes:
        typer.confirm("This replaces the current database. Continue?", abort=True)
    try:
        sqlite_restore(source)
    except RuntimeError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(2) from exc
    typer.echo(f"Restored from {source}")


@app.command()
def migrate() -> None:
    """Apply database migrations (and install the audit triggers)."""
    _setup()
    _migrate(verbosity=1)


@app.command()
def unlock(username: str = typer.Argument(..., help="The user name whose sign-in locks to lift.")) -> None:
    """Lift every sign-in lock of a user name (from every source), e.g. for a QP who must sign now."""
    _setup()
    from bioseg.accounts.models import User
    from bioseg.accounts.services import user_unlock

    if not User.objects.filter(username=username).exists():
        typer.echo(f"错误 [user_not_found]：用户 {username} 不存在 / user {username} does not exist", err=True)
        raise typer.Exit(2)
    lifted = user_unlock(username=username)
    typer.echo(f"{username}: {lifted} lock(s) lifted / 已解除 {lifted} 项锁定")
