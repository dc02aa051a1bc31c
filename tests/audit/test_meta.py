"""Meta-tests of the audit trail (issue 7 §8): every regulated model — today's and any added later — has its
audit triggers on this engine (a table added without them fails here)."""

from __future__ import annotations

import pytest
from django.db import connection

from bioseg.audit import triggers
from bioseg.audit.triggers import regulated_models, regulated_tables

pytestmark = pytest.mark.django_db

SQLITE_TRIGGERS = ("bioseg_audit_ins_{t}", "bioseg_audit_reason_{t}", "bioseg_audit_upd_{t}", "bioseg_audit_del_{t}")
PG_TRIGGERS = ("bioseg_audit_row", "bioseg_audit_del", "bioseg_audit_truncate")


def installed() -> dict[str, set[str]]:
    """table → names of the triggers on it, read from the engine's catalogue."""
    out: dict[str, set[str]] = {}
    with connection.cursor() as cur:
        if connection.vendor == "sqlite":
            cur.execute("SELECT tbl_name, name FROM sqlite_master WHERE type = 'trigger'")
        else:
            cur.execute(
                "SELECT c.relname, t.tgname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
                "WHERE NOT t.tgisinternal"
            )
        for table, name in cur.fetchall():
            out.setdefault(table, set()).add(name)
    return out


def test_every_regulated_model_has_its_audit_triggers():
    tables = regulated_tables()
    assert len(tables) >= 60  # the registry, production, quality, supervision, pilots, evaluation, audit
    have = installed()
    want = SQLITE_TRIGGERS if connection.vendor == "sqlite" else PG_TRIGGERS
    missing = {
        t: sorted({w.format(t=t) for w in want} - have.get(t, set()))
        for t in tables
        if {w.format(t=t) for w in want} - have.get(t, set())
    }
    assert missing == {}


def test_a_model_that_says_regulated_gets_triggers_and_one_that_does_not_gets_none():
    regulated = {m._meta.db_table for m in regulated_models()}
    have = installed()
    assert "accounts_apitoken" not in regulated and not have.get("accounts_apitoken")
    assert "production_lot" in regulated and have.get("production_lot")


def test_reinstalling_the_triggers_restores_a_dropped_one():
    table = "production_lot"
    name = "bioseg_audit_upd_production_lot" if connection.vendor == "sqlite" else "bioseg_audit_row"
    with connection.cursor() as cur:
        cur.execute(f"DROP TRIGGER {name}" if connection.vendor == "sqlite" else f"DROP TRIGGER {name} ON {table}")
    assert name not in installed().get(table, set())
    triggers.install()
    assert name in installed()[table]
