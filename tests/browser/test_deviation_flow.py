"""In the real browser, across two companies and a regulator: the Shanghai CDMO's QA records a major deviation
against a drug-product lot; the holder's QA is notified, sees the impact bioseg computed and approves the
investigation with an e-signature; the lot's release is refused naming the deviation and succeeds once the
deviation is closed; a Guangdong inspector gets a 404 for it."""

from __future__ import annotations

import datetime as dt

import pytest

from bioseg.production import services as production_services
from bioseg.production.models import Lot, Release
from bioseg.quality import services as quality_services
from bioseg.quality.models import Deviation
from tests.browser.test_trace_page import login

pytestmark = [pytest.mark.browser]


def logout(page, base: str) -> None:
    page.click("[data-testid=logout]")
    page.wait_for_url(f"{base}/login/**")


def _clear_the_demo_blockers(password: str) -> Lot:
    """QL-DP-2609-02 gets its certificate, and the demo's own open deviation on it is closed, so that the only
    thing the browser sees blocking it is the deviation it records."""
    from bioseg.accounts.models import User

    lot = Lot.objects.get(lot_number="QL-DP-2609-02")
    cmo, qp = User.objects.get(username="shcdmo-qa"), User.objects.get(username="suzhou-qp")
    production_services.coa_record(
        actor=cmo,
        lot=lot,
        reference="COA-QL-DP-2609-02",
        file_name="coa.pdf",
        content=b"coa",
        issued_on=dt.date(2026, 12, 1),
    )
    demo = Deviation.objects.get(status="open", lot_links__lot=lot)
    quality_services.deviation_submit_investigation(
        actor=cmo,
        deviation=demo,
        root_cause="Needle wear.",
        investigation_summary="Needle replaced; media fill passed.",
    )
    quality_services.deviation_approve(actor=qp, deviation=demo, password=password)
    quality_services.deviation_close(actor=qp, deviation=demo, password=password)
    return lot


def test_a_cmo_deviation_blocks_release_until_the_holder_closes_it(demo_server, page):
    base, password = demo_server
    lot = _clear_the_demo_blockers(password)

    # the CDMO's QA records the deviation (the pages are in Chinese by default)
    login(page, base, "shcdmo-qa", password)
    page.click("[data-testid=nav-quality]")
    page.wait_for_url(f"{base}/deviations/")
    page.click("[data-testid=deviation-new]")
    page.select_option("#id_product", label="星利单抗注射液")
    page.select_option("#id_site", label="启澜张江制剂工厂")
    page.fill("#id_occurred_on", "2026-12-02")
    page.fill("#id_title", "灌装间A级区沉降菌超标")
    page.fill("#id_description", "QL-DP-2609-02 灌装期间，A级区沉降菌碟检出 2 CFU。")
    page.select_option("#id_classification", "major")
    page.fill("#id_classification_reason", "A级区微生物超标，可能影响无菌保证。")
    page.fill("#id_lot_numbers", "QL-DP-2609-02")
    page.click("[data-testid=form-submit]")
    deviation = Deviation.objects.get(title="灌装间A级区沉降菌超标")
    page.wait_for_url(f"{base}/deviations/{deviation.pk}/")
    assert page.locator("[data-testid=impact-summary]").inner_text().startswith("涉及 1 个场地的 1 个批和 0 次运输。")
    assert page.locator("[data-testid=blocks-release]").is_visible()
    page.fill("#id_submit_investigation-root_cause", "沉降菌碟放置位置靠近传递窗。")
    page.fill("#id_submit_investigation-investigation_summary", "已调整放置位置；同批其余监测点合格。")
    page.click("[data-testid=submit-submit_investigation]")
    page.wait_for_url(f"{base}/deviations/{deviation.pk}/")
    assert page.locator("[data-testid=status]").inner_text() == "调查待批准"

    # its release is refused, naming the deviation
    page.goto(f"{base}/lots/{lot.pk}/release/")
    blockers = page.locator("[data-testid=blockers-cmo_qa] [data-testid=blocker]").all_inner_texts()
    assert blockers == [f"批 QL-DP-2609-02 的偏差 {deviation.reference}（主要）尚未关闭。"]
    assert page.locator("[data-testid=form-submit]").is_disabled()
    logout(page, base)

    # the holder's QA is notified, reads the impact and approves, then closes (e-signed)
    login(page, base, "suzhou-qa", password)
    assert int(page.locator("[data-testid=unread-count]").inner_text()) >= 1
    page.click("[data-testid=inbox-link]")
    page.wait_for_url(f"{base}/inbox/")
    page.locator("[data-testid=notice-open]", has_text=f"偏差 {deviation.reference}（主要）已记录").click()
    page.wait_for_url(f"{base}/deviations/{deviation.pk}/")
    rows = page.locator("[data-testid=impact-row]")
    assert rows.count() == 1 and "QL-DP-2609-02" in rows.first.inner_text()
    page.fill("#id_approve_investigation-password", "not my password")
    page.click("[data-testid=submit-approve_investigation]")
    assert page.locator("[data-testid=error-password]").is_visible()
    assert Deviation.objects.get(pk=deviation.pk).status == "under_review"
    page.fill("#id_approve_investigation-password", password)
    page.click("[data-testid=submit-approve_investigation]")
    page.wait_for_url(f"{base}/deviations/{deviation.pk}/")
    assert page.locator("[data-testid=status]").inner_text() == "调查已批准"
    page.fill("#id_close-password", password)
    page.click("[data-testid=submit-close]")
    page.wait_for_url(f"{base}/deviations/{deviation.pk}/")
    assert page.locator("[data-testid=status]").inner_text() == "已关闭"
    assert page.locator("[data-testid=signature]").count() == 2
    logout(page, base)

    # now the CDMO's QA releases the lot
    login(page, base, "shcdmo-qa", password)
    page.goto(f"{base}/lots/{lot.pk}/release/")
    assert page.locator("[data-testid=blockers-cmo_qa] [data-testid=blocker]").count() == 0
    page.fill("#id_password", password)
    page.click("[data-testid=form-submit]")
    page.wait_for_url(f"{base}/lots/{lot.pk}/")
    assert Release.objects.filter(lot=lot, kind="cmo_qa").count() == 1
    logout(page, base)

    # a Guangdong inspector learns nothing about it
    login(page, base, "gd-inspector", password)
    response = page.goto(f"{base}/deviations/{deviation.pk}/")
    assert response is not None and response.status == 404
    page.goto(f"{base}/deviations/")
    assert page.locator("[data-testid=deviation-list] [data-testid=row]").count() == 0
