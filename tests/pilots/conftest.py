"""Fixtures of the pilot-application tests: the world of ``helpers.py`` and a pinned calendar."""

from __future__ import annotations

import datetime as dt

import pytest

from bioseg.common import clock
from tests.pilots.helpers import build_world


@pytest.fixture
def pw(make_user, admin):
    return build_world(make_user, admin)


@pytest.fixture
def on_day(monkeypatch):
    """``on_day(date)`` pins ``bioseg.common.clock.today`` (the submission day) to ``date``."""

    def _pin(day: dt.date) -> None:
        monkeypatch.setattr(clock, "today", lambda: day)

    _pin(dt.date(2025, 6, 30))
    return _pin
