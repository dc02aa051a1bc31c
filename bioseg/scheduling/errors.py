"""Errors of the scheduler. Interfaces translate them into bioseg's ApplicationError (or an exit code)."""

from __future__ import annotations

from typing import Any


class SchedulingError(Exception):
    """Base class of every error the scheduling package raises."""


class ProblemError(SchedulingError, ValueError):
    """Bad input a user can fix: a code, the field at fault (``jobs[3].window.from``) and a message in English
    and Chinese. ``str(error)`` is ``"<field>: <message>"``."""

    def __init__(
        self,
        code: str,
        field: str,
        message_en: str,
        message_zh: str,
        *,
        details: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(f"{field}: {message_en}" if field else message_en)
        self.code = code
        self.field = field
        self.message_en = message_en
        self.message_zh = message_zh
        self.details = dict(details or {})

    @property
    def text_en(self) -> str:
        return f"{self.field}: {self.message_en}" if self.field else self.message_en

    @property
    def text_zh(self) -> str:
        return f"{self.field}：{self.message_zh}" if self.field else self.message_zh

    def as_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "field": self.field,
            "message": self.text_en,
            "message_zh": self.text_zh,
            "details": self.details,
        }
