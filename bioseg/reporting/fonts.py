"""The CJK font every report (PDF and chart) is set in: WenQuanYi Micro Hei (文泉驿微米黑).

Why this font: it has TrueType outlines (``glyf``), which ReportLab can subset and embed (it refuses the
CFF-flavoured OpenType of Noto/Source Han Sans CJK, and the variable Noto Sans SC defaults to its Thin
master); it covers the whole CJK Unified Ideographs block (20,932 characters), Latin-1 and the symbols the
reports print (− ° → — – · 「」《》 • ≤ ≥ × ± µ ℃ “ ” …), in 5 MB; its collection has a monospaced face too
(hashes, rule ids) with the same CJK glyphs; licence Apache-2.0 or GPL-3+ with the font-embedding exception.

Where it comes from, first found wins:

1. ``BIOSEG_CJK_FONT`` — a path to a TrueType font or collection, for an operator who must use another;
2. the PyPI package ``paperang-p2-fonts-cjk`` (a dependency of bioseg, so ``pip install`` brings it): its
   ``wqy-microhei.ttc`` is byte-identical to Debian's (SHA-256 in ``FONT_SHA256``; a test checks it);
3. Debian's package ``fonts-wqy-microhei`` (``apt-get install fonts-wqy-microhei``).

No Django import: the CLI renders reports without settings.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

FONT_SHA256 = "2420e8078af796b19a3f6ef13de527a1a91c1e7171eea115926c614ced1009b3"  # wqy-microhei.ttc 0.2.0-beta
FAMILY = "WenQuanYi Micro Hei"
MONO_FAMILY = "WenQuanYi Micro Hei Mono"
_PACKAGE = "paperang_p2_fonts_cjk"
_PACKAGE_FILE = ("fonts", "wqy-microhei.ttc")
_DEBIAN_FILE = Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")


class FontMissing(RuntimeError):
    """No CJK font was found: the report would print boxes instead of Chinese, so none is made."""

    def __init__(self) -> None:
        super().__init__(
            "No CJK font found for the reports: install bioseg with pip (it brings paperang-p2-fonts-cjk), "
            "or `apt-get install fonts-wqy-microhei`, or set BIOSEG_CJK_FONT to a TrueType font. "
            "/ 未找到报告所需的中文字体：请用 pip 安装 bioseg（会同时安装 paperang-p2-fonts-cjk），"
            "或执行 apt-get install fonts-wqy-microhei，或将 BIOSEG_CJK_FONT 设为一个 TrueType 字体文件。"
        )


@dataclass(frozen=True)
class FontFile:
    path: Path
    source: str  # "BIOSEG_CJK_FONT" | "pypi:paperang-p2-fonts-cjk" | "debian:fonts-wqy-microhei"
    regular_index: int = 0  # face index in a collection (.ttc)
    mono_index: int | None = 1


_lock = threading.Lock()
_found: FontFile | None = None


def _package_file() -> Path | None:
    try:
        path = resources.files(_PACKAGE).joinpath(*_PACKAGE_FILE)
    except ModuleNotFoundError:
        return None
    path = Path(str(path))
    return path if path.is_file() else None


def find_font() -> FontFile:
    """The font file the reports use (cached for the process); ``FontMissing`` when there is none."""
    global _found
    with _lock:
        if _found is not None:
            return _found
        override = os.environ.get("BIOSEG_CJK_FONT", "").strip()
        if override:
            path = Path(override)
            if not path.is_file():
                raise FontMissing()
            is_collection = path.suffix.lower() == ".ttc"
            found = FontFile(path, "BIOSEG_CJK_FONT", 0, 1 if is_collection else None)
        elif (package := _package_file()) is not None:
            found = FontFile(package, "pypi:paperang-p2-fonts-cjk")
        elif _DEBIAN_FILE.is_file():
            found = FontFile(_DEBIAN_FILE, "debian:fonts-wqy-microhei")
        else:
            raise FontMissing()
        _found = found
        return found


def reset() -> None:
    """Forget the cached lookup (tests)."""
    global _found
    with _lock:
        _found = None
