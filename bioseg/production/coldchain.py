"""Temperature-logger files: a strict CSV parser and the statistics of a reading series (no Django).

File format (UTF-8, a BOM is tolerated), one reading per line, two comma-separated fields::

    timestamp,celsius                      <- optional header (first line only)
    2025-03-01T08:00:00+08:00,4.5
    2025-03-01T08:15:00Z,5.0

- ``timestamp``: ISO 8601 with a UTC offset or ``Z`` (a logger's local time without an offset is
  ambiguous and refused); strictly increasing.
- ``celsius``: a decimal number between -100 and 100.
- Blank lines are allowed only at the end of the file.

Any deviation refuses the whole file with the (1-based) line number and what is wrong with it.

Time out of range treats the series as a step function: a reading's value holds until the next reading,
so each interval [tᵢ, tᵢ₊₁) counts as out of range when reading i is. The mean is the arithmetic mean
of the readings.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

HEADER_NAMES = {
    ("timestamp", "celsius"),
    ("timestamp", "°c"),
    ("timestamp", "temperature_c"),
    ("timestamp", "temperature"),
    ("time", "celsius"),
    ("time", "°c"),
    ("时间", "温度"),
}
MIN_PLAUSIBLE = Decimal("-100")
MAX_PLAUSIBLE = Decimal("100")
TWO_PLACES = Decimal("0.01")


@dataclass(frozen=True, slots=True)
class Reading:
    at: dt.datetime
    celsius: Decimal


class LoggerFileError(Exception):
    """A malformed logger file: ``line`` is 1-based; ``problem_en``/``problem_zh`` say what is wrong."""

    def __init__(self, line: int, problem_en: str, problem_zh: str) -> None:
        super().__init__(line, problem_en, problem_zh)
        self.line, self.problem_en, self.problem_zh = line, problem_en, problem_zh

    def __str__(self) -> str:
        return f"line {self.line}: {self.problem_en}"


@dataclass(frozen=True)
class ParsedLog:
    sha256: str
    readings: tuple[Reading, ...]


@dataclass(frozen=True)
class SeriesStats:
    count: int
    first_at: dt.datetime
    last_at: dt.datetime
    min_c: Decimal
    max_c: Decimal
    mean_c: Decimal


@dataclass(frozen=True)
class RangeCheck:
    storage_min_c: Decimal
    storage_max_c: Decimal
    excursion: bool
    minutes_out_of_range: Decimal
    lowest_c: Decimal
    highest_c: Decimal
    first_out_at: dt.datetime | None


def _parse_timestamp(text: str) -> dt.datetime | None:
    value = text.strip()
    if not value:
        return None
    if value.endswith(("Z", "z")):
        value = value[:-1] + "+00:00"
    try:
        parsed = dt.datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed


def parse_logger_csv(content: bytes) -> ParsedLog:
    """Parses a logger file strictly; raises ``LoggerFileError`` naming the first bad line."""
    digest = hashlib.sha256(content).hexdigest()
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = content[: exc.start].count(b"\n") + 1
        raise LoggerFileError(line, "the file is not UTF-8 text.", "文件不是 UTF-8 编码的文本。") from None
    lines = text.splitlines()
    while lines and not lines[-1].strip():
        lines.pop()
    readings: list[Reading] = []
    for number, raw in enumerate(lines, start=1):
        if not raw.strip():
            raise LoggerFileError(number, "the line is empty.", "该行为空。")
        fields = [f.strip() for f in raw.split(",")]
        if len(fields) != 2:
            raise LoggerFileError(
                number,
                f"expected 2 fields (timestamp, °C), found {len(fields)}.",
                f"应有 2 个字段（时间戳，°C），实际为 {len(fields)} 个。",
            )
        if number == 1 and (fields[0].lower(), fields[1].lower()) in HEADER_NAMES:
            continue
        at = _parse_timestamp(fields[0])
        if at is None:
            raise LoggerFileError(
                number,
                f"{fields[0]!r} is not an ISO 8601 timestamp.",
                f"{fields[0]!r} 不是 ISO 8601 时间戳。",
            )
        if at.tzinfo is None or at.utcoffset() is None:
            raise LoggerFileError(
                number,
                f"the timestamp {fields[0]!r} has no UTC offset (e.g. +08:00 or Z).",
                f"时间戳 {fields[0]!r} 缺少 UTC 时差（如 +08:00 或 Z）。",
            )
        try:
            celsius = Decimal(fields[1])
        except InvalidOperation:
            celsius = None
        if celsius is None or not celsius.is_finite():
            raise LoggerFileError(
                number,
                f"{fields[1]!r} is not a temperature in °C.",
                f"{fields[1]!r} 不是以 °C 表示的温度。",
            )
        if not MIN_PLAUSIBLE <= celsius <= MAX_PLAUSIBLE:
            raise LoggerFileError(
                number,
                f"{celsius} °C is outside the plausible range −100…100 °C.",
                f"{celsius} °C 超出合理范围（−100…100 °C）。",
            )
        at = at.astimezone(dt.UTC)
        if readings and at <= readings[-1].at:
            raise LoggerFileError(
                number,
                f"the timestamp {fields[0]} is not after the previous reading's.",
                f"时间戳 {fields[0]} 未晚于上一条读数。",
            )
        readings.append(Reading(at, celsius))
    if not readings:
        raise LoggerFileError(max(len(lines), 1), "the file has no readings.", "文件中没有读数。")
    return ParsedLog(digest, tuple(readings))


def _q(value: Decimal) -> Decimal:
    return value.quantize(TWO_PLACES, rounding=ROUND_HALF_UP)


def series_stats(readings: tuple[Reading, ...]) -> SeriesStats:
    values = [r.celsius for r in readings]
    return SeriesStats(
        count=len(values),
        first_at=readings[0].at,
        last_at=readings[-1].at,
        min_c=_q(min(values)),
        max_c=_q(max(values)),
        mean_c=_q(sum(values) / len(values)),
    )


def range_check(readings: tuple[Reading, ...], storage_min_c: Decimal, storage_max_c: Decimal) -> RangeCheck:
    """Excursion against a storage range (inclusive limits) and the minutes spent outside it."""
    lo, hi = Decimal(storage_min_c), Decimal(storage_max_c)
    seconds = 0.0
    first_out: dt.datetime | None = None
    for i, r in enumerate(readings):
        out = r.celsius < lo or r.celsius > hi
        if not out:
            continue
        if first_out is None:
            first_out = r.at
        if i + 1 < len(readings):
            seconds += (readings[i + 1].at - r.at).total_seconds()
    values = [r.celsius for r in readings]
    return RangeCheck(
        storage_min_c=lo,
        storage_max_c=hi,
        excursion=first_out is not None,
        minutes_out_of_range=(Decimal(str(seconds)) / 60).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP),
        lowest_c=_q(min(values)),
        highest_c=_q(max(values)),
        first_out_at=first_out,
    )


def out_of_range_periods(
    points: list[tuple[dt.datetime, Decimal]], low: Decimal | None, high: Decimal | None
) -> list[tuple[dt.datetime, dt.datetime]]:
    """The periods of consecutive readings outside [``low``, ``high``] (either bound may be open), each from its
    first to its last reading out of range — what a chart of the log marks."""
    periods: list[tuple[dt.datetime, dt.datetime]] = []
    start = last_out = None
    for at, celsius in points:
        out = (low is not None and celsius < low) or (high is not None and celsius > high)
        if out:
            start = start or at
            last_out = at
        elif start is not None:
            periods.append((start, last_out))
            start = None
    if start is not None:
        periods.append((start, last_out))
    return periods
