"""Risk ratings: the PIC/S PI 037-1 matrices, the score whose contributions add up exactly (caps included), the dated
configuration (every value sourced, the version in force on the day), and the history: a site is re-rated when an
inspection's report is signed and when a sample fails, and only regulators see ratings."""

from __future__ import annotations

import copy
import datetime as dt

import pytest
import yaml

from bioseg.audit.models import AuditEvent
from bioseg.common import clock
from bioseg.common.errors import PermissionDenied
from bioseg.oversight import ratings
from bioseg.oversight import services as svc
from bioseg.oversight.models import RiskRating
from bioseg.oversight.risk import CONFIG_FILE, RiskConfigError, RiskInputs, config_for, configs_from_mapping, rate
from bioseg.registry.scope import scope_for
from tests.conftest import PASSWORD
from tests.oversight.test_inspections import run_to_report, sampled

DAY = dt.date(2026, 12, 4)


def raw_config():
    return yaml.safe_load(CONFIG_FILE.read_text(encoding="utf-8"))


def test_a_sterile_antibody_site_inspected_compliant_is_medium_with_its_contributions():
    r = rate(
        RiskInputs(
            as_of=DAY,
            activities=("drug_product", "fill_finish"),
            categories=("antibody",),
            last_conclusion="compliant",
            last_inspected_on=dt.date(2026, 6, 10),
        )
    )
    assert (r.complexity, r.criticality, r.intrinsic, r.compliance, r.overall) == (
        "high",
        "medium",
        "high",
        "low",
        "medium",
    )
    assert (r.frequency_months, r.config_version) == (24, "2026.1")
    assert [(c.code, c.points) for c in r.contributions] == [("intrinsic", 30)]
    assert r.score == 30


def test_findings_and_signals_raise_compliance_risk_and_every_point_is_named():
    r = rate(
        RiskInputs(
            as_of=DAY,
            activities=("drug_substance",),
            categories=("antibody",),
            last_conclusion="basically_compliant",
            last_inspected_on=dt.date(2026, 10, 20),
            findings={"major": 2, "minor": 3},
            unqualified_samples=1,
            overdue_capas=2,
            deviations={"major": 1},
            key_personnel_changes=1,
        )
    )
    # an unqualified sample makes compliance risk high; medium intrinsic × high compliance → high overall
    assert (r.intrinsic, r.compliance, r.overall, r.frequency_months) == ("medium", "high", "high", 12)
    assert [(c.code, c.points) for c in r.contributions] == [
        ("intrinsic", 20),
        ("conclusion", 10),
        ("findings", 11),
        ("unqualified_samples", 10),
        ("overdue_capas", 6),
        ("deviations", 2),
        ("key_personnel_changes", 2),
    ]
    assert r.score == 61 == sum(c.points for c in r.contributions)
    assert r.contributions[2].zh == "缺陷：主要缺陷 2 项，一般缺陷 3 项"


def test_caps_are_contributions_of_their_own_so_the_list_adds_up_to_at_most_100():
    r = rate(
        RiskInputs(
            as_of=DAY,
            activities=("fill_finish",),
            categories=("vaccine",),
            last_conclusion="non_compliant",
            last_inspected_on=dt.date(2024, 1, 5),
            findings={"critical": 3, "major": 2},
            unqualified_samples=4,
            overdue_capas=9,
            deviations={"critical": 5},
            key_personnel_changes=5,
        )
    )
    codes = [(c.code, c.points) for c in r.contributions]
    assert codes == [
        ("intrinsic", 30),
        ("conclusion", 25),
        ("findings", 38),
        ("findings_cap", -13),
        ("unqualified_samples", 40),
        ("unqualified_samples_cap", -20),
        ("overdue_capas", 27),
        ("overdue_capas_cap", -15),
        ("deviations", 20),
        ("deviations_cap", -10),
        ("key_personnel_changes", 10),
        ("key_personnel_changes_cap", -4),
        ("overdue_inspection", 22),  # 34 whole months since, 12 allowed
        ("overdue_inspection_cap", -12),
        ("cap", -38),
    ]
    assert r.score == 100 == sum(p for _, p in codes)
    assert (r.overall, r.frequency_months) == ("high", 12)


def test_a_site_never_inspected_is_rated_on_its_intrinsic_risk_and_the_missing_record():
    r = rate(RiskInputs(as_of=DAY, activities=("testing",), categories=()))
    assert (r.complexity, r.criticality, r.intrinsic, r.compliance, r.overall) == (
        "low",
        "medium",
        "low",
        "medium",
        "low",
    )
    assert [(c.code, c.points, c.zh) for c in r.contributions] == [
        ("intrinsic", 10, "固有风险低"),
        ("conclusion", 15, "无检查记录"),
    ]


def test_the_version_in_force_on_the_day_is_used():
    raw = raw_config()
    later = copy.deepcopy(raw["versions"][0])
    later["from"] = dt.date(2027, 1, 1)
    later["version"] = "2027.1"
    later["score"]["intrinsic"]["high"] = 40
    raw["versions"].append(later)
    configs = configs_from_mapping(raw)
    inputs = dict(activities=("drug_product",), categories=("antibody",), last_conclusion="compliant")
    old = rate(RiskInputs(as_of=dt.date(2026, 12, 31), **inputs), config_for(dt.date(2026, 12, 31), configs))
    new = rate(RiskInputs(as_of=dt.date(2027, 1, 1), **inputs), config_for(dt.date(2027, 1, 1), configs))
    assert (old.config_version, old.score, new.config_version, new.score) == ("2026.1", 30, "2027.1", 40)
    with pytest.raises(RiskConfigError, match="no risk configuration applies on 2025-12-31"):
        config_for(dt.date(2025, 12, 31), configs)


@pytest.mark.parametrize(
    "breakage, message",
    [
        (lambda v: v["complexity"]["activities"]["testing"].pop("source"), "complexity.testing: every value needs"),
        (lambda v: v["frequency_months"]["low"].update(source="PICS_999"), "unknown source 'PICS_999'"),
        (lambda v: v["overall_matrix"]["high"].pop("low"), r"overall_matrix: no level for \(high, low\)"),
        (lambda v: v["criticality"]["categories"]["adc"].update(value="severe"), "'severe' is not one of"),
    ],
)
def test_a_configuration_value_without_a_source_or_a_matrix_with_a_hole_is_refused(breakage, message):
    raw = raw_config()
    breakage(raw["versions"][0])
    with pytest.raises(RiskConfigError, match=message):
        configs_from_mapping(raw)


# --- in the database --------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_signing_a_report_re_rates_each_inspected_site_with_its_findings(sup):
    w = sup.world
    i, _, _ = run_to_report(sup)
    assert RiskRating.objects.count() == 0
    svc.inspection_sign_report(
        actor=sup.js[0], inspection=i, conclusion="basically_compliant", summary="基本符合要求。", password=PASSWORD
    )
    got = {r.site_id: r for r in RiskRating.objects.all()}
    assert set(got) == {w.js_site.pk, w.sh_site.pk}
    sh, js = got[w.sh_site.pk], got[w.js_site.pk]
    assert (sh.cause, sh.cause_reference, sh.rated_by_id) == ("inspection_reported", i.reference, sup.js[0].pk)
    # Shanghai: sterile drug product (high) × antibody (medium) → high intrinsic; a major finding → medium compliance
    assert (sh.intrinsic, sh.compliance, sh.overall, sh.score) == ("high", "medium", "high", 44)
    assert [(c["code"], c["points"]) for c in sh.contributions] == [
        ("intrinsic", 30),
        ("conclusion", 10),
        ("findings", 4),
    ]
    assert sh.inputs["findings"] == {"major": 1}
    assert (js.intrinsic, js.compliance, js.overall, js.score) == ("medium", "medium", "medium", 31)


@pytest.mark.django_db
def test_an_unqualified_sample_re_rates_the_site_that_made_the_lot_and_the_history_keeps_both(sup, genealogy):
    w = sup.world
    _, s = sampled(sup, genealogy)
    first = ratings.site_rate(site=w.js_site, actor=sup.js[0], cause="request")
    svc.sample_result_record(actor=sup.js[2], sample=s, result="unqualified", result_on=clock.today(), detail="效价低")
    history = list(RiskRating.objects.filter(site=w.js_site).order_by("rated_at", "id"))
    assert [(r.cause, r.compliance, r.score) for r in history] == [
        ("request", "medium", 35),
        ("sample_unqualified", "high", 45),
    ]
    assert history[0].pk == first.pk
    assert history[1].cause_reference == s.reference
    assert list(RiskRating.objects.current().filter(site=w.js_site).values_list("id", flat=True)) == [history[1].pk]


@pytest.mark.django_db
def test_ratings_are_for_regulators_only_and_only_a_regulator_of_the_province_asks_for_one(sup):
    w = sup.world
    ratings.site_rate(site=w.sh_site, actor=sup.sh[0], cause="request")
    ratings.site_rate(site=w.gd_site, actor=w.gd_inspector, cause="request")
    visible = {
        u.username: set(RiskRating.objects.restrict(scope_for(u)).values_list("site_id", flat=True))
        for u in (sup.js[0], sup.sh[0], w.gd_inspector, w.cmo_qa, w.holder_qa)
    }
    # Jiangsu sees the Shanghai CMO site because it makes a Jiangsu holder's product
    assert visible == {
        "js-inspector": {w.sh_site.pk},
        "sh-inspector": {w.sh_site.pk},
        "gd-inspector": {w.gd_site.pk},
        "cmo-qa": set(),
        "holder-qa": set(),
    }
    before = (RiskRating.objects.count(), AuditEvent.objects.count())
    for actor in (sup.js[0], w.cmo_qa):
        with pytest.raises(PermissionDenied):
            ratings.site_rerate_on_request(actor=actor, site=w.sh_site)
    assert (RiskRating.objects.count(), AuditEvent.objects.count()) == before


@pytest.mark.django_db
def test_a_major_deviation_recorded_at_a_site_re_rates_it_a_minor_one_does_not(sup, genealogy):
    from tests.quality.test_deviations import record

    w = sup.world
    record(w, [genealogy.p2], classification="minor", occurred_on=clock.today())
    assert RiskRating.objects.count() == 0
    dev = record(w, [genealogy.p2], classification="major", occurred_on=clock.today())
    r = RiskRating.objects.get()
    assert (r.site_id, r.cause, r.cause_reference, r.rated_by_id) == (
        w.sh_site.pk,
        "quality_signal",
        dev.reference,
        w.cmo_qa.pk,
    )
    assert (r.inputs["deviations"], r.compliance) == ({"major": 1}, "medium")
    assert [c["code"] for c in r.contributions] == ["intrinsic", "conclusion", "deviations"]
