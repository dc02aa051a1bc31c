"""Template helpers of the production pages: lot status labels and colours, quantities, places."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from django import template

from bioseg.production.models import (
    AssessmentOutcome,
    ExcursionStatus,
    LotStatus,
    RecallStatus,
    ReleaseKind,
    Stage,
    TransformationKind,
    Unit,
)
from bioseg.web.labels import country_label, is_zh, province_label

register = template.Library()

_CHOICES = {
    "status": dict(LotStatus.choices),
    "stage": dict(Stage.choices),
    "release_kind": dict(ReleaseKind.choices),
    "excursion_status": dict(ExcursionStatus.choices),
    "outcome": dict(AssessmentOutcome.choices),
    "recall_status": dict(RecallStatus.choices),
    "transformation_kind": dict(TransformationKind.choices),
}
STATUS_TAG = {
    "quarantine": "tag-warn",
    "released": "tag-good",
    "on_hold": "tag-hold",
    "rejected": "tag-bad",
    "recalled": "tag-recalled",
}


@register.filter
def plabel(value, kind: str) -> str:
    """The label of a production code in the active language: ``{{ lot.status|plabel:"status" }}``."""
    return str(_CHOICES[kind].get(value, value)) if value else ""


@register.filter
def status_tag(value) -> str:
    return STATUS_TAG.get(value, "")


@register.filter
def num(value) -> str:
    """A number without trailing zeros and with thousands separators: 40000.0000 → 40,000; 12.50 → 12.5."""
    if value is None or value == "":
        return ""
    if hasattr(value, "normalize"):
        return format(value.normalize(), ",f")
    if isinstance(value, int | float):
        return format(value, ",")
    return str(value)


# Units counted in pieces: English says "1 vial", "2 vials"; Chinese has no plural and its own measure word
# (the Unit choices' translations: 支, 支（预灌封）, 剂, 盒 …). Units of measure (L, mL, kg, g, mg) stay as written.
_COUNT_PLURAL_EN = {"vial": "vials", "syringe": "syringes", "dose": "doses", "pack": "packs", "unit": "units"}
_UNIT_LABELS = dict(Unit.choices)


def unit_label(unit: str, quantity=None) -> str:
    if unit not in _COUNT_PLURAL_EN:
        return unit or ""
    if is_zh():
        return str(_UNIT_LABELS[unit])
    return unit if quantity is not None and quantity == 1 else _COUNT_PLURAL_EN[unit]


@register.filter
def qty(value, unit: str) -> str:
    """A quantity with its unit in the active language: ``{{ lot.quantity|qty:lot.unit }}`` → "40,000 vials" /
    "40,000 支"."""
    if value is None or value == "":
        return ""
    label = unit_label(unit, value)
    return f"{num(value)} {label}" if label else num(value)


@register.filter
def deg(value) -> str:
    """A temperature reading to one decimal, without the unit: 5.125 → "5.1", 12 → "12.0" (the loggers'
    resolution; every reading on the pages — min, max, mean, an excursion's range — is written the same)."""
    if value is None or value == "":
        return ""
    return str(Decimal(str(value)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


@register.filter
def temp(value) -> str:
    """A temperature reading with its unit: "5.1 °C"."""
    return f"{deg(value)} °C" if value not in (None, "") else ""


@register.filter
def place(obj) -> str:
    """The province (or, abroad, the country) of anything with ``country_code`` and ``region_code``."""
    country, region = getattr(obj, "country_code", "CN"), getattr(obj, "region_code", "")
    return province_label(region) if country == "CN" and region else country_label(country)
