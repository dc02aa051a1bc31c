"""One place to ask what time it is, so tests — and the demo, which replays a history — can pin it."""

from __future__ import annotations

import contextvars
import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager

from django.utils import timezone

_pinned: contextvars.ContextVar[dt.datetime | None] = contextvars.ContextVar("bioseg_clock", default=None)


def now() -> dt.datetime:
    return _pinned.get() or timezone.now()


def today() -> dt.date:
    return timezone.localdate(now())


@contextmanager
def pinned(at: dt.datetime) -> Iterator[None]:
    """Business time inside the block is ``at`` (timezone-aware). The audit trail still records the real
    time at which rows were written: it is stamped by the database, not by this clock."""
    if timezone.is_naive(at):
        raise ValueError("pinned() needs a timezone-aware datetime")
    token = _pinned.set(at)
    try:
        yield
    finally:
        _pinned.reset(token)
