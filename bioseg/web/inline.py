"""Pictures as elements of a page."""

from __future__ import annotations

import re


def inline_svg(svg: str) -> str:
    """An SVG file as an element of the page: without its XML prolog, doctype and metadata (matplotlib's)."""
    svg = re.sub(r"<\?xml[^>]*\?>\s*", "", svg)
    svg = re.sub(r"<!DOCTYPE[^>]*>\s*", "", svg)
    return re.sub(r"<metadata>.*?</metadata>\s*", "", svg, flags=re.S)
