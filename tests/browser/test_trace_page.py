"""In the real browser: the holder's QA opens a lot's trace page and reads the genealogy picture — the
lots as nodes, one lane per site grouped by province (names in the active language), the consignees."""

from __future__ import annotations

import pytest

from bioseg.production.models import Lot

pytestmark = [pytest.mark.browser]


def login(page, base: str, username: str, password: str) -> None:
    page.goto(f"{base}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("[data-testid=login-submit]")
    page.wait_for_url(f"{base}/")


def test_qa_reads_the_genealogy_of_a_lot(demo_server, page):
    base, password = demo_server
    wcb = Lot.objects.get(lot_number="XH-WCB-2601")
    login(page, base, "suzhou-qa", password)

    page.click("[data-testid=nav-lots]")
    page.wait_for_url(f"{base}/lots/")
    page.click(f"text={wcb.lot_number}")
    page.wait_for_url(f"{base}/lots/{wcb.pk}/")
    page.click("[data-testid=trace-forward]")
    page.wait_for_url(f"{base}/lots/{wcb.pk}/trace/?direction=forward")

    svg = page.locator("svg[data-testid=genealogy]")
    assert svg.is_visible()
    nodes = svg.locator("[data-testid=lot-node]")
    assert [nodes.nth(i).get_attribute("data-lot") for i in range(nodes.count())] == [
        "XH-WCB-2601",
        "XH-DS-2608-01",
        "XH-DS-2608-02",
        "QL-DP-2609-01",
        "QL-DP-2609-02",
    ]
    assert svg.locator("[data-lot='QL-DP-2609-01']").get_attribute("data-status") == "released"
    assert svg.locator("[data-lot='QL-DP-2609-02']").get_attribute("data-status") == "quarantine"
    provinces = svg.locator("[data-testid=province-lane]")
    assert [provinces.nth(i).text_content() for i in range(provinces.count())] == ["江苏省", "上海市"]
    assert [provinces.nth(i).get_attribute("data-region") for i in range(provinces.count())] == ["320000", "310000"]
    lanes = svg.locator("[data-testid=site-lane]")
    assert lanes.all_text_contents() == ["星湖苏州原液生产基地", "启澜张江制剂工厂"]
    assert svg.locator("[data-testid=consignee-lane]").text_content() == "收货方"
    assert svg.locator("[data-testid=consignee-node]").count() == 2
    assert svg.locator("path.edge").count() == 5
    box = svg.bounding_box()
    assert box is not None and box["width"] > 600 and box["height"] > 150
    assert page.locator("[data-testid=trace-lots] [data-testid=row]").count() == 5

    # a node of the picture links to its lot
    svg.locator("a:has([data-lot='QL-DP-2609-01'])").click()
    dp1 = Lot.objects.get(lot_number="QL-DP-2609-01")
    page.wait_for_url(f"{base}/lots/{dp1.pk}/")
    assert page.locator("[data-testid=lot-status]").inner_text() == "放行"

    # in English, the lanes are named in English
    page.goto(f"{base}/lots/{wcb.pk}/trace/?direction=forward")
    page.click("[data-testid=lang-en]")
    page.wait_for_load_state("load")
    provinces = page.locator("svg[data-testid=genealogy] [data-testid=province-lane]")
    assert [provinces.nth(i).text_content() for i in range(provinces.count())] == ["Jiangsu", "Shanghai"]
