"""Evidence files: allowed types checked by content, size limit, content-addressed storage."""

from __future__ import annotations

import hashlib
import io
import zipfile

import pytest

from bioseg.common.errors import ValidationFailed
from bioseg.pilots import evidence, services
from tests.pilots.helpers import PDF, PNG, counts

pytestmark = pytest.mark.django_db


def ooxml(part: str) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr(f"{part}document.xml", "<x/>")
    return buf.getvalue()


@pytest.fixture
def draft(pw, on_day):
    return services.application_draft(actor=pw.sz_ra, product=pw.pd1)


def attach(pw, app, name, content, **kw):
    return services.evidence_attach(
        actor=kw.pop("actor", pw.sz_qa),
        application=app,
        requirement=kw.pop("requirement", "pilot2024.holder.stationed_personnel"),
        kind=kw.pop("kind", "personnel_qualification"),
        file_name=name,
        content=content,
        **kw,
    )


@pytest.mark.parametrize(
    ("name", "content", "ctype"),
    [
        ("cert.pdf", PDF, "application/pdf"),
        ("badge.png", PNG, "image/png"),
        ("photo.JPG", b"\xff\xd8\xff\xe0" + b"\x00" * 16, "image/jpeg"),
        ("roster.xlsx", ooxml("xl/"), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        ("cv.docx", ooxml("word/"), "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    ],
)
def test_allowed_types_are_stored_by_their_hash(pw, draft, settings, name, content, ctype):
    item = attach(pw, draft, name, content)
    digest = hashlib.sha256(content).hexdigest()
    assert (item.file_name, item.content_type, item.sha256, item.size) == (name, ctype, digest, len(content))
    assert item.storage_name.startswith(f"evidence/{digest[:2]}/{digest}.")
    assert evidence.read(item.storage_name) == content
    assert item.uploaded_by == pw.sz_qa


def test_same_bytes_twice_share_one_file(pw, draft):
    a = attach(pw, draft, "a.pdf", PDF)
    b = attach(pw, draft, "b.pdf", PDF, requirement="pilot2024.cmo.experience", kind="production_history")
    assert a.storage_name == b.storage_name and a.pk != b.pk


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("script.exe", b"MZ....", "Files of type .exe are not accepted; allowed: PDF, PNG, JPG, XLSX, DOCX."),
        ("fake.pdf", b"<html>not a pdf</html>", "The content of fake.pdf is not a PDF file."),
        ("fake.docx", ooxml("xl/"), "The content of fake.docx is not a DOCX file."),
        ("empty.pdf", b"", "The file is empty."),
    ],
)
def test_bad_files_are_refused_and_nothing_is_written(pw, draft, name, content, message):
    before = counts()
    with pytest.raises(ValidationFailed) as info:
        attach(pw, draft, name, content)
    assert info.value.details["fields"]["file"]["message"] == message
    assert counts() == before


def test_size_limit(pw, draft, settings):
    settings.BIOSEG_EVIDENCE_MAX_BYTES = 40
    before = counts()
    with pytest.raises(ValidationFailed) as info:
        attach(pw, draft, "big.pdf", PDF + b"x" * 40)
    assert info.value.details["fields"]["file"]["message"] == (
        f"The file is {len(PDF) + 40} bytes; the limit is 40 bytes."
    )
    assert counts() == before


def test_unknown_requirement_and_kind(pw, draft):
    before = counts()
    with pytest.raises(ValidationFailed) as info:
        attach(pw, draft, "a.pdf", PDF, requirement="pilot2024.no_such_rule", kind="gossip")
    assert sorted(info.value.details["fields"]) == ["kind", "requirement"]
    assert counts() == before


def test_cmo_cannot_attach(pw, draft):
    before = counts()
    with pytest.raises(Exception) as info:
        attach(pw, draft, "a.pdf", PDF, actor=pw.sh_cmo)
    assert info.value.status == 403
    assert counts() == before


def test_file_names_lose_their_directories():
    assert evidence.clean_file_name("../../etc/passwd.pdf") == "passwd.pdf"
    assert evidence.clean_file_name("C:\\Users\\x\\cert.pdf") == "cert.pdf"
