"""What the production services share: who may act, reasons, numbers, where a lot is."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from bioseg.accounts.models import User
from bioseg.accounts.roles import Role
from bioseg.common.errors import PermissionDenied, ValidationFailed
from bioseg.common.formatting import format_quantity
from bioseg.common.validation import Errors
from bioseg.production.models import (
    Lot,
    LotStatus,
    ShipmentLine,
    Unit,
)
from bioseg.registry.models import Site
from bioseg.registry.scope import own_enterprise_ids

UNUSABLE = {LotStatus.REJECTED, LotStatus.RECALLED, LotStatus.ON_HOLD}
KIND_ZH = {"manufacture": "生产", "blend": "混合", "fill": "灌装", "rework": "返工"}
QA_ROLES = (Role.HOLDER_QA, Role.CMO_QA, Role.QUALIFIED_PERSON)


# --- who may do what -----------------------------------------------------------------------------------


def _require(actor: User, roles, enterprise_ids: set[int], action: str) -> None:
    """The actor must hold one of ``roles`` in the organisation of one of ``enterprise_ids``. GMP records are
    made by the enterprises' own people: the system operator administers accounts and is refused here."""
    if actor is None or not getattr(actor, "is_authenticated", False) or not actor.is_active:
        raise PermissionDenied(action)
    if not actor.has_role(*roles) or not (own_enterprise_ids(actor) & enterprise_ids):
        raise PermissionDenied(action)


def _reason(reason: str) -> None:
    if not (reason or "").strip():
        raise ValidationFailed({"reason": ("A reason is required.", "必须填写原因。")})


QUANTITY_PLACES = 4  # a quantity is stored with 18 digits, 4 of them decimals
QUANTITY_LIMIT = Decimal(10) ** (18 - QUANTITY_PLACES)


def _decimal(e: Errors, field: str, value, *, unit: str = "", positive: bool = True) -> Decimal | None:
    """A quantity (stored with 18 digits, 4 of them decimals): a finite positive number that fits, or an error on
    ``field`` in the user's words — the number with its thousands separators and ``unit`` (the lot's, when known)."""
    try:
        d = Decimal(str(value).strip())
    except (InvalidOperation, TypeError, ValueError):
        e.add(field, f"The quantity {value!r} is not a number.", f"数量 {value!r} 不是数字。")
        return None
    if not d.is_finite() or (positive and d <= 0):
        e.add(field, "The quantity must be a positive number.", "数量必须为正数。")
        return None
    shown = unit if unit in Unit.values else ""
    if abs(d) >= QUANTITY_LIMIT:
        e.add(
            field,
            f"The quantity must be below {format_quantity(QUANTITY_LIMIT, shown, 'en')}.",
            f"数量须小于 {format_quantity(QUANTITY_LIMIT, shown, 'zh')}。",
        )
        return None
    exponent = d.normalize().as_tuple().exponent
    if isinstance(exponent, int) and -exponent > QUANTITY_PLACES:
        e.add(
            field,
            f"The quantity {format_quantity(d.normalize(), shown, 'en')} has more than {QUANTITY_PLACES} decimal "
            "places.",
            f"数量 {format_quantity(d.normalize(), shown, 'zh')}：小数位多于 {QUANTITY_PLACES} 位。",
        )
        return None
    return d


def _lot_location_ok(lot: Lot, site: Site) -> bool:
    """A lot is at ``site`` if it was made there or a received shipment brought it there."""
    if lot.site_id == site.pk:
        return True
    return ShipmentLine.objects.filter(lot=lot, shipment__to_site=site, shipment__received_at__isnull=False).exists()
