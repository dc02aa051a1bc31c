"""One PDF kit for every report (ReportLab): fonts, styles, labels, tables, metadata, footers.

- **Fonts**: the CJK TrueType font of ``bioseg.reporting.fonts`` (WenQuanYi Micro Hei), registered once and
  embedded as a subset (``FontFile2``) — text never depends on the reader's fonts and never prints as boxes;
  its monospaced face sets hashes and identifiers. No unembedded base font is left on any page.
- **Metadata**: title, author, subject, keywords, creator, the document language (``/Lang`` zh-CN or en) and
  the real creation time (``generated_at``, UTC). The same story with the same ``generated_at`` gives the
  same bytes (ReportLab's invariant mode with the creation time put back).
- **Footer**: a paragraph that wraps to the page width (the bottom margin grows to hold it; nothing is cut)
  and "第 x 页，共 y 页 / page x of y" below it.
- **Text**: ``text()`` escapes anything for a Paragraph, so a lot number ``<b>&x`` prints as written;
  ``Markup`` marks the few strings a report builds with tags on purpose. ``table()`` wraps every cell.
- **Labels**: ``Labels(lang)`` puts the active language first in bilingual pairs.

No Django import: the CLI renders the assessment report without settings.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from io import BytesIO
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_LEFT, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, Paragraph, SimpleDocTemplate, Table, TableStyle

from bioseg.common import formatting
from bioseg.reporting.fonts import find_font

FONT = "bioseg-cjk"
MONO_FONT = "bioseg-cjk-mono"

GREY = colors.HexColor("#5f6368")
GRID = colors.HexColor("#c4c7c5")
HEAD_BG = colors.HexColor("#1f4e79")
LABEL_BG = colors.HexColor("#eef2f6")

PDF_LANG = {"zh": "zh-CN", "en": "en"}

_fonts_lock = threading.Lock()


def register_fonts() -> None:
    """Registers the CJK font (and its monospaced face) with ReportLab, once per process. ``<b>`` and ``<i>``
    map to the same face: the font has one weight, and a heading is told by its size."""
    with _fonts_lock:
        if FONT in pdfmetrics.getRegisteredFontNames():
            return
        font = find_font()
        pdfmetrics.registerFont(TTFont(FONT, str(font.path), subfontIndex=font.regular_index))
        if font.mono_index is not None:
            pdfmetrics.registerFont(TTFont(MONO_FONT, str(font.path), subfontIndex=font.mono_index))
        else:
            pdfmetrics.registerFont(TTFont(MONO_FONT, str(font.path)))
        for name in (FONT, MONO_FONT):
            pdfmetrics.registerFontFamily(name, normal=name, bold=name, italic=name, boldItalic=name)


# ---------------------------------------------------------------------------------------------- language


def check_lang(lang: str) -> str:
    if lang not in ("zh", "en"):
        raise ValueError(f"lang must be 'zh' or 'en', not {lang!r}")
    return lang


class Labels:
    """Bilingual labels; ``lang`` (``zh``/``en``) decides which language comes first."""

    def __init__(self, lang: str = "zh") -> None:
        self.lang = check_lang(lang)
        self.zh_first = lang == "zh"

    def pair(self, en: str, zh: str, sep: str = " / ") -> str:
        if not en or en == zh:
            return zh or en
        if not zh:
            return en
        return f"{zh}{sep}{en}" if self.zh_first else f"{en}{sep}{zh}"

    def order(self, en: str, zh: str) -> tuple[str, str]:
        return (zh, en) if self.zh_first else (en, zh)

    def page(self, number: int, total: int) -> str:
        return self.pair(f"page {number} of {total}", f"第 {number} 页，共 {total} 页")

    def quantity(self, value, unit: str) -> str:
        """Both languages' way of writing a quantity ("40,000 支 / 40,000 vials"), once if they agree."""
        return self.pair(formatting.format_quantity(value, unit, "en"), formatting.format_quantity(value, unit, "zh"))

    def number(self, value, places: int | None = None) -> str:
        return formatting.format_number(value, self.lang, places=places)


def utc(value: dt.datetime | None, empty: str = "—") -> str:
    """``2025-04-01 09:30:00 UTC`` (a naive time is taken as UTC)."""
    if value is None:
        return empty
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


# ---------------------------------------------------------------------------------------------- text


class Markup(str):
    """Paragraph markup a report builds on purpose (``<br/>``, ``<font>``); everything else is escaped."""


def text(value: Any) -> str:
    """Anything as Paragraph text: escaped (``<b>&x`` prints literally), numbers without trailing zeros and with
    thousands separators, line breaks kept. ``Markup`` passes unchanged."""
    if isinstance(value, Markup):
        return str(value)
    if value is None:
        return ""
    if isinstance(value, bool):
        value = str(value).lower()
    elif isinstance(value, Decimal | int | float):
        value = formatting.format_number(value, "en")
    return escape(str(value)).replace("\r\n", "\n").replace("\n", "<br/>")


def mono(value: Any) -> Markup:
    """A run of text in the monospaced face, inside a Paragraph of another style."""
    return Markup(f'<font name="{MONO_FONT}">{text(value)}</font>')


def coloured(colour, value: Any) -> Markup:
    return Markup(f'<font color="#{colour.hexval()[2:]}">{text(value)}</font>')


def join(*parts: Any, sep: str = "") -> Markup:
    """Parts (text escaped, Markup kept) joined into one Markup."""
    return Markup(text(sep).join(text(p) for p in parts))


def para(value: Any, style: ParagraphStyle) -> Paragraph:
    return Paragraph(text(value), style)


# ---------------------------------------------------------------------------------------------- styles


def styles() -> dict[str, ParagraphStyle]:
    """Every paragraph style of the reports, in one place (a fresh set per call: callers may derive)."""
    register_fonts()
    # ReportLab's normal wrapping breaks Chinese between any two characters, English only between words, and
    # a word too long for its column where it must ("CJK" wrapping would split English words anywhere)
    base = ParagraphStyle("base", fontName=FONT, fontSize=9, leading=12.5, alignment=TA_LEFT)
    return {
        "base": base,
        "small": ParagraphStyle("small", parent=base, fontSize=8, leading=10.5),
        "muted": ParagraphStyle("muted", parent=base, fontSize=7.5, leading=10, textColor=GREY),
        "title": ParagraphStyle("title", parent=base, fontSize=17, leading=23, spaceAfter=3),
        "subtitle": ParagraphStyle("subtitle", parent=base, fontSize=11.5, leading=15.5, spaceAfter=10),
        "h1": ParagraphStyle("h1", parent=base, fontSize=12.5, leading=17, spaceBefore=10, spaceAfter=5),
        "h2": ParagraphStyle("h2", parent=base, fontSize=10.5, leading=14, spaceBefore=8, spaceAfter=3),
        "outcome": ParagraphStyle("outcome", parent=base, fontSize=15, leading=20, spaceBefore=6, spaceAfter=6),
        "quote": ParagraphStyle("quote", parent=base, leftIndent=10, fontSize=8.5, leading=12),
        "cell": ParagraphStyle("cell", parent=base, fontSize=8, leading=10.5),
        "head": ParagraphStyle("head", parent=base, fontSize=8, leading=10.5, textColor=colors.white),
        "mono": ParagraphStyle("mono", parent=base, fontName=MONO_FONT, fontSize=7, leading=9),
        "footer": ParagraphStyle("footer", parent=base, fontSize=7, leading=9, textColor=GREY),
        "page": ParagraphStyle("page", parent=base, fontSize=7, leading=9, textColor=GREY, alignment=TA_RIGHT),
    }


# ---------------------------------------------------------------------------------------------- tables


def table(
    rows: Sequence[Sequence[Any]],
    widths: Sequence[float],
    st: dict[str, ParagraphStyle] | None = None,
    *,
    header: bool = True,
    mono_cols: Iterable[int] = (),
    commands: Iterable[tuple] = (),
) -> Table:
    """A table whose cells wrap: each value becomes a Paragraph (escaped; ``Markup`` kept; a Flowable as is).
    ``header``: row 0 is a dark heading repeated on every page; otherwise column 0 is a shaded label column.
    ``widths`` in points (e.g. fractions of ``doc.width``)."""
    st = st or styles()
    mono_cols = set(mono_cols)
    body = []
    for r, row in enumerate(rows):
        cells = []
        for c, value in enumerate(row):
            if isinstance(value, Flowable):
                cells.append(value)
                continue
            if header and r == 0:
                style = st["head"]
            elif c in mono_cols:
                style = st["mono"]
            else:
                style = st["cell"]
            cells.append(Paragraph(text(value), style))
        body.append(cells)
    tbl = Table(body, colWidths=list(widths), repeatRows=1 if header else 0)
    style = [
        ("FONTNAME", (0, 0), (-1, -1), FONT),  # the cell font ReportLab sets (else Helvetica, not embedded)
        ("GRID", (0, 0), (-1, -1), 0.4, GRID),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("TOPPADDING", (0, 0), (-1, -1), 2.5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5),
        ("BACKGROUND", (0, 0), (-1, 0), HEAD_BG) if header else ("BACKGROUND", (0, 0), (0, -1), LABEL_BG),
        *commands,
    ]
    tbl.setStyle(TableStyle(style))
    return tbl


# ---------------------------------------------------------------------------------------------- document


@dataclass(frozen=True)
class DocumentInfo:
    title: str
    lang: str = "zh"
    subject: str = ""
    author: str = "bioseg"
    keywords: tuple[str, ...] = ()
    creator: str = "bioseg"


class _Stamp:
    """ReportLab's time stamp, set to the report's creation time (UTC) instead of the invariant 2000-01-01."""

    def __init__(self, at: dt.datetime) -> None:
        if at.tzinfo is None:
            raise ValueError("generated_at must be timezone-aware")
        at = at.astimezone(dt.UTC)
        self.t = at.timestamp()
        self.lt = at.timetuple()
        self.YMDhms = tuple(self.lt)[:6]
        self.dhh = 0
        self.dmm = 0
        self.tzname = "UTC"

    @property
    def datetime(self) -> dt.datetime:
        return dt.datetime.fromtimestamp(self.t, dt.UTC)


def _canvas_class(draw_footer: Callable[[Canvas, int, int], None], at: dt.datetime):
    """A canvas that keeps its pages until the end, so that each footer can say how many pages there are."""
    stamp = _Stamp(at)

    class _ReportCanvas(Canvas):
        def __init__(self, *args, **kwargs) -> None:
            super().__init__(*args, **kwargs)
            self._doc._timeStamp = stamp
            self._doc.signature.update(stamp.datetime.isoformat().encode())
            self._kept: list[dict] = []

        def showPage(self) -> None:  # noqa: N802 — ReportLab's name
            self._kept.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            total = len(self._kept)
            for number, state in enumerate(self._kept, start=1):
                self.__dict__.update(state)
                draw_footer(self, number, total)
                Canvas.showPage(self)
            Canvas.save(self)

    return _ReportCanvas


def build_pdf(
    story: list,
    *,
    info: DocumentInfo,
    footer: Any = "",
    generated_at: dt.datetime | None = None,
    pagesize: tuple[float, float] = A4,
    margins: tuple[float, float, float, float] = (18 * mm, 18 * mm, 16 * mm, 14 * mm),
    on_page: Callable[[Canvas, Any], None] | None = None,
) -> bytes:
    """The PDF bytes of ``story``. ``margins`` = (left, right, top, bottom); the bottom margin grows to hold the
    wrapped ``footer`` and the page number. ``generated_at`` (aware; default now) is the creation time."""
    register_fonts()
    lang = check_lang(info.lang)
    labels = Labels(lang)
    st = styles()
    at = generated_at or dt.datetime.now(dt.UTC)
    left, right, top, bottom = margins
    width = pagesize[0] - left - right
    edge = 8 * mm  # from the paper's edge to the page number's baseline area

    footer_para = Paragraph(text(footer), st["footer"]) if footer else None
    footer_h = footer_para.wrap(width, pagesize[1])[1] if footer_para else 0
    page_h = st["page"].leading
    needed = edge + page_h + footer_h + 3 * mm
    bottom = max(bottom, needed)

    def draw_footer(canvas: Canvas, number: int, total: int) -> None:
        canvas.saveState()
        y = edge
        page_para = Paragraph(text(labels.page(number, total)), st["page"])
        page_para.wrap(width, page_h)
        page_para.drawOn(canvas, left, y)
        y += page_h
        if footer_para is not None:
            footer_para.wrap(width, footer_h)
            footer_para.drawOn(canvas, left, y)
        canvas.restoreState()

    buffer = BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=pagesize,
        leftMargin=left,
        rightMargin=right,
        topMargin=top,
        bottomMargin=bottom,
        title=info.title,
        author=info.author,
        subject=info.subject,
        keywords=", ".join(info.keywords),
        creator=info.creator,
        lang=PDF_LANG[lang],
        initialFontName=FONT,
        invariant=1,
    )
    hook = (lambda canvas, d: on_page(canvas, d)) if on_page else (lambda canvas, d: None)
    doc.build(story, onFirstPage=hook, onLaterPages=hook, canvasmaker=_canvas_class(draw_footer, at))
    return buffer.getvalue()


def frame_width(pagesize: tuple[float, float] = A4, left: float = 18 * mm, right: float = 18 * mm) -> float:
    """The width the story has, for table column widths."""
    return pagesize[0] - left - right


__all__ = [
    "FONT",
    "MONO_FONT",
    "DocumentInfo",
    "Labels",
    "Markup",
    "build_pdf",
    "check_lang",
    "coloured",
    "frame_width",
    "join",
    "mono",
    "para",
    "register_fonts",
    "styles",
    "table",
    "text",
    "utc",
]
