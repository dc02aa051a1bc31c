"""Verifying the audit trail: the hash chain, and that every regulated row still equals its last audited state."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from django.db import connection

from bioseg.audit.triggers import (
    ACCOUNT_TABLE,
    AUDIT_TABLE,
    GENESIS,
    account_json_sql,
    regulated_models,
    row_json_sql,
)

_COLUMNS = (
    "id, occurred_at, table_name, row_pk, action, actor, actor_id, organisation, reason, request_id, "
    "old_values, new_values, prev_hash, hash"
)


def link_hash(prev_hash: str, row: dict) -> str:
    """What the triggers compute for one audit row: SHA-256 over the previous hash and the row's columns."""
    parts = [
        row["occurred_at"],
        row["table_name"],
        row["row_pk"],
        row["action"],
        row["actor"],
        row["actor_id"],
        row["organisation"],
        row["reason"],
        row["request_id"],
        row["old_values"] or "",
        row["new_values"] or "",
    ]
    return hashlib.sha256((prev_hash + "|" + "|".join(parts)).encode("utf-8")).hexdigest()


@dataclass
class Problem:
    kind: str  # broken_link | tampered_row | missing_row | unaudited_row | anchor_forged | anchor_mismatch | …
    table: str
    row_pk: str
    audit_id: int | None
    detail: str


@dataclass
class VerifyReport:
    events_checked: int = 0
    rows_checked: int = 0
    anchors_checked: int = 0
    first_broken_link: int | None = None
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def verify(batch_size: int = 5000) -> VerifyReport:
    report = VerifyReport()
    _verify_chain(report, batch_size)
    _verify_rows(report)
    _verify_anchors(report)
    return report


def _verify_anchors(report: VerifyReport) -> None:
    from bioseg.audit.anchors import anchors_check

    report.anchors_checked, problems = anchors_check()
    for p in problems:
        report.problems.append(Problem(p.kind, AUDIT_TABLE, str(p.audit_id or ""), p.audit_id, p.detail))


def _verify_chain(report: VerifyReport, batch_size: int) -> None:
    prev = GENESIS
    last_id = 0
    names = [c.strip() for c in _COLUMNS.split(",")]
    with connection.cursor() as cur:
        while True:
            cur.execute(
                f"SELECT {_COLUMNS} FROM {AUDIT_TABLE} WHERE id > %s ORDER BY id LIMIT %s",
                [last_id, batch_size],
            )
            rows = cur.fetchall()
            if not rows:
                return
            for values in rows:
                row = dict(zip(names, values, strict=True))
                report.events_checked += 1
                last_id = row["id"]
                if report.first_broken_link is not None:
                    continue
                if row["prev_hash"] != prev:
                    detail = "prev_hash does not match the hash of the preceding row (a row was removed or re-linked)"
                elif link_hash(prev, row) != row["hash"]:
                    detail = "hash does not match the row's contents (the row was edited)"
                else:
                    prev = row["hash"]
                    continue
                report.first_broken_link = row["id"]
                report.problems.append(Problem("broken_link", row["table_name"], row["row_pk"], row["id"], detail))


def _verify_rows(report: VerifyReport) -> None:
    vendor = connection.vendor
    # every regulated table, and the audited columns of the user accounts
    checks = [(m._meta.db_table, row_json_sql(m, "t", vendor)) for m in regulated_models()]
    checks.append((ACCOUNT_TABLE, account_json_sql("t", vendor)))
    with connection.cursor() as cur:
        for table, current_sql in checks:
            cur.execute(
                f"SELECT a.row_pk, a.id, a.new_values FROM {AUDIT_TABLE} a "
                f"JOIN (SELECT row_pk, max(id) AS id FROM {AUDIT_TABLE} WHERE table_name = %s GROUP BY row_pk) m "
                f"ON a.id = m.id",
                [table],
            )
            last = {pk: (aid, new) for pk, aid, new in cur.fetchall()}
            cur.execute(f'SELECT CAST(t.id AS TEXT), {current_sql} FROM "{table}" t')
            for pk, current in cur.fetchall():
                report.rows_checked += 1
                audited = last.pop(pk, None)
                if audited is None:
                    report.problems.append(
                        Problem(
                            "unaudited_row",
                            table,
                            pk,
                            None,
                            "the row has no audit trail (written out of band)",
                        )
                    )
                elif audited[1] != current:
                    report.problems.append(
                        Problem(
                            "tampered_row",
                            table,
                            pk,
                            audited[0],
                            "the row differs from its last audited state (changed out of band)",
                        )
                    )
            for pk, (aid, _new) in sorted(last.items()):
                if _new is None:
                    continue  # deleted, and the deletion is in the trail (a user account)
                report.problems.append(
                    Problem("missing_row", table, pk, aid, "the audited row is gone (deleted out of band)")
                )
