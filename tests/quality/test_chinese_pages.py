"""Every quality page in Chinese, on the demo: no English word in its visible text (codes, units and the language
switch aside), for each role that works there."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from django.db import transaction
from django.test import Client

from bioseg.accounts.models import User
from bioseg.demo.scenario import load
from bioseg.quality.models import Capa, Deviation, OosInvestigation
from bioseg.registry.models import QualityAgreement, Site

# units, method names and the brand: not sentences
ALLOWED = {"bioseg", "mL", "mg", "kg", "nm", "pH", "ChP", "EU"}


class _Text(HTMLParser):
    def __init__(self):
        super().__init__()
        self.parts, self._skip = [], 0

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        # lang="zxx": no linguistic content (a hash, an identifier)
        if tag in ("script", "style", "title") or a.get("lang") in ("en", "zxx") or self._skip:
            self._skip += 1 if tag not in ("br", "input", "img", "meta", "link") else 0

    def handle_endtag(self, tag):
        if self._skip:
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip:
            self.parts.append(data)


def english_words(html: str) -> list[str]:
    p = _Text()
    p.feed(html)
    words = re.findall(r"[A-Za-z][A-Za-z]+", " ".join(p.parts))
    return sorted({w for w in words if any(c.islower() for c in w) and w not in ALLOWED})


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        with transaction.atomic():
            load()
            yield
            transaction.set_rollback(True)


def page(username: str, url: str) -> str:
    c = Client()
    c.force_login(User.objects.get(username=username))
    c.cookies["django_language"] = "zh-hans"
    r = c.get(url)
    assert r.status_code == 200, (username, url, r.status_code)
    return r.content.decode()


def test_no_english_word_on_the_chinese_quality_pages(demo, db):
    major = Deviation.objects.get(classification="major")
    capa = Capa.objects.filter(status="planned", source="deviation").get()
    oos = OosInvestigation.objects.get(regulatory_sample_reference="")
    qilan = Site.objects.get(name_en="Qilan Zhangjiang Drug Product Plant")
    agreement = QualityAgreement.objects.get(reference="QA-XH-QL-2024-001")
    visits = [
        ("suzhou-qa", "/"),
        ("suzhou-qa", "/deviations/"),
        ("suzhou-qa", f"/deviations/{major.pk}/"),
        ("shcdmo-qa", f"/deviations/{major.pk}/"),
        ("suzhou-qp", "/capas/"),
        ("suzhou-qp", f"/capas/{capa.pk}/"),
        ("nanjing-qp", "/oos/"),
        ("nanjing-qp", f"/oos/{oos.pk}/"),
        ("suzhou-qa", f"/stationing/?site={qilan.pk}&month=2026-11"),
        ("suzhou-qa", "/inbox/"),
        ("suzhou-qa", f"/agreements/{agreement.pk}/"),
        ("shcdmo-qa", "/agreements/"),
        ("sh-inspector", f"/deviations/{major.pk}/"),
        ("suzhou-qa", "/capas/new/"),
        ("shcdmo-qa", "/deviations/new/"),
    ]
    # people's printed names are written in Latin letters by the demo (a user has one printed name)
    names = {w for n in User.objects.values_list("printed_name", flat=True) for w in n.split()}
    found = {url: [w for w in english_words(page(user, url)) if w not in names | {"pH"}] for user, url in visits}
    assert {url: words for url, words in found.items() if words} == {}
