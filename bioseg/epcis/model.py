"""Plain dataclasses: what the Django side hands to ``export`` and what ``capture`` hands back.

Export inputs use GS1 keys as digits (GTIN, GLN, SSCC) plus lot numbers; they are validated when built, so a
bad check digit fails where the data is assembled, not deep inside a document. Times must be timezone-aware.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal

from . import identifiers as ids
from .vocab import LOT_STATUSES, TRANSFORMATION_KINDS

Number = int | float | Decimal
LotStatus = Literal["quarantine", "qa_released", "released", "rejected", "on_hold", "recalled"]
TransformationKind = Literal["manufacture", "blending", "fill", "rework"]


def _aware(value: datetime, what: str) -> None:
    if not isinstance(value, datetime) or value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{what} must be a timezone-aware datetime, got {value!r}")


# --------------------------------------------------------------------------------------------------------
# Export inputs


@dataclass(frozen=True, slots=True)
class Location:
    """A site or place, exported as an SGLN (``/414/{gln}`` + optional ``/254/{extension}``).

    ``party_gln`` (optional) is the GLN of the organisation that owns the goods there; it becomes the
    ``owning_party`` entry (``/417/{gln}``) of source and destination lists.
    """

    gln: str
    extension: str | None = None
    party_gln: str | None = None

    def __post_init__(self) -> None:
        ids.validate_gln(self.gln)
        if self.party_gln is not None:
            ids.validate_gln(self.party_gln)
        if self.extension is not None:
            ids.sgln_uri(self.gln, self.extension)

    @property
    def uri(self) -> str:
        return ids.sgln_uri(self.gln, self.extension)


@dataclass(frozen=True, slots=True)
class LotRef:
    """A lot (batch) of a trade item: exported as an LGTIN ``/01/{gtin14}/10/{lot}``."""

    gtin: str
    lot: str

    def __post_init__(self) -> None:
        ids.lgtin_uri(self.gtin, self.lot)  # validates GTIN check digit and lot characters

    @property
    def uri(self) -> str:
        return ids.lgtin_uri(self.gtin, self.lot)


@dataclass(frozen=True, slots=True)
class LotQuantity:
    """A quantity of a lot. ``uom`` is a UN/ECE Rec. 20 code (``KGM``, ``GRM``, ``LTR``, ``MLT``, ``H87``
    for pieces…); ``None`` means "count of trade items", as in EPCIS."""

    lot: LotRef
    quantity: Number
    uom: str | None = None

    def __post_init__(self) -> None:
        if self.uom is not None and not (
            2 <= len(self.uom) <= 3 and self.uom.isalnum() and self.uom.upper() == self.uom
        ):
            raise ValueError(f"uom {self.uom!r} must be a 2–3 character UN/ECE Rec. 20 code such as KGM or LTR")


@dataclass(frozen=True, slots=True)
class TransformationRecord:
    """Manufacture, blending (N lots -> 1), fill or rework: one ``TransformationEvent``.

    Outputs are recorded in quarantine (disposition ``non_sellable_other``); ``expiry_date`` goes to ILMD
    (``cbvmda:itemExpirationDate``) and applies to every output. ``output_codes`` are NMPA drug traceability
    codes of the packs made (instance level), exported in ``outputEPCList``.
    """

    kind: TransformationKind
    event_time: datetime
    location: Location
    inputs: tuple[LotQuantity, ...]
    outputs: tuple[LotQuantity, ...]
    record_id: str | None = None
    transformation_id: str | None = None
    expiry_date: date | None = None
    output_codes: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.kind not in TRANSFORMATION_KINDS:
            raise ValueError(f"transformation kind {self.kind!r} is not one of {TRANSFORMATION_KINDS}")
        _aware(self.event_time, "event_time")
        if not self.outputs and not self.output_codes:
            raise ValueError("a transformation needs at least one output")
        for code in self.output_codes:
            ids.validate_nmpa_code(code)


@dataclass(frozen=True, slots=True)
class TemperatureReading:
    time: datetime
    celsius: Number

    def __post_init__(self) -> None:
        _aware(self.time, "reading time")


@dataclass(frozen=True, slots=True)
class ShipmentRecord:
    """A shipment between two locations: a shipping ``ObjectEvent`` and, once received, a receiving one
    carrying the temperature-logger readings (``sensorElementList``) and their min/max/mean summary.

    ``storage_range`` (low, high °C) marks readings outside it with ``exception: ALARM_CONDITION``.
    ``sscc`` (the logistic unit) and ``codes`` (NMPA drug traceability codes) go into ``epcList``.
    """

    shipment_id: str
    origin: Location
    destination: Location
    lines: tuple[LotQuantity, ...]
    shipped_at: datetime
    received_at: datetime | None = None
    sscc: str | None = None
    codes: tuple[str, ...] = ()
    readings: tuple[TemperatureReading, ...] = ()
    storage_range: tuple[Number, Number] | None = None
    logger_id: str | None = None

    def __post_init__(self) -> None:
        _aware(self.shipped_at, "shipped_at")
        if self.received_at is not None:
            _aware(self.received_at, "received_at")
        if self.sscc is not None:
            ids.validate_sscc(self.sscc)
        for code in self.codes:
            ids.validate_nmpa_code(code)
        if not self.lines and not self.sscc and not self.codes:
            raise ValueError(f"shipment {self.shipment_id!r} carries nothing")
        if self.readings and self.received_at is None:
            raise ValueError("temperature readings belong to a received shipment (received_at is missing)")


@dataclass(frozen=True, slots=True)
class StatusChange:
    """A lot's status change (QA release, QP release, reject, hold, recall…): one ``ObjectEvent``."""

    lot: LotRef
    status: LotStatus
    event_time: datetime
    location: Location
    reason: str | None = None
    record_id: str | None = None

    def __post_init__(self) -> None:
        if self.status not in LOT_STATUSES:
            raise ValueError(f"lot status {self.status!r} is not one of {LOT_STATUSES}")
        _aware(self.event_time, "event_time")


# --------------------------------------------------------------------------------------------------------
# Capture outputs


@dataclass(frozen=True, slots=True)
class QuantityElement:
    epc_class: str
    quantity: float | None = None
    uom: str | None = None


@dataclass(frozen=True, slots=True)
class PartyRef:
    """A source, destination or business transaction: full CBV type IRI (or ``None``) and the identifier."""

    type: str | None
    id: str


@dataclass(frozen=True, slots=True)
class SensorReading:
    type: str
    time: datetime | None = None
    value: float | None = None
    min_value: float | None = None
    max_value: float | None = None
    mean_value: float | None = None
    uom: str | None = None
    exception: str | None = None
    device_id: str | None = None


@dataclass(frozen=True, slots=True)
class CapturedEvent:
    """One validated event, normalised: identifiers in canonical Digital Link form (EPC URNs converted),
    vocabulary as full CBV 2.0 web IRIs, times as aware datetimes; ``raw`` is the event as received."""

    index: int
    pointer: str
    hash_id: str
    event_type: str
    event_time: datetime
    event_time_zone_offset: str
    event_id: str | None
    action: str | None
    biz_step: str | None
    disposition: str | None
    read_point: str | None
    biz_location: str | None
    parent_id: str | None
    epc_list: tuple[str, ...]
    child_epcs: tuple[str, ...]
    input_epcs: tuple[str, ...]
    output_epcs: tuple[str, ...]
    quantities: tuple[QuantityElement, ...]
    child_quantities: tuple[QuantityElement, ...]
    input_quantities: tuple[QuantityElement, ...]
    output_quantities: tuple[QuantityElement, ...]
    transformation_id: str | None
    sources: tuple[PartyRef, ...]
    destinations: tuple[PartyRef, ...]
    biz_transactions: tuple[PartyRef, ...]
    sensor_readings: tuple[SensorReading, ...]
    extensions: dict[str, Any]
    raw: dict[str, Any] = field(repr=False)


@dataclass(frozen=True, slots=True)
class Duplicate:
    index: int
    pointer: str
    hash_id: str
    reason: Literal["known", "repeated_in_document"]


@dataclass(frozen=True, slots=True)
class CaptureResult:
    document_type: str
    events: tuple[CapturedEvent, ...]
    duplicates: tuple[Duplicate, ...]
    sender: str | None = None
    receiver: str | None = None
    instance_identifier: str | None = None
    creation_date: datetime | None = None
    schema_version: str | None = None
