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


def compile_catalogues(locale_paths) -> int:
    """Compiles every ``*.po`` under the locale paths whose ``.mo`` is missing or older (a fresh checkout
    has only the ``.po`` files); returns how many were compiled."""
    compiled = 0
    for locale_dir in locale_paths:
        for po in Path(locale_dir).glob("*/LC_MESSAGES/*.po"):
            mo = po.with_suffix(".mo")
            if not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime:
                compile_po(po, mo)
                compiled += 1
    return compiled
