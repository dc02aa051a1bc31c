"""Anchoring the audit trail's hash chain outside the database.

The chain alone proves that no row was changed *in the middle*; whoever can write the database can still
delete the newest rows or recompute every later hash. An anchor records the head of the chain (the newest
audit id and its hash, and how many events there were) in a file outside the database, sealed with an
HMAC under the server's secret key. ``verify`` then requires that every anchored id still exists with the
anchored hash: undoing recent changes, rewriting the chain, truncating the audit table or restoring an
older backup is found. Keep the anchor file on storage the database's users cannot write
(``BIOSEG_AUDIT_ANCHOR_FILE``; docs/operations.md).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import connection

from bioseg.audit.triggers import AUDIT_TABLE


@dataclass(frozen=True)
class Anchor:
    audit_id: int
    hash: str
    events: int
    at: str
    database: str
    seal: str

    def body(self) -> dict:
        return {
            "audit_id": self.audit_id,
            "hash": self.hash,
            "events": self.events,
            "at": self.at,
            "database": self.database,
        }


def anchor_file() -> Path:
    configured = getattr(settings, "BIOSEG_AUDIT_ANCHOR_FILE", None)
    return Path(configured) if configured else Path(settings.DATA_DIR) / "audit-anchors.jsonl"


def _database() -> str:
    db = connection.settings_dict
    return f"{connection.vendor}:{db.get('HOST') or ''}:{db.get('NAME')}"


def _seal(body: dict) -> str:
    key = hashlib.sha256(("bioseg-audit-anchor|" + settings.SECRET_KEY).encode()).digest()
    message = json.dumps(body, sort_keys=True, separators=(",", ":")).encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def head() -> tuple[int, str, int] | None:
    with connection.cursor() as cur:
        cur.execute(f"SELECT id, hash FROM {AUDIT_TABLE} ORDER BY id DESC LIMIT 1")
        row = cur.fetchone()
        if row is None:
            return None
        cur.execute(f"SELECT count(*) FROM {AUDIT_TABLE}")
        (count,) = cur.fetchone()
    return int(row[0]), str(row[1]), int(count)


def anchor_write(now: dt.datetime | None = None) -> Anchor | None:
    """Appends the chain's current head to the anchor file; None when the trail is empty."""
    current = head()
    if current is None:
        return None
    audit_id, link, events = current
    at = (now or dt.datetime.now(dt.UTC)).isoformat(timespec="seconds")
    body = {"audit_id": audit_id, "hash": link, "events": events, "at": at, "database": _database()}
    anchor = Anchor(**body, seal=_seal(body))
    path = anchor_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as handle:
        handle.write(json.dumps({**body, "seal": anchor.seal}, sort_keys=True) + "\n")
    return anchor


@dataclass(frozen=True)
class AnchorProblem:
    kind: str  # anchor_forged | anchor_mismatch | anchor_unreadable
    audit_id: int | None
    detail: str


def anchors_check() -> tuple[int, list[AnchorProblem]]:
    """Checks every anchor of this database against the trail; returns (anchors checked, problems)."""
    path = anchor_file()
    if not path.exists():
        return 0, []
    database = _database()
    problems: list[AnchorProblem] = []
    checked = 0
    with connection.cursor() as cur:
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if not line.strip():
                continue
            try:
                data = json.loads(line)
                anchor = Anchor(**data)
            except (ValueError, TypeError):
                problems.append(AnchorProblem("anchor_unreadable", None, f"line {number} of {path} is not an anchor"))
                continue
            if anchor.database != database:
                continue
            checked += 1
            if not hmac.compare_digest(_seal(anchor.body()), anchor.seal):
                problems.append(
                    AnchorProblem(
                        "anchor_forged", anchor.audit_id, f"anchor on line {number} does not carry a valid seal"
                    )
                )
                continue
            cur.execute(f"SELECT hash FROM {AUDIT_TABLE} WHERE id = %s", [anchor.audit_id])
            row = cur.fetchone()
            if row is None or row[0] != anchor.hash:
                what = "is gone" if row is None else "has another hash"
                problems.append(
                    AnchorProblem(
                        "anchor_mismatch",
                        anchor.audit_id,
                        f"audit event #{anchor.audit_id}, anchored at {anchor.at}, {what}: the trail was cut back, "
                        "rewritten or restored from an older copy",
                    )
                )
    return checked, problems
