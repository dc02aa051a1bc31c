"""Exported documents validate against GS1's official schema, with URI and date-time formats really checked."""

from __future__ import annotations

import copy
import importlib
import json
from datetime import timedelta

import pytest
from jsonschema import FormatChecker
from jsonschema.validators import validator_for

from bioseg.epcis import (
    BIOSEG_NS,
    EPCIS_CONTEXT_URL,
    build_document,
    document_problems,
    dumps,
    format_checker,
)
from bioseg.epcis.vocab import LOT_STATUS_EVENTS

from .conftest import T0, records


def official_errors(schema: dict, document: dict) -> list[str]:
    """Validation with plain jsonschema (not our fast path): the independent oracle."""
    validator = validator_for(schema)(schema, format_checker=FormatChecker())
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(document)]


def test_format_libraries_are_installed_and_really_check():
    assert importlib.import_module("rfc3987")
    assert importlib.import_module("rfc3339_validator")
    checker = FormatChecker()
    assert {"uri", "date-time"} <= set(checker.checkers)
    assert not checker.conforms("blending", "uri")  # a bare word is not a URI
    assert not checker.conforms("https://exa mple.com/x", "uri")
    assert checker.conforms("https://id.gs1.org/01/04006381333931/10/L1", "uri")
    assert not checker.conforms("2025-03-01 08:00:00", "date-time")
    assert not checker.conforms("2025-03-01T08:00:00", "date-time")  # RFC 3339 needs an offset
    assert checker.conforms("2025-03-01T08:00:00.000+08:00", "date-time")
    assert format_checker().conforms("2025-03-01T08:00:00Z", "date-time")


def test_exported_document_validates_against_the_official_schema(official_schema, document):
    assert official_errors(official_schema, document) == []
    assert document_problems(document) == []
    assert document["@context"] == [EPCIS_CONTEXT_URL, {"bioseg": BIOSEG_NS}]
    assert json.loads(dumps(document)) == document


def test_each_kind_of_record_alone_validates(official_schema):
    data = records()
    for name, items in data.items():
        for item in items:
            doc = build_document(**{name: [item]}, creation_date=T0)
            assert official_errors(official_schema, doc) == [], (name, item)


def test_schema_with_format_checker_rejects_a_bare_word_biz_step(official_schema, document):
    broken = copy.deepcopy(document)
    broken["epcisBody"]["eventList"][1]["bizStep"] = "blending"
    assert official_errors(official_schema, broken)
    # without a format checker jsonschema would have accepted any string as a URI
    lax = validator_for(official_schema)(official_schema)
    assert lax.is_valid(broken)


def event(document: dict, **match) -> dict:
    found = [e for e in document["epcisBody"]["eventList"] if all(e.get(k) == v for k, v in match.items())]
    assert len(found) == 1, match
    return found[0]


def test_blending_is_a_transformation_event_with_class_level_quantities(document):
    blend = event(
        document, type="TransformationEvent", **{"bioseg:transformationKind": "bioseg:TransformationKind-blending"}
    )
    assert [q["epcClass"] for q in blend["inputQuantityList"]] == [
        "https://id.gs1.org/01/06901234001006/10/D1",
        "https://id.gs1.org/01/06901234001006/10/D2",
        "https://id.gs1.org/01/06901234001006/10/D3",
    ]
    assert blend["inputQuantityList"][0] == {
        "epcClass": "https://id.gs1.org/01/06901234001006/10/D1",
        "quantity": 4.25,
        "uom": "KGM",
    }
    assert blend["outputQuantityList"] == [
        {"epcClass": "https://id.gs1.org/01/06901234002003/10/P1%2F2025%28A%29", "quantity": 10000}
    ]
    assert blend["outputEPCList"] == [
        f"{BIOSEG_NS}nmpa-drug-code/81234560000000010001",
        f"{BIOSEG_NS}nmpa-drug-code/81234560000000020002",
    ]
    assert (blend["bizStep"], blend["disposition"]) == ("commissioning", "non_sellable_other")
    assert blend["ilmd"] == {"cbvmda:itemExpirationDate": "2027-03-01"}
    assert blend["readPoint"]["id"] == "https://id.gs1.org/414/6901234000207/254/COLD-1"
    assert blend["eventTime"] == "2025-03-11T08:00:00.000+08:00" and blend["eventTimeZoneOffset"] == "+08:00"


def test_manufacture_without_inputs_is_a_commissioning_object_event(document):
    w1 = event(document, **{"bioseg:recordID": "w1"})
    assert (w1["type"], w1["action"], w1["bizStep"]) == ("ObjectEvent", "ADD", "commissioning")
    assert w1["quantityList"] == [
        {"epcClass": "https://id.gs1.org/01/06901234003000/10/W1", "quantity": 200, "uom": "H87"}
    ]


def test_shipping_and_receiving_with_cold_chain_readings(document):
    shipping = event(document, bizStep="shipping", **{"bioseg:shipmentID": "SH-1"})
    assert shipping["disposition"] == "in_transit"
    assert shipping["epcList"] == ["https://id.gs1.org/00/069012340000000016"]
    assert shipping["sourceList"] == [
        {"type": "location", "source": "https://id.gs1.org/414/6901234000108"},
        {"type": "owning_party", "source": "https://id.gs1.org/417/6901234000115"},
    ]
    assert shipping["destinationList"][0] == {
        "type": "location",
        "destination": "https://id.gs1.org/414/6901234000207/254/COLD-1",
    }
    receiving = event(document, bizStep="receiving", **{"bioseg:shipmentID": "SH-1"})
    assert receiving["disposition"] == "in_progress"
    readings, summary = receiving["sensorElementList"]
    assert readings["sensorMetadata"] == {
        "startTime": "2025-03-06T08:00:00.000+08:00",
        "endTime": "2025-03-06T10:00:00.000+08:00",
        "deviceID": f"{BIOSEG_NS}logger/LOGGER-7",
    }
    assert readings["sensorReport"][0] == {
        "type": "Temperature",
        "time": "2025-03-06T08:00:00.000+08:00",
        "value": 4.0,
        "uom": "CEL",
    }
    assert [r.get("exception") for r in readings["sensorReport"]] == [None, None, "ALARM_CONDITION", None, None]
    assert summary["sensorReport"] == [
        {
            "type": "Temperature",
            "minValue": 3.2,
            "maxValue": 8.6,
            "meanValue": 5.46,
            "uom": "CEL",
            "exception": "ALARM_CONDITION",
        }
    ]
    assert not any(
        e.get("bioseg:shipmentID") == "SH-2" and e["bizStep"] == "receiving" for e in document["epcisBody"]["eventList"]
    )


@pytest.mark.parametrize("status", list(LOT_STATUS_EVENTS))
def test_status_changes_use_cbv_dispositions(status):
    data = records()
    change = next((c for c in data["status_changes"] if c.status == status), None)
    if change is None:
        from bioseg.epcis import StatusChange

        base = data["status_changes"][0]
        change = StatusChange(lot=base.lot, status=status, event_time=base.event_time, location=base.location)
    doc = build_document(status_changes=[change], creation_date=T0)
    (exported,) = doc["epcisBody"]["eventList"]
    assert (exported["bizStep"], exported["disposition"]) == LOT_STATUS_EVENTS[status]
    assert exported["bioseg:lotStatus"] == f"bioseg:LotStatus-{status}"
    assert exported["action"] == "OBSERVE" and exported["quantityList"] == [{"epcClass": change.lot.uri}]


def test_events_are_in_time_order_and_carry_their_hash_ids(document):
    events = document["epcisBody"]["eventList"]
    times = [e["eventTime"] for e in events]
    assert len(events) == 12  # 5 transformations, 3 shipment events, 4 status changes
    assert times == sorted(times)  # all +08:00, so text order is time order
    assert all(e["eventID"].startswith("ni:///sha-256;") and e["eventID"].endswith("?ver=CBV2.0") for e in events)
    assert len({e["eventID"] for e in events}) == len(events)


def test_naive_times_and_bad_keys_are_refused_where_records_are_built():
    from bioseg.epcis import IdentifierError, Location, LotRef, StatusChange

    with pytest.raises(IdentifierError):
        LotRef(gtin="06901234001007", lot="D1")
    with pytest.raises(IdentifierError):
        Location(gln="6901234000109")
    with pytest.raises(ValueError, match="timezone-aware"):
        StatusChange(
            lot=LotRef(gtin="06901234001006", lot="D1"), status="released",
            event_time=T0.replace(tzinfo=None), location=Location(gln="6901234000108"),
        )  # fmt: skip
    with pytest.raises(ValueError, match="lot status"):
        StatusChange(
            lot=LotRef(gtin="06901234001006", lot="D1"),
            status="approved",
            event_time=T0,
            location=Location(gln="6901234000108"),
        )  # type: ignore[arg-type]


def test_creation_date_defaults_to_now():
    doc = build_document(status_changes=records()["status_changes"][:1])
    assert doc["creationDate"].endswith("+00:00")
    assert T0 + timedelta(days=1) < __import__("datetime").datetime.fromisoformat(doc["creationDate"])
