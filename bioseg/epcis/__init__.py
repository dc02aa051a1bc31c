"""GS1 EPCIS 2.0 / CBV 2.0 for bioseg — pure Python, no Django.

* ``build_document(transformations=…, shipments=…, status_changes=…)`` -> EPCISDocument dict (JSON-LD)
* ``capture_document(data, known_hash_ids=…)`` -> ``CaptureResult`` or ``EPCISDocumentRejected``
* ``event_hash_id(event, context)`` -> ``ni:///sha-256;…?ver=CBV2.0``
* identifiers: ``lgtin_uri``, ``sgtin_uri``, ``sscc_uri``, ``sgln_uri``, ``validate_*``, NMPA codes

Choices of vocabulary and of the bioseg extension namespace are documented in ``vocab``; the hash
algorithm and where it follows the GS1 reference implementation in ``hashing``.
"""

from .capture import EPCISDocumentRejected, Problem, capture_document, document_problems, parse_time
from .export import build_document, dumps, receiving_event, shipping_event, status_event, transformation_event
from .hashing import DocumentContext, event_hash_id, event_hash_ids, pre_hash_string
from .identifiers import (
    DigitalLink,
    IdentifierError,
    NMPADrugCode,
    epc_urn_to_digital_link,
    gs1_check_digit,
    lgtin_uri,
    nmpa_code_uri,
    parse_digital_link,
    parse_lgtin,
    parse_nmpa_code_uri,
    parse_sgln,
    pgln_uri,
    sgln_uri,
    sgtin_uri,
    sscc_uri,
    to_digital_link,
    validate_gln,
    validate_gtin,
    validate_nmpa_code,
    validate_sscc,
)
from .model import (
    CapturedEvent,
    CaptureResult,
    Duplicate,
    Location,
    LotQuantity,
    LotRef,
    PartyRef,
    QuantityElement,
    SensorReading,
    ShipmentRecord,
    StatusChange,
    TemperatureReading,
    TransformationRecord,
)
from .schema import SchemaNotFound, format_checker, load_schema, schema_path, schema_validator
from .vocab import BIOSEG_NS, EPCIS_CONTEXT_URL, LOT_STATUS_EVENTS, LOT_STATUSES, TRANSFORMATION_KINDS

__all__ = [
    "BIOSEG_NS",
    "EPCIS_CONTEXT_URL",
    "LOT_STATUSES",
    "LOT_STATUS_EVENTS",
    "TRANSFORMATION_KINDS",
    "CaptureResult",
    "CapturedEvent",
    "DigitalLink",
    "DocumentContext",
    "Duplicate",
    "EPCISDocumentRejected",
    "IdentifierError",
    "Location",
    "LotQuantity",
    "LotRef",
    "NMPADrugCode",
    "PartyRef",
    "Problem",
    "QuantityElement",
    "SchemaNotFound",
    "SensorReading",
    "ShipmentRecord",
    "StatusChange",
    "TemperatureReading",
    "TransformationRecord",
    "build_document",
    "capture_document",
    "document_problems",
    "dumps",
    "epc_urn_to_digital_link",
    "event_hash_id",
    "event_hash_ids",
    "format_checker",
    "gs1_check_digit",
    "lgtin_uri",
    "load_schema",
    "nmpa_code_uri",
    "parse_digital_link",
    "parse_lgtin",
    "parse_nmpa_code_uri",
    "parse_sgln",
    "parse_time",
    "pgln_uri",
    "pre_hash_string",
    "receiving_event",
    "schema_path",
    "schema_validator",
    "sgln_uri",
    "sgtin_uri",
    "shipping_event",
    "sscc_uri",
    "status_event",
    "to_digital_link",
    "transformation_event",
    "validate_gln",
    "validate_gtin",
    "validate_nmpa_code",
    "validate_sscc",
]
