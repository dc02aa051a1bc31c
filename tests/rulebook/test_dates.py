"""Periods in years per Civil Code Arts. 201–202."""

from datetime import date

import pytest

from bioseg.rulebook import add_years, years_completed_on


@pytest.mark.parametrize(
    ("start", "years", "end"),
    [
        (date(2018, 3, 1), 3, date(2021, 3, 1)),
        (date(2020, 2, 29), 3, date(2023, 2, 28)),  # no 29 February: the last day of the month
        (date(2020, 2, 29), 4, date(2024, 2, 29)),  # leap year again: the corresponding day exists
        (date(2021, 12, 31), 3, date(2024, 12, 31)),
        (date(2023, 1, 31), 0, date(2023, 1, 31)),
    ],
)
def test_add_years_uses_the_corresponding_day_or_the_month_end(start, years, end):
    assert add_years(start, years) == end


def test_the_anniversary_itself_completes_the_period():
    start = date(2022, 6, 30)
    assert years_completed_on(start, 3, date(2025, 6, 30)) is True
    assert years_completed_on(start, 3, date(2025, 6, 29)) is False


def test_a_29_february_start_completes_on_28_february():
    start = date(2024, 2, 29)
    assert years_completed_on(start, 3, date(2027, 2, 28)) is True
    assert years_completed_on(start, 3, date(2027, 2, 27)) is False
