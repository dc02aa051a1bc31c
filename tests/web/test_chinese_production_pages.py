"""The production pages in Chinese, on the demo, as the holder's QA, the contract manufacturer's QA and an inspector:
no English word in their visible text (codes, units and names aside)."""

from __future__ import annotations

from bioseg.accounts.models import User
from bioseg.production.models import Lot, ProcessChain, Shipment
from tests.quality.test_chinese_pages import demo, english_words, page  # noqa: F401  (demo: the fixture)


def test_no_english_word_on_the_chinese_production_pages(demo, db):  # noqa: F811
    ds = Lot.objects.get(lot_number="XH-DS-2608-02")
    dp = Lot.objects.get(lot_number="QL-DP-2609-01")
    open_lot = Lot.objects.get(lot_number="QL-DP-2609-02")
    shipment = Shipment.objects.get(reference="SHP-XH-2609-001")  # Suzhou → Qilan, with its logger file
    chain = ProcessChain.objects.filter(product=ds.product).first()
    warm = Shipment.objects.get(reference="SHP-QT-2611-001")  # its excursion: the holder disposes by default
    visits = [
        ("suzhou-qa", "/lots/"),
        ("suzhou-qa", f"/lots/{ds.pk}/"),
        ("suzhou-qa", f"/lots/{ds.pk}/recall/"),
        ("suzhou-qa", f"/lots/{dp.pk}/"),
        ("suzhou-qa", "/shipments/"),
        ("suzhou-qa", "/shipments/new/"),
        ("suzhou-qa", "/consignees/new/"),
        ("suzhou-qa", f"/shipments/{shipment.pk}/"),
        ("suzhou-qa", "/chains/"),
        ("suzhou-qa", "/chains/new/"),
        ("suzhou-qa", f"/chains/{chain.pk}/"),
        ("shcdmo-qa", "/lots/transformations/new/"),
        ("shcdmo-qa", f"/lots/{open_lot.pk}/"),
        ("shcdmo-qa", f"/lots/{open_lot.pk}/release/"),
        ("shcdmo-qa", f"/lots/{open_lot.pk}/reject/"),
        ("shcdmo-qa", f"/lots/{open_lot.pk}/certificates/new/"),
        ("shcdmo-qa", f"/shipments/{shipment.pk}/"),
        ("hangzhou-qa", f"/shipments/{warm.pk}/"),
        ("taizhou-qa", f"/shipments/{warm.pk}/"),
        ("js-inspector", f"/lots/{dp.pk}/"),
        # the histories, with the rows that belong to the lot or the shipment and the people by their names
        ("suzhou-qa", f"/lots/{ds.pk}/history/"),
        ("js-inspector", f"/lots/{dp.pk}/history/"),
        ("suzhou-qa", f"/shipments/{shipment.pk}/history/"),
        ("js-inspector", "/shipments/"),
    ]
    names = {w for n in User.objects.values_list("printed_name", flat=True) for w in n.split()}
    found = {url: [w for w in english_words(page(user, url)) if w not in names] for user, url in visits}
    bad = {url: words for url, words in found.items() if words}
    assert bad == {}, repr(bad)
