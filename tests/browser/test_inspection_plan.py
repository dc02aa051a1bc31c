"""In the real browser: Jiangsu's inspector requests the 2027 plan (a re-plan of the demo's approved one), sees it
drawn as a Gantt with their own row marked and a calendar per site, approves it with an e-signature (a wrong
password first: refused, nothing changes) and sees the commitment; the version before is superseded. An enterprise
user is refused the plans."""

from __future__ import annotations

import re

import pytest

from bioseg.oversight.models import InspectionPlan
from tests.browser.test_deviation_flow import logout
from tests.browser.test_trace_page import login

pytestmark = [pytest.mark.browser]


def test_an_inspector_requests_draws_and_approves_the_years_plan(demo_server, page, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    base, password = demo_server
    first = InspectionPlan.objects.get(region_code="320000", status="approved")

    login(page, base, "js-inspector", password)
    page.click("[data-testid=nav-plans]")
    page.wait_for_url(f"{base}/inspection-plans/")
    page.select_option("#id_year", "2027")
    page.fill("#id_time_limit", "10")
    page.click("[data-testid=plan-submit]")
    plan = InspectionPlan.objects.get(region_code="320000", version=2)
    page.wait_for_url(f"{base}/inspection-plans/{plan.pk}/", timeout=60000)
    assert page.inner_text("[data-testid=status]") == "已求解，待批准"
    bars = page.query_selector_all("[data-testid=gantt] rect[data-kind]")
    plan.refresh_from_db()
    assert len(bars) == sum(len(a["inspectors"]) for a in plan.result["assignments"])
    assert page.query_selector("[data-testid=gantt] [data-testid=own-row]") is not None
    assert page.query_selector("[data-testid=site-calendar]") is not None

    page.click("[data-testid=plan-approve]")
    page.fill("#id_password", "not-my-password")
    page.click("[data-testid=approve-submit]")
    assert page.query_selector("[data-testid=error-password]") is not None
    plan.refresh_from_db()
    assert (plan.status, plan.commitment) == ("solved", "")
    page.fill("#id_password", password)
    page.click("[data-testid=approve-submit]")
    page.wait_for_url(f"{base}/inspection-plans/{plan.pk}/")
    assert page.inner_text("[data-testid=status]") == "已批准"
    assert re.fullmatch(r"[0-9a-f]{64}", page.inner_text("[data-testid=commitment]"))
    first.refresh_from_db()
    assert first.status == "superseded"

    logout(page, base)
    login(page, base, "suzhou-qa", password)
    response = page.goto(f"{base}/inspection-plans/")
    assert response.status == 403
    assert page.query_selector("[data-testid=nav-plans]") is None
