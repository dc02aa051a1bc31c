"""EPCIS on the database: export a lot's genealogy, capture documents into the tables, GS1 mappings.

The world (tests/production/conftest.py): W1 (working cell bank, Suzhou) → D1, D2 (drug substance, Suzhou)
shipped to Shanghai on SH-1 → P1 (from D1 and D2) and P2 (from D2), made in Shanghai. ``story`` adds a warm
temperature log on SH-1 (D1 and D2 on hold, then the excursion accepted), the releases and the shipments to
two consignees of ``market``, and a recall (hold) of P2.
"""

from __future__ import annotations

import copy
import importlib
import json
from types import SimpleNamespace

import pytest
from jsonschema import FormatChecker
from jsonschema.validators import validator_for

from bioseg import epcis
from bioseg.audit.chain import verify
from bioseg.audit.models import AuditEvent
from bioseg.common.errors import ApplicationError, NotFound, PermissionDenied, ValidationFailed
from bioseg.demo.epcis import epcis_demo_mappings
from bioseg.epcis import EPCISDocumentRejected, SchemaNotFound, document_problems
from bioseg.production import services as ps
from bioseg.production.epcis import epcis_capture, epcis_export_lot, gs1_location_create, gs1_trade_item_create
from bioseg.production.models import EpcisCapture, EpcisEvent, EpcisEventLot, Gs1Location, Gs1TradeItem, Lot
from bioseg.production.selectors import epcis_event_list
from bioseg.registry.scope import scope_for
from tests.conftest import PASSWORD
from tests.production.helpers import at
from tests.shared import SCHEMA_FILE, VENDOR

pytestmark = pytest.mark.django_db

CBV = "https://ref.gs1.org/cbv/"
WARM = b"timestamp,celsius\n2025-03-03T06:00:00Z,5.0\n2025-03-03T06:30:00Z,9.5\n2025-03-03T07:00:00Z,6.0\n"


@pytest.fixture(autouse=True)
def _epcis_schema_env(monkeypatch):
    """Every test here runs as a configured installation would, when GS1's files are there."""
    if SCHEMA_FILE.is_file():
        monkeypatch.setenv("BIOSEG_EPCIS_SCHEMA", str(SCHEMA_FILE))


def counts() -> dict[str, int]:
    return {
        "captures": EpcisCapture.objects.count(),
        "events": EpcisEvent.objects.count(),
        "links": EpcisEventLot.objects.count(),
        "audit": AuditEvent.objects.count(),
    }


def official_errors(document: dict) -> list[str]:
    """Plain jsonschema with a format checker that really checks URIs and date-times: the oracle."""
    schema = json.loads((VENDOR / "EPCIS-JSON-Schema.json").read_text(encoding="utf-8"))
    checker = FormatChecker()
    assert {"uri", "date-time"} <= set(checker.checkers)
    validator = validator_for(schema)(schema, format_checker=checker)
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(document)]


def events(document: dict) -> list[dict]:
    return document["epcisBody"]["eventList"]


@pytest.fixture
def mapped(world, admin):
    assert epcis_demo_mappings(admin) == 6  # 3 materials (WCB, DS, DP) + 3 sites
    return world


@pytest.fixture
def story(mapped, genealogy, world):
    g = genealogy
    log = ps.temperature_log_upload(actor=world.cmo_qa, shipment=g.sh1, file_name="sh1.csv", content=WARM)
    excursion = log.excursions.get()
    ps.excursion_assess(
        actor=world.holder_qa,
        password=PASSWORD,
        excursion=excursion,
        outcome="accepted",
        justification="stability data cover 30 min at 9.5 °C",
    )
    from tests.production.conftest import release

    for lot in (g.w1, g.d1, g.d2):
        release(world, lot)
    release(world, g.p2, cmo=True)
    bj = ps.consignee_create(actor=world.cmo_qa, name_zh="北京医药", name_en="Beijing Pharma", region_code="110000")
    gs1_location_create(actor=world.cmo_qa, consignee=bj, gln="952000000001" + epcis.gs1_check_digit("952000000001"))
    ps.shipment_create(
        actor=world.cmo_qa,
        reference="SH-2",
        from_site=world.sh_site,
        consignee=bj,
        shipped_at=at(21),
        lines=[(g.p2, 1000)],
    )
    ps.lot_recall(
        recall_class="class_2", actor=world.holder_qa, lot=g.p2, reason="potency out of trend", password=PASSWORD
    )
    return SimpleNamespace(**vars(g), bj=bj)


def nmpa_export(world, lot) -> dict:
    return epcis_export_lot(scope=scope_for(world.nmpa), lot_id=lot.pk)


# --- export ------------------------------------------------------------------------------------------------


def test_format_checkers_are_real():
    assert importlib.import_module("rfc3987") and importlib.import_module("rfc3339_validator")
    assert not FormatChecker().conforms("blending", "uri")


def test_every_exported_document_validates_against_the_official_schema(epcis_schema, story, world):
    for lot in Lot.objects.order_by("id"):
        document = nmpa_export(world, lot)
        assert official_errors(document) == [], lot.lot_number
        assert document_problems(document) == []


def test_the_export_of_a_drug_substance_lot_has_its_genealogy_and_movements(story, world):
    document = nmpa_export(world, story.d2)
    gtin = dict(Gs1TradeItem.objects.values_list("material", "gtin"))
    gln = {loc.site_id: loc.gln for loc in Gs1Location.objects.filter(site__isnull=False)}
    consignee_gln = Gs1Location.objects.get(consignee=story.bj).gln
    summary = [
        (
            e["type"],
            e["bizStep"],
            e["disposition"],
            e.get("bioseg:transformationKind") or e.get("bioseg:lotStatus") or e.get("bioseg:shipmentID"),
        )
        for e in events(document)
    ]
    assert summary == [  # D1 is a sibling of D2, not in its genealogy: only as an input of P1
        ("ObjectEvent", "commissioning", "non_sellable_other", "bioseg:TransformationKind-manufacture"),  # W1
        ("TransformationEvent", "commissioning", "non_sellable_other", "bioseg:TransformationKind-manufacture"),  # D2
        ("ObjectEvent", "shipping", "in_transit", "SH-1"),
        ("ObjectEvent", "receiving", "in_progress", "SH-1"),
        ("TransformationEvent", "commissioning", "non_sellable_other", "bioseg:TransformationKind-manufacture"),  # P1
        ("TransformationEvent", "commissioning", "non_sellable_other", "bioseg:TransformationKind-manufacture"),  # P2
        ("ObjectEvent", "shipping", "in_transit", "SH-2"),
        # then, at the time they were recorded (now): D2's hold for the excursion (lifting it back to
        # quarantine is not exported), the QP releases of W1 and D2, P2's two releases and its recall hold
        ("ObjectEvent", "holding", "non_sellable_other", "bioseg:LotStatus-on_hold"),
        ("ObjectEvent", "inspecting", "sellable_not_accessible", "bioseg:LotStatus-released"),
        ("ObjectEvent", "inspecting", "sellable_not_accessible", "bioseg:LotStatus-released"),
        ("ObjectEvent", "inspecting", "conformant", "bioseg:LotStatus-qa_released"),
        ("ObjectEvent", "inspecting", "sellable_not_accessible", "bioseg:LotStatus-released"),
        ("ObjectEvent", "holding", "non_sellable_other", "bioseg:LotStatus-on_hold"),
    ]
    held = events(document)[7]
    assert held["bioseg:reason"] == "temperature log uploaded"  # the audit reason of the hold
    assert [e["quantityList"][0]["epcClass"].rsplit("/", 1)[1] for e in events(document)[7:]] == [
        "D2", "W1", "D2", "P2", "P2", "P2",
    ]  # fmt: skip
    d2_made = events(document)[1]
    assert d2_made["inputQuantityList"] == [
        {"epcClass": f"https://id.gs1.org/01/{gtin['WCB']}/10/W1", "quantity": 1, "uom": "H87"}
    ]
    assert d2_made["outputQuantityList"] == [
        {"epcClass": f"https://id.gs1.org/01/{gtin['DS']}/10/D2", "quantity": 100, "uom": "LTR"}
    ]
    assert d2_made["eventTime"] == "2025-03-01T00:00:00.000+08:00"
    assert d2_made["bizLocation"] == {"id": f"https://id.gs1.org/414/{gln[world.js_site.pk]}"}
    assert d2_made["ilmd"] == {"cbvmda:itemExpirationDate": "2030-03-01"}
    p1_made = events(document)[4]  # P1 is downstream of D2: its whole transformation, D1 included
    assert [q["epcClass"].rsplit("/", 1)[1] for q in p1_made["inputQuantityList"]] == ["D1", "D2"]
    receiving = events(document)[3]
    assert receiving["eventTime"] == "2025-03-03T16:00:00.000+08:00"
    assert receiving["sourceList"] == [
        {"type": "location", "source": f"https://id.gs1.org/414/{gln[world.js_site.pk]}"}
    ]
    readings, summary_element = receiving["sensorElementList"]
    assert [(r["time"], r["value"], r.get("exception")) for r in readings["sensorReport"]] == [
        ("2025-03-03T14:00:00.000+08:00", 5, None),
        ("2025-03-03T14:30:00.000+08:00", 9.5, "ALARM_CONDITION"),
        ("2025-03-03T15:00:00.000+08:00", 6, None),
    ]
    assert summary_element["sensorReport"][0] == {
        "type": "Temperature", "minValue": 5, "maxValue": 9.5, "meanValue": 6.833,
        "uom": "CEL", "exception": "ALARM_CONDITION",
    }  # fmt: skip
    to_consignee = events(document)[6]
    assert to_consignee["destinationList"] == [
        {"type": "location", "destination": f"https://id.gs1.org/414/{consignee_gln}"}
    ]
    recall = events(document)[-1]
    assert recall["bioseg:reason"] == "recall from lot P2: potency out of trend"
    ids = [e["eventID"] for e in events(document)]
    assert len(set(ids)) == len(ids) and all(i.startswith("ni:///sha-256;") for i in ids)


def test_a_shared_event_has_the_same_hash_id_whichever_lot_is_exported(story, world):
    from_p1 = {e["eventID"] for e in events(nmpa_export(world, story.p1))}
    from_p2 = {e["eventID"] for e in events(nmpa_export(world, story.p2))}
    from_w1 = {e["eventID"] for e in events(nmpa_export(world, story.w1))}
    assert from_p1 & from_p2 and from_p1 <= from_w1 and from_p2 <= from_w1


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_exported_hash_ids_equal_the_reference_generator(story, world):
    from tests.epcis.test_hashing import reference_hash_ids

    document = nmpa_export(world, story.d1)
    assert reference_hash_ids(document) == [e["eventID"] for e in events(document)]


def test_missing_identifiers_are_all_listed(world, genealogy):
    gs1_trade_item_create(actor=world.holder_qa, product=world.pd1, material="DS", gtin="09520000000011")
    with pytest.raises(ApplicationError) as err:
        epcis_export_lot(scope=scope_for(world.nmpa), lot_id=genealogy.p1.pk)
    assert err.value.code == "epcis_identifiers_missing" and err.value.status == 409
    assert err.value.details["missing"] == [
        {"kind": "gtin", "product_id": world.pd1.pk, "product": "PD-1 mAb", "material": "DP"},
        {"kind": "gtin", "product_id": world.pd1.pk, "product": "PD-1 mAb", "material": "WCB"},
        {"kind": "gln", "site_id": world.js_site.pk, "site": "Suzhou site"},
        {"kind": "gln", "site_id": world.sh_site.pk, "site": "Shanghai site"},
    ]
    assert "GTIN of PD-1 mAb material DP" in err.value.message and err.value.message_zh


def test_an_out_of_scope_lot_is_not_found(mapped, genealogy, world):
    with pytest.raises(NotFound):
        epcis_export_lot(scope=scope_for(world.gd_qa), lot_id=genealogy.p1.pk)
    with pytest.raises(NotFound):
        epcis_export_lot(scope=scope_for(world.gd_inspector), lot_id=genealogy.p1.pk)
    assert events(epcis_export_lot(scope=scope_for(world.sh_inspector), lot_id=genealogy.p1.pk))


# --- capture -----------------------------------------------------------------------------------------------


def test_round_trip_stores_every_event_with_the_exported_hash_ids_and_links_the_lots(epcis_schema, story, world):
    document = nmpa_export(world, story.d2)
    before = AuditEvent.objects.count()
    last_id = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0
    outcome = epcis_capture(actor=world.cmo_qa, document=epcis.dumps(document), reason="round trip")
    exported = [e["eventID"] for e in events(document)]
    assert list(outcome.hash_ids) == exported
    stored = list(EpcisEvent.objects.order_by("position").values_list("hash_id", "position", "captured_by"))
    assert stored == [(h, i, world.cmo_qa.pk) for i, h in enumerate(exported)]
    capture = outcome.capture
    assert (capture.document_type, capture.schema_version, capture.event_count, capture.duplicate_count) == (
        "EPCISDocument", "2.0", len(exported), 0,
    )  # fmt: skip
    assert len(capture.sha256) == 64
    blend = EpcisEvent.objects.get(hash_id=exported[4])
    assert blend.event_type == "TransformationEvent" and blend.biz_step == CBV + "BizStep-commissioning"
    assert blend.raw == events(document)[4]
    assert sorted((link.lot.lot_number, link.role) for link in blend.lot_links.select_related("lot")) == [
        ("D1", "input"), ("D2", "input"), ("P1", "output"),
    ]  # fmt: skip
    shipped = EpcisEvent.objects.get(hash_id=exported[2])
    assert sorted(shipped.lots.values_list("lot_number", flat=True)) == ["D1", "D2"]
    assert capture.lot_link_count == EpcisEventLot.objects.count() == outcome.lot_links
    # one audit row per stored row, all with the reason
    assert AuditEvent.objects.count() - before == 1 + len(exported) + outcome.lot_links
    assert set(AuditEvent.objects.filter(id__gt=last_id).values_list("reason", "actor")) == {("round trip", "cmo-qa")}
    # rows written by COPY (PostgreSQL) / executemany (SQLite) are exactly what their audit rows say
    assert verify().ok
    audited = AuditEvent.objects.filter(id__gt=last_id, table_name=EpcisEvent._meta.db_table)
    assert sorted(int(pk) for pk in audited.values_list("row_pk", flat=True)) == sorted(
        EpcisEvent.objects.values_list("id", flat=True)
    )
    first = EpcisEvent.objects.get(hash_id=exported[0])
    assert first.created_at == first.updated_at == capture.events.order_by("id").last().created_at
    assert first.event_time == epcis.parse_time(events(document)[0]["eventTime"])


def test_an_official_example_is_captured(epcis_schema, mapped):
    text = (VENDOR / "examples" / "Example_9.6.1-ObjectEvent.jsonld").read_bytes()
    outcome = epcis_capture(actor=mapped.holder_qa, document=text, reason="GS1 example")
    source = json.loads(text)["epcisBody"]["eventList"]
    rows = list(EpcisEvent.objects.order_by("position"))
    assert [r.raw for r in rows] == source
    assert [r.hash_id for r in rows] == list(outcome.hash_ids)
    assert rows[0].read_point == "https://id.gs1.org/414/0614141073467/254/1234"
    assert rows[0].biz_step == CBV + "BizStep-shipping" and rows[0].event_type == "ObjectEvent"
    assert outcome.lot_links == 0


def test_a_document_captured_twice_is_refused_and_changes_nothing(epcis_schema, story, world):
    document = nmpa_export(world, story.p1)
    epcis_capture(actor=world.cmo_qa, document=document, reason="first")
    before = counts()
    with pytest.raises(EPCISDocumentRejected) as err:
        epcis_capture(actor=world.cmo_qa, document=document, reason="again")
    assert {p.code for p in err.value.problems} == {"duplicate_event"}
    assert len(err.value.problems) == len(events(document))
    assert counts() == before
    # the export of a neighbouring lot shares events: with on_duplicate="skip" only the new ones are stored
    larger = nmpa_export(world, story.w1)
    outcome = epcis_capture(actor=world.cmo_qa, document=larger, reason="more", on_duplicate="skip")
    assert outcome.capture.duplicate_count == len(events(document))
    assert outcome.capture.event_count == len(events(larger)) - len(events(document))
    assert EpcisEvent.objects.count() == len(events(larger))


def test_events_stored_by_a_concurrent_capture_refuse_the_document_at_insert(epcis_schema, story, world, monkeypatch):
    """The duplicate look-up ran before another capture committed the same events: the unique hash ID
    stops the insert (COPY on PostgreSQL, executemany on SQLite), and the refusal names the events."""
    from bioseg.production.epcis import capture as epcis_service

    document = nmpa_export(world, story.p1)
    epcis_capture(actor=world.cmo_qa, document=document, reason="first")
    before = counts()
    real = epcis_service._known_hash_ids
    calls: list[int] = []

    def stale_then_real(hash_ids):
        calls.append(len(hash_ids))
        return set() if len(calls) == 1 else real(hash_ids)

    monkeypatch.setattr(epcis_service, "_known_hash_ids", stale_then_real)
    with pytest.raises(EPCISDocumentRejected) as err:
        epcis_capture(actor=world.cmo_qa, document=document, reason="raced")
    assert {p.code for p in err.value.problems} == {"duplicate_event"}
    assert len(err.value.problems) == len(events(document)) == calls[0] == calls[1]
    assert counts() == before


def test_a_document_without_events_records_the_capture_only(epcis_schema, mapped, world):
    document = {
        "@context": [epcis.EPCIS_CONTEXT_URL], "type": "EPCISDocument", "schemaVersion": "2.0",
        "creationDate": "2025-01-01T00:00:00Z", "epcisBody": {"eventList": []},
    }  # fmt: skip
    before = counts()
    outcome = epcis_capture(actor=world.cmo_qa, document=document, reason="empty")
    assert (outcome.capture.event_count, outcome.lot_links, outcome.hash_ids) == (0, 0, ())
    assert counts() == dict(before, captures=before["captures"] + 1, audit=before["audit"] + 1)


def test_an_invalid_document_is_refused_whole_and_writes_nothing(epcis_schema, story, world):
    document = nmpa_export(world, story.p1)
    broken = copy.deepcopy(document)
    events(broken)[1]["bizStep"] = "blending"
    before = counts()
    with pytest.raises(EPCISDocumentRejected) as err:
        epcis_capture(actor=world.cmo_qa, document=broken, reason="broken")
    assert [p.pointer for p in err.value.problems] == ["/epcisBody/eventList/1/bizStep"]
    assert counts() == before
    with pytest.raises(EPCISDocumentRejected) as err:
        epcis_capture(actor=world.cmo_qa, document=b"{not json", reason="broken")
    assert err.value.problems[0].code == "json_syntax"
    assert counts() == before


def test_capture_needs_a_qa_role_and_a_reason(epcis_schema, story, world):
    document = nmpa_export(world, story.p1)
    before = counts()
    with pytest.raises(PermissionDenied):
        epcis_capture(actor=world.js_inspector, document=document, reason="x")
    with pytest.raises(ValidationFailed):
        epcis_capture(actor=world.cmo_qa, document=document, reason=" ")
    assert counts() == before


def test_without_the_schema_capture_is_refused_with_what_to_set(story, world, monkeypatch):
    document = nmpa_export(world, story.p1)  # export does not need the schema
    monkeypatch.delenv("BIOSEG_EPCIS_SCHEMA", raising=False)
    before = counts()
    with pytest.raises(SchemaNotFound) as err:
        epcis_capture(actor=world.cmo_qa, document=document, reason="x")
    assert err.value.status == 503 and err.value.code == "epcis_schema_not_configured"
    assert "set BIOSEG_EPCIS_SCHEMA" in err.value.message and "BIOSEG_EPCIS_SCHEMA" in err.value.message_zh
    monkeypatch.setenv("BIOSEG_EPCIS_SCHEMA", "/nonexistent/EPCIS-JSON-Schema.json")
    with pytest.raises(SchemaNotFound) as err:
        epcis_capture(actor=world.cmo_qa, document=document, reason="x")
    assert "/nonexistent/EPCIS-JSON-Schema.json" in err.value.message
    assert counts() == before


def test_captured_events_are_scoped(epcis_schema, story, world):
    epcis_capture(actor=world.cmo_qa, document=nmpa_export(world, story.d2), reason="scope")
    total = EpcisEvent.objects.count()
    assert epcis_event_list(scope=scope_for(world.nmpa)).count() == total
    assert epcis_event_list(scope=scope_for(world.holder_qa)).count() == total  # its lots
    assert epcis_event_list(scope=scope_for(world.cmo_qa)).count() == total  # captured by its organisation
    assert epcis_event_list(scope=scope_for(world.gd_qa)).count() == 0
    shanghai = epcis_event_list(scope=scope_for(world.sh_inspector)).count()
    assert 0 < shanghai < total  # not the commissioning of W1 in Suzhou


# --- GS1 mappings ------------------------------------------------------------------------------------------


def test_mappings_check_digits_are_idempotent_and_unique(world):
    before = Gs1TradeItem.objects.count()
    with pytest.raises(ValidationFailed) as err:
        gs1_trade_item_create(actor=world.holder_qa, product=world.pd1, material="DS", gtin="09520000000012")
    assert "check digit" in err.value.details["fields"]["gtin"]["message"]
    first = gs1_trade_item_create(actor=world.holder_qa, product=world.pd1, material="DS", gtin="9520000000011")
    assert first.gtin == "09520000000011"
    again = gs1_trade_item_create(actor=world.holder_qa, product=world.pd1, material="DS", gtin="09520000000011")
    assert again.pk == first.pk
    with pytest.raises(ValidationFailed):
        gs1_trade_item_create(actor=world.holder_qa, product=world.pd1, material="DP", gtin="09520000000011")
    with pytest.raises(PermissionDenied):
        gs1_trade_item_create(actor=world.gd_qa, product=world.pd1, material="DP", gtin="09520000000028")
    assert Gs1TradeItem.objects.count() == before + 1
    with pytest.raises(ValidationFailed):
        gs1_location_create(actor=world.cmo_qa, site=world.sh_site, gln="952000000001")  # 12 digits
    with pytest.raises(PermissionDenied):
        gs1_location_create(actor=world.gd_qa, site=world.sh_site, gln="9520000000011")


def test_demo_mappings_are_stable_valid_and_idempotent(mapped, admin):
    assert epcis_demo_mappings(admin) == 0
    gtins = sorted(Gs1TradeItem.objects.values_list("material", "gtin"))
    assert [m for m, _ in gtins] == ["DP", "DS", "WCB"]
    for _, gtin in gtins:
        assert gtin.startswith("0952") and epcis.validate_gtin(gtin) == gtin
    for gln in Gs1Location.objects.values_list("gln", flat=True):
        assert gln.startswith("952") and epcis.validate_gln(gln) == gln


def test_a_capture_never_links_or_counts_lots_outside_the_capturers_scope(epcis_schema, story, world):
    """The probe's defect (issue 8 item 9): an event naming another enterprise's lot answered lot_link_count 1
    (0 for an invented one), which told the capturer the lot exists."""
    document = nmpa_export(world, story.d2)
    outcome = epcis_capture(actor=world.gd_qa, document=epcis.dumps(document), reason="probe")
    assert (outcome.capture.lot_link_count, outcome.lot_links) == (0, 0)
    assert EpcisEventLot.objects.count() == 0
    assert outcome.capture.event_count == len(events(document))  # the events themselves are the capturer's own


def test_a_negative_quantity_refuses_the_document(epcis_schema, story, world):
    document = nmpa_export(world, story.d2)
    blend = events(document)[4]
    blend["inputQuantityList"][0]["quantity"] = -5
    before = counts()
    with pytest.raises(EPCISDocumentRejected) as err:
        epcis_capture(actor=world.cmo_qa, document=epcis.dumps(document), reason="negative")
    assert [(p.pointer, p.code) for p in err.value.problems] == [
        ("/epcisBody/eventList/4/inputQuantityList/0/quantity", "negative_quantity")
    ]
    assert counts() == before


def test_an_oversized_document_is_refused_before_it_is_read(settings, world):
    settings.BIOSEG_EPCIS_MAX_BYTES = 1000
    before = counts()
    with pytest.raises(ApplicationError) as err:
        epcis_capture(actor=world.cmo_qa, document=b"{" + b" " * 1000 + b"}", reason="big")
    assert (err.value.status, err.value.code, err.value.details) == (
        413,
        "document_too_large",
        {"bytes": 1002, "limit": 1000},
    )
    assert counts() == before
