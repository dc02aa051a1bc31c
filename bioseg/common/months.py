"""Calendar months, in one place: adding months to a day (the day kept, or the month's last day when the month
is shorter — 31 January + 1 month = 28/29 February) and whole months between two days."""

from __future__ import annotations

import calendar
import datetime as dt


def add_months(day: dt.date, months: int) -> dt.date:
    """``day`` moved by ``months`` (negative: back), the day of the month kept or clamped to the month's end."""
    y, m = divmod(day.year * 12 + day.month - 1 + months, 12)
    return dt.date(y, m + 1, min(day.day, calendar.monthrange(y, m + 1)[1]))


def months_between(a: dt.date, b: dt.date) -> int:
    """Whole months from ``a`` to ``b`` (0 when ``b`` is before ``a``)."""
    months = (b.year - a.year) * 12 + (b.month - a.month) - (1 if b.day < a.day else 0)
    return max(months, 0)
