"""Inspection plan pages and API: an inspector requests the year's plan through the form and it is solved in the
background; the plan page draws the Gantt (the reader's row highlighted) and the calendar per site; a colleague
outside the unannounced team sees only reserved capacity, while every view of the secret job by its team is logged;
approval is signed through its form (a wrong password changes nothing); an approved job fills the inspection form;
enterprises and other provinces get nothing."""

from __future__ import annotations

import re

import pytest

from bioseg.oversight.models import InspectionPlan, PlanSecretAccess
from tests.conftest import PASSWORD
from tests.oversight.test_plans import IMMEDIATE
from tests.quality.test_deviation_interfaces import client

pytestmark = pytest.mark.django_db
API = "/api/v1"


@pytest.fixture
def immediate(settings):
    settings.TASKS = IMMEDIATE


def request_plan(sup, capture, lang="en"):
    c = client(sup.js[0], lang)
    with capture(execute=True):
        r = c.post("/inspection-plans/", {"year": "2027", "time_limit": "10"})
    plan = InspectionPlan.objects.get()
    assert r.status_code == 302 and r["Location"] == f"/inspection-plans/{plan.pk}/"
    return plan, c


def test_the_plan_is_requested_through_the_form_and_drawn(sup, immediate, django_capture_on_commit_callbacks):
    plan, c = request_plan(sup, django_capture_on_commit_callbacks)
    assert plan.status == "solved"
    page = c.get(f"/inspection-plans/{plan.pk}/").content.decode()
    assert 'data-testid="gantt"' in page and 'data-testid="own-row"' in page
    bars = re.findall(
        r'<rect x="[\d.]+" y="\d+" width="[\d.]+" height="16" fill="[^"]+" rx="2" data-job="([^"]*)"', page
    )
    assert len(bars) == sum(len(a["inspectors"]) for a in plan.result["assignments"])
    assert 'data-testid="site-calendar"' in page
    jobs = re.findall(r'data-testid="job" data-job="([^"]*)" data-kind="([^"]*)"', page)
    assert ("UA-1", "unannounced") in jobs  # the plan's author sees the drawn site
    assert PlanSecretAccess.objects.filter(plan=plan, user=sup.js[0]).count() == 1


def test_a_colleague_outside_the_unannounced_team_sees_reserved_capacity(
    sup, immediate, django_capture_on_commit_callbacks
):
    plan, _ = request_plan(sup, django_capture_on_commit_callbacks)
    ua = next(a for a in plan.result["assignments"] if a["job"] == "UA-1")
    assert sup.js[2].username not in ua["inspectors"]
    page = client(sup.js[2]).get(f"/inspection-plans/{plan.pk}/").content.decode()
    jobs = re.findall(r'data-testid="job" data-job="([^"]*)" data-kind="([^"]*)"', page)
    assert ("", "reserved") in jobs and all(k != "unannounced" for _, k in jobs)
    assert "UA-1" not in page  # not even where another job's explanation names what its team is busy with
    assert client(sup.js[2]).get(f"/inspection-plans/{plan.pk}/?export=problem").status_code == 403
    assert PlanSecretAccess.objects.filter(user=sup.js[2]).count() == 0
    # the API masks it the same way
    body = client(sup.js[2]).get(f"{API}/inspection-plans/{plan.pk}").json()
    assert [(j["job"], j["type"], j["site_id"]) for j in body["jobs"] if j["type"] == "reserved"] == [
        ("", "reserved", None)
    ]
    assert body["seed"] is None


def test_approval_is_signed_through_its_form_and_the_job_fills_the_inspection_form(
    sup, immediate, django_capture_on_commit_callbacks
):
    w = sup.world
    plan, c = request_plan(sup, django_capture_on_commit_callbacks, "zh-hans")
    r = c.post(f"/inspection-plans/{plan.pk}/approve/", {"password": "wrong", "reason": ""})
    assert r.status_code == 400
    plan.refresh_from_db()
    assert (plan.status, plan.commitment) == ("solved", "")
    r = c.post(f"/inspection-plans/{plan.pk}/approve/", {"password": PASSWORD, "reason": "同意"})
    assert r.status_code == 302
    plan.refresh_from_db()
    assert plan.status == "approved" and len(plan.commitment) == 64
    job = f"AC-{w.pd1.pk}-{w.sh_site.pk}"
    a = next(x for x in plan.result["assignments"] if x["job"] == job)
    form = c.get(f"/inspections/new/?plan={plan.pk}&job={job}").content.decode()
    assert re.search(r'name="plan_job" value="320000-2027:' + re.escape(job) + '"', form)
    assert re.search(rf'<input type="date" name="planned_from" value="{a["start"]}"', form)
    assert re.search(r'value="310000" selected', form)
    assert c.get(f"/inspections/new/?plan={plan.pk}&job=NOPE").status_code == 404


def test_enterprises_and_other_provinces_get_nothing_and_the_api_accepts_a_request(
    sup, immediate, django_capture_on_commit_callbacks
):
    w = sup.world
    plan, _ = request_plan(sup, django_capture_on_commit_callbacks)
    assert client(w.cmo_qa).get("/inspection-plans/").status_code == 403
    assert client(w.cmo_qa).get(f"{API}/inspection-plans").status_code == 403
    assert client(sup.sh[0]).get(f"/inspection-plans/{plan.pk}/").status_code == 404
    assert client(sup.sh[0]).get(f"{API}/inspection-plans/{plan.pk}").status_code == 404
    api = client(sup.js[0])
    bad = api.post(f"{API}/inspection-plans", {"year": 2031, "time_limit": 10}, content_type="application/json")
    assert bad.status_code == 400 and set(bad.json()["details"]["fields"]) == {"year"}
    assert InspectionPlan.objects.count() == 1
    with django_capture_on_commit_callbacks(execute=True):
        made = api.post(f"{API}/inspection-plans", {"year": 2027, "time_limit": 10}, content_type="application/json")
    assert made.status_code == 202 and made.json()["version"] == 2
    assert InspectionPlan.objects.get(version=2).status == "solved"
    ok = api.post(f"{API}/inspection-plans/{plan.pk}/approve", {"password": PASSWORD}, content_type="application/json")
    assert ok.status_code == 200 and ok.json()["status"] == "approved"
