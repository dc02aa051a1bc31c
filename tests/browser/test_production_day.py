"""In the real browser, a working day across the PD-1 chain: the holder's QA records a shipment of drug substance
to the Shanghai contract manufacturer through the form; the CMO's QA records the receipt in Shanghai time, uploads
the logger file and sees its readings drawn against 2–8 °C, then records the drug-product transformation that
consumes the received lot; a quantity above what is left is refused first, naming it, and nothing is written."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from bioseg.common import clock
from bioseg.production.models import Lot, Shipment, TemperatureLog, Transformation
from bioseg.registry.models import Site
from tests.browser.test_deviation_flow import logout
from tests.browser.test_trace_page import login

pytestmark = [pytest.mark.browser]
BEIJING = ZoneInfo("Asia/Shanghai")


def test_a_shipment_received_logged_and_transformed_through_the_forms(demo_server, page, tmp_path):
    base, password = demo_server
    suzhou = Site.objects.get(name_en="Xinghu Suzhou Drug Substance Plant")
    qilan = Site.objects.get(name_en="Qilan Zhangjiang Drug Product Plant")
    ds = Lot.objects.get(lot_number="XH-DS-2608-02")
    now = clock.now().astimezone(BEIJING)
    shipped, received = now - dt.timedelta(hours=6), now - dt.timedelta(hours=2)

    login(page, base, "suzhou-qa", password)
    page.goto(f"{base}/shipments/")
    page.click("[data-testid=shipment-new]")
    page.fill("#id_reference", "SHP-XH-2612-BT")
    page.select_option("#id_from_site", str(suzhou.pk))
    page.select_option("#id_to_site", str(qilan.pk))
    page.fill("#id_shipped_at", shipped.strftime("%Y-%m-%dT%H:%M"))
    page.select_option("#id_lot_1", str(ds.pk))
    page.fill("#id_quantity_1", "20")
    page.click("[data-testid=form-submit]")
    shipment = Shipment.objects.get(reference="SHP-XH-2612-BT")
    page.wait_for_url(f"{base}/shipments/{shipment.pk}/")
    assert shipment.shipped_at == shipped.replace(second=0, microsecond=0).astimezone(dt.UTC)
    logout(page, base)

    login(page, base, "shcdmo-qa", password)
    page.goto(f"{base}/shipments/{shipment.pk}/")
    page.fill("#id_received_at", received.strftime("%Y-%m-%dT%H:%M"))
    page.click("[data-testid=receive-submit]")
    page.wait_for_selector("[data-testid=received-local]")
    assert page.inner_text("[data-testid=received-local]") == received.strftime("%Y-%m-%d %H:%M UTC+08:00")
    lines = ["timestamp,celsius"] + [
        f"{(shipped + dt.timedelta(minutes=30 * k)).astimezone(dt.UTC):%Y-%m-%dT%H:%M:%SZ},{4.0 + (k % 3) * 0.5}"
        for k in range(8)
    ]
    logger = tmp_path / "logger.csv"
    logger.write_text("\n".join(lines) + "\n", encoding="utf-8")
    page.set_input_files("#id_file", str(logger))
    page.click("[data-testid=logger-submit]")
    page.wait_for_selector("[data-testid=logger-chart] svg")
    assert TemperatureLog.objects.get(shipment=shipment).reading_count == 8
    assert page.query_selector("[data-testid=no-excursion]") is not None

    page.goto(f"{base}/lots/")
    page.click("[data-testid=transformation-new]")
    page.select_option("#id_segment", str(qilan.segments.get(code="DP").pk))
    page.select_option("#id_kind", "manufacture")
    page.fill("#id_performed_on", now.date().isoformat())
    page.select_option("#id_input_1", str(ds.pk))
    page.fill("#id_input_quantity_1", "25")
    page.fill("#id_output_lot_number_1", "QL-DP-2612-BT")
    page.fill("#id_output_quantity_1", "8000")
    page.select_option("#id_output_unit_1", "vial")
    page.fill("#id_output_expires_on_1", "2028-12-01")
    before = (Transformation.objects.count(), Lot.objects.count())
    page.click("[data-testid=form-submit]")
    assert "剩余 20 L，请求投入 25 L" in page.inner_text("[data-testid=form-errors]")
    assert (Transformation.objects.count(), Lot.objects.count()) == before
    page.fill("#id_input_quantity_1", "20")
    page.click("[data-testid=form-submit]")
    made = Lot.objects.get(lot_number="QL-DP-2612-BT")
    page.wait_for_url(f"{base}/lots/{made.pk}/")
    assert (made.site_id, made.status, made.quantity) == (qilan.pk, "quarantine", 8000)
