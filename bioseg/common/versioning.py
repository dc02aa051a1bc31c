"""Edits that lose nothing: lock the row, apply only the fields the request changes, and refuse a stale form.

Two people editing one record at once: each update locks the row (``select_for_update``) and writes only the
fields its request changed (``save(update_fields=…)``), so the other's change to another field survives and the
audit row of each names its own author. A form that shows a record carries its ``updated_at`` as a version; if the
record changed since the form was shown, saving it is refused (409 ``stale_version``) instead of silently
reverting the other person's change with the old values the form still holds.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from bioseg.common.errors import ApplicationError


class StaleVersion(ApplicationError):
    status = 409


def _as_datetime(value: Any) -> dt.datetime | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        return value
    try:
        return dt.datetime.fromisoformat(str(value).strip().replace("Z", "+00:00"))
    except ValueError:
        return dt.datetime.min.replace(tzinfo=dt.UTC)  # unreadable: cannot match, so refused as stale


def check_version(obj, expected: Any, what_en: str, what_zh: str) -> None:
    """Refuses when ``expected`` (the ``updated_at`` the client last saw) is given and differs from the row's."""
    seen = _as_datetime(expected)
    if seen is None:
        return
    if seen != obj.updated_at:
        raise StaleVersion(
            "stale_version",
            f"The {what_en} was changed by someone else after you opened it; reload it and make your change again.",
            f"该{what_zh}在您打开后已被他人修改；请重新加载后再修改。",
            details={"updated_at": obj.updated_at.isoformat(), "your_version": str(expected)},
        )


def changed_fields(obj, values: dict[str, Any]) -> list[str]:
    """The names in ``values`` whose value differs from ``obj``'s."""
    return [k for k, v in values.items() if getattr(obj, k) != v]
