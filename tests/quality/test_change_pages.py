"""The change-control pages: list, raise form (field errors in both languages), detail with the affected parties and
what is missing, actions refused with the reason and nothing written, history; 404 outside the scope."""

from __future__ import annotations

import datetime as dt

import pytest

from bioseg.quality.models import ChangeAssessment, ChangeEvent, ChangeRequest
from tests.conftest import PASSWORD
from tests.quality.test_changes import counts, raise_change, snapshot

pytestmark = pytest.mark.django_db


@pytest.fixture
def as_user(client):
    def _as(user, lang="zh-hans"):
        client.force_login(user)
        client.post("/i18n/setlang/", {"language": lang, "next": "/"})
        return client

    return _as


def test_the_list_and_the_detail_show_the_affected_parties_and_what_is_missing(world, as_user):
    change = raise_change(world)
    c = as_user(world.cmo_qa, "en")
    html = c.get("/changes/").content.decode()
    assert change.reference in html and 'data-testid="nav-changes"' in html
    assert c.get("/changes/?route=filing&status=open_any").content.decode().count('data-testid="row"') == 1
    assert c.get("/changes/?route=prior_approval").content.decode().count('data-testid="row"') == 0
    html = c.get(f"/changes/{change.pk}/").content.decode()
    assert 'data-segment="DP"' in html and "awaited" in html
    assert "The impact assessment of Shanghai CDMO is not recorded." in html
    assert 'data-testid="action-record_assessment"' in html and 'data-testid="action-approve"' not in html
    assert c.get(f"/changes/{change.pk}/history/").status_code == 200
    xlsx = c.get("/changes/?export=xlsx")
    assert xlsx.status_code == 200 and xlsx["Content-Type"].startswith("application/vnd.openxmlformats")
    zh = as_user(world.holder_qa).get(f"/changes/{change.pk}/").content.decode()
    assert "Shanghai CDMO公司的影响评估尚未记录。" in zh and "备案类" in zh


def test_outside_the_scope_a_change_is_a_404(world, as_user):
    change = raise_change(world)
    c = as_user(world.gd_qa)
    assert c.get(f"/changes/{change.pk}/").status_code == 404
    assert c.post(f"/changes/{change.pk}/approve/", {"approve-password": PASSWORD}).status_code == 404
    assert change.reference not in c.get("/changes/").content.decode()


def test_implementing_too_early_is_refused_on_the_page_and_writes_nothing(world, as_user):
    change = raise_change(world)
    c = as_user(world.holder_qa, "en")
    before, state = counts(), snapshot(change)
    r = c.post(
        f"/changes/{change.pk}/implement/",
        {"implement-implemented_on": "2025-03-10", "implement-password": PASSWORD},
    )
    assert r.status_code == 400
    html = r.content.decode()
    assert "The change cannot be implemented yet" in html
    assert "The impact assessment of Shanghai CDMO is not recorded." in html
    assert counts() == before and snapshot(change) == state
    # a person who may not act gets 403 and nothing changes
    assert (
        as_user(world.cmo_qa).post(f"/changes/{change.pk}/approve/", {"approve-password": PASSWORD}).status_code == 403
    )
    assert counts() == before and snapshot(change) == state


def test_the_cmo_records_its_assessment_on_the_page(world, as_user):
    change = raise_change(world)
    c = as_user(world.cmo_qa, "en")
    r = c.post(
        f"/changes/{change.pk}/record_assessment/",
        {
            "record_assessment-conclusion": "no_impact",
            "record_assessment-assessment": "The DP process is unaffected.",
            "record_assessment-password": PASSWORD,
        },
    )
    assert r.status_code == 302
    assert ChangeAssessment.objects.get(change=change).enterprise == world.cmo
    assert ChangeEvent.objects.filter(change=change, kind="assessment_recorded").count() == 1


def test_raising_a_change_on_the_page_with_bad_input_gives_field_errors(world, as_user):
    c = as_user(world.holder_qa)
    form = {
        "product": world.pd1.pk,
        "site": world.js_site.pk,
        "segment_code": "DS",
        "kind": "material",
        "title": "New resin",
        "description": "A second resin supplier.",
        "justification": "Supply.",
        "raised_on": (dt.date.today() + dt.timedelta(days=3)).isoformat(),
        "route": "filing",
        "gmp_impact": "major",
        "classification_reason": "Key raw material.",
    }
    r = c.post("/changes/new/", form)
    assert r.status_code == 400
    assert "变更提出日期不能晚于今天。" in r.content.decode()
    r = c.post("/changes/new/", {**form, "raised_on": "2025-03-01", "segment_code": "XX"})
    assert r.status_code == 400 and 'data-testid="error-segment_code"' in r.content.decode()
    r = c.post("/changes/new/", {**form, "raised_on": "2025-03-01", "site": 999999})
    assert r.status_code == 400 and 'data-testid="error-site"' in r.content.decode()
    assert ChangeRequest.objects.count() == 0
    r = c.post("/changes/new/", {**form, "raised_on": "2025-03-01"})
    assert r.status_code == 302
    change = ChangeRequest.objects.get()
    assert r["Location"] == f"/changes/{change.pk}/"


def test_a_regulator_reclassifies_on_the_page_and_the_record_shows_it(world, as_user):
    change = raise_change(world)
    c = as_user(world.js_inspector)
    html = c.get(f"/changes/{change.pk}/").content.decode()
    assert 'data-testid="action-reclassify"' in html and 'data-testid="action-approve"' not in html
    r = c.post(
        f"/changes/{change.pk}/reclassify/",
        {"reclassify-route": "prior_approval", "reclassify-gmp_impact": "major", "reclassify-reason": "重大变更。"},
    )
    assert r.status_code == 302
    html = as_user(world.holder_qa).get(f"/changes/{change.pk}/").content.decode()
    assert 'data-testid="reclassified"' in html and "审批类" in html
    assert "国家药监局药品审评中心（CDE）对补充申请的批准尚未记录。" in html


def test_the_cmos_notice_opens_the_change(world, as_user):
    from bioseg.quality.models import Notification

    change = raise_change(world)
    n = Notification.objects.get(subject_table="quality_changerequest", subject_id=change.pk, recipient=world.cmo_qa)
    r = as_user(world.cmo_qa).post(f"/inbox/{n.pk}/open/")
    assert r.status_code == 302 and r["Location"] == f"/changes/{change.pk}/"
