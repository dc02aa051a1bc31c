"""The one error type of bioseg: a code, a message in English and Chinese, and details."""

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


class NotFound(ApplicationError):
    """The object does not exist *or* is outside the user's scope (never say which)."""

    status = 404

    def __init__(self, what: str, ident: Any) -> None:
        super().__init__(
            "not_found",
            f"{what} {ident} was not found.",
            f"未找到{what} {ident}。",
            details={"object": what, "id": str(ident)},
        )


class PermissionDenied(ApplicationError):
    status = 403

    def __init__(self, action: str) -> None:
        super().__init__(
            "permission_denied",
            f"Your role does not allow you to {action}.",
            f"您的角色无权执行此操作：{action}。",
            details={"action": action},
        )


class ValidationFailed(ApplicationError):
    """Field-level validation errors: ``details['fields']`` maps field → {message, message_zh}."""

    def __init__(self, fields: dict[str, tuple[str, str]]) -> None:
        names = ", ".join(sorted(fields))
        super().__init__(
            "validation_error",
            f"Invalid input: {names}.",
            f"输入无效：{names}。",
            details={"fields": {k: {"message": en, "message_zh": zh} for k, (en, zh) in fields.items()}},
        )
