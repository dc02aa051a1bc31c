"""A plan drawn as a Gantt chart: one row per inspector, one bar per job they are on, months across the year.

Plain SVG written here (a chart library would draw a time axis, not a roster): each bar carries its job id and
kind in a ``<title>`` (the browser's tooltip) and a ``data-job`` attribute; reserved capacity (an unannounced job the
reader may not see) is drawn hatched with no label. The reader's own row is highlighted."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

COLOURS = {
    "annual_comprehensive": "#1f4e79",
    "gmp_compliance": "#548235",
    "sampling": "#c55a11",
    "follow_up": "#7f6000",
    "for_cause": "#7030a0",
    "unannounced": "#b3261e",
    "reserved": "#8c8c8c",
}
LABEL_W, ROW_H, DAY_W, HEAD_H = 150, 22, 2.4, 28


@dataclass(frozen=True)
class Bar:
    start: dt.date
    end: dt.date
    kind: str
    label: str  # "" for reserved capacity
    title: str


def gantt_svg(
    rows: Sequence[tuple[str, Sequence[Bar]]], *, year: int, months: Sequence[str], own: str = "", title: str = ""
) -> str:
    first = dt.date(year, 1, 1)
    days = (dt.date(year, 12, 31) - first).days + 1
    width = LABEL_W + days * DAY_W + 10
    height = HEAD_H + ROW_H * max(len(rows), 1) + 6
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width:.0f}" height="{height}" '
        f'viewBox="0 0 {width:.0f} {height}" role="img" aria-label="{escape(title)}" class="gantt">',
        '<defs><pattern id="hatch" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">'
        '<rect width="6" height="6" fill="#d9d9d9"/><line x1="0" y1="0" x2="0" y2="6" stroke="#8c8c8c" '
        'stroke-width="3"/></pattern></defs>',
    ]
    for m in range(12):
        x = LABEL_W + (dt.date(year, m + 1, 1) - first).days * DAY_W
        out.append(f'<line x1="{x:.1f}" y1="{HEAD_H - 6}" x2="{x:.1f}" y2="{height}" stroke="#e0e0e0"/>')
        out.append(f'<text x="{x + 3:.1f}" y="{HEAD_H - 10}" font-size="11" fill="#555">{escape(months[m])}</text>')
    for n, (who, bars) in enumerate(rows):
        y = HEAD_H + n * ROW_H
        if who == own:
            out.append(
                f'<rect x="0" y="{y}" width="{width:.0f}" height="{ROW_H}" fill="#fff6d5" data-testid="own-row"/>'
            )
        out.append(f'<text x="4" y="{y + 15}" font-size="11" fill="#222">{escape(who)}</text>')
        for b in bars:
            x = LABEL_W + (b.start - first).days * DAY_W
            w = max(((b.end - b.start).days + 1) * DAY_W, 3)
            fill = "url(#hatch)" if b.kind == "reserved" else COLOURS.get(b.kind, "#2e75b6")
            out.append(
                f'<rect x="{x:.1f}" y="{y + 3}" width="{w:.1f}" height="{ROW_H - 6}" fill="{fill}" rx="2" '
                f'data-job="{escape(b.label)}" data-kind="{escape(b.kind)}"><title>{escape(b.title)}</title></rect>'
            )
    out.append("</svg>")
    return "".join(out)
