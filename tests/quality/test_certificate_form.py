"""A certificate of analysis recorded in the web, results row by row or from a CSV: each judged, a failing one
opening an OOS investigation; a refused row's error on that row; nothing written on a refusal."""

from __future__ import annotations

import hashlib
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile

from bioseg.production.models import CertificateOfAnalysis, CertificateResult
from bioseg.quality.models import OosInvestigation
from tests.quality.test_deviation_interfaces import client

pytestmark = pytest.mark.django_db


def data(**rows):
    d = {
        "reference": "COA-P2-01",
        "issued_on": "2025-03-20",
        "file": SimpleUploadedFile("coa.pdf", b"%PDF-1.4 certificate", content_type="application/pdf"),
        "r-TOTAL_FORMS": "6",
        "r-INITIAL_FORMS": "0",
        "r-MIN_NUM_FORMS": "0",
        "r-MAX_NUM_FORMS": "200",
    }
    for i, row in rows.items():
        for k, v in row.items():
            d[f"r-{i[1:]}-{k}"] = v
    return d


def counts():
    return CertificateOfAnalysis.objects.count(), CertificateResult.objects.count(), OosInvestigation.objects.count()


def test_rows_are_judged_and_a_failing_one_opens_an_oos(genealogy, world):
    c = client(world.cmo_qa)
    assert c.get(f"/lots/{genealogy.p2.pk}/certificates/new/").status_code == 200
    r = c.post(
        f"/lots/{genealogy.p2.pk}/certificates/new/",
        data(
            r0={"test": "Endotoxin", "unit": "EU/mL", "spec_max": "5", "value": "1.2"},
            r2={"test": "Assay", "unit": "%", "spec_min": "95", "spec_max": "105", "value": "92.1"},
        ),
    )
    assert r.status_code == 302 and r["Location"] == f"/lots/{genealogy.p2.pk}/"
    coa = CertificateOfAnalysis.objects.get()
    assert list(coa.results.values_list("test", "outcome")) == [("Endotoxin", "pass"), ("Assay", "fail")]
    assert coa.sha256 == __import__("hashlib").sha256(b"%PDF-1.4 certificate").hexdigest()
    assert OosInvestigation.objects.get().result.test == "Assay"


def test_a_refused_row_shows_its_error_on_that_row_and_nothing_is_written(genealogy, world):
    c = client(world.cmo_qa)
    before = counts()
    r = c.post(
        f"/lots/{genealogy.p2.pk}/certificates/new/",
        data(
            r0={"test": "Endotoxin", "spec_max": "5", "value": "1.2"},
            r3={"test": "Assay", "spec_min": "105", "spec_max": "95", "value": "99"},
        ),
    )
    assert r.status_code == 400 and 'data-testid="error-r-3-spec_max"' in r.content.decode()
    bad_csv = SimpleUploadedFile("r.csv", b"name,value\nAssay,99\n", content_type="text/csv")
    r = c.post(f"/lots/{genealogy.p2.pk}/certificates/new/", {**data(), "results_csv": bad_csv})
    assert r.status_code == 400 and 'data-testid="error-results_csv"' in r.content.decode()
    assert counts() == before
    content = "test,unit,spec_min,spec_max,value\n含量,%,95,105,99.5\n".encode()
    csv = SimpleUploadedFile("r.csv", content, content_type="text/csv")
    r = c.post(f"/lots/{genealogy.p2.pk}/certificates/new/", {**data(), "results_csv": csv})
    assert r.status_code == 302
    assert list(CertificateResult.objects.values_list("test", "outcome")) == [("含量", "pass")]
    # the imported file itself is kept with its SHA-256, beside the certificate
    certificate = CertificateResult.objects.get().certificate
    digest = hashlib.sha256(content).hexdigest()
    assert (certificate.results_file_name, certificate.results_sha256) == ("r.csv", digest)
    assert (Path(settings.MEDIA_ROOT) / "certificates" / digest[:2] / f"{digest}.csv").read_bytes() == content
    assert 'data-testid="results-file">r.csv<' in c.get(f"/lots/{genealogy.p2.pk}/").content.decode()


def test_who_may(genealogy, world):
    url = f"/lots/{genealogy.p2.pk}/certificates/new/"
    assert client(world.gd_qa).get(url).status_code == 404
    assert client(world.sh_inspector).get(url).status_code == 403
    html = client(world.holder_qa).get(f"/lots/{genealogy.p2.pk}/").content.decode()
    assert 'data-testid="certificate-new"' in html
    assert (
        'data-testid="certificate-new"'
        not in client(world.sh_inspector).get(f"/lots/{genealogy.p2.pk}/").content.decode()
    )


def xlsx(rows: list[list]) -> bytes:
    import io

    from openpyxl import Workbook

    book = Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_results_are_imported_from_an_xlsx_workbook_and_a_damaged_one_changes_nothing(genealogy, world):
    c = client(world.cmo_qa, "zh-hans")
    url = f"/lots/{genealogy.p2.pk}/certificates/new/"
    before = counts()
    damaged = SimpleUploadedFile("results.xlsx", b"PK\x03\x04 not a workbook")
    r = c.post(url, {**data(), "results_csv": damaged})
    assert r.status_code == 400
    assert (
        '<p class="field-error" data-testid="error-results_csv">该文件不是可读取的 XLSX 工作簿。</p>'
        in r.content.decode()
    )
    no_header = SimpleUploadedFile("results.xlsx", xlsx([["name", "value"], ["Assay", 99]]))
    r = c.post(url, {**data(), "results_csv": no_header})
    assert "文件须有表头行，且至少包含 test 列。" in r.content.decode()
    assert counts() == before

    workbook = xlsx(
        [
            ["test", "method", "unit", "spec_min", "spec_max", "value"],
            ["内毒素", "ChP 1143", "EU/mL", None, 5, 1.2],
            [None, None, None, None, None, None],  # an empty row is skipped
            ["含量", "HPLC", "%", 95, 105, 92.1],
        ]
    )
    r = c.post(url, {**data(), "results_csv": SimpleUploadedFile("results.xlsx", workbook)})
    assert r.status_code == 302
    results = CertificateResult.objects.order_by("id").values_list("test", "method", "spec_max", "value", "outcome")
    assert list(results) == [
        ("内毒素", "ChP 1143", Decimal("5"), Decimal("1.2"), "pass"),
        ("含量", "HPLC", Decimal("105"), Decimal("92.1"), "fail"),
    ]
    assert OosInvestigation.objects.get().result.test == "含量"


@pytest.mark.parametrize(
    ("lang", "first", "last"),
    [
        (
            "zh-hans",
            '表头行各列：<code lang="zxx">test</code>（检验项目）、',
            '<code lang="zxx">conforms</code>（符合规定）。',
        ),
        (
            "en",
            'Columns of the header row: <code lang="zxx">test</code> (Test), ',
            '<code lang="zxx">conforms</code> (Conforms).',
        ),
    ],
)
def test_the_results_file_columns_are_codes_explained_in_the_active_language(genealogy, world, lang, first, last):
    page = client(world.cmo_qa, lang).get(f"/lots/{genealogy.p2.pk}/certificates/new/").content.decode()
    help_text = page[page.index('<p class="help">', page.index('data-field="results_csv"')) + len('<p class="help">') :]
    help_text = help_text[: help_text.index("</p>")]
    assert help_text.startswith(first) and help_text.endswith(last), help_text
    assert help_text.count("<code") == 9
