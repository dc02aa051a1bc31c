"""Backup and restore of the embedded SQLite database through SQLite's online backup API."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from django.conf import settings
from django.db import connection


def _sqlite_path() -> Path:
    db = settings.DATABASES["default"]
    if not db["ENGINE"].endswith("sqlite3"):
        raise RuntimeError(
            "bioseg backup is for the embedded SQLite database; back up PostgreSQL with pg_dump "
            "(see docs/operations.md)."
        )
    return Path(db["NAME"])


def sqlite_backup(out: Path) -> int:
    source_path = _sqlite_path()
    out = Path(out)
    if out.exists():
        raise RuntimeError(f"{out} exists already; choose a new file name.")
    out.parent.mkdir(parents=True, exist_ok=True)
    src = sqlite3.connect(source_path)
    dst = sqlite3.connect(out)
    try:
        with dst:
            src.backup(dst, pages=1024)
        pages = dst.execute("PRAGMA page_count").fetchone()[0]
        check = dst.execute("PRAGMA integrity_check").fetchone()[0]
        if check != "ok":
            raise RuntimeError(f"The backup failed its integrity check: {check}")
        return pages
    finally:
        src.close()
        dst.close()


def sqlite_restore(source: Path) -> None:
    target_path = _sqlite_path()
    source = Path(source)
    if not source.is_file():
        raise RuntimeError(f"{source} is not a file.")
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    try:
        check = src.execute("PRAGMA integrity_check").fetchone()[0]
        if check != "ok":
            raise RuntimeError(f"{source} failed SQLite's integrity check: {check}")
        tables = {r[0] for r in src.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        if "audit_auditevent" not in tables:
            raise RuntimeError(f"{source} is not a bioseg database (it has no audit trail).")
        connection.close()
        dst = sqlite3.connect(target_path)
        try:
            with dst:
                src.backup(dst)
        finally:
            dst.close()
    finally:
        src.close()
