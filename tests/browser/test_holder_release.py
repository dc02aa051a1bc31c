"""In the real browser, the GLP-1 drug product after the contract manufacturer's release: Heyuan's QA (Taizhou)
records a passing certificate and releases HY-DP-2609-01; the holder Qiantang's qualified person then releases it
with an e-signature — a wrong password is refused first and nothing changes. Heyuan ships the lot to a consignee and
uploads the logger file: the readings are drawn against the storage range and an excursion holds the lot. The
quality agreement sets nothing for the disposition after an excursion, so by default the holder disposes of its lot:
Heyuan's QA is not offered the form (the page names the holder), the holder's QA signs the disposition and the lot is
released again."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from bioseg.audit.models import Signature
from bioseg.common import clock
from bioseg.production.models import Consignee, Excursion, Lot, Release, Shipment, TemperatureLog
from bioseg.registry.models import Site
from tests.browser.test_certificate_release import record_certificate
from tests.browser.test_deviation_flow import logout
from tests.browser.test_trace_page import login

pytestmark = [pytest.mark.browser]
BEIJING = ZoneInfo("Asia/Shanghai")


def sign_release(page, base, lot, kind: str, password: str) -> None:
    page.goto(f"{base}/lots/{lot.pk}/release/")
    page.select_option("#id_kind", kind)
    page.fill("#id_password", password)
    page.click("[data-testid=form-submit]")


def test_the_holders_qp_releases_and_the_holder_dispositions_the_excursion(demo_server, page, tmp_path):
    base, password = demo_server
    lot = Lot.objects.select_related("product__holder").get(lot_number="HY-DP-2609-01")
    holder = lot.product.holder
    taizhou = Site.objects.get(name_en="Heyuan Taizhou Drug Product Plant")
    consignee = Consignee.objects.order_by("id").first()

    # the contract manufacturer's QA: a passing certificate, then its release
    login(page, base, "taizhou-qa", password)
    record_certificate(page, base, lot, tmp_path, "COA-HY-2609-01-P", "99")
    sign_release(page, base, lot, "cmo_qa", password)
    page.wait_for_url(f"{base}/lots/{lot.pk}/")
    assert list(Release.objects.filter(lot=lot).values_list("kind", "released_by__username")) == [
        ("cmo_qa", "taizhou-qa")
    ]
    logout(page, base)

    # the holder's qualified person: a wrong password first — refused, nothing changed
    login(page, base, "hangzhou-qp", password)
    before = (Release.objects.count(), Signature.objects.count(), Lot.objects.get(pk=lot.pk).status)
    sign_release(page, base, lot, "qualified_person", "not my password")
    page.wait_for_selector("[data-testid=error-password]")
    assert page.url == f"{base}/lots/{lot.pk}/release/"
    assert (Release.objects.count(), Signature.objects.count(), Lot.objects.get(pk=lot.pk).status) == before
    assert before[2] == "quarantine"
    sign_release(page, base, lot, "qualified_person", password)
    page.wait_for_url(f"{base}/lots/{lot.pk}/")
    qp = Release.objects.get(lot=lot, kind="qualified_person")
    assert (qp.released_by.username, Lot.objects.get(pk=lot.pk).status) == ("hangzhou-qp", "released")
    assert Signature.objects.filter(signer__username="hangzhou-qp", meaning="released").count() >= 1
    logout(page, base)

    # the contract manufacturer ships it to a consignee and uploads the logger file: chart and an excursion
    now = clock.now().astimezone(BEIJING)
    shipped = now - dt.timedelta(hours=6)
    login(page, base, "taizhou-qa", password)
    page.goto(f"{base}/shipments/new/")
    page.fill("#id_reference", "SHP-HY-2612-BT")
    page.select_option("#id_from_site", str(taizhou.pk))
    page.select_option("#id_consignee", str(consignee.pk))
    page.fill("#id_shipped_at", shipped.strftime("%Y-%m-%dT%H:%M"))
    page.select_option("#id_lot_1", str(lot.pk))
    page.fill("#id_quantity_1", "1000")
    page.click("[data-testid=form-submit]")
    page.wait_for_url(f"{base}/shipments/*/")
    shipment = Shipment.objects.get(reference="SHP-HY-2612-BT")
    readings = [4.0, 4.5, 12.5, 13.0, 5.0, 4.5]
    lines = ["timestamp,celsius"] + [
        f"{(shipped + dt.timedelta(minutes=30 * k)).astimezone(dt.UTC):%Y-%m-%dT%H:%M:%SZ},{c}"
        for k, c in enumerate(readings)
    ]
    logger = tmp_path / "hy-logger.csv"
    logger.write_text("\n".join(lines) + "\n", encoding="utf-8")
    page.set_input_files("#id_file", str(logger))
    page.click("[data-testid=logger-submit]")
    page.wait_for_selector("[data-testid=logger-chart] svg")
    assert TemperatureLog.objects.get(shipment=shipment).reading_count == 6
    excursion = Excursion.objects.get(shipment=shipment)
    assert (excursion.status, Lot.objects.get(pk=lot.pk).status) == ("open", "on_hold")

    # the agreement sets nothing: the holder disposes; the contract manufacturer is not offered the form
    disposer = page.inner_text("[data-testid=disposer]")
    assert disposer == (
        f"批的处置方：持有人（{holder.name_zh}），此为默认规则：质量协议 QA-QT-HY-2023-001 对此未作约定。"
    )
    assert page.get_attribute("[data-testid=disposer]", "data-default") == "true"
    assert page.query_selector("[data-testid=assess-form]") is None
    assert page.inner_text("[data-testid=awaiting-disposer]") == f"等待持有人（{holder.name_zh}）处置。"
    logout(page, base)

    # the holder's QA dispositions it with an e-signature: accepted, the lot is released again
    login(page, base, "hangzhou-qa", password)
    page.goto(f"{base}/shipments/{shipment.pk}/")
    page.wait_for_selector("[data-testid=logger-chart] svg")
    prefix = f"#id_x{excursion.pk}"
    assert page.input_value(f"{prefix}-outcome") == ""  # nothing preselected
    page.select_option(f"{prefix}-outcome", "accepted")
    page.fill(f"{prefix}-justification", "稳定性数据覆盖 13 °C 下 1 小时。")
    page.fill(f"{prefix}-password", password)
    page.click("[data-testid=assess-submit]")
    page.wait_for_selector("[data-testid=assessment]")
    excursion.refresh_from_db()
    assert (excursion.status, excursion.assessment.assessed_by.username) == ("assessed", "hangzhou-qa")
    assert Lot.objects.get(pk=lot.pk).status == "released"
    assert Signature.objects.filter(signer__username="hangzhou-qa", meaning="approved").count() == 1
