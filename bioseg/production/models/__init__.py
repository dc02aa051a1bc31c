"""Process chains, lots, transformations, lot edges, shipments, cold chain, release and recall (issue 4).

Every table is a ``RegulatedModel``: the database triggers copy each insert and update into the audit
trail, an update needs a reason and a delete is refused — state lives in status fields, never in
deleted rows. Writes go through ``bioseg.production.services``; reads through ``selectors`` / ``trace``; the
recursive reach over lot edges is ``genealogy``.

Indexes are chosen for the genealogy at national scale (see ``trace.py``):
- ``LotEdge``: the unique (parent_lot, child_lot, transformation) index drives the forward walk, and
  (child_lot, parent_lot) the backward walk; both are covering for the recursive step, which reads only
  the two lot ids. No single-column FK indexes are kept on this table (they would be redundant).
- ``ShipmentLine``: (lot, shipment) joins a trace's lots to their shipments without touching the table.
- ``TransformationInput``: (lot, quantity) answers "how much of this lot is left" from the index only,
  even for a hot raw-material lot consumed thousands of times.
- ``Lot``: (site, manufactured_on) starts a trace from a site and time window; lot_number alone finds a
  lot typed into the CLI or a search box.

The models are split by topic — ``chains``, ``lots`` (lots, transformations, edges, certificates, releases,
holds, recalls), ``logistics`` (consignees, shipments, cold chain) and ``epcis`` (GS1 identifiers and captured
EPCIS events) — and all importable from ``bioseg.production.models``.
"""

from bioseg.production.models.chains import ProcessChain, Segment, SegmentFeed, Stage
from bioseg.production.models.epcis import (
    EpcisCapture,
    EpcisEvent,
    EpcisEventLot,
    EpcisLotRole,
    Gs1Location,
    Gs1TradeItem,
)
from bioseg.production.models.logistics import (
    AssessmentOutcome,
    Consignee,
    Excursion,
    ExcursionAssessment,
    ExcursionStatus,
    Shipment,
    ShipmentLine,
    TemperatureLog,
    TemperatureReading,
)
from bioseg.production.models.lots import (
    RECALL_CLASS_ZH,
    RECALL_NOTICE_HOURS,
    STATUS_EN,
    STATUS_ZH,
    CertificateOfAnalysis,
    CertificateResult,
    HoldKind,
    Lot,
    LotEdge,
    LotEvent,
    LotEventKind,
    LotHold,
    LotStatus,
    RecallAction,
    RecallClass,
    RecallStatus,
    Release,
    ReleaseKind,
    ResultOutcome,
    Transformation,
    TransformationInput,
    TransformationKind,
    Unit,
)

__all__ = [
    "STATUS_EN",
    "STATUS_ZH",
    "AssessmentOutcome",
    "CertificateOfAnalysis",
    "CertificateResult",
    "Consignee",
    "EpcisCapture",
    "EpcisEvent",
    "EpcisEventLot",
    "EpcisLotRole",
    "Excursion",
    "ExcursionAssessment",
    "ExcursionStatus",
    "Gs1Location",
    "Gs1TradeItem",
    "Lot",
    "HoldKind",
    "LotEdge",
    "LotEvent",
    "LotEventKind",
    "LotHold",
    "LotStatus",
    "ProcessChain",
    "RecallAction",
    "RECALL_CLASS_ZH",
    "RECALL_NOTICE_HOURS",
    "RecallClass",
    "RecallStatus",
    "Release",
    "ReleaseKind",
    "ResultOutcome",
    "Segment",
    "SegmentFeed",
    "Shipment",
    "ShipmentLine",
    "Stage",
    "TemperatureLog",
    "TemperatureReading",
    "Transformation",
    "TransformationInput",
    "TransformationKind",
    "Unit",
]
