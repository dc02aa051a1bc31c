"""Who can forge the actor on PostgreSQL (issue 8 §6): the audit triggers take the actor from the connection's
``bioseg.actor`` setting, which any connection may set. It is therefore privileges that make it unforgeable:
only the application's role may write; everyone else with database access gets the read-only role of
docs/operations.md, and with it a spoofed actor writes nothing. This test builds that role and shows it."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction

from bioseg.audit.models import AuditEvent
from bioseg.registry.models import Enterprise

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif("connection.vendor != 'postgresql'", reason="SQLite has no roles: see docs/operations.md"),
]

READER = "bioseg_reader_probe"


@pytest.fixture
def reader_role():
    """The read-only role of docs/operations.md (NOLOGIN here; a real one logs in), dropped afterwards."""
    with connection.cursor() as cur:
        cur.execute(f"DROP ROLE IF EXISTS {READER}")
        cur.execute(f"CREATE ROLE {READER} NOLOGIN")
        cur.execute(f"GRANT USAGE ON SCHEMA public TO {READER}")
        cur.execute(f"GRANT SELECT ON ALL TABLES IN SCHEMA public TO {READER}")
    yield READER
    with connection.cursor() as cur:
        cur.execute("RESET ROLE")
        cur.execute(f"REVOKE ALL ON ALL TABLES IN SCHEMA public FROM {READER}")
        cur.execute(f"REVOKE ALL ON SCHEMA public FROM {READER}")
        cur.execute(f"DROP ROLE {READER}")


def as_reader(sql: str, params=()):
    """Runs ``sql`` as the reader with a spoofed actor, in a savepoint; returns the rows or the database error."""
    try:
        with transaction.atomic(), connection.cursor() as cur:
            cur.execute(f"SET LOCAL ROLE {READER}")
            cur.execute("SELECT set_config('bioseg.actor', 'mallory', true), set_config('bioseg.reason', 'x', true)")
            cur.execute(sql, params)
            rows = cur.fetchall() if cur.description else []
            cur.execute("RESET ROLE")
            return rows
    except DatabaseError as exc:
        return exc


def test_a_reader_with_a_spoofed_actor_can_read_but_write_nothing(reader_role):
    before = AuditEvent.objects.count()
    assert as_reader("SELECT count(*) FROM registry_enterprise") == [(Enterprise.objects.count(),)]
    for sql in (
        "UPDATE registry_enterprise SET name_en = 'forged'",
        "INSERT INTO audit_auditevent (occurred_at, table_name, row_pk, action, actor, actor_id, organisation, "
        "reason, request_id, old_values, new_values, prev_hash, hash) "
        "VALUES ('t', 'x', '1', 'update', 'mallory', '', '', 'x', '', NULL, NULL, 'p', 'h')",
        "UPDATE accounts_user SET is_superuser = TRUE",
        "DELETE FROM audit_auditevent",
    ):
        err = as_reader(sql)
        assert isinstance(err, DatabaseError) and "permission denied" in str(err), (sql, err)
    assert AuditEvent.objects.count() == before
    assert not AuditEvent.objects.filter(actor="mallory").exists()
