"""``bioseg lots`` and ``bioseg epcis export|capture``: in-process on the production suite's small world (W1 →
D1, D2 shipped to Shanghai → P1, P2), and the console script on a fresh database for the round trip."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from jsonschema import FormatChecker
from jsonschema.validators import validator_for
from typer.testing import CliRunner

from bioseg.audit.models import AuditEvent
from bioseg.cli import app
from bioseg.demo.epcis import epcis_demo_mappings
from bioseg.production.models import EpcisCapture, EpcisEvent, EpcisEventLot
from tests.production import conftest as production_fixtures
from tests.shared import SCHEMA_FILE, VENDOR

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("epcis_schema")]

world = production_fixtures.world
genealogy = production_fixtures.genealogy
fast_password_hashing = production_fixtures.fast_password_hashing

BIOSEG = shutil.which("bioseg", path=str(Path(sys.executable).parent)) or "bioseg"


def run(*args: str):
    return CliRunner().invoke(app, list(args))


def counts() -> dict[str, int]:
    return {
        "captures": EpcisCapture.objects.count(),
        "events": EpcisEvent.objects.count(),
        "links": EpcisEventLot.objects.count(),
        "audit": AuditEvent.objects.count(),
    }


@pytest.fixture
def mapped(genealogy, admin):
    epcis_demo_mappings(admin)
    return genealogy


# --- bioseg lots ---------------------------------------------------------------------------------------------


def test_lots_as_json_lists_what_scripts_need(genealogy):
    result = run("lots", "--format", "json")
    assert result.exit_code == 0, result.output
    g = genealogy
    assert json.loads(result.output) == [
        {"id": lot.pk, "lot_number": lot.lot_number, "product": "PD-1 mAb", "site": site, "status": "quarantine"}
        for lot, site in [
            (g.w1, "Suzhou site"), (g.d1, "Suzhou site"), (g.d2, "Suzhou site"),
            (g.p1, "Shanghai site"), (g.p2, "Shanghai site"),
        ]
    ]  # fmt: skip


def test_lots_as_text_and_scoped_by_user(genealogy):
    result = run("lots")
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert lines[0].split() == ["id", "lot", "number", "status", "product", "site"]
    assert lines[1].split() == [str(genealogy.w1.pk), "W1", "quarantine", "PD-1", "mAb", "Suzhou", "site"]
    assert lines[-1] == "5 lot(s)"
    assert json.loads(run("lots", "--format", "json", "--user", "gd-qa").output) == []
    bad = run("lots", "--format", "xml")
    assert bad.exit_code == 2 and "--format 'xml' is not one of: text, json" in bad.stderr
    nobody = run("lots", "--user", "nobody")
    assert nobody.exit_code == 2 and "error [unknown_user]" in nobody.stderr


# --- bioseg epcis export ---------------------------------------------------------------------------------------


def test_export_writes_a_document_valid_against_the_official_schema(mapped, tmp_path):
    out = tmp_path / "p1.jsonld"
    result = run("epcis", "export", "P1", "--out", str(out))
    assert result.exit_code == 0, result.output
    document = json.loads(out.read_text(encoding="utf-8"))
    assert result.output == f"Exported 6 EPCIS event(s) for lot {mapped.p1.pk} to {out}\n"
    schema = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    assert list(validator_for(schema)(schema, format_checker=FormatChecker()).iter_errors(document)) == []
    by_id = tmp_path / "by-id.jsonld"
    assert run("epcis", "export", str(mapped.p1.pk), "--out", str(by_id), "--indent", "2").exit_code == 0
    again = json.loads(by_id.read_text(encoding="utf-8"))
    assert [e["eventID"] for e in again["epcisBody"]["eventList"]] == [
        e["eventID"] for e in document["epcisBody"]["eventList"]
    ]


def test_export_refusals_exit_2_and_write_no_file(genealogy, tmp_path):
    out = tmp_path / "x.jsonld"
    missing = run("epcis", "export", "P1", "--out", str(out))
    assert missing.exit_code == 2
    assert missing.stderr.splitlines()[0].startswith("error [epcis_identifiers_missing]: The lot cannot be exported")
    assert "  kind=gtin, product_id=" in missing.stderr and "material=DP" in missing.stderr
    assert "  kind=gln, site_id=" in missing.stderr
    unknown = run("epcis", "export", "999999", "--out", str(out))
    assert unknown.exit_code == 2 and unknown.stderr == "error [not_found]: lot 999999 was not found.\n"
    hidden = run("epcis", "export", str(genealogy.p1.pk), "--out", str(out), "--user", "gd-qa", "--lang", "zh")
    assert hidden.exit_code == 2 and hidden.stderr.startswith("错误 [not_found]：未找到")
    assert not out.exists()


# --- bioseg epcis capture --------------------------------------------------------------------------------------


def test_capture_stores_events_then_refuses_duplicates(mapped, tmp_path):
    out = tmp_path / "p2.jsonld"
    assert run("epcis", "export", "P2", "--out", str(out)).exit_code == 0
    hash_ids = [e["eventID"] for e in json.loads(out.read_text())["epcisBody"]["eventList"]]
    result = run("epcis", "capture", str(out), "--user", "cmo-qa", "--format", "json")
    assert result.exit_code == 0, result.output
    body = json.loads(result.output)
    assert body["hash_ids"] == hash_ids and body["event_count"] == len(hash_ids)
    assert set(AuditEvent.objects.filter(table_name="production_epcisevent").values_list("reason", "actor")) == {
        ("EPCIS document p2.jsonld captured", "cmo-qa")
    }
    before = counts()
    again = run("epcis", "capture", str(out), "--user", "cmo-qa")
    assert again.exit_code == 2
    lines = again.stderr.splitlines()
    assert (
        lines[0]
        == f"error [epcis_document_invalid]: EPCIS document refused: {len(hash_ids)} problem(s) found; nothing was captured."
    )
    assert lines[1] == f"  /epcisBody/eventList/0: [duplicate_event] event {hash_ids[0]} was already captured"
    assert counts() == before
    skipped = run("epcis", "capture", str(out), "--user", "cmo-qa", "--skip-duplicates")
    assert skipped.exit_code == 0
    assert skipped.output.startswith(f"Captured 0 event(s) from {out} (capture ")
    assert skipped.output.endswith(f"{len(hash_ids)} duplicate(s) skipped; 0 link(s) to known lots.\n")


def test_capture_refusals_exit_2_and_write_nothing(mapped, tmp_path):
    out = tmp_path / "p2.jsonld"
    run("epcis", "export", "P2", "--out", str(out))
    document = json.loads(out.read_text())
    document["epcisBody"]["eventList"][1]["bizStep"] = "blending"
    broken = tmp_path / "broken.jsonld"
    broken.write_text(json.dumps(document))
    before = counts()
    invalid = run("epcis", "capture", str(broken), "--user", "cmo-qa")
    assert invalid.exit_code == 2
    assert invalid.stderr.splitlines()[1].startswith("  /epcisBody/eventList/1/bizStep: [schema] ")
    no_user = run("epcis", "capture", str(out))
    assert no_user.exit_code == 2 and "error [user_required]" in no_user.stderr
    inspector = run("epcis", "capture", str(out), "--user", "js-inspector")
    assert inspector.exit_code == 2 and "error [permission_denied]" in inspector.stderr
    absent = run("epcis", "capture", str(tmp_path / "absent.jsonld"), "--user", "cmo-qa")
    assert absent.exit_code == 2 and "error [cannot_read]" in absent.stderr
    assert counts() == before


# --- the console script: export, then capture into a fresh database ---------------------------------------------


def _bioseg(args: list[str], data_dir: Path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("BIOSEG_DATABASE_URL", "DJANGO_SETTINGS_MODULE")}
    env["BIOSEG_DATA_DIR"] = str(data_dir)
    env["BIOSEG_EPCIS_SCHEMA"] = str(SCHEMA_FILE)
    return subprocess.run([BIOSEG, *args], env=env, capture_output=True, text=True, timeout=300, check=False)


def _sqlite_counts(db: Path) -> dict[str, int]:
    with sqlite3.connect(db) as conn:
        tables = ["production_epciscapture", "production_epcisevent", "audit_auditevent"]
        return {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in tables}


def test_round_trip_into_a_fresh_database_reproduces_the_hash_ids(mapped, tmp_path):
    exported = tmp_path / "w1.jsonld"
    assert run("epcis", "export", "W1", "--out", str(exported)).exit_code == 0
    hash_ids = [e["eventID"] for e in json.loads(exported.read_text())["epcisBody"]["eventList"]]
    fresh = tmp_path / "fresh"
    fresh.mkdir()
    assert _bioseg(["demo", "--no-serve"], fresh).returncode == 0
    first = _bioseg(["epcis", "capture", str(exported), "--user", "shcdmo-qa", "--format", "json"], fresh)
    assert first.returncode == 0, first.stderr
    assert json.loads(first.stdout)["hash_ids"] == hash_ids
    before = _sqlite_counts(fresh / "bioseg.sqlite3")
    assert before["production_epcisevent"] == len(hash_ids)
    second = _bioseg(["epcis", "capture", str(exported), "--user", "shcdmo-qa"], fresh)
    assert second.returncode == 2 and "[duplicate_event]" in second.stderr
    example = VENDOR / "examples" / "Example_9.6.1-ObjectEvent.jsonld"
    broken = tmp_path / "broken.jsonld"
    broken.write_text(example.read_text().replace('"eventTimeZoneOffset"', '"eventTimezoneOffset"', 1))
    third = _bioseg(["epcis", "capture", str(broken), "--user", "shcdmo-qa"], fresh)
    assert third.returncode == 2 and "error [epcis_document_invalid]" in third.stderr
    assert _sqlite_counts(fresh / "bioseg.sqlite3") == before
