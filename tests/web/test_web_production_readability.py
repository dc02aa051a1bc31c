"""What a new user reads on the production pages, in both languages: quantities with separators and units in
the active language, one timestamp format with its zone, history in labels (never field or choice codes),
chain sites outside the scope as plain text, a Chinese colon in Chinese text, a released lot answering 409,
blockers listed once with the release button disabled, the excursion card leading to what it counts, and an
unknown filter value shown as an error."""

from __future__ import annotations

import html as html_lib
import re

import pytest
from django.test import Client

from bioseg.audit.models import AuditEvent
from bioseg.production import services as ps
from bioseg.production.models import Lot, Release
from tests.conftest import PASSWORD
from tests.production import conftest as production_fixtures
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


def page(response, status: int = 200) -> str:
    assert response.status_code == status, response.status_code
    return html_lib.unescape(response.content.decode())


def test_quantities_have_separators_and_units_in_the_active_language(genealogy, world):
    g = genealogy
    zh = page(browse(world.qp).get(f"/lots/{g.p1.pk}/"))
    en = page(browse(world.qp, "en").get(f"/lots/{g.p1.pk}/"))
    assert '<dd data-testid="remaining">5,000 支</dd>' in zh
    assert '<dd data-testid="remaining">5,000 vials</dd>' in en
    lots_zh = page(browse(world.qp).get("/lots/"))
    assert '<td class="nowrap">5,000 支</td>' in lots_zh
    assert '<td class="nowrap">10 支</td>' in lots_zh  # W1
    lots_en = page(browse(world.qp, "en").get("/lots/"))
    assert '<td class="nowrap">10 vials</td>' in lots_en


def test_shipment_quantities_on_the_trace_carry_the_unit(genealogy, world):
    g = genealogy
    zh = page(browse(world.holder_qa).get(f"/lots/{g.w1.pk}/trace/?direction=forward"))
    en = page(browse(world.holder_qa, "en").get(f"/lots/{g.w1.pk}/trace/?direction=forward"))
    row_zh = re.search(r'<tr data-testid="row"><td class="mono">SH-1</td>.*?</tr>', zh, re.S).group(0)
    row_en = re.search(r'<tr data-testid="row"><td class="mono">SH-1</td>.*?</tr>', en, re.S).group(0)
    quantity_zh = re.findall(r"<td>([^<]*)</td>", row_zh)[0]
    quantity_en = re.findall(r"<td>([^<]*)</td>", row_en)[0]
    # SH-1 carries drug substance, measured in litres: a unit of measure is written the same in both languages
    assert quantity_zh == quantity_en == "100 L"


def test_temperatures_have_one_decimal_and_times_one_format(genealogy, world):
    g = genealogy
    ps.temperature_log_upload(actor=world.cmo_qa, shipment=g.sh1, file_name="warm.csv", content=WARM)
    zh = page(browse(world.qp).get(f"/shipments/{g.sh1.pk}/"))
    assert '<td data-testid="min">1.5 °C</td>' in zh
    assert '<td data-testid="max">12.0 °C</td>' in zh
    mean = re.search(r'<td data-testid="mean">([^<]+)</td>', zh).group(1)
    assert re.fullmatch(r"\d+\.\d °C", mean), mean
    shipped = re.search(r"<dt>发运时间（UTC）</dt><dd class=\"mono\">([^<]+)</dd>", zh).group(1)
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC", shipped), shipped
    history = page(browse(world.qp).get(f"/lots/{g.w1.pk}/history/"))
    times = re.findall(r'<td class="mono nowrap">([^<]+)</td>', history)
    assert times and all(re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC", t) for t in times), times


def test_history_shows_field_and_choice_labels_never_codes(market, genealogy, world):
    g = genealogy
    zh = page(browse(world.qp).get(f"/lots/{g.w1.pk}/history/"))
    en = page(browse(world.qp, "en").get(f"/lots/{g.w1.pk}/history/"))
    assert "<h1>W1的历史记录</h1>" in zh
    assert "<h1>History of W1</h1>" in en
    change_zh = re.search(r'<li data-testid="change" data-field="status">(.*?)</li>', zh).group(1)
    change_en = re.search(r'<li data-testid="change" data-field="status">(.*?)</li>', en).group(1)
    assert change_zh == "<strong>状态</strong>：<del>待验</del> → <ins>放行</ins>"
    assert change_en == "<strong>status</strong>: <del>Quarantine</del> → <ins>Released</ins>"
    assert "quarantine" not in zh and "<code>status</code>" not in zh


def test_chain_sites_outside_the_scope_are_plain_text_and_colons_follow_the_language(world):
    zh = page(browse(world.sh_inspector).get(f"/chains/{world.chain.pk}/"))
    # the Shanghai inspector may open the Shanghai site, not the Suzhou one (a 404 for them)
    assert f'<td><a href="/sites/{world.sh_site.pk}/">上海基地</a></td>' in zh
    assert "<td>苏州基地</td>" in zh and f'href="/sites/{world.js_site.pk}/"' not in zh
    assert browse(world.sh_inspector).get(f"/sites/{world.js_site.pk}/").status_code == 404
    crossing = re.search(r'<li data-testid="crossing" data-kind="provincial">(.*?)</li>', zh, re.S).group(1)
    assert re.sub(r"<[^>]+>", "", crossing) == "跨省：DS（江苏省） → DP（上海市）"
    en = page(browse(world.sh_inspector, "en").get(f"/chains/{world.chain.pk}/"))
    crossing = re.search(r'<li data-testid="crossing" data-kind="provincial">(.*?)</li>', en, re.S).group(1)
    assert re.sub(r"<[^>]+>", "", crossing) == "Provincial border: DS (Jiangsu) → DP (Shanghai)"
    holder = page(browse(world.holder_qa).get(f"/chains/{world.chain.pk}/"))
    assert f'<a href="/sites/{world.js_site.pk}/">苏州基地</a>' in holder
    assert f'<a href="/sites/{world.sh_site.pk}/">上海基地</a>' in holder  # its CMO's site, under the agreement


def test_a_released_lot_answers_409_saying_so(market, genealogy, world):
    g = genealogy
    before = (Release.objects.count(), AuditEvent.objects.count())
    zh = page(browse(world.cmo_qa).get(f"/lots/{g.p2.pk}/release/"), 409)
    assert "<h1>当前状态下无法执行</h1>" in zh
    assert "批 P2 已完成受托生产企业质量放行，无需再次签名放行。" in zh
    en = page(browse(world.cmo_qa, "en").get(f"/lots/{g.p2.pk}/release/"), 409)
    assert "Lot P2 already has its contract manufacturer QA release: there is nothing left for you to sign." in en
    qp = page(browse(world.qp).post(f"/lots/{g.p2.pk}/release/", {"kind": "qualified_person"}), 409)
    assert "批 P2 已完成质量受权人放行，无需再次签名放行。" in qp
    # a role that could never release is still a 403, in Chinese words only
    refused = page(browse(world.holder_qa).get(f"/lots/{g.p1.pk}/release/"), 403)
    assert "您的角色无权放行该批。" in refused and "release this lot" not in refused
    assert (Release.objects.count(), AuditEvent.objects.count()) == before


def test_the_release_page_lists_each_blocker_once_and_disables_signing(genealogy, world):
    g = genealogy
    c = browse(world.cmo_qa, "en")
    form = page(c.get(f"/lots/{g.p1.pk}/release/"))
    blockers = [
        "Lot P1 has no certificate of analysis.",
        "Upstream lot D1 (DS) is in quarantine, not released.",
        "Upstream lot D2 (DS) is in quarantine, not released.",
        "Upstream lot W1 (WCB) is in quarantine, not released.",
    ]
    assert re.findall(r'<li data-testid="blocker">([^<]+)</li>', form) == blockers
    assert 'data-testid="form-submit" disabled aria-disabled="true"' in form
    assert "Signing is possible once nothing above blocks the release." in form
    before = Lot.objects.get(pk=g.p1.pk).status
    refused = page(c.post(f"/lots/{g.p1.pk}/release/", {"kind": "cmo_qa", "password": PASSWORD}))
    assert re.findall(r'<li data-testid="blocker">([^<]+)</li>', refused) == blockers
    assert all(refused.count(b) == 1 for b in blockers)
    assert "The lot cannot be released yet: see what blocks it above." in refused
    assert Lot.objects.get(pk=g.p1.pk).status == before


def test_the_excursion_card_leads_to_the_shipments_that_need_it(genealogy, world):
    g = genealogy
    ps.temperature_log_upload(actor=world.cmo_qa, shipment=g.sh1, file_name="warm.csv", content=WARM)
    dashboard = page(browse(world.qp).get("/"))
    assert 'href="/shipments/?excursions=open"' in dashboard
    listed = page(browse(world.qp).get("/shipments/?excursions=open"))
    assert re.findall(r'<a href="/shipments/\d+/">([^<]+)</a>', listed) == ["SH-1"]
    assert '<option value="open" selected>待评估</option>' in listed


def test_an_unknown_filter_value_is_shown_as_an_error(genealogy, world):
    zh = page(browse(world.qp).get("/lots/?status=bogus"))
    assert (
        '<p class="field-error" role="alert" data-testid="filter-error-status">选择一个有效的选项。 bogus 不在可用的选项中。</p>'
        in zh
    )
    en = page(browse(world.qp, "en").get("/shipments/?excursions=bogus"))
    assert (
        '<p class="field-error" role="alert" data-testid="filter-error-excursions">'
        "Select a valid choice. bogus is not one of the available choices.</p>"
    ) in en
