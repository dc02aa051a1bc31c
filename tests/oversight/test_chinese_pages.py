"""The supervision pages in Chinese, on the demo: no English word in their visible text, for the inspectors of both
provinces and for the enterprises that see the inspections."""

from __future__ import annotations

from bioseg.accounts.models import User
from bioseg.oversight.models import Inspection
from tests.quality.test_chinese_pages import demo, english_words, page  # noqa: F401  (demo: the fixture)


def test_no_english_word_on_the_chinese_inspection_pages(demo, db):  # noqa: F811
    joint = Inspection.objects.get(kind="annual_comprehensive")
    sampling = Inspection.objects.get(kind="sampling")
    gmp = Inspection.objects.get(kind="gmp_compliance")
    secret = Inspection.objects.get(kind="unannounced")
    visits = [
        ("js-inspector", "/inspections/"),
        ("js-inspector", "/inspections/new/"),
        ("js-inspector", f"/inspections/{joint.pk}/"),
        ("js-inspector", f"/inspections/{sampling.pk}/"),
        ("js-inspector-3", f"/inspections/{secret.pk}/"),
        ("sh-inspector", f"/inspections/{gmp.pk}/"),
        ("sh-inspector", f"/inspections/{joint.pk}/"),
        ("shcdmo-qa", "/inspections/"),
        ("shcdmo-qa", f"/inspections/{joint.pk}/"),
        ("suzhou-qa", f"/inspections/{sampling.pk}/"),
    ]
    names = {w for n in User.objects.values_list("printed_name", flat=True) for w in n.split()}
    found = {url: [w for w in english_words(page(user, url)) if w not in names] for user, url in visits}
    bad = {url: words for url, words in found.items() if words}
    assert bad == {}, repr(bad)
