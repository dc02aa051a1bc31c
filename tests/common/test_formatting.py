"""Numbers, quantities and temperatures as users read them, and the template filters that write them."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.template import Context, Template
from django.utils import translation

from bioseg.common.formatting import (
    format_number,
    format_quantity,
    format_temperature,
    language,
    to_decimal,
    trimmed,
    unit_label,
)


@pytest.mark.parametrize(
    ("value", "unit", "lang", "expected"),
    [
        (Decimal("40000"), "vial", "en", "40,000 vials"),
        (Decimal("40000"), "vial", "zh", "40,000 支"),
        (Decimal("40000.0000"), "vial", "zh-hans", "40,000 支"),
        (Decimal("12.50"), "L", "en", "12.5 L"),
        (Decimal("12.50"), "L", "zh", "12.5 L"),
        (1, "lot", "en", "1 lot"),
        (2, "lot", "en", "2 lots"),
        (0, "lot", "en", "0 lots"),
        (Decimal("1.000"), "vial", "en", "1 vial"),
        (Decimal("1.5"), "vial", "en", "1.5 vials"),
        (3, "lot", "zh", "3 批"),
        (2, "shipment", "zh", "2 次运输"),
        (2, "enterprise", "zh", "2 家企业"),
        (2, "person", "en", "2 people"),
        (3000, "syringe", "zh", "3,000 支（预灌封）"),
        (500, "dose", "en", "500 doses"),
        (Decimal("1234567.125"), "kg", "en", "1,234,567.125 kg"),
        (7, "widget", "en", "7 widget"),  # an unknown unit as written
        (7, "", "en", "7"),
    ],
)
def test_quantities(value, unit, lang, expected):
    assert format_quantity(value, unit, lang) == expected


def test_temperatures_take_the_minus_sign_and_keep_their_decimals():
    assert format_temperature(Decimal("-196.25")) == "−196.25 °C"
    assert format_temperature(Decimal("-196.25"), "en") == "−196.25 °C"
    assert format_temperature(Decimal("5"), places=1) == "5.0 °C"
    assert format_temperature(Decimal("8.05"), places=1) == "8.1 °C"  # half up, not to even
    assert format_temperature(Decimal("-0.04"), places=1) == "0.0 °C"  # no "−0.0"


def test_numbers():
    assert format_number(Decimal("40000.000")) == "40,000"
    assert format_number(Decimal("4E+4")) == "40,000"
    assert format_number(Decimal("0.000100")) == "0.0001"
    assert format_number(Decimal("-0")) == "0"
    assert format_number(1234.5, "en") == "1,234.5"
    assert format_number(0.1, "en") == "0.1"  # a float by its shortest repr, not its binary expansion
    assert format_number(Decimal("12.345"), places=2) == "12.35"
    assert format_number(12, places=2) == "12.00"
    assert format_number("1,234.50") == "1,234.5"
    with pytest.raises(ValueError, match="places must be ≥ 0"):
        format_number(1, places=-1)


def test_bad_numbers_are_refused():
    with pytest.raises(TypeError):
        to_decimal(True)
    with pytest.raises(TypeError):
        to_decimal(None)
    with pytest.raises(ValueError, match="not a number"):
        to_decimal("abc")
    with pytest.raises(ValueError, match="not a finite number"):
        to_decimal(float("nan"))
    with pytest.raises(ValueError, match="not a finite number"):
        to_decimal(Decimal("Infinity"))
    assert trimmed(Decimal("-0.000")) == Decimal(0)


def test_languages():
    assert [language(x) for x in ("zh", "zh-hans", "zh_Hans", "ZH-CN", "en", "en-us", None, "")] == [
        "zh",
        "zh",
        "zh",
        "zh",
        "en",
        "en",
        "zh",
        "zh",
    ]
    with pytest.raises(ValueError, match="unsupported language 'fr'"):
        language("fr")
    assert unit_label("vial", "en") == "vials"
    assert unit_label("vial", "en", 1) == "vial"
    assert unit_label("vial", "zh", 1) == "支"


TEMPLATE = (
    "{% load bioseg_format %}"
    "{{ q|quantity:u }}|{{ n|quantity:'lot' }}|{{ t|temperature }}|{{ t|temperature:1 }}|"
    "{{ x|number }}|{{ x|number:2 }}|{{ none|quantity:u }}|{{ empty|temperature }}"
)


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        ("en", "40,000 vials|1 lot|−196.25 °C|−196.3 °C|12.5|12.50||"),
        ("zh-hans", "40,000 支|1 批|−196.25 °C|−196.3 °C|12.5|12.50||"),
    ],
)
def test_the_template_filters_write_the_active_language(lang, expected):
    context = Context(
        {"q": Decimal("40000.000"), "u": "vial", "n": 1, "t": Decimal("-196.25"), "x": Decimal("12.50"), "none": None}
    )
    context["empty"] = ""
    with translation.override(lang):
        assert Template(TEMPLATE).render(context) == expected
