"""A small chart kit (matplotlib, Agg backend, no pyplot): the same charts for the web (PNG or SVG bytes) and
for PDFs (a ReportLab flowable), set in the reports' CJK font (``bioseg.reporting.fonts``) so Chinese titles,
labels and legends never lose a glyph.

- ``band_chart``: readings over time with the allowed band and highlighted periods (a shipment's
  temperatures, the allowed 2–8 °C, the excursion periods);
- ``bar_chart``, ``stacked_bar_chart``: values per category (lots per segment; dispositions per month);
- ``time_series_chart``: one or more series over time (risk ratings, lots released per month).

Each function returns a ``Chart``; nothing is drawn until ``png()``, ``svg()`` or ``flowable()`` is called,
and each drawing happens under one lock inside its own ``rc_context`` (matplotlib's settings are global).
Numbers on the axes are written as users read them (``bioseg.common.formatting``); dates numerically
(``2025-03``, ``03-02``, ``08:00``) in the time zone given (default UTC). The same chart gives the same bytes.

No Django import.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from io import BytesIO
from typing import Any

import matplotlib

matplotlib.use("Agg")  # no display, no GUI toolkit: charts are made on servers

from matplotlib import font_manager  # noqa: E402
from matplotlib.dates import AutoDateLocator, ConciseDateFormatter  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.ticker import FuncFormatter, MaxNLocator  # noqa: E402

from bioseg.common import formatting  # noqa: E402
from bioseg.reporting.fonts import FAMILY, find_font  # noqa: E402

PALETTE = ["#1f4e79", "#c55a11", "#548235", "#7f6000", "#7030a0", "#2e75b6", "#a5a5a5", "#b3261e"]
BAND_COLOUR = "#1b7f3b"
PERIOD_COLOUR = "#b3261e"

_lock = threading.Lock()
_font_added = False

DATE_FORMATS = ["%Y", "%Y-%m", "%m-%d", "%H:%M", "%H:%M", "%S.%f"]
ZERO_FORMATS = ["", "%Y", "%Y-%m", "%m-%d", "%H:%M", "%H:%M"]
OFFSET_FORMATS = ["", "%Y", "%Y-%m", "%Y-%m-%d", "%Y-%m-%d", "%Y-%m-%d %H:%M"]

BAND_LEGEND = {
    "zh": ("读数", "允许范围", "偏离时段"),
    "en": ("Readings", "Allowed range", "Excursion"),
}


def _rc() -> dict[str, Any]:
    return {
        "font.family": "sans-serif",
        "font.sans-serif": [FAMILY],
        "axes.unicode_minus": True,  # U+2212, which the font has
        "svg.fonttype": "path",  # text as outlines: the browser needs no font
        "svg.hashsalt": "bioseg",  # stable ids in the SVG
        "axes.spines.top": False,
        "axes.spines.right": False,
        "axes.grid": True,
        "axes.axisbelow": True,  # grid lines behind bars and bands
        "grid.color": "#e0e0e0",
        "grid.linewidth": 0.6,
        "font.size": 9,
        "axes.titlesize": 11,
        "legend.fontsize": 8,
        "legend.frameon": False,
    }


def _ensure_font() -> None:
    global _font_added
    if not _font_added:
        font_manager.fontManager.addfont(str(find_font().path))
        _font_added = True


def _float(value) -> float:
    return float(value) if isinstance(value, Decimal | int | float) else float(formatting.to_decimal(value))


def _number_axis(axis, lang: str) -> None:
    axis.set_major_formatter(FuncFormatter(lambda v, _pos: formatting.format_number(round(float(v), 6), lang)))


def _date_axis(axis, tz: dt.tzinfo) -> None:
    locator = AutoDateLocator(tz=tz)
    axis.set_major_locator(locator)
    axis.set_major_formatter(
        ConciseDateFormatter(
            locator, tz=tz, formats=DATE_FORMATS, zero_formats=ZERO_FORMATS, offset_formats=OFFSET_FORMATS
        )
    )


@dataclass(frozen=True)
class Chart:
    """A chart ready to be drawn: ``draw(fig)`` fills a figure of ``size`` inches."""

    draw: Callable[[Figure], None]
    size: tuple[float, float] = (7.0, 3.2)
    title: str = ""

    def _render(self, fmt: str, dpi: int) -> bytes:
        with _lock:
            _ensure_font()
            with matplotlib.rc_context(_rc()):
                fig = Figure(figsize=self.size, layout="constrained")
                self.draw(fig)
                out = BytesIO()
                metadata = {"Date": None} if fmt == "svg" else {"Software": None}
                fig.savefig(out, format=fmt, dpi=dpi, metadata=metadata)
                return out.getvalue()

    def png(self, dpi: int = 150) -> bytes:
        return self._render("png", dpi)

    def svg(self) -> bytes:
        return self._render("svg", 72)

    def flowable(self, width: float, dpi: int = 200):
        """A ReportLab ``Image`` ``width`` points wide (the height keeps the chart's proportions)."""
        from reportlab.platypus import Image

        height = width * self.size[1] / self.size[0]
        return Image(BytesIO(self.png(dpi=dpi)), width=width, height=height)


def _finish(ax, title: str, x_label: str, y_label: str) -> None:
    if title:
        ax.set_title(title, loc="left")
    if x_label:
        ax.set_xlabel(x_label)
    if y_label:
        ax.set_ylabel(y_label)


def band_chart(
    points: Sequence[tuple[dt.datetime, Any]],
    *,
    low: Any = None,
    high: Any = None,
    periods: Sequence[tuple[dt.datetime, dt.datetime]] = (),
    title: str = "",
    y_label: str = "",
    x_label: str = "",
    lang: str = "zh",
    legend: tuple[str, str, str] | None = None,
    tz: dt.tzinfo = dt.UTC,
    size: tuple[float, float] = (7.0, 3.2),
) -> Chart:
    """Readings over time, the allowed band [``low``, ``high``] (either may be open) shaded, and each
    highlighted period (start, end) marked — e.g. a logger's temperatures with the allowed 2–8 °C and the
    excursions."""
    lang = formatting.language(lang)
    series_label, band_label, period_label = legend or BAND_LEGEND[lang]
    xs = [p[0] for p in points]
    ys = [_float(p[1]) for p in points]

    def draw(fig: Figure) -> None:
        ax = fig.add_subplot()
        if low is not None or high is not None:
            lo = _float(low) if low is not None else min([*ys, _float(high)]) - 1
            hi = _float(high) if high is not None else max([*ys, _float(low)]) + 1
            ax.axhspan(lo, hi, color=BAND_COLOUR, alpha=0.12, lw=0, label=band_label)
            for bound in (low, high):
                if bound is not None:
                    ax.axhline(_float(bound), color=BAND_COLOUR, lw=0.8, ls="--")
        for i, (start, end) in enumerate(periods):
            ax.axvspan(start, end, color=PERIOD_COLOUR, alpha=0.18, lw=0, label=period_label if i == 0 else None)
        ax.plot(xs, ys, color=PALETTE[0], lw=1.2, label=series_label)
        _date_axis(ax.xaxis, tz)
        _number_axis(ax.yaxis, lang)
        _finish(ax, title, x_label, y_label)
        ax.legend(loc="upper right")

    return Chart(draw, size, title)


def bar_chart(
    categories: Sequence[str],
    values: Sequence[Any],
    *,
    title: str = "",
    y_label: str = "",
    x_label: str = "",
    lang: str = "zh",
    horizontal: bool = False,
    value_labels: bool = True,
    size: tuple[float, float] = (7.0, 3.2),
) -> Chart:
    """One bar per category, each labelled with its value."""
    lang = formatting.language(lang)
    if len(categories) != len(values):
        raise ValueError("categories and values differ in length")
    numbers = [_float(v) for v in values]

    def draw(fig: Figure) -> None:
        ax = fig.add_subplot()
        if horizontal:
            bars = ax.barh(list(categories), numbers, color=PALETTE[0])
            ax.invert_yaxis()
            ax.grid(axis="y", visible=False)
            _number_axis(ax.xaxis, lang)
            ax.xaxis.set_major_locator(MaxNLocator(integer=all(float(n).is_integer() for n in numbers)))
        else:
            bars = ax.bar(list(categories), numbers, color=PALETTE[0])
            ax.grid(axis="x", visible=False)
            _number_axis(ax.yaxis, lang)
            ax.yaxis.set_major_locator(MaxNLocator(integer=all(float(n).is_integer() for n in numbers)))
        if value_labels:
            ax.bar_label(bars, labels=[formatting.format_number(v, lang) for v in values], padding=2, fontsize=8)
        _finish(ax, title, x_label, y_label)

    return Chart(draw, size, title)


def stacked_bar_chart(
    categories: Sequence[str],
    stacks: Mapping[str, Sequence[Any]],
    *,
    title: str = "",
    y_label: str = "",
    x_label: str = "",
    lang: str = "zh",
    size: tuple[float, float] = (7.0, 3.2),
) -> Chart:
    """Bars per category made of stacked parts (``stacks``: part label → one value per category)."""
    lang = formatting.language(lang)
    for label, values in stacks.items():
        if len(values) != len(categories):
            raise ValueError(f"stack {label!r} has {len(values)} values for {len(categories)} categories")

    def draw(fig: Figure) -> None:
        ax = fig.add_subplot()
        ax.grid(axis="x", visible=False)
        bottom = [0.0] * len(categories)
        for i, (label, values) in enumerate(stacks.items()):
            numbers = [_float(v) for v in values]
            ax.bar(list(categories), numbers, bottom=bottom, color=PALETTE[i % len(PALETTE)], label=label)
            bottom = [b + n for b, n in zip(bottom, numbers, strict=True)]
        _number_axis(ax.yaxis, lang)
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        _finish(ax, title, x_label, y_label)
        ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0))

    return Chart(draw, size, title)


def time_series_chart(
    series: Mapping[str, Sequence[tuple[dt.date | dt.datetime, Any]]],
    *,
    title: str = "",
    y_label: str = "",
    x_label: str = "",
    lang: str = "zh",
    step: bool = False,
    tz: dt.tzinfo = dt.UTC,
    size: tuple[float, float] = (7.0, 3.2),
) -> Chart:
    """Series over time (label → (date or time, value) pairs); ``step`` for values that hold until changed
    (a risk rating)."""
    lang = formatting.language(lang)

    def draw(fig: Figure) -> None:
        ax = fig.add_subplot()
        for i, (label, points) in enumerate(series.items()):
            xs = [p[0] for p in points]
            ys = [_float(p[1]) for p in points]
            colour = PALETTE[i % len(PALETTE)]
            if step:
                ax.step(xs, ys, where="post", color=colour, lw=1.3, label=label)
            else:
                ax.plot(xs, ys, color=colour, lw=1.3, marker="o", ms=3, label=label)
        _date_axis(ax.xaxis, tz)
        _number_axis(ax.yaxis, lang)
        _finish(ax, title, x_label, y_label)
        if len(series) > 1:
            ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0))

    return Chart(draw, size, title)


__all__ = ["Chart", "band_chart", "bar_chart", "stacked_bar_chart", "time_series_chart"]
