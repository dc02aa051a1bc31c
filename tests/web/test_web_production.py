"""Production pages: lots (scoped list, detail with blockers in the active language, release with a
password, recall), the trace page with its genealogy picture, chains and shipments (cold chain and the
excursion assessment). Refused actions change nothing; out-of-scope objects are 404."""

from __future__ import annotations

import datetime as dt
import html as html_lib
import re

import pytest
from django.test import Client

from bioseg.audit.models import AuditEvent, Signature
from bioseg.production import services as ps
from bioseg.production.models import Excursion, Lot, RecallAction, Release
from bioseg.quality.models import Notification
from tests.conftest import PASSWORD
from tests.production import conftest as production_fixtures
from tests.production.helpers import reload
from tests.production.test_coldchain import WARM

pytestmark = pytest.mark.django_db

world = production_fixtures.world
genealogy = production_fixtures.genealogy
market = production_fixtures.market


def browse(user, lang: str = "zh-hans") -> Client:
    c = Client()
    c.force_login(user)
    if lang != "zh-hans":
        c.post("/i18n/setlang/", {"language": lang, "next": "/"})
    return c


def text(response) -> str:
    assert response.status_code == 200, response.status_code
    return html_lib.unescape(response.content.decode())


def lot_rows(response) -> list[str]:
    html = text(response)
    table = html[html.index('data-testid="lot-list"') : html.index("</table>", html.index('data-testid="lot-list"'))]
    return re.findall(r'<td class="mono"><a href="/lots/\d+/">([^<]+)</a>', table)


def state() -> tuple:
    return (
        Release.objects.count(),
        Signature.objects.count(),
        RecallAction.objects.count(),
        AuditEvent.objects.count(),
        tuple(Lot.objects.order_by("id").values_list("status", flat=True)),
    )


# --- lots ------------------------------------------------------------------------------------------------


def test_the_lot_list_follows_the_scope_and_filters(genealogy, world):
    assert lot_rows(browse(world.holder_qa).get("/lots/")) == ["P2", "P1", "D2", "D1", "W1"]
    # the holder's province sees its holder's lots wherever they are made
    assert lot_rows(browse(world.js_inspector).get("/lots/")) == ["P2", "P1", "D2", "D1", "W1"]
    assert lot_rows(browse(world.sh_inspector).get("/lots/")) == ["P2", "P1", "D2", "D1"]
    assert lot_rows(browse(world.gd_qa).get("/lots/")) == []
    assert lot_rows(browse(world.holder_qa).get("/lots/", {"site": world.sh_site.pk})) == ["P2", "P1"]
    assert lot_rows(browse(world.holder_qa).get("/lots/", {"q": "w"})) == ["W1"]
    assert lot_rows(browse(world.holder_qa).get("/lots/", {"status": "released"})) == []
    page = text(browse(world.holder_qa).get("/lots/"))
    assert 'data-testid="nav-lots">批次</a>' in page
    assert 'aria-current="page" data-testid="nav-lots"' in page
    assert '<span class="tag tag-warn" data-testid="status">待验</span>' in page


def test_lot_detail_lists_blockers_in_the_active_language(genealogy, world):
    g = genealogy
    zh = text(browse(world.qp).get(f"/lots/{g.p1.pk}/"))
    assert '<dd data-testid="remaining">5,000 支</dd>' in zh
    assert "批 P1 缺少检验报告书（COA）。" in zh
    assert "上游批 D1（DS）状态为待验，尚未放行。" in zh
    assert 'data-testid="release"' in zh  # the QP may try
    assert 'data-testid="recall"' in zh
    en = text(browse(world.qp, "en").get(f"/lots/{g.p1.pk}/"))
    assert "Lot P1 has no certificate of analysis." in en
    assert "Upstream lot D1 (DS) is in quarantine, not released." in en
    assert "批 P1 缺少检验报告书" not in en
    cmo = text(browse(world.cmo_qa).get(f"/lots/{g.p1.pk}/"))
    assert 'data-testid="recall"' not in cmo
    assert 'data-testid="release"' in cmo  # the CMO QA release
    js = text(browse(world.js_inspector).get(f"/lots/{g.d1.pk}/"))
    assert 'data-testid="release"' not in js and 'data-testid="recall"' not in js


def test_out_of_scope_lot_pages_are_404(genealogy, world):
    g = genealogy
    c = browse(world.gd_qa)
    for path in (
        f"/lots/{g.p1.pk}/",
        f"/lots/{g.p1.pk}/trace/",
        f"/lots/{g.p1.pk}/release/",
        f"/lots/{g.p1.pk}/recall/",
        f"/lots/{g.p1.pk}/certificate.pdf",
        f"/lots/{g.p1.pk}/recall-report.xlsx",
        f"/lots/{g.p1.pk}/history/",
        f"/shipments/{g.sh1.pk}/",
        f"/chains/{world.chain.pk}/",
    ):
        assert c.get(path).status_code == 404, path
    assert browse(world.sh_inspector).get(f"/lots/{g.w1.pk}/").status_code == 404  # made in Jiangsu, not shipped here
    assert browse(world.js_inspector).get(f"/lots/{g.p1.pk}/").status_code == 200  # the Suzhou holder's lot
    assert browse(world.holder_qa).get(f"/lots/{g.w1.pk}/history/").status_code == 200


def test_a_blocked_release_lists_every_blocker_and_changes_nothing(genealogy, world):
    g = genealogy
    c = browse(world.qp)
    assert browse(world.holder_qa).get(f"/lots/{g.w1.pk}/release/").status_code == 403
    form = text(c.get(f"/lots/{g.p1.pk}/release/"))
    assert "批 P1 由受托生产企业生产，尚无受托方质量部门放行。" in form
    # while something blocks the release, the button is disabled and says why
    assert '<button type="submit" class="primary" data-testid="form-submit" disabled aria-disabled="true"' in form
    assert "上方列出的问题全部解决后方可签名放行。" in form
    before = state()
    response = c.post(f"/lots/{g.p1.pk}/release/", {"kind": "qualified_person", "password": PASSWORD})
    page = text(response)
    assert "该批尚不能放行：请先解决上方列出的问题。" in page
    # every blocker the service found, listed once (in the kind's box), not again under the form
    assert 'data-testid="refused-blocker"' not in page
    refused = re.findall(r'<li data-testid="blocker">([^<]+)</li>', page)
    assert refused == [
        "批 P1 缺少检验报告书（COA）。",
        "批 P1 由受托生产企业生产，尚无受托方质量部门放行。",
        "上游批 D1（DS）状态为待验，尚未放行。",
        "上游批 D2（DS）状态为待验，尚未放行。",
        "上游批 W1（WCB）状态为待验，尚未放行。",
    ]
    assert state() == before


def test_releasing_with_the_password(genealogy, world):
    g = genealogy
    ps.coa_record(
        actor=world.holder_qa,
        lot=g.w1,
        reference="COA-W1",
        file_name="coa.pdf",
        sha256="c" * 64,
        issued_on=g.w1.manufactured_on,
    )
    c = browse(world.qp)
    before = state()
    wrong = text(c.post(f"/lots/{g.w1.pk}/release/", {"kind": "qualified_person", "password": "wrong"}))
    assert 'data-testid="error-password"' in wrong
    assert state() == before
    response = c.post(f"/lots/{g.w1.pk}/release/", {"kind": "qualified_person", "password": PASSWORD, "reason": "ok"})
    assert response.status_code == 302
    assert response["Location"] == f"/lots/{g.w1.pk}/"
    assert reload(g.w1).status == "released"
    page = text(c.get(f"/lots/{g.w1.pk}/"))
    assert "批 W1 已放行。" in page
    assert '<td data-testid="signature-status"><span class="tag tag-good">有效</span></td>' in page
    assert world.qp.printed_name in page
    certificate = c.get(f"/lots/{g.w1.pk}/certificate.pdf")
    assert certificate.status_code == 200 and certificate.content.startswith(b"%PDF-")


def test_recall_from_the_lot_page(market, genealogy, world):
    g = genealogy
    before = state()
    assert (
        browse(world.cmo_qa).post(f"/lots/{g.d2.pk}/recall/", {"reason": "x", "status": "on_hold"}).status_code == 403
    )
    c = browse(world.holder_qa)
    form = text(c.get(f"/lots/{g.d2.pk}/recall/"))
    assert "本批及由其制得的 2 个批将一次性暂停使用（或召回）。" in form
    empty = c.post(f"/lots/{g.d2.pk}/recall/", {"reason": "", "status": "on_hold"})
    assert 'data-testid="error-reason"' in text(empty)
    assert state() == before
    unsigned = c.post(
        f"/lots/{g.d2.pk}/recall/",
        {"reason": "endotoxin OOS", "status": "recalled", "recall_class": "class_2", "password": "wrong"},
    )
    assert 'data-testid="error-password"' in text(unsigned)
    assert state() == before
    unclassed = c.post(
        f"/lots/{g.d2.pk}/recall/", {"reason": "endotoxin OOS", "status": "recalled", "password": PASSWORD}
    )
    assert 'data-testid="error-recall_class"' in text(unclassed)  # no class preselected: the person judges it
    assert state() == before
    notes_before = Notification.objects.count()
    response = c.post(
        f"/lots/{g.d2.pk}/recall/",
        {"reason": "endotoxin OOS", "status": "recalled", "recall_class": "class_2", "password": PASSWORD},
    )
    assert response.status_code == 302
    recall = RecallAction.objects.get()
    assert (recall.recall_class, recall.affected_count) == ("class_2", 3)
    told = Notification.objects.order_by("id")[notes_before:]
    regulators = sorted(n.recipient.username for n in told if n.recipient.organisation.kind == "provincial_regulator")
    # the lots reached were made in Jiangsu (D2) and Shanghai (P1, P2): both provinces' regulators are told
    assert regulators == ["js-inspector", "sh-inspector"]
    assert {n.due_at - n.sent_at for n in told} == {dt.timedelta(hours=72)}
    assert {lot.lot_number: lot.status for lot in Lot.objects.all()} == {
        "W1": "released",
        "D1": "released",
        "D2": "recalled",
        "P1": "recalled",
        "P2": "recalled",
    }
    assert "已记录召回：3 个批状态变更。" in text(c.get(f"/lots/{g.d2.pk}/"))


def test_one_lot_recalled_is_said_in_the_singular(market, genealogy, world):
    g = genealogy
    c = browse(world.holder_qa, "en")
    c.post(
        f"/lots/{g.p2.pk}/recall/",
        {"reason": "particles", "status": "on_hold", "recall_class": "class_3", "password": PASSWORD},
    )
    page = text(c.get(f"/lots/{g.p2.pk}/"))
    assert "Recall recorded: 1 lot changed status." in page
    # the lot page's rows tell the truth: 3,000 made, 1,000 and 500 shipped to consignees; one recall, one hold
    assert '<dd data-testid="remaining">1,500 vials</dd>' in page
    table = page[page.index('data-testid="holds"') : page.index("</table>", page.index('data-testid="holds"'))]
    rows = [re.sub(r"<[^>]+>", "", r) for r in re.findall(r'<tr data-testid="row">(.*?)</tr>', table, re.S)]
    assert [r.split("UTC", 1)[1] for r in rows] == ["RecallReleasedNo", "Recall: particlesOn hold1 lot changed"]


# --- trace --------------------------------------------------------------------------------------------


def svg_of(page: str) -> str:
    start = page.index("<svg")
    return page[start : page.index("</svg>", start) + 6]


def test_the_trace_page_draws_lanes_per_site_grouped_by_province(market, genealogy, world):
    g = genealogy
    page = text(browse(world.holder_qa).get(f"/lots/{g.w1.pk}/trace/?direction=forward"))
    svg = svg_of(page)
    assert re.findall(r'data-testid="lot-node" data-lot="([^"]+)"', svg) == ["W1", "D1", "D2", "P1", "P2"]
    assert re.findall(r'data-testid="province-lane" data-country="CN" data-region="(\d+)"', svg) == [
        "320000",
        "310000",
    ]
    assert re.findall(r'font-weight="700" fill="#1f4e79">([^<]+)</text>', svg) == ["江苏省", "上海市", "收货方"]
    assert re.findall(r'data-testid="site-lane" data-name="([^"]+)"', svg) == ["苏州基地", "上海基地"]
    assert len(re.findall(r'class="edge"', svg)) == 5
    assert len(re.findall(r'class="shipment"', svg)) == 2
    assert re.findall(r'data-testid="consignee-node"><title>([^<]+)</title>', svg) == ["北京医药", "广州医药"]
    assert re.findall(r'data-lot="P2" data-status="(\w+)"', svg) == ["released"]
    assert "5 个批，4 条运输明细，2 个收货方。" in page
    assert 'data-testid="trace-capped"' not in page
    en = svg_of(text(browse(world.holder_qa, "en").get(f"/lots/{g.w1.pk}/trace/")))
    assert re.findall(r'font-weight="700" fill="#1f4e79">([^<]+)</text>', en) == ["Jiangsu", "Shanghai", "Consignees"]


def test_a_backward_trace_puts_the_ancestors_on_the_left(genealogy, world):
    g = genealogy
    svg = svg_of(text(browse(world.cmo_qa).get(f"/lots/{g.p1.pk}/trace/?direction=backward")))
    xs = {
        number: float(x)
        for number, x in re.findall(
            r'data-lot="([^"]+)" data-status="\w+" data-site="\d+"><title>[^<]*</title><rect x="([\d.]+)"', svg
        )
    }
    assert xs["W1"] < xs["D1"] == xs["D2"] < xs["P1"]


def test_out_of_scope_lots_are_drawn_but_not_linked(genealogy, world):
    g = genealogy
    page = text(browse(world.sh_inspector).get(f"/lots/{g.p1.pk}/trace/?direction=backward"))
    svg = svg_of(page)
    assert f'<a href="/lots/{g.d1.pk}/">' in svg
    assert f'<a href="/lots/{g.w1.pk}/">' not in svg
    assert 'data-lot="W1"' in svg
    assert 'W1 <span class="muted">(不在您的查看范围内)</span>' in page


def test_a_large_trace_is_capped_and_says_so(genealogy, world, monkeypatch):
    from bioseg.web.views import production as views

    monkeypatch.setattr(views, "MAX_NODES", 3)
    page = text(browse(world.holder_qa).get(f"/lots/{genealogy.w1.pk}/trace/"))
    assert "图中仅显示 5 个批中的前 3 个；全部批见下表。" in page
    assert len(re.findall(r'data-testid="lot-node"', svg_of(page))) == 3
    assert len(re.findall(r'data-testid="row" data-lot=', page)) == 5


def test_a_trace_beyond_the_expand_limit_summarises_and_pages_the_shipments(market, genealogy, world, monkeypatch):
    from bioseg.production import trace as trace_module
    from bioseg.web.views import production as views

    monkeypatch.setattr(trace_module, "EXPAND_LIMIT", 2)
    monkeypatch.setattr(views, "LINES_PER_PAGE", 3)
    page = text(browse(world.holder_qa, "en").get(f"/lots/{genealogy.w1.pk}/trace/?direction=forward&lines=2"))
    assert "5 lots, 4 shipment lines, 2 consignees." in page
    destinations = page[page.index('data-testid="trace-destinations"') :]
    destinations = destinations[: destinations.index("</table>")]
    assert re.findall(r'<tr data-testid="row"><td>([^<]+)', destinations) == [
        "Shanghai site",
        "Beijing Pharma ",
        "Guangzhou Pharma ",
    ]
    assert "Lines 4–4 of 4." in page
    assert 'data-testid="lines-previous"' in page and 'data-testid="lines-next"' not in page
    shipments = page[page.index('data-testid="trace-shipments"') :]
    shipments = shipments[: shipments.index("</table>")]
    assert re.findall(r'<tr data-testid="row"><td class="mono">([^<]+)</td><td class="mono">([^<]+)', shipments) == [
        ("SH-3", "P2")
    ]
    # a page number past the end shows the last page; a bad one the first
    assert "Lines 4–4 of 4." in text(browse(world.holder_qa, "en").get(f"/lots/{genealogy.w1.pk}/trace/?lines=9"))
    assert "Lines 1–3 of 4." in text(browse(world.holder_qa, "en").get(f"/lots/{genealogy.w1.pk}/trace/?lines=x"))


# --- chains and shipments ------------------------------------------------------------------------------


def test_the_chain_page_shows_where_it_crosses_a_border(world):
    page = text(browse(world.sh_inspector, "en").get(f"/chains/{world.chain.pk}/"))
    crossings = re.findall(r'<li data-testid="crossing" data-kind="(\w+)">(.*?)</li>', page, re.S)
    assert len(crossings) == 1
    kind, body = crossings[0]
    assert kind == "provincial"
    assert re.sub(r"<[^>]+>|\s+", " ", body).split() == "Provincial border : DS (Jiangsu) → DP (Shanghai)".split()
    zh = text(browse(world.sh_inspector).get("/chains/"))
    assert "PD-1单抗" in zh


def test_the_shipment_page_shows_the_cold_chain_and_takes_a_signed_assessment(genealogy, world):
    g = genealogy
    ps.temperature_log_upload(actor=world.cmo_qa, shipment=g.sh1, file_name="warm.csv", content=WARM)
    excursion = Excursion.objects.get()
    c = browse(world.qp)
    page = text(c.get(f"/shipments/{g.sh1.pk}/"))
    assert '<td data-testid="min">1.5 °C</td>' in page
    assert '<td data-testid="max">12.0 °C</td>' in page
    assert "读数 1.5 至 12.0 °C，贮存条件 2–8 °C；超出范围 25 分钟。" in page
    assert 'data-testid="assess-form"' in page
    assert "1 项温度偏离待评估。" in text(c.get("/shipments/"))
    before = state()
    prefix = f"x{excursion.pk}"
    wrong = c.post(
        f"/excursions/{excursion.pk}/assess/",
        {f"{prefix}-outcome": "accepted", f"{prefix}-justification": "stable", f"{prefix}-password": "nope"},
    )
    assert wrong.status_code == 400
    assert 'data-testid="error-password"' in wrong.content.decode()
    assert browse(world.gd_qa).post(f"/excursions/{excursion.pk}/assess/", {}).status_code == 404
    assert state() == before and reload(excursion).status == "open"
    ok = c.post(
        f"/excursions/{excursion.pk}/assess/",
        {f"{prefix}-outcome": "accepted", f"{prefix}-justification": "stable", f"{prefix}-password": PASSWORD},
    )
    assert ok.status_code == 302
    assert reload(excursion).status == "assessed"
    assert [reload(g.d1).status, reload(g.d2).status] == ["quarantine", "quarantine"]
    page = text(c.get(f"/shipments/{g.sh1.pk}/"))
    assert 'data-testid="assess-form"' not in page
    assert '<span class="tag tag-good">已签名</span>' in page


def test_reject_from_the_lot_page_is_signed_and_a_wrong_password_changes_nothing(genealogy, world):
    g = genealogy
    assert Lot.objects.get(pk=g.p2.pk).status == "quarantine"
    assert browse(world.gd_qa).get(f"/lots/{g.p2.pk}/reject/").status_code == 404
    c = browse(world.cmo_qa)
    assert 'data-testid="reject"' in text(c.get(f"/lots/{g.p2.pk}/"))
    before = state()
    wrong = c.post(f"/lots/{g.p2.pk}/reject/", {"reason": "particles in 3 vials", "password": "wrong"})
    assert wrong.status_code == 400 and 'data-testid="error-password"' in wrong.content.decode()
    assert state() == before
    done = c.post(f"/lots/{g.p2.pk}/reject/", {"reason": "particles in 3 vials", "password": PASSWORD})
    assert done.status_code == 302 and done["Location"] == f"/lots/{g.p2.pk}/"
    assert Lot.objects.get(pk=g.p2.pk).status == "rejected"
    sig = Signature.objects.get(meaning="rejected")  # bound to the lot's "rejected" event
    assert (sig.signer_id, sig.table_name) == (world.cmo_qa.pk, "production_lotevent")
    assert "批 P2 已拒收。" in text(c.get(f"/lots/{g.p2.pk}/"))


def test_a_logger_file_is_uploaded_from_the_shipment_page_and_drawn_with_the_range(genealogy, world):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from bioseg.production.models import TemperatureLog

    g = genealogy
    c = browse(world.cmo_qa)
    page = text(c.get(f"/shipments/{g.sh1.pk}/"))
    assert 'data-testid="logger-form"' in page and 'data-testid="logger-chart"' not in page
    before = (TemperatureLog.objects.count(), AuditEvent.objects.count())
    bad = c.post(
        f"/shipments/{g.sh1.pk}/logger/", {"file": SimpleUploadedFile("bad.csv", b"timestamp,celsius\nyesterday,5\n")}
    )
    assert bad.status_code == 400 and "温度记录仪文件第 2 行格式错误" in bad.content.decode()
    assert (TemperatureLog.objects.count(), AuditEvent.objects.count()) == before
    ok = c.post(f"/shipments/{g.sh1.pk}/logger/", {"file": SimpleUploadedFile("warm.csv", WARM)})
    assert ok.status_code == 302
    log = TemperatureLog.objects.get()
    assert (log.file_name, log.reading_count) == ("warm.csv", 6)
    page = text(c.get(f"/shipments/{g.sh1.pk}/"))
    chart = page[page.index('data-testid="logger-chart"') :]
    assert chart.index("<svg") < chart.index("</figure>") and "<?xml" not in chart[: chart.index("</figure>")]
    assert 'data-testid="excursion"' in page
    # the assessment offers no preselected outcome (to the holder, who dispositions its lots by default)
    page = text(browse(world.qp).get(f"/shipments/{g.sh1.pk}/"))
    form = page[page.index('data-testid="assess-form"') :]
    assert re.search(r'<option value="" selected>—</option>', form)


def test_the_receipt_is_recorded_in_the_receiving_sites_local_time(genealogy, world):
    lot = ps.lot_create(
        actor=world.holder_qa,
        segment=world.seg["WCB"],
        lot_number="W9",
        quantity=10,
        unit="vial",
        manufactured_on=dt.date(2025, 3, 1),
        expires_on=dt.date(2030, 1, 1),
    )
    sh = ps.shipment_create(
        actor=world.holder_qa,
        reference="SH-2",
        from_site=world.js_site,
        to_site=world.sh_site,
        shipped_at=dt.datetime(2025, 3, 6, 1, 0, tzinfo=dt.UTC),
        lines=[(lot, 10)],
    )
    assert 'data-testid="receive-form"' not in text(browse(world.holder_qa).get(f"/shipments/{sh.pk}/"))
    c = browse(world.cmo_qa)
    assert 'data-testid="receive-form"' in text(c.get(f"/shipments/{sh.pk}/"))
    early = c.post(f"/shipments/{sh.pk}/receive/", {"received_at": "2025-03-06T08:30", "reason": ""})
    assert early.status_code == 400 and "接收时间不能早于发运时间。" in early.content.decode()  # 00:30 UTC
    assert reload(sh).received_at is None
    ok = c.post(f"/shipments/{sh.pk}/receive/", {"received_at": "2025-03-06T15:30", "reason": ""})
    assert ok.status_code == 302
    assert reload(sh).received_at == dt.datetime(2025, 3, 6, 7, 30, tzinfo=dt.UTC)
    assert "2025-03-06 15:30 UTC+08:00" in text(c.get(f"/shipments/{sh.pk}/"))


def test_a_shipment_is_recorded_through_the_form_in_local_time_and_an_over_shipment_changes_nothing(genealogy, world):
    from bioseg.production.models import Shipment

    lot = ps.lot_create(
        actor=world.holder_qa,
        segment=world.seg["WCB"],
        lot_number="W8",
        quantity=10,
        unit="vial",
        manufactured_on=dt.date(2025, 3, 1),
        expires_on=dt.date(2030, 1, 1),
    )
    c = browse(world.holder_qa)
    body = {
        "reference": "SH-9",
        "from_site": str(world.js_site.pk),
        "to_site": str(world.sh_site.pk),
        "consignee": "",
        "shipped_at": "2025-03-07T09:15",
        "lot_1": str(lot.pk),
        "quantity_1": "12",
    }
    before = (Shipment.objects.count(), AuditEvent.objects.count())
    over = c.post("/shipments/new/", body)
    assert (
        over.status_code == 400 and "运输记录被拒绝：批 W8在苏州基地剩余 10 支，拟发运 12 支。" in over.content.decode()
    )
    assert (Shipment.objects.count(), AuditEvent.objects.count()) == before
    missing = c.post("/shipments/new/", body | {"quantity_1": ""})
    assert missing.status_code == 400 and 'data-testid="error-quantity_1"' in missing.content.decode()
    ok = c.post("/shipments/new/", body | {"quantity_1": "10"})
    sh = Shipment.objects.get(reference="SH-9")
    assert ok.status_code == 302 and ok["Location"] == f"/shipments/{sh.pk}/"
    assert sh.shipped_at == dt.datetime(2025, 3, 7, 1, 15, tzinfo=dt.UTC)  # 09:15 in Suzhou
    assert [(line.lot_id, line.quantity) for line in sh.lines.all()] == [(lot.pk, 10)]
    assert browse(world.cmo_qa).post("/shipments/new/", body).status_code == 400  # not from its own site
    assert Shipment.objects.count() == before[0] + 1


def test_the_cmo_records_a_transformation_through_the_form_and_an_over_consumption_changes_nothing(genealogy, world):
    from bioseg.production.models import Transformation

    g = genealogy
    c = browse(world.cmo_qa)
    page = text(c.get("/lots/transformations/new/"))
    assert f'<option value="{g.d1.pk}">D1 · L</option>' in page  # received at the CMO's site: it may consume it
    assert f'<option value="{g.w1.pk}">' not in page  # the holder's cell bank, never shipped here
    body = {
        "segment": str(world.seg["DP"].pk),
        "kind": "manufacture",
        "performed_on": "2025-03-08",
        "reference": "BR-P3",
        "input_1": str(g.d1.pk),
        "input_quantity_1": "70",
        "output_lot_number_1": "P3",
        "output_quantity_1": "4000",
        "output_unit_1": "vial",
        "output_expires_on_1": "2027-03-01",
    }
    before = (Transformation.objects.count(), Lot.objects.count(), AuditEvent.objects.count())
    over = c.post("/lots/transformations/new/", body)
    assert over.status_code == 400 and "批 D1剩余 60 L，请求投入 70 L。" in over.content.decode()
    assert (Transformation.objects.count(), Lot.objects.count(), AuditEvent.objects.count()) == before
    ok = c.post("/lots/transformations/new/", body | {"input_quantity_1": "20"})
    p3 = Lot.objects.get(lot_number="P3")
    assert ok.status_code == 302 and ok["Location"] == f"/lots/{p3.pk}/"
    assert (p3.site_id, p3.quantity, p3.unit, p3.status) == (world.sh_site.pk, 4000, "vial", "quarantine")
    assert browse(world.gd_qa).get("/lots/transformations/new/").status_code == 200  # its own form, its own lots
    assert browse(world.js_inspector).get("/lots/transformations/new/").status_code == 403


def test_a_lots_history_shows_the_signatures_of_its_releases(market, genealogy, world):
    g = genealogy
    page = text(browse(world.holder_qa).get(f"/lots/{g.p2.pk}/history/"))
    table = page[
        page.index('data-testid="signatures"') : page.index("</table>", page.index('data-testid="signatures"'))
    ]
    rows = re.findall(r'<tr data-testid="row">\s*<td>([^<]*)</td>\s*<td>([^<]*)</td>', table)
    # P2: released by the CMO's QA, then by the holder's QP — both signatures are the lot's, though bound to releases
    assert [meaning for _name, meaning in rows] == ["放行", "放行"]
    assert (
        len(rows)
        == Signature.objects.filter(table_name="production_release")
        .filter(object_pk__in=[str(r.pk) for r in Release.objects.filter(lot=g.p2)])
        .count()
    )
    assert "没有签名" not in table and "无签名" not in table


def chain_body(world, **kw):
    b = {"product": str(world.pd1.pk), "effective_from": "2026-01-01", "effective_until": "", "note": ""}
    rows = [
        ("DS", "drug_substance", "原液", "Drug substance", world.js_site, "DP"),
        ("DP", "drug_product", "制剂", "Drug product", world.sh_site, ""),
    ]
    for n, (code, stage, zh, en, site, feeds) in enumerate(rows, start=1):
        b |= {
            f"code_{n}": code,
            f"stage_{n}": stage,
            f"name_zh_{n}": zh,
            f"name_en_{n}": en,
            f"site_{n}": str(site.pk),
            f"feeds_{n}": feeds,
        }
    return b | kw


def test_a_chain_version_is_checked_as_it_is_edited_and_defined_through_the_form(world):
    from bioseg.production.models import ProcessChain

    c = browse(world.holder_qa)
    checked = text(c.post("/chains/new/?check=1", chain_body(world, feeds_1="XX"), HTTP_HX_REQUEST="true"))
    problems = re.findall(r'<li data-testid="chain-problem">([^<]+)</li>', checked)
    assert len(problems) == 2 and any("XX" in p for p in problems)  # an unknown segment fed; overlaps version 1
    before = (ProcessChain.objects.count(), AuditEvent.objects.count())
    refused = c.post("/chains/new/", chain_body(world))
    assert refused.status_code == 400 and 'data-testid="chain-problem"' in refused.content.decode()
    assert (ProcessChain.objects.count(), AuditEvent.objects.count()) == before
    v1 = ProcessChain.objects.get(product=world.pd1, version=1)
    ps.chain_close(actor=world.holder_qa, chain=v1, effective_until=dt.date(2025, 12, 31), reason="new DS process")
    ok_check = text(c.post("/chains/new/?check=1", chain_body(world), HTTP_HX_REQUEST="true"))
    assert 'data-testid="chain-valid"' in ok_check
    done = c.post("/chains/new/", chain_body(world))
    v2 = ProcessChain.objects.get(product=world.pd1, version=2)
    assert done.status_code == 302 and done["Location"] == f"/chains/{v2.pk}/"
    assert [(s.code, s.site_id) for s in v2.segments.order_by("position")] == [
        ("DS", world.js_site.pk),
        ("DP", world.sh_site.pk),
    ]
    assert browse(world.cmo_qa).get("/chains/new/").status_code == 403
