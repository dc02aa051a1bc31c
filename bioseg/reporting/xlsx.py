"""One XLSX kit for every export (openpyxl, write-only: a sheet of 100,000 rows streams).

- **Text is text.** Every string is written as a string cell (``data_type "s"``): a value starting with
  ``= + - @``, a tab or a carriage return (or their full-width forms) never becomes a formula, and gets
  Excel's quote prefix so that editing the cell keeps it text; an error code (``#N/A``) stays text;
  characters XML cannot hold are replaced by U+FFFD; a text longer than Excel's 32,767 characters is cut
  with an ellipsis.
- **Numbers are numbers**, with a format showing their decimals as recorded (``#,##0`` / ``#,##0.0``…);
  **dates are dates** (``yyyy-mm-dd``); times are converted to UTC (Excel has no time zones; say so in
  the header) and shown ``yyyy-mm-dd hh:mm:ss``.
- **Statuses are words**: a ``status`` column translates codes to the workbook's language.
- **Headers** bold on dark blue, frozen, filterable; **column widths** from the header or given; **sheet
  names** made safe (≤ 31 characters, no ``[]:*?/\\``, unique).

No Django import.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from io import BytesIO
from typing import Any

from openpyxl import Workbook as _OpenpyxlWorkbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from bioseg.common import formatting

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n", "＝", "＋", "－", "＠")
MAX_TEXT = 32_767
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_BAD_SHEET_CHARS = re.compile(r"[\[\]:*?/\\]")
DATE_FORMAT = "yyyy-mm-dd"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm:ss"

HEAD_FONT = Font(bold=True, color="FFFFFF")
HEAD_FILL = PatternFill("solid", fgColor="1F4E79")
HEAD_ALIGN = Alignment(wrap_text=True, vertical="center")
TITLE_FONT = Font(bold=True, size=13)


def safe_text(value: Any) -> str:
    """The text a cell will hold: control characters replaced, cut to Excel's limit."""
    text = _ILLEGAL.sub("\ufffd", str(value))
    if len(text) > MAX_TEXT:
        text = text[: MAX_TEXT - 1] + "…"
    return text


def is_risky(text: str) -> bool:
    """Would a spreadsheet read this text as a formula (or a DDE call) when the cell is edited or exported?"""
    return text.startswith(FORMULA_START)


def number_format_for(value: Decimal) -> str:
    """``#,##0`` for a whole number, ``#,##0.00`` for one recorded to two decimals (at most ten)."""
    places = min(10, max(0, -int(formatting.trimmed(value).as_tuple().exponent)))
    return "#,##0" + ("." + "0" * places if places else "")


def display_width(text: str) -> int:
    """Columns a text takes: a CJK (wide) character counts twice."""
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


def safe_sheet_name(name: str, taken: Iterable[str] = ()) -> str:
    """A sheet name Excel accepts: forbidden characters replaced, no leading/trailing apostrophe, not empty,
    not "History", at most 31 characters, and unique (case-insensitively) among ``taken``."""
    clean = _BAD_SHEET_CHARS.sub("_", _ILLEGAL.sub("_", name or "")).strip().strip("'").strip()
    if not clean:
        clean = "Sheet"
    if clean.lower() == "history":
        clean = "History_"
    clean = clean[:31]
    used = {t.lower() for t in taken}
    candidate, n = clean, 1
    while candidate.lower() in used:
        n += 1
        suffix = f" ({n})"
        candidate = clean[: 31 - len(suffix)] + suffix
    return candidate


@dataclass(frozen=True)
class Column:
    """A column: its header, what it holds and how wide it is.

    ``kind``: ``auto`` (by the value's type), ``text`` (always text, even a number), ``number``, ``date``,
    ``datetime``, ``status`` (a code translated through ``labels``: code → (English, Chinese)).
    """

    header: str = ""
    kind: str = "auto"
    width: float | None = None
    labels: Mapping[str, tuple[str, str]] | None = None
    number_format: str | None = None

    def __post_init__(self) -> None:
        if self.kind not in ("auto", "text", "number", "date", "datetime", "status"):
            raise ValueError(f"unknown column kind {self.kind!r}")
        if self.kind == "status" and self.labels is None:
            raise ValueError("a status column needs labels")


_AUTO = Column()


class Sheet:
    """A write-only sheet; make it with ``Workbook.sheet`` and ``append`` rows."""

    def __init__(self, book: Workbook, ws, columns: Sequence[Column], header: bool) -> None:
        self.book = book
        self.ws = ws
        self.columns = list(columns)
        self.rows = 0
        for i, column in enumerate(self.columns, start=1):
            width = column.width or min(60, max(10, display_width(column.header) + 2))
            ws.column_dimensions[get_column_letter(i)].width = width
        if header and self.columns:
            ws.freeze_panes = "A2"
            ws.auto_filter.ref = f"A1:{get_column_letter(len(self.columns))}1"
            cells = []
            for column in self.columns:
                cell = self.book.text_cell(ws, column.header)
                cell.font, cell.fill, cell.alignment = HEAD_FONT, HEAD_FILL, HEAD_ALIGN
                cells.append(cell)
            ws.append(cells)
            self.rows += 1

    def title(self, text: str) -> None:
        """A title row (bold, larger)."""
        cell = self.book.text_cell(self.ws, text)
        cell.font = TITLE_FONT
        self.ws.append([cell, *([None] * max(0, len(self.columns) - 1))])
        self.rows += 1

    def append(self, values: Sequence[Any]) -> None:
        cells = []
        for i, value in enumerate(values):
            column = self.columns[i] if i < len(self.columns) else _AUTO
            cells.append(self.book.cell(self.ws, value, column))
        self.ws.append(cells)
        self.rows += 1


class Workbook:
    """``Workbook(lang="zh")`` → ``sheet(...)`` → ``append(...)`` → ``to_bytes()``."""

    def __init__(self, *, lang: str = "zh") -> None:
        self.lang = formatting.language(lang)
        self._wb = _OpenpyxlWorkbook(write_only=True)
        self._names: list[str] = []

    def sheet(self, name: str, columns: Sequence[Column | str] = (), *, header: bool = True) -> Sheet:
        """A new sheet (its name made safe); ``columns`` as ``Column``s or plain header texts."""
        safe = safe_sheet_name(name, self._names)
        self._names.append(safe)
        ws = self._wb.create_sheet(safe)
        cols = [c if isinstance(c, Column) else Column(c) for c in columns]
        return Sheet(self, ws, cols, header)

    # -- cells

    def text_cell(self, ws, value: Any) -> WriteOnlyCell:
        text = safe_text(value)
        cell = WriteOnlyCell(ws, value=text)
        cell.data_type = "s"  # never "f" (formula) or "e" (error), whatever the text starts with
        if is_risky(text):
            cell.quotePrefix = True
        return cell

    def cell(self, ws, value: Any, column: Column = _AUTO):
        if value is None or value == "":
            return None
        kind = column.kind
        if kind == "status":
            en, zh = column.labels.get(value, (value, value))  # type: ignore[union-attr]
            return self.text_cell(ws, zh if self.lang == "zh" else en)
        if kind == "text":
            return self.text_cell(ws, value)
        if isinstance(value, bool):
            return self.text_cell(ws, ("是" if value else "否") if self.lang == "zh" else str(value).lower())
        if isinstance(value, dt.datetime):
            if value.tzinfo is not None:
                value = value.astimezone(dt.UTC).replace(tzinfo=None)
            cell = WriteOnlyCell(ws, value=value)
            cell.number_format = column.number_format or DATETIME_FORMAT
            return cell
        if isinstance(value, dt.date):
            cell = WriteOnlyCell(ws, value=value)
            cell.number_format = column.number_format or DATE_FORMAT
            return cell
        if isinstance(value, Decimal | int | float):
            d = formatting.to_decimal(value)
            number: int | float = int(d) if d == d.to_integral_value() and abs(d) < 2**53 else float(d)
            cell = WriteOnlyCell(ws, value=number)
            cell.number_format = column.number_format or number_format_for(d)
            return cell
        return self.text_cell(ws, value)

    def to_bytes(self) -> bytes:
        if not self._names:
            self.sheet("Sheet", header=False)
        out = BytesIO()
        self._wb.save(out)
        return out.getvalue()


__all__ = [
    "XLSX_TYPE",
    "Column",
    "Sheet",
    "Workbook",
    "display_width",
    "is_risky",
    "number_format_for",
    "safe_sheet_name",
    "safe_text",
]
