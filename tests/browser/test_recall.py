"""In the real browser: the holder's QA recalls a drug-substance lot of the PD-1 chain with its class (none is
preselected: the form refuses without one), signs it, and the regulators of both provinces the recall reaches —
Jiangsu, where the lot was made, and Shanghai, where it became drug product — find it in their inbox."""

from __future__ import annotations

import datetime as dt

import pytest

from bioseg.production.models import Lot, RecallAction
from bioseg.quality.models import Notification
from tests.browser.test_deviation_flow import logout
from tests.browser.test_trace_page import login

pytestmark = [pytest.mark.browser]


def test_a_classed_recall_reaches_the_regulators_of_both_provinces(demo_server, page):
    base, password = demo_server
    ds = Lot.objects.get(lot_number="XH-DS-2608-02")
    login(page, base, "suzhou-qa", password)
    page.goto(f"{base}/lots/{ds.pk}/")
    page.click("[data-testid=recall]")
    page.fill("#id_reason", "宿主细胞蛋白残留超标，召回原液及其制剂。")
    page.fill("#id_password", password)
    page.click("[data-testid=form-submit]")
    assert page.query_selector("[data-testid=error-recall_class]") is not None
    assert RecallAction.objects.count() == 0
    page.select_option("#id_recall_class", "class_1")
    page.fill("#id_password", password)
    page.click("[data-testid=form-submit]")
    page.wait_for_url(f"{base}/lots/{ds.pk}/")
    recall = RecallAction.objects.get()
    assert (recall.recall_class, recall.initiated_by.username) == ("class_1", "suzhou-qa")
    assert f"已记录召回：{recall.affected_count} 个批状态变更。" in page.inner_text("body")
    logout(page, base)
    for inspector in ("js-inspector", "sh-inspector"):
        login(page, base, inspector, password)
        page.goto(f"{base}/inbox/")
        assert "一级召回：自批 XH-DS-2608-02 发起" in page.inner_text("[data-testid=inbox]")
        logout(page, base)
    told = Notification.objects.filter(subject_table="production_recallaction", subject_id=recall.pk)
    assert {n.due_at - n.sent_at for n in told} == {dt.timedelta(hours=24)}  # class I: within one day
