"""Template helpers of the production pages: lot status labels and colours, quantities, places."""

from __future__ import annotations

from django import template

from bioseg.production.models import (
    AssessmentOutcome,
    ExcursionStatus,
    LotStatus,
    RecallStatus,
    ReleaseKind,
    Stage,
    TransformationKind,
)
from bioseg.web.labels import country_label, province_label

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
    """A decimal without trailing zeros: 100.0000 → 100."""
    if value is None:
        return ""
    return format(value.normalize(), "f") if hasattr(value, "normalize") else str(value)


@register.filter
def place(obj) -> str:
    """The province (or, abroad, the country) of anything with ``country_code`` and ``region_code``."""
    country, region = getattr(obj, "country_code", "CN"), getattr(obj, "region_code", "")
    return province_label(region) if country == "CN" and region else country_label(country)
