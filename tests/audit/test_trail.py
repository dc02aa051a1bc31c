"""The GMP audit trail: every way of writing a regulated row is captured by the database triggers,
nothing regulated is deleted, updates need a reason, and the trail is hash-chained and verifiable."""

from __future__ import annotations

import json

import pytest
from django.db import DatabaseError, connection, transaction

from bioseg.audit import triggers
from bioseg.audit.chain import link_hash, verify
from bioseg.audit.context import audit_context
from bioseg.audit.models import AuditEvent
from bioseg.registry.models import Enterprise

pytestmark = pytest.mark.django_db


def _foreign(name: str) -> Enterprise:
    return Enterprise(name_zh=name, name_en=name, domestic=False, country_code="DE", is_holder=True)


def _events(table: str = "registry_enterprise") -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(table_name=table).order_by("id"))


def test_orm_save_insert_and_update_are_captured_with_actor_reason_and_request_id():
    with audit_context(actor="alice", request_id="req-1"):
        e = _foreign("Alpha GmbH")
        e.save()
    with audit_context(actor="bob", reason="typo in the name", request_id="req-2"):
        e.name_en = "Alpha AG"
        e.save()
    ins, upd = _events()
    assert (ins.action, ins.actor, ins.reason, ins.request_id, ins.row_pk) == (
        "insert",
        "alice",
        "",
        "req-1",
        str(e.pk),
    )
    assert ins.old_values is None
    assert json.loads(ins.new_values)["name_en"] == "Alpha GmbH"
    assert (upd.action, upd.actor, upd.reason, upd.request_id) == (
        "update",
        "bob",
        "typo in the name",
        "req-2",
    )
    assert json.loads(upd.old_values)["name_en"] == "Alpha GmbH"
    assert json.loads(upd.new_values)["name_en"] == "Alpha AG"
    assert upd.occurred_at.endswith("Z") and upd.occurred_at >= ins.occurred_at


def test_queryset_update_bulk_update_bulk_create_and_raw_sql_are_all_captured():
    with audit_context(actor="loader"):
        Enterprise.objects.bulk_create([_foreign("B1"), _foreign("B2"), _foreign("B3")])
    assert [ev.action for ev in _events()] == ["insert"] * 3
    with audit_context(actor="qa", reason="country corrected"):
        assert Enterprise.objects.filter(name_en__in=["B1", "B2"]).update(country_code="CH") == 2
        rows = list(Enterprise.objects.filter(name_en__in=["B1", "B3"]).order_by("name_en"))
        for r in rows:
            r.name_zh = r.name_zh + "（更正）"
        Enterprise.objects.bulk_update(rows, ["name_zh"])
        with connection.cursor() as cur:
            cur.execute("UPDATE registry_enterprise SET country_code = %s WHERE name_en = %s", ["SG", "B3"])
    events = _events()
    assert [ev.action for ev in events] == ["insert"] * 3 + ["update"] * 5
    assert {ev.reason for ev in events[3:]} == {"country corrected"}
    raw = events[-1]
    assert json.loads(raw.old_values)["country_code"] == "DE" and json.loads(raw.new_values)["country_code"] == "SG"
    assert verify().ok


def test_update_without_a_reason_is_refused_and_changes_nothing():
    with audit_context(actor="alice"):
        e = _foreign("Gamma")
        e.save()
    before = AuditEvent.objects.count()
    with (
        audit_context(actor="alice"),
        pytest.raises(DatabaseError, match="needs a reason"),
        transaction.atomic(),
    ):
        Enterprise.objects.filter(pk=e.pk).update(name_en="Gamma 2")
    assert Enterprise.objects.get(pk=e.pk).name_en == "Gamma"
    assert AuditEvent.objects.count() == before


def test_deleting_a_regulated_row_is_refused():
    with audit_context(actor="alice"):
        e = _foreign("Delta")
        e.save()
    with (
        pytest.raises(DatabaseError, match="deleting a row of registry_enterprise is refused"),
        transaction.atomic(),
    ):
        Enterprise.objects.filter(pk=e.pk).delete()
    assert Enterprise.objects.filter(pk=e.pk).exists()
    with pytest.raises(DatabaseError, match="is refused"), transaction.atomic(), connection.cursor() as cur:
        cur.execute("DELETE FROM registry_enterprise")
    assert Enterprise.objects.count() == 1


def test_the_audit_table_refuses_update_and_delete():
    with audit_context(actor="alice"):
        _foreign("Epsilon").save()
    ev = _events()[0]
    for sql in ("UPDATE audit_auditevent SET reason = 'forged'", "DELETE FROM audit_auditevent"):
        with pytest.raises(DatabaseError, match="audit trail cannot be changed"), transaction.atomic():
            with connection.cursor() as cur:
                cur.execute(sql)
    with pytest.raises(DatabaseError, match="audit trail cannot be changed"), transaction.atomic():
        AuditEvent.objects.filter(pk=ev.pk).update(reason="forged")
    assert AuditEvent.objects.get(pk=ev.pk).reason == ""


def test_every_link_of_the_chain_is_the_hash_of_its_predecessor_and_contents():
    with audit_context(actor="alice", reason="r"):
        e = _foreign("Zeta")
        e.save()
        e.name_zh = "泽塔"
        e.save()
    events = list(AuditEvent.objects.order_by("id"))
    assert events[0].prev_hash == "0" * 64
    for prev, ev in zip([None, *events], events, strict=False):
        expected_prev = prev.hash if prev else "0" * 64
        assert ev.prev_hash == expected_prev
        row = {
            f: getattr(ev, f)
            for f in (
                "occurred_at",
                "table_name",
                "row_pk",
                "action",
                "actor",
                "actor_id",
                "organisation",
                "reason",
                "request_id",
                "old_values",
                "new_values",
            )
        }
        assert link_hash(expected_prev, row) == ev.hash
    report = verify()
    assert (report.ok, report.events_checked, report.first_broken_link) == (True, len(events), None)


# --- out of band: another connection, with the triggers bypassed --------------------------------------


def _out_of_band(statements: list[str]) -> None:
    """Runs SQL on a second, independent connection, without the audit triggers firing."""
    settings = connection.settings_dict
    if connection.vendor == "sqlite":
        import sqlite3

        raw = sqlite3.connect(settings["NAME"])
        try:
            names = [r[0] for r in raw.execute("SELECT name FROM sqlite_master WHERE type='trigger'")]
            for name in names:
                raw.execute(f"DROP TRIGGER {name}")
            for sql in statements:
                raw.execute(sql)
            raw.commit()
        finally:
            raw.close()
        triggers.install()  # put the triggers back for the rest of the test
    else:
        import psycopg

        with psycopg.connect(
            dbname=settings["NAME"],
            user=settings["USER"],
            password=settings["PASSWORD"] or None,
            host=settings["HOST"] or None,
            port=settings["PORT"] or None,
            autocommit=True,
        ) as raw:
            raw.execute("SET session_replication_role = replica")  # triggers do not fire
            for sql in statements:
                raw.execute(sql)


def test_a_row_edited_out_of_band_is_detected_by_the_verifier(audited_transactional_db):
    with audit_context(actor="alice"):
        a, b = _foreign("Eta"), _foreign("Theta")
        a.save()
        b.save()
    assert verify().ok
    _out_of_band([f"UPDATE registry_enterprise SET country_code = 'FR' WHERE id = {b.pk}"])
    report = verify()
    assert not report.ok
    assert report.first_broken_link is None  # the chain itself is intact …
    assert [(p.kind, p.table, p.row_pk) for p in report.problems] == [
        ("tampered_row", "registry_enterprise", str(b.pk))
    ]


def test_a_row_inserted_or_deleted_out_of_band_is_detected(audited_transactional_db):
    with audit_context(actor="alice"):
        a = _foreign("Iota")
        a.save()
    now = "2026-01-01 00:00:00"
    _out_of_band(
        [
            f"DELETE FROM registry_enterprise WHERE id = {a.pk}",
            "INSERT INTO registry_enterprise (created_at, updated_at, name_zh, name_en, credit_code, domestic, "
            "country_code, region_code, is_holder, is_contract_manufacturer, is_testing_laboratory, "
            f"is_logistics_provider) VALUES ('{now}', '{now}', 'X', 'Ghost', NULL, FALSE, 'DE', '', TRUE, FALSE, FALSE, FALSE)",
        ]
    )
    ghost = Enterprise.objects.get(name_en="Ghost")
    kinds = sorted((p.kind, p.row_pk) for p in verify().problems)
    assert kinds == sorted([("missing_row", str(a.pk)), ("unaudited_row", str(ghost.pk))])


def test_an_audit_row_edited_out_of_band_breaks_the_chain_at_that_row(audited_transactional_db):
    with audit_context(actor="alice", reason="r"):
        for name in ("K1", "K2", "K3"):
            _foreign(name).save()
    ids = list(AuditEvent.objects.order_by("id").values_list("id", flat=True))
    _out_of_band([f"UPDATE audit_auditevent SET actor = 'mallory' WHERE id = {ids[1]}"])
    report = verify()
    assert report.first_broken_link == ids[1]
    assert [p.kind for p in report.problems] == ["broken_link"]


def test_an_audit_row_removed_out_of_band_breaks_the_chain_at_its_successor(audited_transactional_db):
    with audit_context(actor="alice"):
        for name in ("L1", "L2", "L3"):
            _foreign(name).save()
    ids = list(AuditEvent.objects.order_by("id").values_list("id", flat=True))
    _out_of_band([f"DELETE FROM audit_auditevent WHERE id = {ids[1]}"])
    report = verify()
    assert report.first_broken_link == ids[2]
    assert "prev_hash" in report.problems[0].detail


def test_a_database_error_inside_a_service_transaction_surfaces_as_itself():
    """Services write `with transaction.atomic(), audit_context(...)`: when a statement fails, leaving the
    audit context must not run SQL in the failed transaction (on PostgreSQL that would replace the real
    error with "current transaction is aborted")."""
    with audit_context(actor="alice"):
        e = _foreign("Omicron")
        e.save()
    with pytest.raises(DatabaseError, match="needs a reason"):
        with transaction.atomic(), audit_context(actor="alice"):
            Enterprise.objects.filter(pk=e.pk).update(name_en="Omicron 2")
    assert Enterprise.objects.get(pk=e.pk).name_en == "Omicron"


def test_a_context_entered_before_the_connection_opens_reaches_the_trail(audited_transactional_db):
    """The request middleware enters the context before any query; the connection opened later takes it."""
    connection.close()
    assert connection.connection is None
    with audit_context(actor="late-opener", reason="r", request_id="req-late"):
        assert connection.connection is None  # entering did not open one
        _foreign("Pi").save()
    [ev] = _events()
    assert (ev.actor, ev.request_id) == ("late-opener", "req-late")


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="SQLite has no TRUNCATE: DELETE FROM is refused row by row"
)
def test_truncate_is_refused_on_the_trail_and_on_regulated_tables(audited_transactional_db):
    with audit_context(actor="alice"):
        _foreign("Eta").save()
    before = (AuditEvent.objects.count(), Enterprise.objects.count())
    for table in ("audit_auditevent", "registry_enterprise", "quality_deviation"):
        with pytest.raises(DatabaseError, match=f"TRUNCATE of {table} is refused"), transaction.atomic():
            with connection.cursor() as cur:
                cur.execute(f"TRUNCATE {table} CASCADE")
    assert (AuditEvent.objects.count(), Enterprise.objects.count()) == before
