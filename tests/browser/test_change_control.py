"""In the real browser: the demo's moderate change at Xinghu Suzhou's drug-substance plant walks to implementation —
the holder's QA approves it (e-signed) and records the filing, implementation is refused naming the CMO's missing
impact assessment and nothing changes; Shanghai Qilan's QA records the assessment (e-signed); then it is implemented."""

from __future__ import annotations

import pytest

from bioseg.quality.models import ChangeAssessment, ChangeEvent, ChangeRequest
from tests.browser.test_trace_page import login

pytestmark = [pytest.mark.browser]


def open_change(page, base: str, change) -> None:
    page.click("[data-testid=nav-changes]")
    page.wait_for_url(f"{base}/changes/")
    page.click(f"text={change.reference}")
    page.wait_for_url(f"{base}/changes/{change.pk}/")


def test_a_change_is_implemented_only_after_the_cmos_impact_assessment(demo_server, page, browser):
    base, password = demo_server
    change = ChangeRequest.objects.get(title__contains="蛋白A")
    login(page, base, "suzhou-qa", password)
    open_change(page, base, change)
    assert page.locator("[data-testid=route]").text_content().strip().endswith("备案类")
    assert (
        page.locator("[data-testid=affected-row][data-segment=DP] [data-testid=assessment-state]").inner_text()
        == "待评估"
    )

    page.fill("#id_approve-password", password)
    page.click("[data-testid=submit-approve]")
    page.wait_for_url(f"{base}/changes/{change.pk}/")
    assert page.locator("[data-testid=status]").inner_text() == "持有人已批准"

    page.fill("#id_record_regulatory-reference", "苏药备 2026-1203")
    page.click("[data-testid=submit-record_regulatory]")
    page.wait_for_url(f"{base}/changes/{change.pk}/")
    assert "苏药备 2026-1203" in page.locator("[data-testid=regulatory]").inner_text()

    events = ChangeEvent.objects.filter(change=change).count()
    page.fill("#id_implement-password", password)
    page.click("[data-testid=submit-implement]")
    refusal = page.locator("[data-testid=action-implement] [data-testid=form-errors]")
    refusal.wait_for()
    assert "该变更尚不能实施" in refusal.inner_text()
    assert "上海启澜生物制药有限公司的影响评估尚未记录。" in refusal.inner_text()
    change.refresh_from_db()
    assert change.status == "approved" and change.implemented_on is None
    assert ChangeEvent.objects.filter(change=change).count() == events

    cmo_context = browser.new_context(locale="zh-CN")
    cmo = cmo_context.new_page()
    cmo.set_default_timeout(15000)
    login(cmo, base, "shcdmo-qa", password)
    open_change(cmo, base, change)
    cmo.select_option("#id_record_assessment-conclusion", "acceptable")
    cmo.fill("#id_record_assessment-assessment", "新介质的浸出物在制剂放行标准覆盖范围内；对灌装工艺无影响。")
    cmo.fill("#id_record_assessment-actions", "变更后前三批制剂增加浸出物检测。")
    cmo.fill("#id_record_assessment-password", password)
    cmo.click("[data-testid=submit-record_assessment]")
    cmo.wait_for_url(f"{base}/changes/{change.pk}/")
    assert cmo.locator("[data-testid=affected-row][data-segment=DP] [data-testid=assessment-state]").inner_text() == (
        "影响可接受（已说明措施）"
    )
    assert ChangeAssessment.objects.filter(change=change).count() == 1
    cmo_context.close()

    page.goto(f"{base}/changes/{change.pk}/")
    assert page.locator("[data-testid=missing]").count() == 0
    page.fill("#id_implement-password", password)
    page.click("[data-testid=submit-implement]")
    page.wait_for_url(f"{base}/changes/{change.pk}/")
    assert page.locator("[data-testid=status]").inner_text() == "已实施"
    change.refresh_from_db()
    assert change.status == "implemented" and change.implemented_on is not None
    assert page.locator("[data-testid=signature]").count() == 3
