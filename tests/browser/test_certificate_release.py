"""In the real browser, at a contract manufacturer: its QA records a certificate of analysis for a drug-product lot
with one result out of specification — the release page then refuses, naming the result, and an OOS investigation
is open; a later certificate whose results all pass lets the QA release the lot with an e-signature."""

from __future__ import annotations

import pytest

from bioseg.common import clock
from bioseg.production.models import Lot, Release
from bioseg.quality.models import OosInvestigation
from tests.browser.test_trace_page import login

pytestmark = [pytest.mark.browser]


def record_certificate(page, base, lot, tmp_path, reference: str, potency: str) -> None:
    page.goto(f"{base}/lots/{lot.pk}/certificates/new/")
    page.fill("#id_reference", reference)
    page.fill("#id_issued_on", clock.today().isoformat())
    pdf = tmp_path / f"{reference}.pdf"
    pdf.write_bytes(b"%PDF-1.4\n% certificate " + reference.encode() + b"\n%%EOF\n")
    page.set_input_files("#id_file", str(pdf))
    for name, value in (("test", "效价"), ("method", "细胞法"), ("unit", "%"), ("spec_min", "80"), ("spec_max", "125")):
        page.fill(f"#id_r-0-{name}", value)
    page.fill("#id_r-0-value", potency)
    for name, value in (("test", "细菌内毒素"), ("unit", "EU/mL"), ("spec_max", "5"), ("value", "0.8")):
        page.fill(f"#id_r-1-{name}", value)
    page.click("[data-testid=form-submit]")
    page.wait_for_url(f"{base}/lots/{lot.pk}/")


def test_an_out_of_specification_result_blocks_release_until_a_passing_certificate(demo_server, page, tmp_path):
    base, password = demo_server
    lot = Lot.objects.get(lot_number="HY-DP-2609-01")
    login(page, base, "taizhou-qa", password)
    record_certificate(page, base, lot, tmp_path, "COA-HY-2609-01-A", "62")
    assert OosInvestigation.objects.filter(lot=lot).count() == 1
    page.goto(f"{base}/lots/{lot.pk}/release/")
    blocker = page.inner_text("[data-testid=blockers-cmo_qa]")
    assert "COA-HY-2609-01-A" in blocker and "效价 结果 62 % 不符合规定" in blocker
    assert page.get_attribute("[data-testid=form-submit]", "disabled") is not None
    assert Release.objects.filter(lot=lot).count() == 0

    record_certificate(page, base, lot, tmp_path, "COA-HY-2609-01-B", "98")
    page.goto(f"{base}/lots/{lot.pk}/release/")
    page.select_option("#id_kind", "cmo_qa")
    page.fill("#id_password", password)
    page.click("[data-testid=form-submit]")
    page.wait_for_url(f"{base}/lots/{lot.pk}/")
    release = Release.objects.get(lot=lot)
    assert (release.kind, release.released_by.username) == ("cmo_qa", "taizhou-qa")
