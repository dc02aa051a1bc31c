"""Every write to production: chains, lots and transformations, shipments and cold chain, certificates,
release and recall.

Each service is keyword-only, takes the acting user as ``actor=``, checks the actor's role and
organisation, validates everything before it writes (a refusal raises an ``ApplicationError`` and
changes nothing — not even the audit trail), writes inside one transaction under ``audit_context`` with
a reason, and re-checks that what it wrote is inside the actor's scope.

Refusals that can have several causes at once list them all in ``details["problems"]`` (or
``details["blockers"]`` for a release), each ``{code, message, message_zh, ...}``.

The services are split by topic — ``chains``, ``lots`` (lots, transformations, rejection, certificates),
``logistics`` (consignees, shipments, cold chain, excursions) and ``release`` (release and recall) — and all
importable from ``bioseg.production.services``.
"""

from bioseg.production.services.chains import chain_check, chain_close, chain_create, chain_problems
from bioseg.production.services.logistics import (
    consignee_create,
    excursion_assess,
    shipment_create,
    shipment_receive,
    temperature_log_upload,
)
from bioseg.production.services.lots import coa_record, lot_create, lot_reject, transformation_record
from bioseg.production.services.release import lot_recall, lot_release

__all__ = [
    "Problem",
    "Refused",
    "chain_check",
    "chain_close",
    "chain_create",
    "chain_problems",
    "coa_record",
    "consignee_create",
    "excursion_assess",
    "lot_create",
    "lot_recall",
    "lot_reject",
    "lot_release",
    "shipment_create",
    "shipment_receive",
    "temperature_log_upload",
    "transformation_record",
]
