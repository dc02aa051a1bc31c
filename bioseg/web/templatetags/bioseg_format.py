"""Numbers, quantities and temperatures in the active language (``bioseg.common.formatting``).

    {% load bioseg_format %}
    {{ lot.quantity|quantity:lot.unit }}      → "40,000 vials" / "40,000 支"
    {{ report.lot_count|quantity:"lot" }}     → "1 lot", "2 lots" / "2 批"
    {{ reading.celsius|temperature }}         → "−196.25 °C"
    {{ reading.celsius|temperature:1 }}       → "5.0 °C" (one decimal)
    {{ value|number }}  {{ value|number:2 }}  → "12.5", "12.50"

An empty value (None or "") gives "", so a missing reading never prints as 0.
"""

from __future__ import annotations

from django import template
from django.utils.translation import get_language

from bioseg.common import formatting

register = template.Library()


def _empty(value) -> bool:
    return value is None or value == ""


def _places(arg) -> int | None:
    return None if _empty(arg) else int(arg)


@register.filter
def number(value, places=None) -> str:
    return "" if _empty(value) else formatting.format_number(value, get_language(), places=_places(places))


@register.filter
def quantity(value, unit: str = "") -> str:
    return "" if _empty(value) else formatting.format_quantity(value, unit or "", get_language())


@register.filter
def temperature(value, places=None) -> str:
    return "" if _empty(value) else formatting.format_temperature(value, get_language(), places=_places(places))
