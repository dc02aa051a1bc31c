"""``bioseg audit verify`` anchors the chain's head outside the database, and then finds what the chain alone
cannot: the newest events cut away (what restoring an older copy amounts to), and a forged anchor."""

from __future__ import annotations

import json
import sqlite3

import pytest

from tests.cli.test_commands import run


@pytest.fixture
def demo(tmp_path):
    data = tmp_path / "data"
    assert run(["demo", "--no-serve"], data).returncode == 0
    return data


def _verify(data):
    result = run(["audit", "verify", "--json"], data)
    return result.returncode, json.loads(result.stdout)


def _head(db) -> tuple[int, str]:
    with sqlite3.connect(db) as conn:
        return conn.execute("SELECT id, hash FROM audit_auditevent ORDER BY id DESC LIMIT 1").fetchone()


def test_verify_anchors_the_head_and_finds_the_newest_events_cut_away(demo):
    db = demo / "bioseg.sqlite3"
    code, report = _verify(demo)
    head_id, head_hash = _head(db)
    assert (code, report["ok"], report["anchors_checked"]) == (0, True, 0)
    assert report["anchored"] == {"audit_id": head_id, "hash": head_hash}
    [line] = (demo / "audit-anchors.jsonl").read_text(encoding="utf-8").splitlines()
    assert json.loads(line)["audit_id"] == head_id

    code, report = _verify(demo)
    assert (code, report["anchors_checked"]) == (0, 1)

    with sqlite3.connect(db) as conn:
        for (name,) in conn.execute(
            "SELECT name FROM sqlite_master WHERE type='trigger' AND tbl_name='audit_auditevent'"
        ):
            conn.execute(f'DROP TRIGGER "{name}"')
        conn.execute("DELETE FROM audit_auditevent WHERE id >= ?", [head_id - 2])
    code, report = _verify(demo)
    assert code == 1 and report["ok"] is False and report["anchored"] is None
    assert report["first_broken_link"] is None  # the chain alone cannot see a cut tail
    kinds = {(p["kind"], p["audit_id"]) for p in report["problems"] if p["kind"].startswith("anchor")}
    assert kinds == {("anchor_mismatch", head_id)}
    assert len((demo / "audit-anchors.jsonl").read_text(encoding="utf-8").splitlines()) == 2  # nothing anchored


def test_a_forged_anchor_is_found(demo):
    assert _verify(demo)[0] == 0
    anchors = demo / "audit-anchors.jsonl"
    forged = json.loads(anchors.read_text(encoding="utf-8").splitlines()[-1])
    forged["audit_id"], forged["hash"] = 1, "0" * 64  # an attacker who cannot compute the seal
    with anchors.open("a", encoding="utf-8") as handle:
        handle.write(json.dumps(forged) + "\n")
    code, report = _verify(demo)
    assert (code, report["anchors_checked"]) == (1, 2)
    assert [(p["kind"], p["audit_id"]) for p in report["problems"]] == [("anchor_forged", 1)]


def test_unlock_lifts_the_locks_of_a_name_and_refuses_an_unknown_one(demo):
    db = demo / "bioseg.sqlite3"
    with sqlite3.connect(db) as conn:
        conn.execute(
            "INSERT INTO accounts_loginthrottle (username, source, failures, locked_until, updated_at) "
            "VALUES ('nmpa', '10.0.0.9', 5, '2999-01-01 00:00:00', '2026-01-01 00:00:00')"
        )
    done = run(["unlock", "nmpa"], demo)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "nmpa: 1 lock(s) lifted / 已解除 1 项锁定"
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT count(*) FROM accounts_loginthrottle").fetchone()[0] == 0
    unknown = run(["unlock", "nobody"], demo)
    assert unknown.returncode == 2
    assert unknown.stderr.strip() == "错误 [user_not_found]：用户 nobody 不存在 / user nobody does not exist"
