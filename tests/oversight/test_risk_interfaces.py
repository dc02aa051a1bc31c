"""Risk rating pages and API: a regulator sees each site's current rating with its contributions adding up to the
score and its history drawn; a regulator of the province re-rates through the page's form; enterprises get 403 on
pages and API; a regulator of another province may look but not re-rate."""

from __future__ import annotations

import re

import pytest

from bioseg.oversight import ratings
from bioseg.oversight.models import RiskRating
from tests.quality.test_deviation_interfaces import client

pytestmark = pytest.mark.django_db
API = "/api/v1"


def test_the_rating_page_explains_the_score_and_draws_the_history_in_chinese(sup):
    w = sup.world
    ratings.site_rate(site=w.sh_site, actor=sup.sh[0], cause="request")
    c = client(sup.sh[0], "zh-hans")
    page = c.get(f"/risk-ratings/sites/{w.sh_site.pk}/").content.decode()
    assert re.search(r'data-testid="overall">高<', page)
    points = [
        int(p) for p in re.findall(r'<tr data-testid="contribution"><td>[^<]*</td><td class="num">(-?\d+)</td>', page)
    ]
    assert points == [30, 15]
    assert re.search(r'data-testid="score">45<', page)
    assert "无检查记录" in page and "固有风险高" in page
    chart = page[page.index('data-testid="risk-chart"') :]
    assert chart.index("<svg") < chart.index("</figure>")
    listing = c.get("/risk-ratings/").content.decode()
    assert re.findall(r'<tr data-testid="row" data-id="(\d+)"', listing) == [str(w.sh_site.pk)]


def test_a_regulator_of_the_province_re_rates_through_the_form_and_another_province_cannot(sup):
    w = sup.world
    r = client(sup.sh[0]).post(f"/risk-ratings/sites/{w.sh_site.pk}/")
    assert r.status_code == 302 and r["Location"] == f"/risk-ratings/sites/{w.sh_site.pk}/"
    assert list(RiskRating.objects.values_list("site_id", "cause", "rated_by_id")) == [
        (w.sh_site.pk, "request", sup.sh[0].pk)
    ]
    js = client(sup.js[0])
    assert js.get(f"/risk-ratings/sites/{w.sh_site.pk}/").status_code == 200  # a Jiangsu holder's product is made there
    assert js.post(f"/risk-ratings/sites/{w.sh_site.pk}/").status_code == 403
    assert client(w.gd_inspector).get(f"/risk-ratings/sites/{w.sh_site.pk}/").status_code == 404
    assert RiskRating.objects.count() == 1


def test_enterprises_get_403_and_the_api_gives_ratings_with_contributions(sup):
    w = sup.world
    rating = ratings.site_rate(site=w.js_site, actor=sup.js[0], cause="request")
    cmo = client(w.cmo_qa)
    assert cmo.get("/risk-ratings/").status_code == 403
    r = cmo.get(f"{API}/risk-ratings")
    assert r.status_code == 403 and r.json()["code"] == "permission_denied"
    body = client(sup.js[0]).get(f"{API}/risk-ratings").json()
    assert [(x["site_id"], x["overall"], x["score"]) for x in body["items"]] == [(w.js_site.pk, "medium", 35)]
    assert [(c["code"], c["points"]) for c in body["items"][0]["contributions"]] == [
        ("intrinsic", 20),
        ("conclusion", 15),
    ]
    one = client(sup.js[0]).get(f"{API}/risk-ratings/{rating.pk}").json()
    assert one["inputs"]["activities"] == ["drug_substance"] and one["reasons"][0][1].startswith("复杂程度中")
    made = client(sup.js[0]).post(f"{API}/risk-ratings/sites/{w.js_site.pk}")
    assert made.status_code == 201 and made.json()["cause"] == "request"
    assert client(sup.js[0]).get(f"{API}/risk-ratings/99999").status_code == 404
