"""Periods in years, counted as the Civil Code counts them.

民法典 第二百零一条: 按照年、月、日计算期间的，开始的当日不计入，自下一日开始计算。
民法典 第二百零二条: 按照年、月计算期间的，到期月的对应日为期间的最后一日；没有对应日的，月末日为期间的最后一日。

So a period of *n* years that starts on day S ends on the corresponding day of S, *n* years later; the
period is complete on that day (the "anniversary counts"). A 29 February start has no corresponding day
in a common year: the period ends on the last day of February, i.e. 28 February.
"""

from __future__ import annotations

import calendar
from datetime import date


def add_years(start: date, years: int) -> date:
    """The corresponding day ``years`` years after ``start`` (Civil Code Art. 202)."""
    year = start.year + years
    last_day = calendar.monthrange(year, start.month)[1]
    return date(year, start.month, min(start.day, last_day))


def years_completed_on(start: date, years: int, day: date) -> bool:
    """True when a period of ``years`` years beginning at ``start`` has run in full on ``day``."""
    return day >= add_years(start, years)
