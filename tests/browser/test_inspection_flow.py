"""In the real browser, across two provinces and two enterprises: Jiangsu's inspector plans a joint inspection with
Shanghai, notifies it, records a finding at the Shanghai contract manufacturer and signs the report; the CMO's QA
then finds the CAPA in its list. Shanghai's inspector sees the demo's joint inspection of the PD-1 chain. The holder
never sees the secret unannounced inspection before its day — not in the list, not by its address, not in the API."""

from __future__ import annotations

import datetime as dt

import pytest

from bioseg.common import clock
from bioseg.oversight.models import Inspection
from bioseg.quality.models import Capa
from bioseg.registry.models import Site
from tests.browser.test_deviation_flow import logout
from tests.browser.test_trace_page import login

pytestmark = [pytest.mark.browser]


def test_a_finding_recorded_by_jiangsu_becomes_a_capa_the_shanghai_cmo_sees(demo_server, page):
    from bioseg.accounts.models import User

    base, password = demo_server
    suzhou = Site.objects.get(name_en="Xinghu Suzhou Drug Substance Plant")
    qilan = Site.objects.get(name_en="Qilan Zhangjiang Drug Product Plant")
    team = [User.objects.get(username=u) for u in ("js-inspector", "js-inspector-2", "sh-inspector", "sh-inspector-2")]
    today = clock.today()
    capas_before = Capa.objects.count()

    login(page, base, "js-inspector", password)
    page.click("[data-testid=nav-inspections]")
    page.wait_for_url(f"{base}/inspections/")
    page.click("[data-testid=inspection-new]")
    page.select_option("#id_kind", "for_cause")
    page.select_option("#id_product", label="星利单抗注射液")
    for site in (suzhou, qilan):
        page.check(f"input[name=sites][value='{site.pk}']")
    page.select_option("#id_partner_region_code", "310000")
    page.check(f"input[name=team][value='{team[0].pk}']")
    page.check(f"input[name=team][value='{team[2].pk}']")
    page.select_option("#id_leader", str(team[0].pk))
    page.fill("#id_planned_from", today.isoformat())
    page.fill("#id_planned_to", today.isoformat())
    page.click("[data-testid=form-submit]")
    # one inspector from each province is not enough for a joint inspection: the form says so, nothing is written
    assert "联合检查每个省份至少派出两名检查员" in page.inner_text("[data-testid=inspection-form]")
    assert Inspection.objects.filter(kind="for_cause", partner_region_code="310000").count() == 0
    page.check(f"input[name=team][value='{team[1].pk}']")
    page.check(f"input[name=team][value='{team[3].pk}']")
    page.click("[data-testid=form-submit]")
    inspection = Inspection.objects.get(kind="for_cause", partner_region_code="310000")
    page.wait_for_url(f"{base}/inspections/{inspection.pk}/")
    assert page.inner_text("[data-testid=status]") == "已计划"
    assert len(page.query_selector_all("[data-testid=member]")) == 4

    page.click("[data-testid=submit-notify]")
    page.wait_for_selector("[data-testid=action-start]")
    page.fill("#id_start-started_on", today.isoformat())
    page.click("[data-testid=submit-start]")
    page.wait_for_selector("[data-testid=action-record_finding]")
    page.select_option("#id_record_finding-site", str(qilan.pk))
    page.select_option("#id_record_finding-grade", "major")
    page.fill("#id_record_finding-gmp_clause", "药品GMP附录1 无菌药品 第四十七条")
    page.fill("#id_record_finding-description", "灌装间压差报警记录缺失三天。")
    page.fill("#id_record_finding-rectification_due", (today + dt.timedelta(days=30)).isoformat())
    page.click("[data-testid=submit-record_finding]")
    page.wait_for_selector("[data-testid=finding]")
    assert "灌装间压差报警记录缺失三天。" in page.inner_text("[data-testid=findings]")
    page.fill("#id_finish_site_work-ended_on", today.isoformat())
    page.click("[data-testid=submit-finish_site_work]")
    page.wait_for_selector("[data-testid=action-sign_report]")
    page.select_option("#id_sign_report-conclusion", "basically_compliant")
    page.fill("#id_sign_report-summary", "发现主要缺陷一项，结论为基本符合要求。")
    page.fill("#id_sign_report-password", password)
    page.click("[data-testid=submit-sign_report]")
    page.wait_for_selector("[data-testid=finding-capa]")
    capa = Capa.objects.get(source_reference=f"{inspection.reference}-1")
    assert (capa.owner_id, Capa.objects.count()) == (qilan.enterprise_id, capas_before + 1)
    assert page.inner_text("[data-testid=finding-capa]") == capa.reference
    assert page.inner_text("[data-testid=conclusion]") == "基本符合要求"
    logout(page, base)

    login(page, base, "shcdmo-qa", password)
    page.click("[data-testid=nav-capa]")
    page.wait_for_url(f"{base}/capas/")
    assert capa.reference in page.inner_text("[data-testid=capa-list]")
    page.goto(f"{base}/inspections/{inspection.pk}/")
    assert "灌装间压差报警记录缺失三天。" in page.inner_text("[data-testid=findings]")
    assert page.query_selector("[data-testid=action-close]") is None


def test_shanghai_sees_the_joint_inspection_and_the_holder_never_sees_the_secret_one(demo_server, page):
    base, password = demo_server
    joint = Inspection.objects.get(kind="annual_comprehensive", partner_region_code="310000")
    secret = Inspection.objects.get(kind="unannounced")

    login(page, base, "sh-inspector", password)
    page.click("[data-testid=nav-inspections]")
    page.wait_for_url(f"{base}/inspections/")
    rows = page.inner_text("[data-testid=inspection-list]")
    assert joint.reference in rows and secret.reference not in rows
    page.click(f"text={joint.reference}")
    page.wait_for_url(f"{base}/inspections/{joint.pk}/")
    assert page.inner_text("[data-testid=partner]") == "上海市"
    assert len(page.query_selector_all("[data-testid=finding]")) == 2
    logout(page, base)

    login(page, base, "suzhou-qa", password)
    page.goto(f"{base}/inspections/")
    rows = page.inner_text("[data-testid=inspection-list]")
    assert joint.reference in rows and secret.reference not in rows
    response = page.goto(f"{base}/inspections/{secret.pk}/")
    assert response.status == 404
    api = page.request.get(f"{base}/api/v1/inspections/{secret.pk}")
    assert api.status == 404
    listed = page.request.get(f"{base}/api/v1/inspections?limit=100").json()
    assert secret.pk not in [i["id"] for i in listed["items"]]
    logout(page, base)

    # the team sees it, marked secret, and that view is recorded
    login(page, base, "js-inspector-3", password)
    page.goto(f"{base}/inspections/{secret.pk}/")
    assert page.query_selector("[data-testid=secret]") is not None
    assert secret.secret_accesses.filter(user__username="js-inspector-3").count() == 1
