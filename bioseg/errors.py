"""The one error type of bioseg: a code, a message in English and Chinese, and details.

Pure Python (no Django), so the pure core (``bioseg.epcis``, ``bioseg.scheduling``) raises the same refusals the
domain apps do; ``bioseg.common.errors`` adds the common kinds (not found, permission denied, validation) and
the interfaces render every one of them the same way (``{code, message, message_zh, details}``).
"""

from __future__ import annotations

from typing import Any


class ApplicationError(Exception):
    """A refusal a user can read. ``status`` is the HTTP status an interface should answer with."""

    status = 400

    def __init__(
        self,
        code: str,
        message: str,
        message_zh: str,
        *,
        details: dict[str, Any] | None = None,
        status: int | None = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.message_zh = message_zh
        self.details = details or {}
        if status is not None:
            self.status = status

    def as_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "message": self.message,
            "message_zh": self.message_zh,
            "details": self.details,
        }

    def localized(self, language: str | None) -> str:
        return self.message_zh if (language or "").startswith("zh") else self.message
