"""The console script as a user runs it: a fresh data directory, the embedded SQLite default."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

BIOSEG = shutil.which("bioseg", path=str(Path(sys.executable).parent)) or "bioseg"


def run(args: list[str], data_dir: Path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("BIOSEG_DATABASE_URL", "DJANGO_SETTINGS_MODULE")}
    env["BIOSEG_DATA_DIR"] = str(data_dir)
    return subprocess.run([BIOSEG, *args], env=env, capture_output=True, text=True, timeout=300, check=False)


@pytest.fixture(scope="module")
def loaded(tmp_path_factory):
    data = tmp_path_factory.mktemp("bioseg-data")
    first = run(["demo", "--no-serve"], data)
    return data, first


def _counts(db: Path) -> dict[str, int]:
    with sqlite3.connect(db) as conn:
        tables = ["registry_enterprise", "registry_site", "registry_product", "accounts_user", "audit_auditevent"]
        return {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in tables}


def test_demo_creates_the_database_in_the_data_dir_and_prints_the_logins(loaded):
    data, first = loaded
    assert first.returncode == 0, first.stderr
    assert (data / "bioseg.sqlite3").is_file()
    assert "Demo logins" in first.stdout
    assert "js-inspector" in first.stdout and "shcdmo-qa" in first.stdout
    # roles by their labels in both languages, never their codes
    lines = {line.split()[0]: line for line in first.stdout.splitlines() if line.startswith("  ")}
    assert "Contract manufacturer QA · 受托生产企业质量保证" in lines["shcdmo-qa"]
    assert "NMPA officer · 国家药监局工作人员" in lines["nmpa"]
    assert "cmo_qa" not in first.stdout and "provincial_reviewer" not in first.stdout
    counts = _counts(data / "bioseg.sqlite3")
    assert counts["registry_enterprise"] > 0 and counts["audit_auditevent"] > 0


def test_running_the_demo_twice_duplicates_nothing(loaded):
    data, _ = loaded
    before = _counts(data / "bioseg.sqlite3")
    again = run(["demo", "--no-serve"], data)
    assert again.returncode == 0, again.stderr
    assert "0 objects created" in again.stdout
    assert _counts(data / "bioseg.sqlite3") == before


def test_audit_verify_passes_then_finds_an_out_of_band_edit(loaded):
    data, _ = loaded
    ok = run(["audit", "verify"], data)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "OK: the audit trail is intact." in ok.stdout
    db = data / "bioseg.sqlite3"
    with sqlite3.connect(db) as conn:
        conn.execute("DROP TRIGGER bioseg_audit_reason_registry_product")
        conn.execute("DROP TRIGGER bioseg_audit_upd_registry_product")
        pk = conn.execute("SELECT min(id) FROM registry_product").fetchone()[0]
        conn.execute("UPDATE registry_product SET storage_max_c = 25 WHERE id = ?", [pk])
    bad = run(["audit", "verify", "--json"], data)
    assert bad.returncode == 1
    assert f'"row_pk": "{pk}"' in bad.stdout and '"kind": "tampered_row"' in bad.stdout
    assert run(["migrate"], data).returncode == 0  # reinstalls the triggers for the other tests


def test_backup_writes_a_copy_and_refuses_to_overwrite_it(loaded, tmp_path):
    data, _ = loaded
    out = tmp_path / "copy.sqlite3"
    first = run(["backup", str(out)], data)
    assert first.returncode == 0, first.stderr
    assert _counts(out)["registry_enterprise"] == _counts(data / "bioseg.sqlite3")["registry_enterprise"]
    second = run(["backup", str(out)], data)
    assert second.returncode == 2 and "exists already" in second.stderr
