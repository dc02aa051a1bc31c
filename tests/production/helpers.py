"""Helpers shared by the production tests."""

from __future__ import annotations

import datetime as dt

from bioseg.audit.models import AuditEvent
from bioseg.production.models import Lot, LotEdge, Shipment, Transformation
from bioseg.registry.validators import credit_code_check_char

UTC = dt.UTC
MADE = dt.date(2025, 3, 1)
EXPIRES = dt.date(2030, 3, 1)


def credit_code(body17: str) -> str:
    return body17 + credit_code_check_char(body17)


def at(day: int, hour: int = 8) -> dt.datetime:
    return dt.datetime(2025, 3, day, hour, 0, tzinfo=UTC)


def counts() -> dict[str, int]:
    """Row counts that a refused write must leave unchanged (the audit trail included)."""
    return {
        "lots": Lot.objects.count(),
        "edges": LotEdge.objects.count(),
        "transformations": Transformation.objects.count(),
        "shipments": Shipment.objects.count(),
        "audit": AuditEvent.objects.count(),
    }


def make_output(number: str, quantity, unit: str = "L", **kw) -> dict:
    return {"lot_number": number, "quantity": quantity, "unit": unit, "expires_on": EXPIRES, **kw}


def reload(obj):
    return type(obj).objects.get(pk=obj.pk)
