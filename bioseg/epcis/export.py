"""Build an EPCIS 2.0 ``EPCISDocument`` (JSON-LD) from plain records.

Each event carries its CBV 2.0 hash ID as ``eventID`` so a receiver can check it. Vocabulary choices are
documented in ``vocab``; extension fields use the ``bioseg:`` prefix bound to ``vocab.BIOSEG_NS`` in the
document's ``@context``. Extension *values* that name a kind or status are CURIEs in the same namespace
(``bioseg:LotStatus-recalled``): a bare word equal to a CBV term (``recalled``) would be expanded by the
event-hash algorithm whenever the CBV term appears elsewhere in the document, making the hash of an event
depend on its neighbours.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from urllib.parse import quote

from .hashing import DocumentContext, event_hash_id
from .identifiers import nmpa_code_uri, sscc_uri
from .model import LotQuantity, Number, ShipmentRecord, StatusChange, TemperatureReading, TransformationRecord
from .vocab import (
    BIOSEG_NS,
    BIOSEG_PREFIX,
    EPCIS_CONTEXT_URL,
    EXT_LOT_STATUS,
    EXT_REASON,
    EXT_RECORD_ID,
    EXT_SHIPMENT_ID,
    EXT_TRANSFORMATION_KIND,
    LOT_STATUS_EVENTS,
)

__all__ = [
    "build_document",
    "document_context",
    "dumps",
    "receiving_event",
    "shipping_event",
    "status_event",
    "transformation_event",
]


def document_context() -> list[Any]:
    return [EPCIS_CONTEXT_URL, {BIOSEG_PREFIX: BIOSEG_NS}]


def _time(value: datetime) -> str:
    return value.isoformat(timespec="milliseconds")


def _offset(value: datetime) -> str:
    delta = value.utcoffset()
    assert delta is not None
    minutes = int(delta.total_seconds() // 60)
    sign = "-" if minutes < 0 else "+"
    minutes = abs(minutes)
    return f"{sign}{minutes // 60:02d}:{minutes % 60:02d}"


def _number(value: Number) -> int | float:
    if isinstance(value, bool):
        raise ValueError("a quantity cannot be a boolean")
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise ValueError(f"{value} is not a finite number")
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, float) and (value != value or value in (float("inf"), float("-inf"))):
        raise ValueError(f"{value} is not a finite number")
    return value


def _quantity_list(lines: Iterable[LotQuantity]) -> list[dict[str, Any]]:
    out = []
    for line in lines:
        element: dict[str, Any] = {"epcClass": line.lot.uri, "quantity": _number(line.quantity)}
        if line.uom:
            element["uom"] = line.uom
        out.append(element)
    return out


def _header(event_type: str, when: datetime) -> dict[str, Any]:
    return {"type": event_type, "eventTime": _time(when), "eventTimeZoneOffset": _offset(when)}


def _value_iri(kind: str, value: str) -> str:
    return f"{BIOSEG_PREFIX}:{kind}-{value}"


def transformation_event(record: TransformationRecord) -> dict[str, Any]:
    """A ``TransformationEvent`` (inputs -> outputs). A manufacture without recorded input lots (e.g. a
    working cell bank) is not a valid TransformationEvent (EPCIS requires inputs and outputs, or a
    transformationID): it is exported as what CBV calls it, an ``ObjectEvent`` ``ADD`` / ``commissioning``
    of the output lot(s)."""
    if not record.inputs and not record.transformation_id:
        return _commissioning_event(record)
    event = _header("TransformationEvent", record.event_time)
    if record.inputs:
        event["inputQuantityList"] = _quantity_list(record.inputs)
    if record.output_codes:
        event["outputEPCList"] = [nmpa_code_uri(code) for code in record.output_codes]
    if record.outputs:
        event["outputQuantityList"] = _quantity_list(record.outputs)
    if record.transformation_id:
        event["transformationID"] = record.transformation_id
    event["bizStep"] = "commissioning"
    event["disposition"] = LOT_STATUS_EVENTS["quarantine"][1]
    event["readPoint"] = {"id": record.location.uri}
    event["bizLocation"] = {"id": record.location.uri}
    if record.expiry_date is not None:
        event["ilmd"] = {"cbvmda:itemExpirationDate": record.expiry_date.isoformat()}
    event[EXT_TRANSFORMATION_KIND] = _value_iri("TransformationKind", record.kind)
    if record.record_id is not None:
        event[EXT_RECORD_ID] = str(record.record_id)
    return event


def _commissioning_event(record: TransformationRecord) -> dict[str, Any]:
    event = _header("ObjectEvent", record.event_time)
    if record.output_codes:
        event["epcList"] = [nmpa_code_uri(code) for code in record.output_codes]
    if record.outputs:
        event["quantityList"] = _quantity_list(record.outputs)
    event["action"] = "ADD"
    event["bizStep"] = "commissioning"
    event["disposition"] = LOT_STATUS_EVENTS["quarantine"][1]
    event["readPoint"] = {"id": record.location.uri}
    event["bizLocation"] = {"id": record.location.uri}
    if record.expiry_date is not None:
        event["ilmd"] = {"cbvmda:itemExpirationDate": record.expiry_date.isoformat()}
    event[EXT_TRANSFORMATION_KIND] = _value_iri("TransformationKind", record.kind)
    if record.record_id is not None:
        event[EXT_RECORD_ID] = str(record.record_id)
    return event


def _parties(record: ShipmentRecord) -> tuple[list[dict[str, str]], list[dict[str, str]]]:
    sources = [{"type": "location", "source": record.origin.uri}]
    if record.origin.party_gln:
        sources.append({"type": "owning_party", "source": f"https://id.gs1.org/417/{record.origin.party_gln}"})
    destinations = [{"type": "location", "destination": record.destination.uri}]
    if record.destination.party_gln:
        destinations.append(
            {"type": "owning_party", "destination": f"https://id.gs1.org/417/{record.destination.party_gln}"}
        )
    return sources, destinations


def _epcs(record: ShipmentRecord) -> list[str]:
    epcs = [sscc_uri(record.sscc)] if record.sscc else []
    return epcs + [nmpa_code_uri(code) for code in record.codes]


def shipping_event(record: ShipmentRecord) -> dict[str, Any]:
    event = _header("ObjectEvent", record.shipped_at)
    epcs = _epcs(record)
    if epcs:
        event["epcList"] = epcs
    if record.lines:
        event["quantityList"] = _quantity_list(record.lines)
    event["action"] = "OBSERVE"
    event["bizStep"] = "shipping"
    event["disposition"] = "in_transit"
    event["readPoint"] = {"id": record.origin.uri}
    event["sourceList"], event["destinationList"] = _parties(record)
    event[EXT_SHIPMENT_ID] = record.shipment_id
    return event


def _device(logger_id: str) -> str:
    return logger_id if ":" in logger_id else f"{BIOSEG_NS}logger/{quote(logger_id, safe='')}"


def _sensor_elements(record: ShipmentRecord) -> list[dict[str, Any]]:
    readings: list[TemperatureReading] = sorted(record.readings, key=lambda r: r.time)
    start, end = _time(readings[0].time), _time(readings[-1].time)
    metadata: dict[str, Any] = {"startTime": start, "endTime": end}
    if record.logger_id:
        metadata["deviceID"] = _device(record.logger_id)
    low, high = (None, None) if record.storage_range is None else record.storage_range
    reports = []
    for reading in readings:
        report: dict[str, Any] = {"type": "Temperature", "time": _time(reading.time), "value": _number(reading.celsius)}
        if low is not None and high is not None and not (low <= reading.celsius <= high):
            report["exception"] = "ALARM_CONDITION"
        report["uom"] = "CEL"
        reports.append(report)
    values = [Decimal(str(r.celsius)) for r in readings]
    mean = (sum(values, Decimal(0)) / len(values)).quantize(Decimal("0.001"))
    summary = {
        "type": "Temperature",
        "minValue": _number(min(values)),
        "maxValue": _number(max(values)),
        "meanValue": _number(mean.normalize() if mean == mean.to_integral_value() else mean),
        "uom": "CEL",
    }
    if low is not None and high is not None and (min(values) < Decimal(str(low)) or max(values) > Decimal(str(high))):
        summary["exception"] = "ALARM_CONDITION"
    return [
        {"sensorMetadata": metadata, "sensorReport": reports},
        {"sensorMetadata": {"startTime": start, "endTime": end}, "sensorReport": [summary]},
    ]


def receiving_event(record: ShipmentRecord) -> dict[str, Any] | None:
    if record.received_at is None:
        return None
    event = _header("ObjectEvent", record.received_at)
    epcs = _epcs(record)
    if epcs:
        event["epcList"] = epcs
    if record.lines:
        event["quantityList"] = _quantity_list(record.lines)
    event["action"] = "OBSERVE"
    event["bizStep"] = "receiving"
    event["disposition"] = "in_progress"
    event["readPoint"] = {"id": record.destination.uri}
    event["bizLocation"] = {"id": record.destination.uri}
    event["sourceList"], event["destinationList"] = _parties(record)
    if record.readings:
        event["sensorElementList"] = _sensor_elements(record)
    event[EXT_SHIPMENT_ID] = record.shipment_id
    return event


def status_event(record: StatusChange) -> dict[str, Any]:
    biz_step, disposition = LOT_STATUS_EVENTS[record.status]
    event = _header("ObjectEvent", record.event_time)
    event["quantityList"] = [{"epcClass": record.lot.uri}]
    event["action"] = "OBSERVE"
    event["bizStep"] = biz_step
    event["disposition"] = disposition
    event["readPoint"] = {"id": record.location.uri}
    event["bizLocation"] = {"id": record.location.uri}
    event[EXT_LOT_STATUS] = _value_iri("LotStatus", record.status)
    if record.reason:
        event[EXT_REASON] = record.reason
    if record.record_id is not None:
        event[EXT_RECORD_ID] = str(record.record_id)
    return event


def build_document(
    *,
    transformations: Iterable[TransformationRecord] = (),
    shipments: Iterable[ShipmentRecord] = (),
    status_changes: Iterable[StatusChange] = (),
    creation_date: datetime | None = None,
    sender: str | None = None,
    receiver: str | None = None,
    instance_identifier: str | None = None,
    with_event_ids: bool = True,
) -> dict[str, Any]:
    """An ``EPCISDocument`` with one event per transformation and status change and one or two per
    shipment (shipping; receiving when received), in time order. Valid against GS1's schema."""
    timed: list[tuple[datetime, int, dict[str, Any]]] = []
    for record in transformations:
        timed.append((record.event_time, len(timed), transformation_event(record)))
    for shipment in shipments:
        timed.append((shipment.shipped_at, len(timed), shipping_event(shipment)))
        received = receiving_event(shipment)
        if received is not None:
            assert shipment.received_at is not None
            timed.append((shipment.received_at, len(timed), received))
    for change in status_changes:
        timed.append((change.event_time, len(timed), status_event(change)))
    timed.sort(key=lambda item: (item[0], item[1]))
    events = [event for _, _, event in timed]
    document: dict[str, Any] = {
        "@context": document_context(),
        "type": "EPCISDocument",
        "schemaVersion": "2.0",
        "creationDate": _time(creation_date or datetime.now(UTC)),
    }
    if sender:
        document["sender"] = sender
    if receiver:
        document["receiver"] = receiver
    if instance_identifier:
        document["instanceIdentifier"] = instance_identifier
    document["epcisBody"] = {"eventList": events}
    if with_event_ids:
        context = DocumentContext(document, events)
        for event in events:
            event["eventID"] = event_hash_id(event, context)
    return document


def dumps(document: dict[str, Any], *, indent: int | None = None) -> str:
    """JSON text of a document (UTF-8 friendly: Chinese stays readable)."""
    return json.dumps(document, ensure_ascii=False, indent=indent, separators=None if indent else (",", ":"))
