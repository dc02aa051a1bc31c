"""In the real browser: a Jiangsu inspector and the Shanghai CDMO's QA each see only their own, out-of-scope
pages answer 404, and the language switch changes the whole page between English and 简体中文."""

from __future__ import annotations

import pytest

from bioseg.registry.models import Product, Site

pytestmark = [pytest.mark.browser]


def login(page, base: str, username: str, password: str) -> None:
    page.goto(f"{base}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("[data-testid=login-submit]")
    page.wait_for_url(f"{base}/")


def rows(page, list_id: str) -> list[str]:
    return page.locator(f"[data-testid={list_id}] [data-testid=row]").all_inner_texts()


def switch(page, lang: str) -> None:
    page.click(f"[data-testid=lang-{lang}]")
    page.wait_for_load_state("load")


def test_jiangsu_inspector_sees_only_jiangsu_and_switches_language(demo_server, page):
    base, password = demo_server
    jiangsu_sites = list(Site.objects.filter(region_code="320000").order_by("name_en"))
    guangdong_site = Site.objects.get(region_code="440000")
    assert len(jiangsu_sites) == 3

    login(page, base, "js-inspector", password)
    switch(page, "en")
    assert page.locator("html").get_attribute("lang") == "en"
    assert "Jiangsu" in page.locator("[data-testid=current-org]").inner_text()

    page.goto(f"{base}/sites/")
    shown = rows(page, "site-list")
    assert len(shown) == 3
    for site in jiangsu_sites:
        assert sum(site.name_en in r for r in shown) == 1
    assert not any(guangdong_site.name_en in r for r in shown)

    response = page.goto(f"{base}/sites/{guangdong_site.pk}/")
    assert response.status == 404
    assert guangdong_site.name_en not in page.content()

    page.goto(f"{base}/sites/")
    switch(page, "zh")
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    shown_zh = rows(page, "site-list")
    assert len(shown_zh) == 3
    for site in jiangsu_sites:
        assert sum(site.name_zh in r for r in shown_zh) == 1
    assert not any(site.name_en in r for r in shown_zh for site in jiangsu_sites)


def test_shanghai_cdmo_qa_sees_only_the_product_it_makes(demo_server, browser):
    base, password = demo_server
    pd1 = Product.objects.get(name_en__startswith="Xinglimab")
    glp1 = Product.objects.get(category="glp1")
    context = browser.new_context(locale="en-US")
    page = context.new_page()
    try:
        login(page, base, "shcdmo-qa", password)
        switch(page, "en")
        assert "Qilan" in page.locator("[data-testid=current-org]").inner_text()
        page.goto(f"{base}/products/")
        shown = rows(page, "product-list")
        assert len(shown) == 1 and pd1.name_en in shown[0]
        assert page.goto(f"{base}/products/{glp1.pk}/").status == 404
        assert page.goto(f"{base}/products/{pd1.pk}/").status == 200
        page.goto(f"{base}/sites/")
        assert all(("Qilan" in r) or ("Xinghu" in r) for r in rows(page, "site-list"))
    finally:
        context.close()
