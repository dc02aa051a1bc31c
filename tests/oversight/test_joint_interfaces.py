"""Joint supervision plan pages: Jiangsu drafts a version through the form (field errors, nothing written on a
refusal), Shanghai signs with its free capacity, Jiangsu signs and it is in force; enterprises are refused."""

from __future__ import annotations

import re

import pytest

from bioseg.oversight.models import JointSupervisionPlan
from tests.conftest import PASSWORD
from tests.quality.test_deviation_interfaces import client

pytestmark = pytest.mark.django_db


def body(sup, **kw):
    b = {
        "product": str(sup.world.pd1.pk),
        "partner_region_code": "310000",
        "lead_obligations": "牵头年度全面检查。",
        "partner_obligations": "派员参加联合检查。",
        "liaison_letter": "苏药监函〔2026〕12号",
        "exchange_working_days": "5",
        "escalation": "报国家药监局协调。",
        "effective_from": "",
    }
    b.update(kw)
    return b


def test_a_joint_plan_is_drafted_and_signed_by_both_provinces_through_the_pages(sup):
    js = client(sup.js[0], "zh-hans")
    r = js.post("/joint-plans/new/", body(sup, exchange_working_days="45"))
    assert r.status_code == 400 and JointSupervisionPlan.objects.count() == 0
    assert re.search(r'data-testid="error-exchange_working_days">须在 1 至 30 个工作日之间。<', r.content.decode())
    r = js.post("/joint-plans/new/", body(sup, escalation=""))
    assert r.status_code == 400 and 'data-testid="error-escalation"' in r.content.decode()
    assert JointSupervisionPlan.objects.count() == 0
    r = js.post("/joint-plans/new/", body(sup))
    plan = JointSupervisionPlan.objects.get()
    assert r.status_code == 302 and r["Location"] == f"/joint-plans/{plan.pk}/"
    sh = client(sup.sh[0], "zh-hans")
    page = sh.get(f"/joint-plans/{plan.pk}/").content.decode()
    assert 'name="free_inspectors"' in page
    r = sh.post(f"/joint-plans/{plan.pk}/", {"password": PASSWORD, "free_inspectors": "", "reason": ""})
    assert r.status_code == 400
    plan.refresh_from_db()
    assert plan.status == "draft"
    r = sh.post(f"/joint-plans/{plan.pk}/", {"password": PASSWORD, "free_inspectors": "2", "reason": "同意"})
    assert r.status_code == 302
    r = js.post(f"/joint-plans/{plan.pk}/", {"password": PASSWORD, "reason": ""})
    plan.refresh_from_db()
    assert (plan.status, plan.partner_free_inspectors) == ("in_force", 2)
    page = js.get(f"/joint-plans/{plan.pk}/").content.decode()
    assert re.search(r'data-testid="status">已生效<', page) and 'data-testid="late-exchanges"' in page
    assert 'data-testid="sign-form"' not in page


def test_enterprises_and_a_third_province_get_no_joint_plan(sup):
    w = sup.world
    js = client(sup.js[0])
    js.post("/joint-plans/new/", body(sup))
    plan = JointSupervisionPlan.objects.get()
    assert client(w.cmo_qa).get("/joint-plans/").status_code == 403
    assert client(w.gd_inspector).get(f"/joint-plans/{plan.pk}/").status_code == 404
    assert client(w.gd_inspector).post(f"/joint-plans/{plan.pk}/", {"password": PASSWORD}).status_code == 404
    assert client(sup.sh[0]).get("/joint-plans/new/").status_code == 200  # may draft for its own holders
    r = client(sup.sh[0]).post("/joint-plans/new/", body(sup))
    assert r.status_code == 400 and JointSupervisionPlan.objects.count() == 1
