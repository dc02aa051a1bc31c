"""Field validation that collects every error of a request before anything is written.

``Errors`` gathers ``field → (English, Chinese)`` messages and raises one ``ValidationFailed``; every service
validates with it before it opens a transaction. ``Errors.fits`` checks a value against the model field that will
store it (length, digits, range), so both engines refuse the same values the same way, before the database does.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import IntegrityError, models, transaction
from django.utils import translation

from bioseg.common.errors import ApplicationError, ValidationFailed
from bioseg.common.regions import is_country_code, is_province_code


# How a field is named in an error message a user reads.
def _verbose_names(field: models.Field) -> tuple[str, str]:
    """A model field's label in each language, whichever language the request that asks is in."""
    with translation.override("en"):
        en = str(field.verbose_name).capitalize()
    with translation.override("zh-hans"):
        zh = str(field.verbose_name)
    return en, zh


FIELD_LABELS = {
    "name_zh": ("The Chinese name", "中文名称"),
    "name_en": ("The English name", "英文名称"),
    "name": ("The name", "姓名"),
    "address": ("The address", "地址"),
    "number": ("The number", "编号"),
    "scope": ("The scope", "范围"),
    "reference": ("The reference", "编号"),
    "kind": ("The qualification", "资质"),
    "valid_from": ("The start of validity", "有效期起始日"),
    "valid_until": ("The end of validity", "有效期截止日"),
    "inspected_on": ("The inspection date", "检查日期"),
    "effective_from": ("The effective date", "生效日期"),
}


class Errors:
    """Collects field errors so a request gets all of them at once."""

    def __init__(self) -> None:
        self.fields: dict[str, tuple[str, str]] = {}

    def add(self, field: str, en: str, zh: str) -> None:
        self.fields.setdefault(field, (en, zh))

    def required(self, field: str, value) -> None:
        if value is None or (isinstance(value, str) and not value.strip()):
            en, zh = FIELD_LABELS.get(field, (field, field))
            self.add(field, f"{en} is required.", f"{zh}为必填项。")

    def choice(self, field: str, value, choices: Iterable[str]) -> None:
        if value not in set(choices):
            self.add(
                field,
                f"{value!r} is not one of {sorted(choices)}.",
                f"{value!r} 不在可选值 {sorted(choices)} 中。",
            )

    def date_order(self, first: str, a: dt.date | None, second: str, b: dt.date | None) -> None:
        if a and b and b < a:
            self.add(second, f"{second} ({b}) is before {first} ({a}).", f"{second}（{b}）早于 {first}（{a}）。")

    def place(self, *, domestic: bool, country_code: str, region_code: str) -> None:
        if not is_country_code(country_code or ""):
            self.add(
                "country_code",
                f"{country_code!r} is not an ISO 3166-1 alpha-2 code.",
                f"{country_code!r} 不是 ISO 3166-1 二字母国家代码。",
            )
        if domestic:
            if country_code != "CN":
                self.add("country_code", "A domestic record is in CN.", "境内记录的国家应为 CN。")
            if not region_code:
                self.add(
                    "region_code",
                    "A record in China needs its province (GB/T 2260).",
                    "境内记录须填写所在省级行政区（GB/T 2260）。",
                )
            elif not is_province_code(region_code):
                self.add(
                    "region_code",
                    f"{region_code!r} is not a GB/T 2260 provincial code.",
                    f"{region_code!r} 不是 GB/T 2260 省级行政区划代码。",
                )
        else:
            if region_code:
                self.add(
                    "region_code",
                    "A foreign record has no Chinese province.",
                    "境外记录不应填写省级行政区划。",
                )
            if country_code == "CN":
                self.add("country_code", "A foreign record is outside CN.", "境外记录的国家不应为 CN。")

    def fits(self, model: type[models.Model], values: dict[str, Any], *, names: dict[str, str] | None = None) -> None:
        """Each value against the model field that will store it — text length, decimal digits and places,
        integer range — so both engines refuse the same values, before the database would (PostgreSQL raises,
        SQLite silently stores what it should not). ``names`` maps a model field to the input field an error
        names (``{"quantity": "outputs.1.quantity"}``)."""
        for name, value in values.items():
            if value is None:
                continue
            field = model._meta.get_field(name)
            key = (names or {}).get(name, name)
            label_en, label_zh = FIELD_LABELS.get(name) or _verbose_names(field)
            if isinstance(field, models.CharField) and field.max_length and isinstance(value, str):
                if len(value.strip()) > field.max_length:
                    self.add(
                        key,
                        f"{label_en} has {len(value.strip())} characters; at most {field.max_length} are allowed.",
                        f"{label_zh}共 {len(value.strip())} 个字符，最多允许 {field.max_length} 个。",
                    )
            elif isinstance(field, models.DecimalField):
                self._decimal_fits(key, label_en, label_zh, value, field.max_digits, field.decimal_places)
            elif isinstance(field, models.IntegerField) and isinstance(value, int) and not isinstance(value, bool):
                low = (
                    0 if isinstance(field, models.PositiveIntegerField | models.PositiveSmallIntegerField) else -(2**31)
                )
                high = 2**63 - 1 if isinstance(field, models.BigIntegerField) else 2**31 - 1
                if not low <= value <= high:
                    self.add(
                        key, f"{label_en} must be between {low} and {high}.", f"{label_zh}须在 {low} 与 {high} 之间。"
                    )

    def _decimal_fits(self, key: str, label_en: str, label_zh: str, value: Any, digits: int, places: int) -> None:
        try:
            d = Decimal(str(value).strip())
        except (InvalidOperation, ValueError):
            return  # not a number at all: the caller's own check names it
        if not d.is_finite():
            self.add(key, f"{label_en} must be a finite number.", f"{label_zh}须为有限数值。")
            return
        exponent = d.normalize().as_tuple().exponent
        if isinstance(exponent, int) and -exponent > places:
            self.add(
                key,
                f"{label_en} has more than {places} decimal places ({d.normalize():f}).",
                f"{label_zh}小数位多于 {places} 位（{d.normalize():f}）。",
            )
            return
        if abs(d) >= Decimal(10) ** (digits - places):
            limit = f"{Decimal(10) ** (digits - places):,f}"
            self.add(key, f"{label_en} must be below {limit}.", f"{label_zh}须小于 {limit}。")

    def raise_if_any(self) -> None:
        if self.fields:
            raise ValidationFailed(self.fields)


class Conflict(ApplicationError):
    status = 409


@contextmanager
def unique_or_conflict(field: str, value: Any) -> Iterator[None]:
    """Turns a unique-constraint violation of a write that raced a simultaneous one (both passed the
    "is it taken?" check before either wrote) into the refusal the check itself would have given: 409
    ``already_exists`` naming the field — never a 500. Runs the block in a savepoint."""
    try:
        with transaction.atomic():
            yield
    except IntegrityError:
        raise Conflict(
            "already_exists",
            f"{value} was registered at the same moment by someone else.",
            f"{value} 已被他人同时登记。",
            details={
                "fields": {field: {"message": f"{value} is already registered.", "message_zh": f"{value} 已被登记。"}}
            },
        ) from None
