"""Production endpoints: chains, lots, transformations, shipments and cold chain, release, trace and recall.

The world is the production suite's (``tests/production/conftest.py``): a Suzhou (Jiangsu) holder making
the PD-1 drug substance, a Shanghai CDMO making the drug product, an unrelated Guangdong enterprise, and
the regulators of the three provinces. Every refusal is checked to change nothing.
"""

from __future__ import annotations

import io

import pytest
from django.test import Client

from bioseg.audit.models import AuditEvent, Signature
from bioseg.production.models import (
    Excursion,
    Lot,
    LotEdge,
    ProcessChain,
    RecallAction,
    Release,
    Shipment,
    TemperatureLog,
)
from tests.conftest import PASSWORD
from tests.production import conftest as production_fixtures
from tests.production.helpers import EXPIRES, reload
from tests.production.test_coldchain import GOOD, WARM

pytestmark = pytest.mark.django_db

# the production suite's world (this directory's conftest has a registry-only ``world``)
world = production_fixtures.world
genealogy = production_fixtures.genealogy
market = production_fixtures.market

API = "/api/v1"


def client(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def post(user, path: str, body: dict):
    return client(user).post(API + path, body, content_type="application/json")


def get(user, path: str, **params):
    return client(user).get(API + path, params)


def numbers(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [item["lot_number"] for item in response.json()["items"]]


def state() -> tuple:
    """What a refused request must leave unchanged."""
    return (
        Lot.objects.count(),
        LotEdge.objects.count(),
        Shipment.objects.count(),
        TemperatureLog.objects.count(),
        Release.objects.count(),
        Signature.objects.count(),
        RecallAction.objects.count(),
        AuditEvent.objects.count(),
        tuple(Lot.objects.order_by("id").values_list("status", flat=True)),
    )


# --- lots: scope, filters, detail --------------------------------------------------------------------------


def test_each_user_lists_the_lots_of_their_scope(genealogy, world):
    everything = ["P2", "P1", "D2", "D1", "W1"]  # newest first, then by id descending
    assert numbers(get(world.holder_qa, "/lots")) == everything
    assert numbers(get(world.cmo_qa, "/lots")) == everything
    assert numbers(get(world.nmpa, "/lots")) == everything
    assert numbers(get(world.js_inspector, "/lots")) == everything  # the holder's province
    assert numbers(get(world.sh_inspector, "/lots")) == ["P2", "P1", "D2", "D1"]  # made or shipped in Shanghai
    assert numbers(get(world.gd_inspector, "/lots")) == []
    assert numbers(get(world.gd_qa, "/lots")) == []
    assert get(world.holder_qa, "/lots").json()["count"] == 5


def test_the_lot_list_filters(genealogy, world):
    g, w = genealogy, world
    assert numbers(get(w.holder_qa, "/lots", site=w.sh_site.pk)) == ["P2", "P1"]
    assert numbers(get(w.holder_qa, "/lots", q="p1")) == ["P1"]
    assert numbers(get(w.holder_qa, "/lots", product=w.pd1.pk, status="quarantine")) == ["P2", "P1", "D2", "D1", "W1"]
    assert numbers(get(w.holder_qa, "/lots", status="released")) == []
    bad = get(w.holder_qa, "/lots", status="gone")
    assert bad.status_code == 400
    assert bad.json()["details"]["fields"]["status"]["message"].startswith("'gone' is not one of")
    assert g.p1.pk  # the fixture ran


def test_lot_detail_shows_remaining_inputs_shipments_and_blockers(genealogy, world):
    g = genealogy
    body = get(world.cmo_qa, f"/lots/{g.d2.pk}").json()
    assert {k: body[k] for k in ("lot_number", "material", "stage", "quantity", "remaining", "unit", "status")} == {
        "lot_number": "D2",
        "material": "DS",
        "stage": "drug_substance",
        "quantity": "100.0000",
        "remaining": "60.0000",  # 10 into P1, 30 into P2
        "unit": "L",
        "status": "quarantine",
    }
    assert (body["site_name_en"], body["region_code"], body["product_name_en"]) == ("Suzhou site", "320000", "PD-1 mAb")
    assert body["inputs"] == [
        {"lot_id": g.w1.pk, "lot_number": "W1", "material": "WCB", "quantity": "1.0000", "unit": "vial"}
    ]
    assert [(s["reference"], s["quantity"], s["destination_name_en"]) for s in body["shipments"]] == [
        ("SH-1", "100.0000", "Shanghai site")
    ]
    assert list(body["release_blockers"]) == ["qualified_person"]  # made by the holder: no CMO release
    assert [b["code"] for b in body["release_blockers"]["qualified_person"]] == [
        "certificate_missing",
        "ancestor_not_released",
    ]
    assert body["release_blockers"]["qualified_person"][1] == {
        "code": "ancestor_not_released",
        "message": "Upstream lot W1 (WCB) is in quarantine, not released.",
        "message_zh": "上游批 W1（WCB）状态为待验，尚未放行。",
        "lot_id": g.w1.pk,
        "object_id": None,
    }
    p1 = get(world.holder_qa, f"/lots/{g.p1.pk}").json()
    assert list(p1["release_blockers"]) == ["cmo_qa", "qualified_person"]


def test_out_of_scope_lots_are_404_like_unknown_ones(genealogy, world):
    g = genealogy
    for path in (
        f"/lots/{g.p1.pk}",
        f"/lots/{g.p1.pk}/trace",
        f"/lots/{g.p1.pk}/history",
        f"/lots/{g.p1.pk}/release-certificate",
    ):
        response = get(world.gd_qa, path)
        assert response.status_code == 404, path
        assert response.json()["details"] == {"object": "lot", "id": str(g.p1.pk)}
    assert get(world.sh_inspector, f"/lots/{g.w1.pk}").status_code == 404  # made in Jiangsu, not shipped via Shanghai
    assert get(world.sh_inspector, f"/lots/{g.d1.pk}").status_code == 200  # received in Shanghai
    assert get(world.gd_qa, "/lots/987654").json()["details"] == {"object": "lot", "id": "987654"}
    before = state()
    response = post(world.gd_qa, f"/lots/{g.p1.pk}/recall", {"reason": "probe", "password": PASSWORD})
    assert response.status_code == 404
    assert state() == before


def test_lot_history_lists_the_audit_events(genealogy, world):
    body = get(world.holder_qa, f"/lots/{genealogy.w1.pk}/history").json()
    assert body["kind"] == "lots"
    assert [(e["table"], e["action"], e["actor"], e["reason"]) for e in body["events"]] == [
        ("production_lot", "insert", "holder-qa", "lot registered"),
        # W1 went into D1 and D2: the transformations' inputs and the genealogy links are the lot's too
        ("production_transformationinput", "insert", "holder-qa", "manufacture recorded"),
        ("production_lotedge", "insert", "holder-qa", "manufacture recorded"),
        ("production_transformationinput", "insert", "holder-qa", "manufacture recorded"),
        ("production_lotedge", "insert", "holder-qa", "manufacture recorded"),
    ]


# --- chains ------------------------------------------------------------------------------------------------


def test_chain_detail_shows_where_it_crosses_a_border(world):
    w = world
    body = get(w.sh_inspector, f"/chains/{w.chain.pk}").json()
    assert [(s["code"], s["stage"], s["region_name_en"], s["feeds"]) for s in body["segments"]] == [
        ("WCB", "cell_bank", "Jiangsu", ["DS"]),
        ("DS", "drug_substance", "Jiangsu", ["DP"]),
        ("DP", "drug_product", "Shanghai", []),
    ]
    assert body["border_crossings"] == [
        {
            "kind": "provincial",
            "source_segment_id": w.seg["DS"].pk,
            "source_code": "DS",
            "target_segment_id": w.seg["DP"].pk,
            "target_code": "DP",
            "from_country": "CN",
            "from_region": "320000",
            "to_country": "CN",
            "to_region": "310000",
        }
    ]
    assert [c["id"] for c in get(w.js_inspector, "/chains").json()["items"]] == [w.chain.pk]
    assert get(w.gd_inspector, "/chains").json()["count"] == 0
    assert get(w.gd_inspector, f"/chains/{w.chain.pk}").status_code == 404


def chain_body(world, **extra):
    return {
        "product_id": world.pd1.pk,
        "effective_from": "2024-01-01",
        "effective_until": "2024-06-30",
        "segments": [
            {"code": "DS", "stage": "drug_substance", "name_zh": "原液", "name_en": "DS", "site_id": world.js_site.pk},
            {
                "code": "DP",
                "stage": "drug_product",
                "name_zh": "制剂",
                "name_en": "DP",
                "site_id": world.sh_site.pk,
                "feeds": [],
            },
        ],
        **extra,
    }


def test_creating_a_chain_through_the_api(world):
    body = chain_body(world)
    body["segments"][0]["feeds"] = ["DP"]
    before = state()
    denied = post(world.cmo_qa, "/chains", body)
    assert denied.status_code == 403
    assert denied.json()["code"] == "permission_denied"
    body["segments"][1]["feeds"] = ["DS"]  # a cycle
    refused = post(world.holder_qa, "/chains", body)
    assert refused.status_code == 400
    assert refused.json()["code"] == "chain_invalid"
    assert [p["code"] for p in refused.json()["details"]["problems"]] == ["cycle"]
    assert refused.json()["details"]["problems"][0]["message"] == "The chain has a cycle: DS → DP → DS."
    assert state() == before and ProcessChain.objects.count() == 1
    body["segments"][1]["feeds"] = []
    created = post(world.holder_qa, "/chains", {**body, "reason": "second version"})
    assert created.status_code == 201, created.content
    assert (created.json()["version"], [c["kind"] for c in created.json()["border_crossings"]]) == (2, ["provincial"])
    third = post(
        world.holder_qa, "/chains", chain_body(world, effective_from="2024-07-01", effective_until="2024-12-31")
    )
    assert (third.status_code, third.json()["version"]) == (201, 3)
    unseen = chain_body(world, effective_from="2023-01-01", effective_until="2023-12-31")
    unseen["segments"][0]["site_id"] = world.gd_site.pk
    response = post(world.holder_qa, "/chains", unseen)
    assert response.status_code == 400
    assert response.json()["details"]["fields"] == {
        "segments.0.site_id": {
            "message": f"There is no site {world.gd_site.pk} that you can see.",
            "message_zh": f"不存在您可查看的site {world.gd_site.pk}。",
        }
    }


# --- lots and transformations --------------------------------------------------------------------------------


def test_registering_a_lot_and_recording_a_transformation(genealogy, world):
    g, w = genealogy, world
    created = post(
        w.holder_qa,
        "/lots",
        {
            "segment_id": w.seg["WCB"].pk,
            "lot_number": "W2",
            "quantity": "12",
            "unit": "vial",
            "manufactured_on": "2025-03-10",
            "expires_on": str(EXPIRES),
        },
    )
    assert created.status_code == 201, created.content
    w2 = created.json()
    assert (w2["lot_number"], w2["quantity"], w2["remaining"], w2["status"]) == (
        "W2",
        "12.0000",
        "12.0000",
        "quarantine",
    )

    before = state()
    over = post(
        w.cmo_qa,
        "/transformations",
        {
            "kind": "manufacture",
            "segment_id": w.seg["DP"].pk,
            "performed_on": "2025-03-10",
            "inputs": [{"lot_id": g.d1.pk, "quantity": "61"}, {"lot_id": w2["id"], "quantity": "1"}],
            "outputs": [{"lot_number": "P3", "quantity": "100", "unit": "vial", "expires_on": str(EXPIRES)}],
        },
    )
    assert over.status_code == 400
    problems = over.json()["details"]["problems"]
    assert [p["code"] for p in problems] == ["over_consumption", "segment_does_not_feed", "input_not_at_site"]
    assert problems[0]["message"] == "Input lot D1 has 60 L left; 61 L were requested."
    assert state() == before

    made = post(
        w.cmo_qa,
        "/transformations",
        {
            "kind": "manufacture",
            "segment_id": w.seg["DP"].pk,
            "performed_on": "2025-03-10",
            "inputs": [{"lot_id": g.d1.pk, "quantity": "60"}],
            "outputs": [{"lot_number": "P3", "quantity": "100", "unit": "vial", "expires_on": str(EXPIRES)}],
            "reference": "BR-P3",
        },
    )
    assert made.status_code == 201, made.content
    body = made.json()
    assert [(i["lot_number"], i["quantity"]) for i in body["inputs"]] == [("D1", "60.0000")]
    assert [(o["lot_number"], o["site_name_en"]) for o in body["outputs"]] == [("P3", "Shanghai site")]
    assert get(w.cmo_qa, f"/lots/{g.d1.pk}").json()["remaining"] == "0.0000"
    assert get(w.gd_qa, f"/transformations/{body['id']}").status_code == 404


def test_rejecting_a_lot_needs_a_reason_and_a_qa_role(genealogy, world):
    g = genealogy
    before = state()
    assert post(world.holder_qa, f"/lots/{g.p2.pk}/reject", {"reason": " ", "password": PASSWORD}).status_code == 400
    assert post(world.js_inspector, f"/lots/{g.d1.pk}/reject", {"reason": "x", "password": PASSWORD}).status_code == 403
    assert state() == before
    rejected = post(world.cmo_qa, f"/lots/{g.p2.pk}/reject", {"reason": "failed sterility", "password": PASSWORD})
    assert rejected.status_code == 200
    assert rejected.json()["status"] == "rejected"


# --- shipments and the cold chain ------------------------------------------------------------------------


def upload(user, shipment, content: bytes, name="log.csv"):
    f = io.BytesIO(content)
    f.name = name
    return client(user).post(f"{API}/shipments/{shipment.pk}/temperature-logs", {"file": f, "reason": "logger read"})


def test_a_malformed_logger_file_is_refused_naming_the_line(genealogy, world):
    before = state()
    bad = b"timestamp,celsius\n2025-03-02T08:00:00Z,4.0\n2025-03-02T08:15:00Z,warm\n"
    response = upload(world.cmo_qa, genealogy.sh1, bad)
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "logger_file_invalid"
    assert body["details"]["line"] == 3
    assert body["message"].startswith("The temperature-logger file is malformed at line 3: ")
    assert body["message_zh"].startswith("温度记录仪文件第 3 行格式错误：")
    assert state() == before


def test_a_good_log_has_statistics_and_no_excursion(genealogy, world):
    response = upload(world.cmo_qa, genealogy.sh1, GOOD, "good.csv")
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["file_name"], body["reading_count"], body["min_c"], body["max_c"], body["mean_c"]) == (
        "good.csv",
        3,
        "4.00",
        "6.00",
        "5.00",
    )
    assert body["excursions"] == []
    detail = get(world.sh_inspector, f"/shipments/{genealogy.sh1.pk}").json()
    assert [line["lot_number"] for line in detail["lines"]] == ["D1", "D2"]
    assert [log["file_name"] for log in detail["temperature_logs"]] == ["good.csv"]


def test_an_excursion_holds_the_lots_until_it_is_assessed_with_a_signature(genealogy, world):
    g = genealogy
    response = upload(world.cmo_qa, g.sh1, WARM, "warm.csv")
    assert response.status_code == 201
    excursion = response.json()["excursions"][0]
    assert (excursion["lowest_c"], excursion["highest_c"], excursion["minutes_out_of_range"], excursion["status"]) == (
        "1.50",
        "12.00",
        "25.0",
        "open",
    )
    assert [lot.status for lot in (reload(g.d1), reload(g.d2))] == ["on_hold", "on_hold"]
    listed = get(world.holder_qa, "/excursions", status="open").json()
    assert [e["id"] for e in listed["items"]] == [excursion["id"]]
    assert get(world.gd_qa, "/excursions").json()["count"] == 0
    assert post(world.gd_qa, f"/excursions/{excursion['id']}/assess", {}).status_code == 422
    # the quality agreement sets nothing: the holder disposes of its drug-substance lots; the receiver is refused
    assert listed["items"][0]["disposition_by"] == {
        "party": "holder",
        "enterprise_ids": [world.holder.pk],
        "name": "the holder (Suzhou Holder)",
        "name_zh": "持有人（Suzhou Holder公司）",
        "default": True,
        "agreement_reference": "QA-2025-001",
    }
    before = state()
    refused = post(
        world.cmo_qa,
        f"/excursions/{excursion['id']}/assess",
        {"outcome": "accepted", "justification": "stability data", "password": PASSWORD},
    )
    assert (refused.status_code, refused.json()["code"]) == (403, "not_disposition_party")
    assert [p["code"] for p in refused.json()["details"]["problems"]] == ["disposition_party"]
    assert state() == before and reload(g.d1).status == "on_hold"

    before = state()
    wrong = post(
        world.qp,
        f"/excursions/{excursion['id']}/assess",
        {"outcome": "accepted", "justification": "stability data", "password": "wrong"},
    )
    assert wrong.status_code == 403
    assert wrong.json()["code"] == "signature_refused"
    assert (
        post(
            world.gd_qa,
            f"/excursions/{excursion['id']}/assess",
            {"outcome": "accepted", "justification": "x", "password": PASSWORD},
        ).status_code
        == 404
    )
    assert state() == before

    ok = post(
        world.qp,
        f"/excursions/{excursion['id']}/assess",
        {"outcome": "accepted", "justification": "stability data cover 25 min at 12 °C", "password": PASSWORD},
    )
    assert ok.status_code == 201, ok.content
    body = ok.json()
    assert (body["outcome"], body["assessed_by"], body["signature"]["meaning"], body["signature"]["intact"]) == (
        "accepted",
        "holder-qp",
        "approved",
        True,
    )
    assert [lot.status for lot in (reload(g.d1), reload(g.d2))] == ["quarantine", "quarantine"]
    assert Excursion.objects.get().status == "assessed"


def test_shipping_and_receiving(genealogy, world):
    g, w = genealogy, world
    body = {
        "reference": "SH-9",
        "from_site_id": w.sh_site.pk,
        "to_site_id": w.js_site.pk,
        "shipped_at": "2025-03-20T08:00:00Z",
        "lines": [{"lot_id": g.p1.pk, "quantity": "6000"}],
    }
    before = state()
    refused = post(w.cmo_qa, "/shipments", body)
    assert refused.status_code == 400
    assert [p["code"] for p in refused.json()["details"]["problems"]] == ["over_shipment"]
    assert state() == before
    body["lines"][0]["quantity"] = "100"
    created = post(w.cmo_qa, "/shipments", body)
    assert created.status_code == 201, created.content
    sid = created.json()["id"]
    assert created.json()["destination_name_en"] == "Suzhou site"
    assert post(w.cmo_qa, f"/shipments/{sid}/receive", {"received_at": "2025-03-21T08:00:00Z"}).status_code == 403
    received = post(w.holder_qa, f"/shipments/{sid}/receive", {"received_at": "2025-03-21T08:00:00Z"})
    assert received.status_code == 200
    assert received.json()["received_at"] == "2025-03-21T08:00:00Z"
    assert [s["reference"] for s in get(w.js_inspector, "/shipments").json()["items"]] == ["SH-9", "SH-1"]
    assert get(w.gd_inspector, f"/shipments/{sid}").status_code == 404


# --- release ---------------------------------------------------------------------------------------------------


def test_a_blocked_release_answers_409_with_every_blocker(genealogy, world):
    g = genealogy
    before = state()
    response = post(world.qp, f"/lots/{g.p1.pk}/releases", {"kind": "qualified_person", "password": PASSWORD})
    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "release_blocked"
    assert [(b["code"], b["lot_id"]) for b in body["details"]["blockers"]] == [
        ("certificate_missing", g.p1.pk),
        ("cmo_release_missing", g.p1.pk),
        ("ancestor_not_released", g.d1.pk),
        ("ancestor_not_released", g.d2.pk),
        ("ancestor_not_released", g.w1.pk),
    ]
    assert body["message"].startswith("Lot P1 cannot be released: Lot P1 has no certificate of analysis.")
    assert state() == before


def test_releasing_a_lot_with_a_certificate_and_a_signature(genealogy, world):
    g = genealogy
    coa = post(
        world.holder_qa,
        f"/lots/{g.w1.pk}/certificates",
        {"reference": "COA-W1", "file_name": "coa-w1.pdf", "issued_on": "2025-03-20", "sha256": "b" * 64},
    )
    assert coa.status_code == 201, coa.content
    before = state()
    wrong = post(world.qp, f"/lots/{g.w1.pk}/releases", {"kind": "qualified_person", "password": "nope"})
    assert wrong.status_code == 403
    assert wrong.json()["code"] == "signature_refused"
    assert (
        post(
            world.holder_qa, f"/lots/{g.w1.pk}/releases", {"kind": "qualified_person", "password": PASSWORD}
        ).status_code
        == 403
    )
    assert state() == before
    ok = post(world.qp, f"/lots/{g.w1.pk}/releases", {"kind": "qualified_person", "password": PASSWORD})
    assert ok.status_code == 201, ok.content
    body = ok.json()
    assert (body["kind"], body["released_by"], body["certificate_reference"]) == (
        "qualified_person",
        "holder-qp",
        "COA-W1",
    )
    assert (body["signature"]["meaning"], body["signature"]["intact"]) == ("released", True)
    detail = get(world.nmpa, f"/lots/{g.w1.pk}").json()
    assert detail["status"] == "released"
    assert detail["release_blockers"] == {}
    assert [r["kind"] for r in detail["releases"]] == ["qualified_person"]
    pdf = get(world.holder_qa, f"/lots/{g.w1.pk}/release-certificate")
    assert pdf.status_code == 200
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF-")


# --- trace and recall -------------------------------------------------------------------------------------------


def test_forward_and_backward_trace(market, genealogy, world):
    g = genealogy
    forward = get(world.holder_qa, f"/lots/{g.w1.pk}/trace", direction="forward")
    assert forward.status_code == 200
    body = forward.json()
    assert body["root_ids"] == [g.w1.pk]
    assert [(x["lot_number"], x["depth"]) for x in body["lots"]] == [
        ("W1", 0),
        ("D1", 1),
        ("D2", 1),
        ("P1", 2),
        ("P2", 2),
    ]
    by_number = {x["lot_number"]: x for x in body["lots"]}
    assert by_number["P2"]["path"] == [g.w1.pk, g.d2.pk, g.p2.pk]
    assert by_number["P1"]["path"] == [g.w1.pk, g.d1.pk, g.p1.pk]
    assert [(s["reference"], s["lot_id"]) for s in body["shipments"]] == [
        ("SH-1", g.d1.pk),
        ("SH-1", g.d2.pk),
        ("SH-2", g.p2.pk),
        ("SH-3", g.p2.pk),
    ]
    assert [c["name_en"] for c in body["consignees"]] == ["Beijing Pharma", "Guangzhou Pharma"]
    backward = get(world.cmo_qa, f"/lots/{g.p1.pk}/trace", direction="backward", include_shipments="false").json()
    assert [x["lot_number"] for x in backward["lots"]] == ["P1", "D1", "D2", "W1"]
    assert backward["shipments"] == []
    assert len(backward["edges"]) == 4
    # the Shanghai inspector may open P1; its backward trace lists the Jiangsu cell bank W1 too, out of scope
    sh = get(world.sh_inspector, f"/lots/{g.p1.pk}/trace", direction="backward").json()
    assert {x["lot_number"]: x["in_scope"] for x in sh["lots"]} == {"P1": True, "D1": True, "D2": True, "W1": False}
    bad = get(world.holder_qa, f"/lots/{g.w1.pk}/trace", direction="sideways")
    assert bad.status_code == 422
    assert bad.json()["code"] == "validation_error"


def test_a_trace_beyond_the_expand_limit_pages_its_shipment_lines(market, genealogy, world, monkeypatch):
    from bioseg.production import trace as trace_module

    g = genealogy
    monkeypatch.setattr(trace_module, "EXPAND_LIMIT", 2)
    body = get(world.holder_qa, f"/lots/{g.w1.pk}/trace", lines_offset=1, lines_limit=2).json()
    assert (body["expanded"], body["shipments"], body["shipment_count"], body["shipment_line_count"]) == (
        False,
        [],
        3,
        4,
    )
    assert [
        (d["to_site_id"], d["consignee_id"], d["shipment_count"], d["lot_count"]) for d in body["destinations"]
    ] == [
        (world.sh_site.pk, None, 1, 2),
        (None, market.bj.pk, 1, 1),
        (None, market.gd.pk, 1, 1),
    ]
    page = body["shipment_lines_page"]
    assert (page["offset"], page["limit"], page["total"]) == (1, 2, 4)
    assert [(x["reference"], x["lot_id"], x["quantity"], x["shipped_at"]) for x in page["lines"]] == [
        ("SH-1", g.d2.pk, "100.0000", "2025-03-02T08:00:00+00:00"),
        ("SH-2", g.p2.pk, "1000.0000", "2025-03-21T08:00:00+00:00"),
    ]
    assert get(world.holder_qa, f"/lots/{g.w1.pk}/trace", lines_limit=0).status_code == 422
    monkeypatch.setattr(trace_module, "EXPAND_LIMIT", 10_000)
    assert get(world.holder_qa, f"/lots/{g.w1.pk}/trace").json()["shipment_lines_page"] is None


def test_site_trace_over_a_time_window(genealogy, world):
    g = genealogy
    body = get(
        world.holder_qa,
        f"/sites/{world.js_site.pk}/trace",
        date_from="2025-03-01",
        date_to="2025-03-01",
        direction="forward",
    ).json()
    assert body["root_ids"] == sorted([g.d1.pk, g.d2.pk])
    assert [x["lot_number"] for x in body["lots"]] == ["D1", "D2", "P1", "P2"]
    bad = get(world.holder_qa, f"/sites/{world.js_site.pk}/trace", date_from="2025-03-02", date_to="2025-03-01")
    assert bad.status_code == 400
    assert list(bad.json()["details"]["fields"]) == ["date_to"]
    assert (
        get(world.gd_qa, f"/sites/{world.js_site.pk}/trace", date_from="2025-01-01", date_to="2025-12-31").status_code
        == 404
    )


def test_recall_holds_every_downstream_lot_in_one_go(market, genealogy, world):
    g = genealogy
    before = state()
    denied = post(world.cmo_qa, f"/lots/{g.d2.pk}/recall", {"reason": "endotoxin", "password": PASSWORD})
    assert denied.status_code == 403
    missing = post(world.holder_qa, f"/lots/{g.d2.pk}/recall", {"reason": "  ", "password": PASSWORD})
    assert missing.status_code == 400
    assert state() == before
    response = post(
        world.holder_qa,
        f"/lots/{g.d2.pk}/recall",
        {"reason": "endotoxin out of specification", "recall_class": "class_1", "password": PASSWORD},
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["recall_class"] == "class_1"
    assert (body["status"], body["affected_count"], body["initiated_by"], body["reason"]) == (
        "on_hold",
        3,
        "holder-qa",
        "endotoxin out of specification",
    )
    statuses = {lot.lot_number: lot.status for lot in Lot.objects.all()}
    assert statuses == {"W1": "released", "D1": "released", "D2": "on_hold", "P1": "on_hold", "P2": "on_hold"}


def test_recall_report_downloads(market, genealogy, world):
    g = genealogy
    xlsx = get(world.holder_qa, f"/lots/{g.d2.pk}/recall-report", format="xlsx")
    assert xlsx.status_code == 200
    assert xlsx["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert xlsx.content.startswith(b"PK")
    pdf = get(world.holder_qa, f"/lots/{g.d2.pk}/recall-report")
    assert (pdf.status_code, pdf.content[:5]) == (200, b"%PDF-")
    assert get(world.gd_qa, f"/lots/{g.d2.pk}/recall-report").status_code == 404


def test_the_production_paths_are_in_the_openapi_schema(client):
    schema = client.get(f"{API}/openapi.json").json()
    production = {
        p
        for p in schema["paths"]
        if p.split("/")[3] in {"chains", "lots", "transformations", "consignees", "shipments", "excursions"}
        or p.endswith("/trace")
    } - {p for p in schema["paths"] if "epcis" in p}  # the EPCIS interfaces pin their own
    assert production == {
        "/api/v1/chains",
        "/api/v1/chains/{id}",
        "/api/v1/chains/{id}/history",
        "/api/v1/chains/{id}/signatures",
        "/api/v1/consignees",
        "/api/v1/excursions",
        "/api/v1/excursions/{id}/assess",
        "/api/v1/lots",
        "/api/v1/lots/{id}",
        "/api/v1/lots/{id}/certificates",
        "/api/v1/lots/{id}/history",
        "/api/v1/lots/{id}/recall",
        "/api/v1/lots/{id}/recall-report",
        "/api/v1/lots/{id}/reject",
        "/api/v1/lots/{id}/release-certificate",
        "/api/v1/lots/{id}/releases",
        "/api/v1/lots/{id}/signatures",
        "/api/v1/lots/{id}/trace",
        "/api/v1/shipments",
        "/api/v1/shipments/{id}",
        "/api/v1/shipments/{id}/history",
        "/api/v1/shipments/{id}/receive",
        "/api/v1/shipments/{id}/signatures",
        "/api/v1/shipments/{id}/temperature-logs",
        "/api/v1/sites/{id}/trace",
        "/api/v1/transformations",
        "/api/v1/transformations/{id}",
    }
    assert set(schema["paths"]["/api/v1/lots"]) == {"get", "post"}
    assert set(schema["paths"]["/api/v1/lots/{id}/releases"]["post"]["responses"]) >= {"201", "409"}


def test_a_lots_signatures_include_those_of_its_releases(market, genealogy, world):
    body = get(world.holder_qa, f"/lots/{genealogy.p2.pk}/signatures").json()
    assert [(s["signer"], s["meaning"], s["intact"]) for s in body] == [
        ("cmo-qa", "released", True),
        ("holder-qp", "released", True),
    ]
