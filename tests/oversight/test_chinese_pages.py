"""The supervision pages in Chinese, on the demo: no English word in their visible text, for the inspectors of both
provinces and for the enterprises that see the inspections."""

from __future__ import annotations

from bioseg.accounts.models import User
from bioseg.oversight.models import Inspection, InspectionPlan, JointSupervisionPlan
from bioseg.registry.models import Site
from tests.quality.test_chinese_pages import demo, english_words, page  # noqa: F401  (demo: the fixture)


def test_no_english_word_on_the_chinese_inspection_pages(demo, db):  # noqa: F811
    joint = Inspection.objects.get(kind="annual_comprehensive")
    sampling = Inspection.objects.get(kind="sampling")
    gmp = Inspection.objects.get(kind="gmp_compliance")
    secret = Inspection.objects.get(kind="unannounced")
    suzhou = Site.objects.get(name_en="Xinghu Suzhou Drug Substance Plant")
    qilan = Site.objects.get(name_en="Qilan Zhangjiang Drug Product Plant")
    js_plan = InspectionPlan.objects.get(region_code="320000", status="approved")
    sh_plan = InspectionPlan.objects.get(region_code="310000")
    in_force = JointSupervisionPlan.objects.get(status="in_force")
    awaiting = JointSupervisionPlan.objects.get(status="lead_signed")
    js_job = next(a["job"] for a in js_plan.result["assignments"] if a["job"].startswith("AC-"))
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
        ("js-inspector", "/risk-ratings/"),
        ("js-inspector", f"/risk-ratings/sites/{suzhou.pk}/"),
        ("sh-inspector", f"/risk-ratings/sites/{qilan.pk}/"),
        ("js-inspector", "/inspection-plans/"),
        ("js-inspector", f"/inspection-plans/{js_plan.pk}/"),
        ("js-inspector-2", f"/inspection-plans/{js_plan.pk}/"),
        ("sh-inspector", f"/inspection-plans/{sh_plan.pk}/"),
        ("sh-inspector", f"/inspection-plans/{sh_plan.pk}/approve/"),
        ("js-inspector", f"/inspections/new/?plan={js_plan.pk}&job={js_job}"),
        ("js-inspector", "/joint-plans/"),
        ("js-inspector", "/joint-plans/new/"),
        ("js-inspector", f"/joint-plans/{in_force.pk}/"),
        ("sh-inspector", f"/joint-plans/{awaiting.pk}/"),
    ]
    names = {w for n in User.objects.values_list("printed_name", flat=True) for w in n.split()}
    found = {url: [w for w in english_words(page(user, url)) if w not in names] for user, url in visits}
    bad = {url: words for url, words in found.items() if words}
    assert bad == {}, repr(bad)


def test_the_inspectors_dashboards_count_high_risk_sites_and_plans_awaiting_approval(demo, db):  # noqa: F811
    import re

    def cards(user):
        html = page(user, "/")
        return dict(re.findall(r'data-testid="count-([a-z-]+)">\s*<span class="stat-count">([\d,]+)<', html))

    js, sh = cards("js-inspector"), cards("sh-inspector")
    assert (js["plans-awaiting-approval"], sh["plans-awaiting-approval"]) == ("0", "1")
    assert js["sites-high-risk"] == "4"  # Jiangsu's two sites and the two Shanghai sites making its holders' products
