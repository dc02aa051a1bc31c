"""Compiling the gettext catalogues with Babel, so a fresh machine needs no GNU gettext."""

from __future__ import annotations

from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po


def compile_po(po: Path, mo: Path) -> int:
    """Writes ``mo`` from ``po`` (fuzzy entries left out); returns the number of messages."""
    with open(po, "rb") as fh:
        catalog = read_po(fh)
    with open(mo, "wb") as fh:
        write_mo(fh, catalog, use_fuzzy=False)
    return len(catalog)
