"""Numbers, quantities and temperatures as users read them, in Chinese and English (Babel's CLDR data).

``format_quantity(Decimal("40000"), "vial", "en")`` → "40,000 vials"; in Chinese "40,000 支". Rules:

- thousands separators; decimals exactly as recorded but without trailing zeros ("12.50" → "12.5",
  "40000.000" → "40,000"), unless ``places`` asks for a fixed number of decimals (rounded half up);
- a negative number takes the minus sign (U+2212): "−196.25 °C";
- English plurals follow CLDR ("1 lot", "0 lots", "2 lots", "1.5 vials"); Chinese has none and counts with
  measure words ("3 批", "2 次运输", "2 家企业");
- a unit of measure (L, mL, kg, °C…) is written as its symbol in both languages.

Pure Python (no Django): the PDF/XLSX kits, the CLI and the template filters
(``bioseg/web/templatetags/bioseg_format.py``) all call it with the language they render in.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from babel import Locale
from babel.numbers import format_decimal

MINUS = "\u2212"

_LOCALES = {"zh": "zh_Hans_CN", "en": "en"}


def language(lang: str | None) -> str:
    """``zh`` or ``en`` from a Django or BCP 47 code (``zh-hans``, ``zh_Hans``, ``en-us`` …); default ``zh``."""
    code = (lang or "zh").strip().lower().replace("_", "-")
    if code.startswith("zh"):
        return "zh"
    if code.startswith("en"):
        return "en"
    raise ValueError(f"unsupported language {lang!r}: use 'zh' or 'en'")


def to_decimal(value) -> Decimal:
    """A finite ``Decimal`` from an int, a Decimal, a float (its shortest repr) or a numeric string."""
    if isinstance(value, bool):
        raise TypeError("a boolean is not a number")
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, int):
        result = Decimal(value)
    elif isinstance(value, numbers.Integral):  # numpy's integers too
        result = Decimal(int(value))
    elif isinstance(value, numbers.Real):  # floats, numpy's floats (their shortest repr, not binary noise)
        if not math.isfinite(value):
            raise ValueError(f"not a finite number: {value!r}")
        result = Decimal(repr(float(value)))
    elif isinstance(value, str):
        try:
            result = Decimal(value.strip().replace(",", "").replace(MINUS, "-"))
        except InvalidOperation:
            raise ValueError(f"not a number: {value!r}") from None
    else:
        raise TypeError(f"not a number: {value!r}")
    if not result.is_finite():
        raise ValueError(f"not a finite number: {value!r}")
    return result


def trimmed(value) -> Decimal:
    """The value without trailing zeros and never in exponent form: 40000.00 → 40000, 12.50 → 12.5, −0 → 0."""
    d = to_decimal(value)
    if d == 0:
        return Decimal(0)
    d = d.normalize()
    if d.as_tuple().exponent > 0:  # type: ignore[operator]
        d = d.quantize(Decimal(1))
    return d


def _places_of(d: Decimal) -> int:
    exponent = d.as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0


def format_number(value, lang: str | None = "zh", *, places: int | None = None) -> str:
    """``40000`` → "40,000"; ``Decimal("12.50")`` → "12.5"; ``-196.25`` → "−196.25"; ``places=1``: 5 → "5.0"."""
    if places is not None:
        if places < 0:
            raise ValueError("places must be ≥ 0")
        d = to_decimal(value).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    else:
        d = trimmed(value)
    digits = places if places is not None else _places_of(d)
    pattern = "#,##0" + ("." + "0" * digits if digits else "")
    text = format_decimal(abs(d), format=pattern, locale=_LOCALES[language(lang)])
    return MINUS + text if d < 0 else text


@dataclass(frozen=True)
class UnitWords:
    """How a unit is written: English singular and plural, Chinese (a measure word, with its noun if needed).
    A symbol (L, °C) is the same in both languages and has no plural."""

    one: str
    other: str
    zh: str

    @classmethod
    def symbol(cls, text: str) -> UnitWords:
        return cls(text, text, text)


UNITS: dict[str, UnitWords] = {
    # what lots are counted or measured in (production.models.Unit)
    "vial": UnitWords("vial", "vials", "支"),
    "syringe": UnitWords("syringe", "syringes", "支（预灌封）"),
    "dose": UnitWords("dose", "doses", "剂"),
    "pack": UnitWords("pack", "packs", "盒"),
    "unit": UnitWords("unit", "units", "个"),
    "ampoule": UnitWords("ampoule", "ampoules", "支"),
    "bottle": UnitWords("bottle", "bottles", "瓶"),
    "bag": UnitWords("bag", "bags", "袋"),
    "box": UnitWords("box", "boxes", "盒"),
    "carton": UnitWords("carton", "cartons", "箱"),
    "L": UnitWords.symbol("L"),
    "mL": UnitWords.symbol("mL"),
    "µL": UnitWords.symbol("µL"),
    "kg": UnitWords.symbol("kg"),
    "g": UnitWords.symbol("g"),
    "mg": UnitWords.symbol("mg"),
    "µg": UnitWords.symbol("µg"),
    "°C": UnitWords.symbol("°C"),
    "%": UnitWords.symbol("%"),
    # things the reports count
    "lot": UnitWords("lot", "lots", "批"),
    "shipment": UnitWords("shipment", "shipments", "次运输"),
    "line": UnitWords("line", "lines", "条明细"),
    "consignee": UnitWords("consignee", "consignees", "个收货方"),
    "site": UnitWords("site", "sites", "个场地"),
    "product": UnitWords("product", "products", "个产品"),
    "enterprise": UnitWords("enterprise", "enterprises", "家企业"),
    "province": UnitWords("province", "provinces", "个省份"),
    "deviation": UnitWords("deviation", "deviations", "项偏差"),
    "excursion": UnitWords("excursion", "excursions", "次温度偏离"),
    "reading": UnitWords("reading", "readings", "个读数"),
    "inspection": UnitWords("inspection", "inspections", "次检查"),
    "finding": UnitWords("finding", "findings", "项发现"),
    "application": UnitWords("application", "applications", "份申请"),
    "signature": UnitWords("signature", "signatures", "个签名"),
    "record": UnitWords("record", "records", "条记录"),
    "rule": UnitWords("rule", "rules", "条规则"),
    "case": UnitWords("case", "cases", "个案例"),
    "page": UnitWords("page", "pages", "页"),
    "person": UnitWords("person", "people", "人"),
    "day": UnitWords("day", "days", "天"),
    "hour": UnitWords("hour", "hours", "小时"),
    "minute": UnitWords("minute", "minutes", "分钟"),
}


def unit_label(unit: str, lang: str | None = "zh", quantity=None) -> str:
    """The unit as written next to ``quantity`` (its plural form in English); an unknown unit as given."""
    words = UNITS.get(unit)
    if words is None:
        return unit or ""
    if language(lang) == "zh":
        return words.zh
    if quantity is None:
        return words.other
    form = Locale.parse("en").plural_form(abs(trimmed(quantity)))
    return words.one if form == "one" else words.other


def format_quantity(value, unit: str, lang: str | None = "zh", *, places: int | None = None) -> str:
    """``(Decimal("40000"), "vial", "en")`` → "40,000 vials"; ``"zh"`` → "40,000 支"; ``(1, "lot", "en")`` →
    "1 lot"; ``(Decimal("12.50"), "L")`` → "12.5 L"."""
    number = format_number(value, lang, places=places)
    shown = to_decimal(number.replace(",", "").replace(MINUS, "-"))
    label = unit_label(unit, lang, shown)
    return f"{number} {label}" if label else number


def format_temperature(value, lang: str | None = "zh", *, places: int | None = None) -> str:
    """``Decimal("-196.25")`` → "−196.25 °C" (both languages)."""
    return format_quantity(value, "°C", lang, places=places)


__all__ = [
    "MINUS",
    "UNITS",
    "UnitWords",
    "format_number",
    "format_quantity",
    "format_temperature",
    "language",
    "to_decimal",
    "trimmed",
    "unit_label",
]
