"""Errors of the rules engine. Interfaces translate :class:`InputError` into bioseg's ApplicationError."""

from __future__ import annotations

from datetime import date
from typing import Any


class RulebookError(Exception):
    """Base class of every error the pure core raises."""


class InputError(RulebookError, ValueError):
    """Bad input a user can fix: a code, a message in English and Chinese, the field, and details."""

    def __init__(
        self,
        code: str,
        message_en: str,
        message_zh: str,
        *,
        field: str | None = None,
        details: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message_en)
        self.code = code
        self.message_en = message_en
        self.message_zh = message_zh
        self.field = field
        self.details = dict(details or {})
        if field is not None:
            self.details.setdefault("field", field)

    def as_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "message": self.message_en,
            "message_zh": self.message_zh,
            "field": self.field,
            "details": self.details,
        }


class RulesetNotInForceError(InputError):
    """The assessment date lies before the first day the ruleset can speak about."""

    def __init__(self, ruleset: str, as_of: date, valid_from: date, reason_en: str = "", reason_zh: str = ""):
        en = f"as_of {as_of.isoformat()} is before {valid_from.isoformat()}, the first day ruleset {ruleset} covers"
        zh = f"评估日期 {as_of.isoformat()} 早于规则集 {ruleset} 的起始日 {valid_from.isoformat()}"
        if reason_en:
            en += f" ({reason_en})"
        if reason_zh:
            zh += f"（{reason_zh}）"
        super().__init__(
            "as_of_before_ruleset",
            en + "; bioseg does not guess what applied before.",
            zh + "；bioseg 不推测此前适用的规则。",
            field="as_of",
            details={"ruleset": ruleset, "as_of": as_of.isoformat(), "valid_from": valid_from.isoformat()},
        )


class ParameterNotDefinedError(RulebookError, LookupError):
    def __init__(self, name: str, day: date) -> None:
        super().__init__(f"parameter {name} has no value on {day.isoformat()}")
        self.name = name
        self.day = day


class RuleDefinitionError(RulebookError):
    """A rule broke the engine's contract (e.g. undetermined without saying what is missing)."""
