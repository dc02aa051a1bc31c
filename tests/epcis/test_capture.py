"""Capture: validate the document whole, hash, reject duplicates, normalise; refuse with JSON pointers."""

from __future__ import annotations

import copy
import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from bioseg.common.errors import ApplicationError
from bioseg.epcis import (
    BIOSEG_NS,
    EPCISDocumentRejected,
    capture_document,
    document_problems,
    dumps,
    schema_validator,
)
from bioseg.epcis.schema import FastValidator, load_schema

from .conftest import example_paths


def pointers(err: EPCISDocumentRejected) -> list[str]:
    return [p.pointer for p in err.problems]


@pytest.mark.parametrize("path", example_paths(), ids=lambda p: p.name)
def test_official_examples_import_cleanly(vendor, path: Path):
    result = capture_document(path.read_bytes())
    document = json.loads(path.read_text(encoding="utf-8"))
    body = document["epcisBody"]
    events = body["eventList"] if "eventList" in body else body["queryResults"]["resultsBody"]["eventList"]
    assert len(result.events) == len(events) > 0
    assert all(e.hash_id.startswith("ni:///sha-256;") for e in result.events)


def test_exported_document_round_trips(document):
    result = capture_document(dumps(document))
    assert result.document_type == "EPCISDocument"
    assert result.sender == "urn:epc:id:sgln:6901234.00001.0"
    assert [e.hash_id for e in result.events] == [e["eventID"] for e in document["epcisBody"]["eventList"]]
    assert result.duplicates == ()
    blend = next(e for e in result.events if e.event_type == "TransformationEvent" and len(e.input_quantities) == 3)
    assert blend.biz_step == "https://ref.gs1.org/cbv/BizStep-commissioning"
    assert blend.disposition == "https://ref.gs1.org/cbv/Disp-non_sellable_other"
    assert blend.input_quantities[0].epc_class == "https://id.gs1.org/01/06901234001006/10/D1"
    assert blend.input_quantities[0].quantity == 4.25 and blend.input_quantities[0].uom == "KGM"
    assert blend.output_epcs == (
        f"{BIOSEG_NS}nmpa-drug-code/81234560000000010001",
        f"{BIOSEG_NS}nmpa-drug-code/81234560000000020002",
    )
    assert blend.extensions[f"{BIOSEG_NS}transformationKind"] == f"{BIOSEG_NS}TransformationKind-blending"
    assert blend.event_time == datetime(2025, 3, 11, 8, tzinfo=timezone(timedelta(hours=8)))
    receiving = next(e for e in result.events if e.biz_step == "https://ref.gs1.org/cbv/BizStep-receiving")
    assert receiving.extensions[f"{BIOSEG_NS}shipmentID"] == "SH-1"
    temperatures = [r for r in receiving.sensor_readings if r.value is not None]
    assert [r.value for r in temperatures] == [4.0, 5.5, 8.6, 6.0, 3.2]
    assert {r.type for r in receiving.sensor_readings} == {"https://gs1.org/voc/Temperature"}
    assert temperatures[2].exception == "https://gs1.org/voc/ALARM_CONDITION"
    summary = receiving.sensor_readings[-1]
    assert (summary.min_value, summary.max_value, summary.mean_value) == (3.2, 8.6, 5.46)
    assert receiving.sources[0].type == "https://ref.gs1.org/cbv/SDT-location"


def test_epc_urns_are_normalised_to_digital_link(vendor):
    result = capture_document((vendor / "examples" / "Example_9.6.1-ObjectEvent.jsonld").read_bytes())
    first = result.events[0]
    assert first.epc_list == (
        "https://id.gs1.org/01/10614141073464/21/2017",
        "https://id.gs1.org/01/10614141073464/21/2018",
    )
    assert first.read_point == "https://id.gs1.org/414/0614141073467/254/1234"
    assert first.biz_step == "https://ref.gs1.org/cbv/BizStep-shipping"
    assert first.biz_transactions[0].type == "https://ref.gs1.org/cbv/BTT-po"


def test_invalid_document_is_refused_whole_with_pointers(document):
    broken = copy.deepcopy(document)
    events = broken["epcisBody"]["eventList"]
    events[1]["bizStep"] = "blending"
    events[2]["eventTime"] = "2025-03-02 09:00"
    del events[3]["eventTimeZoneOffset"]
    with pytest.raises(EPCISDocumentRejected) as err:
        capture_document(dumps(broken))
    assert isinstance(err.value, ApplicationError)
    assert err.value.code == "epcis_document_invalid" and err.value.message_zh
    assert pointers(err.value) == [
        "/epcisBody/eventList/1/bizStep",
        "/epcisBody/eventList/2/eventTime",
        "/epcisBody/eventList/3",
    ]
    assert "eventTimeZoneOffset" in err.value.problems[2].message
    assert err.value.details["problem_count"] == 3
    assert err.value.details["problems"][0] == {
        "pointer": "/epcisBody/eventList/1/bizStep",
        "code": "schema",
        "message": err.value.problems[0].message,
    }


def test_bad_check_digits_and_nmpa_codes_are_refused_with_pointers(document):
    broken = copy.deepcopy(document)
    events = broken["epcisBody"]["eventList"]
    blend_index = next(
        i for i, e in enumerate(events) if e["type"] == "TransformationEvent" and len(e["inputQuantityList"]) == 3
    )
    events[blend_index]["inputQuantityList"][1]["epcClass"] = "https://id.gs1.org/01/06901234001007/10/D2"
    events[blend_index]["outputEPCList"][0] = f"{BIOSEG_NS}nmpa-drug-code/8123456000000001000"
    events[0]["readPoint"]["id"] = "urn:epc:id:sgln:6901234.0001.0"  # 11 digits: malformed EPC URN
    with pytest.raises(EPCISDocumentRejected) as err:
        capture_document(broken)
    problems = {p.pointer: p.code for p in err.value.problems}
    assert problems == {
        "/epcisBody/eventList/0/readPoint/id": "epc_urn_syntax",
        f"/epcisBody/eventList/{blend_index}/outputEPCList/0": "nmpa_code_length",
        f"/epcisBody/eventList/{blend_index}/inputQuantityList/1/epcClass": "gtin_check_digit",
    }


def test_not_json_is_refused():
    with pytest.raises(EPCISDocumentRejected) as err:
        capture_document(b'{"type": "EPCISDocument",')
    assert err.value.problems[0].code == "json_syntax" and "line 1" in err.value.problems[0].message


def test_a_single_event_is_not_a_document(document):
    event = dict(document["epcisBody"]["eventList"][0], **{"@context": document["@context"]})
    with pytest.raises(EPCISDocumentRejected) as err:
        capture_document(event)
    assert pointers(err.value) == ["/type"]


def test_known_events_are_duplicates(document):
    ids = [e["eventID"] for e in document["epcisBody"]["eventList"]]
    with pytest.raises(EPCISDocumentRejected) as err:
        capture_document(document, known_hash_ids={ids[2], ids[5]})
    assert pointers(err.value) == ["/epcisBody/eventList/2", "/epcisBody/eventList/5"]
    assert {p.code for p in err.value.problems} == {"duplicate_event"}
    asked: list[list[str]] = []

    def lookup(hash_ids: list[str]) -> set[str]:
        asked.append(hash_ids)
        return {ids[5]}

    result = capture_document(document, known_hash_ids=lookup, on_duplicate="skip")
    assert asked == [ids]
    assert [d.index for d in result.duplicates] == [5] and result.duplicates[0].reason == "known"
    assert len(result.events) == len(ids) - 1 and ids[5] not in {e.hash_id for e in result.events}


def test_an_event_twice_in_a_document_is_a_duplicate(document):
    doubled = copy.deepcopy(document)
    events = doubled["epcisBody"]["eventList"]
    again = copy.deepcopy(events[4])
    again.pop("eventID")
    again["recordTime"] = "2030-01-01T00:00:00Z"  # not part of the hash
    events.append(again)
    with pytest.raises(EPCISDocumentRejected) as err:
        capture_document(doubled)
    (problem,) = err.value.problems
    assert problem.pointer == f"/epcisBody/eventList/{len(events) - 1}"
    assert "repeats the event at /epcisBody/eventList/4" in problem.message
    result = capture_document(doubled, on_duplicate="skip")
    assert [(d.index, d.reason) for d in result.duplicates] == [(len(events) - 1, "repeated_in_document")]


# --- the fast validator answers exactly like jsonschema --------------------------------------------------


def mutations(document: dict):
    """Documents that break the schema in many ways (and a few that do not)."""
    events = document["epcisBody"]["eventList"]
    edits = [
        ("bizStep", "blending"), ("bizStep", "urn:epcglobal:cbv:bizstep:shipping"), ("bizStep", "cbv:BizStep-x"),
        ("disposition", "on_hold"), ("action", "observe"), ("eventTime", "2025-03-01"),
        ("eventTimeZoneOffset", "+8:00"), ("eventTimeZoneOffset", "+14:00"), ("readPoint", {"id": "not a uri"}),
        ("readPoint", {}), ("epcList", ["x:y", "x:y"]), ("epcList", "urn:x:y"), ("quantityList", []),
        ("quantityList", [{"epcClass": "urn:x:y", "quantity": "3"}]), ("quantityList", [{"epcClass": "urn:x:y", "uom": "kg"}]),
        ("quantityList", [{"epcClass": "urn:x:y", "extra": 1}]), ("unknownField", 1), ("ex:field", {"a": 1}),
        ("sourceList", [{"type": "location"}]), ("sourceList", [{"type": "seller", "source": "urn:x:y"}]),
        ("sensorElementList", [{"sensorReport": [{"type": "Temperature", "value": "4"}]}]),
        ("sensorElementList", [{"sensorReport": [{"type": "https://gs1.org/voc/Temperature"}]}]),
        ("sensorElementList", [{"sensorReport": [{"type": "gs1:Temperature", "time": "2025-03-01T00:00:00Z"}]}]),
        ("ilmd", {"not a uri": 1}), ("persistentDisposition", {"set": ["recalled"]}),
        ("persistentDisposition", {"set": ["recalledx"]}), ("type", "NoSuchEvent"), ("type", "ns:CustomEvent"),
        ("errorDeclaration", {"declarationTime": "2025-03-01T00:00:00Z", "reason": "incorrect_data"}),
        ("errorDeclaration", {"reason": "incorrect_data"}), ("certificationInfo", 3),
    ]  # fmt: skip
    for index in (0, 1, 4, 5):
        for field, value in edits:
            mutated = copy.deepcopy(document)
            mutated["epcisBody"]["eventList"][index][field] = value
            yield mutated
    for field in ("@context", "schemaVersion", "creationDate", "epcisBody"):
        mutated = copy.deepcopy(document)
        del mutated[field]
        yield mutated
    mutated = copy.deepcopy(document)
    del mutated["epcisBody"]["eventList"][0]["action"]
    yield mutated
    mutated = copy.deepcopy(document)
    mutated["epcisBody"]["eventList"] = events[:1] + [1, "x", None]
    yield mutated


def test_fast_validator_agrees_with_jsonschema(vendor, document):
    slow = schema_validator()
    fast = FastValidator(load_schema())
    samples = [json.loads(p.read_text(encoding="utf-8")) for p in example_paths()]
    samples += [json.loads(p.read_text(encoding="utf-8")) for p in sorted((vendor / "schema-tests").glob("*.json"))]
    samples += [document, *mutations(document)]
    verdicts = [(fast.is_valid(s), slow.is_valid(s)) for s in samples]
    assert all(a == b for a, b in verdicts), [i for i, (a, b) in enumerate(verdicts) if a != b]
    assert sum(1 for a, _ in verdicts if not a) > 60  # the mutations really do break the schema


def test_every_schema_problem_is_reported(document):
    broken = copy.deepcopy(document)
    broken["epcisBody"]["eventList"][0]["action"] = "observe"
    broken["epcisBody"]["eventList"][7]["readPoint"] = {"id": "not a uri"}
    found = document_problems(broken)
    assert [p.pointer for p in found] == ["/epcisBody/eventList/0/action", "/epcisBody/eventList/7/readPoint/id"]
