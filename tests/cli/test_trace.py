"""``bioseg trace`` and ``bioseg recall-report``, run in-process (typer's runner) on the production suite's
small world: Suzhou W1 → D1, D2 (shipped to Shanghai) → P1, P2; P2 released and shipped to two consignees."""

from __future__ import annotations

import io
import json

import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from bioseg.audit.models import AuditEvent
from bioseg.cli import app
from tests.production import conftest as production_fixtures

pytestmark = pytest.mark.django_db

world = production_fixtures.world
genealogy = production_fixtures.genealogy
market = production_fixtures.market


def run(*args: str):
    return CliRunner().invoke(app, list(args))


def test_forward_trace_as_text(market, genealogy, world):
    result = run("trace", "D2", "--direction", "forward")
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        f"Forward trace from lot D2 (id {genealogy.d2.pk}, DS, PD-1 mAb, Suzhou site)",
        "3 lots, 2 edges, 3 shipment lines, 2 consignees",
        "",
        "Lots (depth, lot, material, status, quantity, site, province/country, path):",
        "    0  D2  DS  released  100 L  Suzhou site  Jiangsu  D2",
        "    1  P1  DP  quarantine  5000 vial  Shanghai site  Shanghai  D2 → P1",
        "    1  P2  DP  released  3000 vial  Shanghai site  Shanghai  D2 → P2",
        "",
        "Shipments (reference, lot, quantity, from → to, shipped, received):",
        "  SH-1  D2  100  Suzhou site → Shanghai site  2025-03-02T08:00:00+00:00  2025-03-03T08:00:00+00:00",
        "  SH-2  P2  1000  Shanghai site → Beijing Pharma  2025-03-21T08:00:00+00:00  not received",
        "  SH-3  P2  500  Shanghai site → Guangzhou Pharma  2025-03-22T08:00:00+00:00  not received",
        "",
        "Consignees:",
        "  Beijing Pharma (北京医药), Beijing",
        "  Guangzhou Pharma (广州医药), Guangdong",
    ]


def test_a_trace_beyond_the_expand_limit_lists_destinations_and_a_page_of_lines(market, genealogy, monkeypatch):
    from bioseg.production import trace as trace_module

    monkeypatch.setattr(trace_module, "EXPAND_LIMIT", 2)
    result = run("trace", "W1", "--lines-offset", "2", "--lines-limit", "1")
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[1:4] == [
        "5 lots, 0 edges, 4 shipment lines, 2 consignees",
        "(more than 2 lots: edges are not listed, shipments are summarised per destination and the shipment "
        "lines are listed one page at a time)",
        "",
    ]
    tail = result.output.splitlines()[11:]
    assert tail == [
        "",
        "Shipments by destination (destination, shipments, lines, lots, first shipped, last shipped):",
        "  Shanghai site  1  2  2  2025-03-02T08:00:00+00:00  2025-03-02T08:00:00+00:00",
        "  Beijing Pharma  1  1  1  2025-03-21T08:00:00+00:00  2025-03-21T08:00:00+00:00",
        "  Guangzhou Pharma  1  1  1  2025-03-22T08:00:00+00:00  2025-03-22T08:00:00+00:00",
        "",
        "Shipment lines 3–3 of 4 (reference, lot, quantity, from → to, shipped, received; --lines-offset / "
        "--lines-limit for others):",
        "  SH-2  P2  1000  Shanghai site → Beijing Pharma  2025-03-21T08:00:00+00:00  not received",
        "",
        "Consignees:",
        "  Beijing Pharma (北京医药), Beijing",
        "  Guangzhou Pharma (广州医药), Guangdong",
    ]
    assert "  2  P2  DP  released  3000 vial  Shanghai site  Shanghai  W1 → D2 → P2" in result.output
    body = json.loads(run("trace", "W1", "--format", "json", "--lines-limit", "2").output)
    assert (body["expanded"], body["shipments"], body["shipment_line_count"]) == (False, [], 4)
    page = body["shipment_lines_page"]
    assert (page["offset"], page["limit"], page["total"]) == (0, 2, 4)
    assert [(x["reference"], x["quantity"]) for x in page["lines"]] == [("SH-1", "100.0000"), ("SH-1", "100.0000")]


def test_backward_trace_as_json_by_lot_id(genealogy, world):
    result = run("trace", str(genealogy.p1.pk), "--direction", "backward", "--format", "json")
    assert result.exit_code == 0, result.output
    body = json.loads(result.output)
    assert body["direction"] == "backward"
    assert body["root_ids"] == [genealogy.p1.pk]
    assert [(x["lot_number"], x["depth"], x["in_scope"]) for x in body["lots"]] == [
        ("P1", 0, True),
        ("D1", 1, True),
        ("D2", 1, True),
        ("W1", 2, True),
    ]
    assert {x["lot_number"]: x["path"] for x in body["lots"]}["W1"] == [
        genealogy.p1.pk,
        genealogy.d1.pk,
        genealogy.w1.pk,
    ]


def test_as_user_applies_that_users_scope(genealogy, world):
    inside = run("trace", "P1", "--direction", "backward", "--as", "sh-inspector", "--format", "json")
    assert inside.exit_code == 0, inside.output
    flags = {x["lot_number"]: x["in_scope"] for x in json.loads(inside.output)["lots"]}
    assert flags == {"P1": True, "D1": True, "D2": True, "W1": False}
    outside = run("trace", "W1", "--as", "sh-inspector")
    assert outside.exit_code == 2
    assert "error [lot_not_found]: no lot 'W1' was found (give a lot id or a lot number)." in outside.output
    assert "W1" not in outside.output.replace("'W1'", "")  # nothing about the lot leaks


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("trace", "NOPE"), "error [lot_not_found]: no lot 'NOPE' was found (give a lot id or a lot number)."),
        (
            ("trace", "W1", "--direction", "up"),
            "error [unknown_direction]: --direction 'up' is not one of: forward, backward.",
        ),
        (("trace", "W1", "--format", "xml"), "error [unknown_format]: --format 'xml' is not one of: text, json."),
        (("trace", "W1", "--as", "nobody"), "error [unknown_user]: there is no user 'nobody'."),
        (("recall-report", "W1", "--out", "x.csv"), "error [unknown_format]: --out 'x.csv' must end in .pdf or .xlsx."),
    ],
)
def test_bad_input_exits_2_with_a_clear_message(genealogy, args, message):
    result = run(*args)
    assert result.exit_code == 2
    assert message in result.output


def test_recall_report_writes_xlsx_and_pdf_and_changes_nothing(market, genealogy, world, tmp_path):
    events = AuditEvent.objects.count()
    out = tmp_path / "recall.xlsx"
    result = run("recall-report", "D2", "--out", str(out))
    assert result.exit_code == 0, result.output
    assert result.output.strip() == (
        f"Wrote the recall-impact report of lot D2 (id {genealogy.d2.pk}): 3 lots, 3 shipment lines, "
        f"2 consignees → {out}"
    )
    wb = load_workbook(io.BytesIO(out.read_bytes()))
    assert [row[0] for row in wb["Lots"].iter_rows(values_only=True)] == ["批号 Lot number", "D2", "P1", "P2"]
    pdf = tmp_path / "recall.pdf"
    assert run("recall-report", "D2", "--out", str(pdf)).exit_code == 0
    assert pdf.read_bytes().startswith(b"%PDF-")
    assert AuditEvent.objects.count() == events
    refused = run("recall-report", "D2", "--out", str(tmp_path / "r.pdf"), "--as", "gd-qa")
    assert refused.exit_code == 2
    assert not (tmp_path / "r.pdf").exists()
