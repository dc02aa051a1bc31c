"""Calendar months in one place (bioseg.common.months)."""

from __future__ import annotations

import datetime as dt

import pytest

from bioseg.common.months import add_months, months_between

D = dt.date


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (D(2026, 1, 31), 1, D(2026, 2, 28)),
        (D(2028, 1, 31), 1, D(2028, 2, 29)),
        (D(2026, 3, 31), 1, D(2026, 4, 30)),
        (D(2026, 3, 31), -1, D(2026, 2, 28)),
        (D(2026, 12, 15), 1, D(2027, 1, 15)),
        (D(2027, 1, 15), -13, D(2025, 12, 15)),
        (D(2026, 5, 15), 0, D(2026, 5, 15)),
        (D(2026, 5, 15), 36, D(2029, 5, 15)),
    ],
)
def test_add_months_keeps_the_day_or_the_months_end(day, months, expected):
    assert add_months(day, months) == expected


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        (D(2026, 1, 15), D(2026, 2, 14), 0),
        (D(2026, 1, 15), D(2026, 2, 15), 1),
        (D(2025, 6, 30), D(2026, 12, 31), 18),
        (D(2026, 12, 31), D(2026, 1, 1), 0),
    ],
)
def test_months_between_counts_whole_months(a, b, expected):
    assert months_between(a, b) == expected
