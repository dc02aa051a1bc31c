"""`bioseg backup` / `restore`: SQLite's online backup API on the embedded engine; a clear refusal on PostgreSQL."""

from __future__ import annotations

import sqlite3

import pytest
from django.db import connection

from bioseg.audit.chain import verify
from bioseg.audit.context import audit_context
from bioseg.common.backup import sqlite_backup, sqlite_restore
from bioseg.registry.models import Enterprise


def _add(name: str) -> None:
    with audit_context(actor="ops"):
        Enterprise.objects.create(name_zh=name, name_en=name, domestic=False, country_code="DE", is_holder=True)


@pytest.mark.skipif(connection.vendor != "sqlite", reason="the online backup API is SQLite's")
def test_backup_then_restore_brings_back_the_data_and_its_intact_audit_trail(audited_transactional_db, tmp_path):
    _add("Before backup")
    out = tmp_path / "bioseg.bak"
    pages = sqlite_backup(out)
    assert pages > 0
    with sqlite3.connect(out) as copy:
        assert copy.execute("SELECT name_en FROM registry_enterprise").fetchall() == [("Before backup",)]
    _add("After backup")
    sqlite_restore(out)
    assert list(Enterprise.objects.values_list("name_en", flat=True)) == ["Before backup"]
    assert verify().ok


@pytest.mark.skipif(connection.vendor != "sqlite", reason="the online backup API is SQLite's")
def test_backup_refuses_to_overwrite_and_restore_refuses_a_foreign_file(db, tmp_path):
    existing = tmp_path / "exists.bak"
    existing.write_text("keep me")
    with pytest.raises(RuntimeError, match="exists already"):
        sqlite_backup(existing)
    assert existing.read_text() == "keep me"
    other = tmp_path / "other.sqlite3"
    with sqlite3.connect(other) as conn:
        conn.execute("CREATE TABLE t (x)")
    with pytest.raises(RuntimeError, match="not a bioseg database"):
        sqlite_restore(other)
    with pytest.raises(RuntimeError, match="is not a file"):
        sqlite_restore(tmp_path / "missing.bak")


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL is backed up with pg_dump")
def test_backup_on_postgresql_points_to_pg_dump(db, tmp_path):
    with pytest.raises(RuntimeError, match="pg_dump"):
        sqlite_backup(tmp_path / "x.bak")
    assert not (tmp_path / "x.bak").exists()
