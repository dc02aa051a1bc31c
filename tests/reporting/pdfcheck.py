"""Reading a PDF back with pypdf: its text, its fonts (embedded or not), its images, where text sits."""

from __future__ import annotations

import io
from dataclasses import dataclass

import pypdf


def reader(data: bytes) -> pypdf.PdfReader:
    assert data.startswith(b"%PDF-")
    return pypdf.PdfReader(io.BytesIO(data))


def text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in reader(data).pages)


@dataclass(frozen=True)
class FontUse:
    base_font: str
    subtype: str
    file_key: str | None  # "/FontFile2" (TrueType), "/FontFile3" (CFF), "/FontFile" (Type 1) or None


def fonts(data: bytes) -> list[FontUse]:
    """Every font any page (or form XObject on it) uses, with the key of its embedded font file, if any."""
    found: dict[str, FontUse] = {}

    def descriptor_file(font) -> str | None:
        font = font.get_object()
        desc = font.get("/FontDescriptor")
        if desc is None and "/DescendantFonts" in font:  # Type0: the descendant carries the descriptor
            desc = font["/DescendantFonts"][0].get_object().get("/FontDescriptor")
        if desc is None:
            return None
        desc = desc.get_object()
        return next((k for k in ("/FontFile2", "/FontFile3", "/FontFile") if k in desc), None)

    def walk(resources) -> None:
        if resources is None:
            return
        resources = resources.get_object()
        for font in (resources.get("/Font") or {}).values():
            font = font.get_object()
            name = str(font["/BaseFont"]).lstrip("/")
            found[name] = FontUse(name, str(font["/Subtype"]), descriptor_file(font))
        for xobject in (resources.get("/XObject") or {}).values():
            xobject = xobject.get_object()
            if xobject.get("/Subtype") == "/Form":
                walk(xobject.get("/Resources"))

    for page in reader(data).pages:
        walk(page.get("/Resources"))
    return sorted(found.values(), key=lambda f: f.base_font)


def image_count(data: bytes) -> int:
    return sum(len(page.images) for page in reader(data).pages)


def positions(data: bytes, page: int = 0) -> list[tuple[str, float]]:
    """(text, y in points from the bottom of the page) of every text run on a page."""
    runs: list[tuple[str, float]] = []

    def visit(txt, cm, tm, _font, _size) -> None:
        if txt.strip():
            runs.append((txt.strip(), tm[5] * cm[3] + cm[5]))

    reader(data).pages[page].extract_text(visitor_text=visit)
    return runs
