"""In the real browser, on the demo: the holder (suzhou-ra) carries the approved PD-1 pilot product (PA-2025-0001)
onto the standing route — drafts, answers the facts form generated from the case schema, assesses and submits with
its e-signature; NMPA (nmpa) records its determination on an open question; the Jiangsu reviewer (js-reviewer)
sees the consent requested from Shanghai and the review it may record."""

from __future__ import annotations

import pytest

from bioseg.pilots.models import OpenQuestion, SegmentedArrangement
from bioseg.registry.models import Product

pytestmark = [pytest.mark.browser]


def login(page, base: str, username: str, password: str) -> None:
    page.goto(f"{base}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("[data-testid=login-submit]")
    page.wait_for_url(f"{base}/")


def logout(page, base: str) -> None:
    page.context.clear_cookies()
    page.goto(f"{base}/login/")


def yes(page, path: str, value: str = "true") -> None:
    page.check(f'[data-testid=form-declare_facts] input[name="f:{path}"][value="{value}"]')


def test_pd1_pilot_product_onto_the_standing_route(demo_server, page):
    base, password = demo_server
    pd1 = Product.objects.get(name_en="Xinglimab Injection (anti-PD-1)")

    # --- the holder drafts from the pilot approval -------------------------------------------------------------
    login(page, base, "suzhou-ra", password)
    page.click("[data-testid=nav-standing]")
    page.click("[data-testid=arrangement-create]")
    assert "PA-2025-0001" in page.locator("[data-testid=draftable]").inner_text()
    page.select_option("#id_product", str(pd1.pk))
    page.click("[data-testid=arrangement-draft-form-submit]")
    page.wait_for_selector("[data-testid=carry-over]")
    arrangement = SegmentedArrangement.objects.get(product=pd1)
    assert page.url == f"{base}/arrangements/{arrangement.pk}/"
    assert page.locator("[data-testid=status]").get_attribute("data-status") == "draft"
    carried = page.locator("[data-testid=carry-over] [data-testid=row]").all_inner_texts()
    assert carried[0].split("\t")[:2] == ["国家药监局试点批复", "PA-2025-0001，2025-09-12批准"]
    assert "一品一策" in carried[1]
    keys = page.locator("[data-testid=open-questions] [data-testid=row]").evaluate_all(
        "rows => rows.map(r => r.dataset.key)"
    )
    assert keys == ["Q11", "Q11.conditions", "Q12", "Q12.approval"]
    assert page.locator("[data-testid=consent-provinces]").inner_text() == "上海市"

    # Assess: reg2026 still needs facts; the form asks them, generated from the case schema.
    page.click("[data-testid=form-assess-submit]")
    page.wait_for_selector("[data-testid=latest-determination]")
    assert page.locator("[data-testid=outcome]").get_attribute("data-outcome") == "incomplete"
    yes(page, "contract_manufacturers[0].redelegates", "false")
    yes(page, "product.special_process_or_facility_need")
    yes(page, "holder.segmentation_need")
    for i in range(3):
        yes(page, f"segments[{i}].electronic_records")
    page.fill("[data-testid=form-declare_facts] #id_reason", "依据质量体系文件和信息化系统验证报告补充")
    page.click("[data-testid=form-declare_facts-submit]")
    page.wait_for_selector("[data-testid=form-assess-submit]")
    page.click("[data-testid=form-assess-submit]")
    page.wait_for_selector("[data-testid=form-submit]")
    assert page.locator("[data-testid=outcome]").get_attribute("data-outcome") == "eligible"
    page.fill("[data-testid=form-submit] #id_password", password)
    page.click("[data-testid=form-submit-submit]")
    page.wait_for_selector("[data-testid=consents]")
    assert page.locator("[data-testid=status]").get_attribute("data-status") == "submitted"
    arrangement.refresh_from_db()
    assert (arrangement.status, arrangement.consent_province_list) == ("submitted", ["310000"])
    logout(page, base)

    # --- NMPA records its determination on an open question ----------------------------------------------------
    login(page, base, "nmpa", password)
    page.goto(f"{base}/arrangements/")
    page.click(f"[data-testid=arrangement-list] [data-id='{arrangement.pk}'] a")
    page.wait_for_selector("[data-testid=open-questions]")
    box = page.locator("[data-testid=determine-Q11]")
    box.locator("summary").click()
    box.locator("input[name=outcome][value=pass]").check()
    box.locator("#id_determination").fill("试点批复在登记变更前依第三十二条继续有效。")
    box.locator("#id_reasoning").fill("该产品已按试点要求完成一品一策条件，常设途径不中断供应。")
    box.locator("#id_password").fill(password)
    box.locator("[data-testid=form-determine-submit]").click()
    page.wait_for_selector("[data-key='Q11'] [data-testid=question-determination]")
    row = page.locator("[data-testid=open-questions] [data-key='Q11']")
    assert row.locator("[data-testid=question-status]").get_attribute("data-status") == "determined"
    assert "试点批复在登记变更前依第三十二条继续有效。" in row.inner_text()
    q11 = OpenQuestion.objects.get(arrangement=arrangement, key="Q11")
    assert (q11.status, q11.determined_by.username) == ("determined", "nmpa")
    others = page.locator("[data-testid=open-questions] [data-testid=question-status][data-status=open]").count()
    assert others == 3
    logout(page, base)

    # --- the Jiangsu reviewer sees the consent request and its review -----------------------------------------
    login(page, base, "js-reviewer", password)
    page.click("[data-testid=nav-standing]")
    assert arrangement.reference in page.locator("[data-testid=arrangement-list]").inner_text()
    page.click(f"[data-testid=arrangement-list] [data-id='{arrangement.pk}'] a")
    page.wait_for_selector("[data-testid=consents]")
    consent = page.locator("[data-testid=consents] [data-province='310000']")
    assert consent.locator("[data-testid=consent-status]").get_attribute("data-status") == "pending"
    assert "上海市" in consent.inner_text() and "已请求同意" in consent.inner_text()
    assert page.locator("[data-testid=form-pass_review]").count() == 1
    assert page.locator("[data-testid=form-refuse]").count() == 1
    assert page.locator("[data-testid=form-consent]").count() == 0
    # Passing before Shanghai consents is refused on the form.
    page.fill("[data-testid=form-pass_review] #id_password", password)
    page.click("[data-testid=form-pass_review-submit]")
    page.wait_for_selector("[data-testid=form-pass_review] [data-testid=form-errors]")
    assert (
        "上海市作为受托方所在地省局出具同意意见前，审查不能通过"
        in page.locator("[data-testid=form-pass_review] [data-testid=form-errors]").inner_text()
    )
    arrangement.refresh_from_db()
    assert arrangement.status == "submitted"
