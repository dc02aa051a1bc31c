"""Evidence files: validation (size, allowed types checked by their content, not only their name) and
content-addressed storage under ``MEDIA_ROOT/evidence/<aa>/<sha256><ext>``.

Writing a file is idempotent (the same bytes always land at the same name), so a file left behind by a
transaction that later rolled back is harmless: it is referenced by no row and would be reused by the
next upload of the same bytes.
"""

from __future__ import annotations

import hashlib
import io
import os
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePath

from django.conf import settings

from bioseg.common.errors import ValidationFailed

DEFAULT_MAX_BYTES = 20 * 1024 * 1024


def max_bytes() -> int:
    return int(getattr(settings, "BIOSEG_EVIDENCE_MAX_BYTES", DEFAULT_MAX_BYTES))


def _is_pdf(data: bytes) -> bool:
    return data.startswith(b"%PDF-")


def _is_png(data: bytes) -> bool:
    return data.startswith(b"\x89PNG\r\n\x1a\n")


def _is_jpeg(data: bytes) -> bool:
    return data.startswith(b"\xff\xd8\xff")


def _ooxml(data: bytes, part: str) -> bool:
    if not data.startswith(b"PK\x03\x04"):
        return False
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, ValueError):
        return False
    return "[Content_Types].xml" in names and any(n.startswith(part) for n in names)


# extension → (content type, content check)
ALLOWED: dict[str, tuple[str, object]] = {
    ".pdf": ("application/pdf", _is_pdf),
    ".png": ("image/png", _is_png),
    ".jpg": ("image/jpeg", _is_jpeg),
    ".jpeg": ("image/jpeg", _is_jpeg),
    ".xlsx": (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        lambda d: _ooxml(d, "xl/"),
    ),
    ".docx": (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        lambda d: _ooxml(d, "word/"),
    ),
}
ALLOWED_LABEL = "PDF, PNG, JPG, XLSX, DOCX"


@dataclass(frozen=True)
class CheckedFile:
    file_name: str
    extension: str
    content_type: str
    sha256: str
    size: int
    storage_name: str


def clean_file_name(name: str) -> str:
    base = PurePath((name or "").replace("\\", "/")).name.strip()
    return base[:200]


def check_file(file_name: str, content: bytes) -> CheckedFile:
    """Validates an upload; raises ``ValidationFailed`` naming the ``file`` field."""
    name = clean_file_name(file_name)
    ext = PurePath(name).suffix.lower()
    limit = max_bytes()
    if not name:
        raise ValidationFailed({"file": ("The file needs a name.", "文件需要有文件名。")})
    if not content:
        raise ValidationFailed({"file": ("The file is empty.", "文件为空。")})
    if len(content) > limit:
        raise ValidationFailed(
            {
                "file": (
                    f"The file is {len(content)} bytes; the limit is {limit} bytes.",
                    f"文件大小为 {len(content)} 字节，超过上限 {limit} 字节。",
                )
            }
        )
    if ext not in ALLOWED:
        raise ValidationFailed(
            {
                "file": (
                    f"Files of type {ext or '(none)'} are not accepted; allowed: {ALLOWED_LABEL}.",
                    f"不接受 {ext or '（无扩展名）'} 类型的文件；允许：{ALLOWED_LABEL}。",
                )
            }
        )
    content_type, check = ALLOWED[ext]
    if not check(content):  # type: ignore[operator]
        raise ValidationFailed(
            {
                "file": (
                    f"The content of {name} is not a {ext[1:].upper()} file.",
                    f"{name} 的内容不是 {ext[1:].upper()} 文件。",
                )
            }
        )
    digest = hashlib.sha256(content).hexdigest()
    stored_ext = ".jpg" if ext == ".jpeg" else ext
    return CheckedFile(
        file_name=name,
        extension=ext,
        content_type=content_type,
        sha256=digest,
        size=len(content),
        storage_name=f"evidence/{digest[:2]}/{digest}{stored_ext}",
    )


def storage_path(storage_name: str) -> Path:
    return Path(settings.MEDIA_ROOT) / storage_name


def store(checked: CheckedFile, content: bytes) -> Path:
    """Writes the bytes at their content address (atomically; nothing to do if they are already there)."""
    path = storage_path(checked.storage_name)
    if path.exists() and path.stat().st_size == checked.size:
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".upload-")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(content)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return path


def read(storage_name: str) -> bytes:
    return storage_path(storage_name).read_bytes()
