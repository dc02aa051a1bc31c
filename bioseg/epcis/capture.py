"""Capture (import) of an EPCIS 2.0 JSON/JSON-LD document: validate, hash, normalise — all or nothing.

``capture_document`` either returns every event, normalised and with its CBV 2.0 hash ID, or raises
``EPCISDocumentRejected`` listing every problem with a JSON pointer: schema violations (GS1's official
schema, formats really checked), wrong GS1 check digits or malformed EPC URNs in identifier fields,
malformed NMPA drug traceability codes, and duplicate events (already known, or twice in the document).
Nothing here writes anything; the caller stores the result in one transaction.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any, Literal

from bioseg.errors import ApplicationError

from . import identifiers as ids
from .hashing import DocumentContext, _parse_rfc3339, event_hash_id
from .model import CapturedEvent, CaptureResult, Duplicate, PartyRef, QuantityElement, SensorReading
from .schema import fast_validator, iter_schema_problems
from .vocab import expand_vocab

__all__ = ["EPCISDocumentRejected", "Problem", "capture_document", "document_problems", "parse_time"]

MAX_LISTED_PROBLEMS = 500

KnownHashes = Collection[str] | Callable[[list[str]], Collection[str]]


@dataclass(frozen=True, slots=True)
class Problem:
    pointer: str
    code: str
    message: str

    def as_dict(self) -> dict[str, str]:
        return {"pointer": self.pointer, "code": self.code, "message": self.message}


class EPCISDocumentRejected(ApplicationError):
    """The whole document is refused; ``problems`` lists why (``details["problems"]`` for the API)."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems = tuple(problems)
        count = len(self.problems)
        listed = [p.as_dict() for p in self.problems[:MAX_LISTED_PROBLEMS]]
        super().__init__(
            "epcis_document_invalid",
            f"EPCIS document refused: {count} problem(s) found; nothing was captured.",
            f"EPCIS 文档被拒收：发现 {count} 个问题，未导入任何事件。",
            details={"problems": listed, "problem_count": count, "truncated": count > len(listed)},
        )


def parse_time(text: str) -> datetime:
    """An RFC 3339 timestamp as an aware datetime (sub-microsecond digits are dropped)."""
    moment = _parse_rfc3339(text)
    if moment is None:
        raise ValueError(f"{text!r} is not an RFC 3339 date-time")
    return moment


def _events_of(document: Mapping[str, Any]) -> tuple[list[Any], str]:
    body = document.get("epcisBody") or {}
    if document.get("type") == "EPCISQueryDocument":
        results = body.get("queryResults") or {}
        return list(
            (results.get("resultsBody") or {}).get("eventList") or []
        ), "/epcisBody/queryResults/resultsBody/eventList"
    return list(body.get("eventList") or []), "/epcisBody/eventList"


# --------------------------------------------------------------------------------------------------------
# Semantic checks of identifiers

_URN_KNOWN = (
    "urn:epc:id:sgtin:", "urn:epc:id:sscc:", "urn:epc:id:sgln:", "urn:epc:id:grai:", "urn:epc:id:giai:",
    "urn:epc:id:gsrn:", "urn:epc:id:gsrnp:", "urn:epc:id:gdti:", "urn:epc:id:sgcn:", "urn:epc:id:cpi:",
    "urn:epc:id:ginc:", "urn:epc:id:gsin:", "urn:epc:id:itip:", "urn:epc:id:upui:", "urn:epc:id:pgln:",
    "urn:epc:class:lgtin:", "urn:epc:idpat:sgtin:",
)  # fmt: skip


_PROBLEM_CACHE: dict[str, tuple[str, str] | None] = {}
_DL_CACHE: dict[str, str] = {}


def _identifier_problem(value: Any) -> tuple[str, str] | None:
    if not isinstance(value, str):
        return None
    try:
        return _PROBLEM_CACHE[value]
    except KeyError:
        pass
    found = _find_identifier_problem(value)
    if len(_PROBLEM_CACHE) > 100_000:
        _PROBLEM_CACHE.clear()
    _PROBLEM_CACHE[value] = found
    return found


def _dl(value: str) -> str:
    """``identifiers.to_digital_link`` with a cache (sites and lots repeat across events)."""
    try:
        return _DL_CACHE[value]
    except KeyError:
        pass
    if len(_DL_CACHE) > 100_000:
        _DL_CACHE.clear()
    converted = _DL_CACHE[value] = ids.to_digital_link(value)
    return converted


def _find_identifier_problem(value: str) -> tuple[str, str] | None:
    if value.startswith(ids.NMPA_CODE_URI_PREFIX):
        try:
            ids.parse_nmpa_code_uri(value)
        except ids.IdentifierError as err:
            return err.code, err.message
        return None
    if value.startswith("urn:epc:"):
        if value.startswith(_URN_KNOWN) and ids.epc_urn_to_digital_link(value) is None:
            return "epc_urn_syntax", f"{value!r} is not a well-formed EPC URI (GS1 Tag Data Standard)"
        return None
    if value.startswith(("https://", "http://")) and ids.is_digital_link(value):
        try:
            ids.parse_digital_link(value)
        except ids.IdentifierError as err:
            return err.code, err.message
    return None


def _identifier_fields(event: Mapping[str, Any]) -> Iterable[tuple[str, Any]]:
    for list_name in ("epcList", "inputEPCList", "outputEPCList", "childEPCs"):
        for i, value in enumerate(event.get(list_name) or ()):
            yield f"/{list_name}/{i}", value
    if "parentID" in event:
        yield "/parentID", event["parentID"]
    for list_name in ("quantityList", "inputQuantityList", "outputQuantityList", "childQuantityList"):
        for i, element in enumerate(event.get(list_name) or ()):
            if isinstance(element, dict):
                yield f"/{list_name}/{i}/epcClass", element.get("epcClass")
    for place in ("readPoint", "bizLocation"):
        if isinstance(event.get(place), dict):
            yield f"/{place}/id", event[place].get("id")
    for list_name, key in (("sourceList", "source"), ("destinationList", "destination")):
        for i, element in enumerate(event.get(list_name) or ()):
            if isinstance(element, dict):
                yield f"/{list_name}/{i}/{key}", element.get(key)


QUANTITY_LISTS = ("quantityList", "inputQuantityList", "outputQuantityList", "childQuantityList")


def _check_event(event: Mapping[str, Any], pointer: str, problems: list[Problem]) -> None:
    for where, value in _identifier_fields(event):
        found = _identifier_problem(value)
        if found is not None:
            problems.append(Problem(pointer + where, found[0], found[1]))
    for key in QUANTITY_LISTS:
        for j, element in enumerate(event.get(key) or ()):
            quantity = element.get("quantity") if isinstance(element, Mapping) else None
            if isinstance(quantity, int | float) and not isinstance(quantity, bool) and quantity < 0:
                problems.append(
                    Problem(f"{pointer}/{key}/{j}/quantity", "negative_quantity", "a quantity is never negative")
                )


# --------------------------------------------------------------------------------------------------------
# Normalisation

_STANDARD_KEYS = frozenset(
    """@context type eventTime recordTime eventTimeZoneOffset eventID certificationInfo errorDeclaration action
    epcList quantityList bizStep disposition persistentDisposition readPoint bizLocation bizTransactionList
    sourceList destinationList sensorElementList ilmd parentID childEPCs childQuantityList inputEPCList
    inputQuantityList outputEPCList outputQuantityList transformationID""".split()
)


_vocab = lru_cache(maxsize=4096)(expand_vocab)  # a handful of words, repeated in every reading


def _ids(values: Any) -> tuple[str, ...]:
    return tuple(_dl(v) for v in values or () if isinstance(v, str))


def _quantities(elements: Any) -> tuple[QuantityElement, ...]:
    out = []
    for element in elements or ():
        quantity = element.get("quantity")
        out.append(
            QuantityElement(
                epc_class=_dl(element["epcClass"]),
                quantity=float(quantity) if quantity is not None else None,
                uom=element.get("uom"),
            )
        )
    return tuple(out)


def _parties(elements: Any, key: str, vocab_field: str) -> tuple[PartyRef, ...]:
    out = []
    for element in elements or ():
        kind = element.get("type")
        out.append(
            PartyRef(
                type=_vocab(vocab_field, kind) if isinstance(kind, str) else None,
                id=_dl(element[key]),
            )
        )
    return tuple(out)


def _number_or_none(value: Any) -> float | None:
    if value is None:
        return None
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def _sensor_readings(elements: Any) -> tuple[SensorReading, ...]:
    out = []
    number = _number_or_none
    for element in elements or ():
        metadata = element.get("sensorMetadata") or {}
        for report in element.get("sensorReport") or ():
            get = report.get
            time_text = get("time") or metadata.get("time")
            exception = get("exception")
            out.append(
                SensorReading(  # positional: type, time, value, min, max, mean, uom, exception, device_id
                    _vocab("measurementType", report["type"]),
                    parse_time(time_text) if time_text else None,
                    number(get("value")),
                    number(get("minValue")),
                    number(get("maxValue")),
                    number(get("meanValue")),
                    get("uom"),
                    _vocab("exception", exception) if isinstance(exception, str) else None,
                    get("deviceID") or metadata.get("deviceID"),
                )
            )
    return tuple(out)


def _place(value: Any) -> str | None:
    return _dl(value["id"]) if isinstance(value, dict) and "id" in value else None


def _normalise(index: int, pointer: str, event: dict[str, Any], hash_id: str, ctx: DocumentContext) -> CapturedEvent:
    biz_step = event.get("bizStep")
    disposition = event.get("disposition")
    return CapturedEvent(
        index=index,
        pointer=pointer,
        hash_id=hash_id,
        event_type=event["type"],
        event_time=parse_time(event["eventTime"]),
        event_time_zone_offset=event["eventTimeZoneOffset"],
        event_id=event.get("eventID"),
        action=event.get("action"),
        biz_step=_vocab("bizStep", biz_step) if biz_step else None,
        disposition=_vocab("disposition", disposition) if disposition else None,
        read_point=_place(event.get("readPoint")),
        biz_location=_place(event.get("bizLocation")),
        parent_id=_dl(event["parentID"]) if "parentID" in event else None,
        epc_list=_ids(event.get("epcList")),
        child_epcs=_ids(event.get("childEPCs")),
        input_epcs=_ids(event.get("inputEPCList")),
        output_epcs=_ids(event.get("outputEPCList")),
        quantities=_quantities(event.get("quantityList")),
        child_quantities=_quantities(event.get("childQuantityList")),
        input_quantities=_quantities(event.get("inputQuantityList")),
        output_quantities=_quantities(event.get("outputQuantityList")),
        transformation_id=event.get("transformationID"),
        sources=_parties(event.get("sourceList"), "source", "sourceDestType"),
        destinations=_parties(event.get("destinationList"), "destination", "sourceDestType"),
        biz_transactions=_parties(event.get("bizTransactionList"), "bizTransaction", "bizTransactionType"),
        sensor_readings=_sensor_readings(event.get("sensorElementList")),
        extensions={
            _expanded_key(key, ctx): _expanded_value(value, ctx)
            for key, value in event.items()
            if key not in _STANDARD_KEYS
        },
        raw=event,
    )


def _expanded_key(key: str, ctx: DocumentContext) -> str:
    prefix, sep, local = key.partition(":")
    return ctx.namespaces[prefix] + local if sep and prefix in ctx.namespaces else key


def _expanded_value(value: Any, ctx: DocumentContext) -> Any:
    if isinstance(value, str):
        prefix, sep, local = value.partition(":")
        return ctx.namespaces[prefix] + local if sep and prefix in ctx.namespaces else value
    return value


# --------------------------------------------------------------------------------------------------------
# Entry points


def _load(document: bytes | str | Mapping[str, Any]) -> Any:
    if isinstance(document, Mapping):
        return document
    try:
        return json.loads(document)
    except (ValueError, UnicodeDecodeError) as err:
        where = f" (line {err.lineno}, column {err.colno})" if isinstance(err, json.JSONDecodeError) else ""
        raise EPCISDocumentRejected([Problem("", "json_syntax", f"not valid JSON{where}: {err}")]) from err
    except RecursionError:
        raise EPCISDocumentRejected(
            [Problem("", "json_too_deep", "the JSON is nested too deeply to be read")]
        ) from None


def document_problems(document: Any, *, schema_path: str | os.PathLike[str] | None = None) -> list[Problem]:
    """Schema and identifier problems of an already-parsed document (empty list = valid)."""
    problems: list[Problem] = []
    if not fast_validator(schema_path).is_valid(document):
        by_pointer: dict[str, list[str]] = {}
        for pointer, message in iter_schema_problems(document, schema_path):
            by_pointer.setdefault(pointer, []).append(message)
        problems = [Problem(pointer, "schema", "; ".join(messages)) for pointer, messages in by_pointer.items()]
        if not problems:  # pragma: no cover - the two validators disagree: trust the slow one, say so
            problems = [Problem("", "schema", "document rejected by the schema (no detail available)")]
        return problems
    if not isinstance(document, dict) or document.get("type") not in ("EPCISDocument", "EPCISQueryDocument"):
        return [Problem("/type", "not_a_document", "expected an EPCISDocument or EPCISQueryDocument")]
    events, base = _events_of(document)
    for i, event in enumerate(events):
        _check_event(event, f"{base}/{i}", problems)
    return problems


def capture_document(
    document: bytes | str | Mapping[str, Any],
    *,
    known_hash_ids: KnownHashes = frozenset(),
    on_duplicate: Literal["reject", "skip"] = "reject",
    schema_path: str | os.PathLike[str] | None = None,
) -> CaptureResult:
    """Validate ``document`` whole and return its events with their CBV 2.0 hash IDs.

    ``known_hash_ids`` is either a collection of hash IDs already stored or a function that receives the
    list of this document's hash IDs and returns those already stored (one query on the storing side).
    With ``on_duplicate="reject"`` (default) a duplicate refuses the document; with ``"skip"`` duplicates
    are reported in ``CaptureResult.duplicates`` and left out of ``events``.
    Raises ``EPCISDocumentRejected`` (an ``ApplicationError``) listing every problem with its JSON pointer.
    """
    parsed = _load(document)
    problems = document_problems(parsed, schema_path=schema_path)
    if problems:
        raise EPCISDocumentRejected(problems)
    events, base = _events_of(parsed)
    ctx = DocumentContext(parsed, events)
    hash_ids = [event_hash_id(event, ctx) for event in events]
    known = known_hash_ids(hash_ids) if callable(known_hash_ids) else known_hash_ids
    seen: dict[str, int] = {}
    duplicates: list[Duplicate] = []
    captured: list[CapturedEvent] = []
    for i, (event, hash_id) in enumerate(zip(events, hash_ids, strict=True)):
        pointer = f"{base}/{i}"
        if hash_id in known:
            duplicates.append(Duplicate(i, pointer, hash_id, "known"))
            continue
        if hash_id in seen:
            duplicates.append(Duplicate(i, pointer, hash_id, "repeated_in_document"))
            continue
        seen[hash_id] = i
        captured.append(_normalise(i, pointer, event, hash_id, ctx))
    if duplicates and on_duplicate == "reject":
        raise EPCISDocumentRejected(
            Problem(
                d.pointer,
                "duplicate_event",
                f"event {d.hash_id} was already captured"
                if d.reason == "known"
                else f"event {d.hash_id} repeats the event at {base}/{seen[d.hash_id]}",
            )
            for d in duplicates
        )
    creation = parsed.get("creationDate")
    return CaptureResult(
        document_type=parsed["type"],
        events=tuple(captured),
        duplicates=tuple(duplicates),
        sender=parsed.get("sender"),
        receiver=parsed.get("receiver"),
        instance_identifier=parsed.get("instanceIdentifier"),
        creation_date=parse_time(creation) if isinstance(creation, str) else None,
        schema_version=parsed.get("schemaVersion"),
    )
