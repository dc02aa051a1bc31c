"""References of the quality records: ``<KIND>-<year>-<5 digits>`` (DEV-2026-00001, CAPA-…, OOS-…), the next free
one of the year, and a retry when two requests took the same one at once (the unique constraint decides)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import TypeVar

from django.db import IntegrityError

T = TypeVar("T")


def next_reference(model, kind: str, today: dt.date) -> str:
    prefix = f"{kind}-{today.year}-"
    last = (
        model.objects.filter(reference__startswith=prefix)
        .order_by("-reference")
        .values_list("reference", flat=True)
        .first()
    )
    return f"{prefix}{int(last[len(prefix) :]) + 1 if last else 1:05d}"


def with_fresh_reference(create: Callable[[], T], attempts: int = 3) -> T:
    """Runs ``create`` (a whole transaction that takes ``next_reference``) again when the reference was taken."""
    for attempt in range(attempts):
        try:
            return create()
        except IntegrityError:
            if attempt == attempts - 1:
                raise
    raise AssertionError("unreachable")
