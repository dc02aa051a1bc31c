"""Inspections from plan to close: the team rules (≥2, a qualified leader, joint: ≥2 per province and the leader
from the lead province), the workflow (unannounced never notified), findings becoming the enterprise's CAPAs when
the leader signs the report, the conclusion fitting the findings, samples whose unqualified result opens an OOS
investigation and a for-cause inspection; every refusal writes nothing."""

from __future__ import annotations

import datetime as dt

import pytest

from bioseg.audit.context import audit_context
from bioseg.audit.models import AuditEvent, Signature
from bioseg.common import clock
from bioseg.common.errors import NotFound, PermissionDenied, ValidationFailed
from bioseg.common.workflow import WrongState
from bioseg.oversight import selectors as sel
from bioseg.oversight import services as svc
from bioseg.oversight.models import (
    Finding,
    Inspection,
    InspectionEvent,
    InspectionMember,
    InspectorConflict,
    Sample,
    SecretAccess,
)
from bioseg.quality.models import Capa, CapaAction, Notification, OosInvestigation
from bioseg.registry.scope import scope_for
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def counts():
    return (
        Inspection.objects.count(),
        InspectionMember.objects.count(),
        InspectionEvent.objects.count(),
        Finding.objects.count(),
        Sample.objects.count(),
        Capa.objects.count(),
        Notification.objects.count(),
        Signature.objects.count(),
        AuditEvent.objects.count(),
    )


def plan(sup, **kw):
    w = sup.world
    today = clock.today()
    values = dict(
        actor=sup.js[0],
        kind="annual_comprehensive",
        product=w.pd1,
        sites=[w.js_site, w.sh_site],
        team=[sup.js[0], sup.js[1], sup.sh[0], sup.sh[1]],
        leader=sup.js[0],
        planned_from=today + dt.timedelta(days=7),
        planned_to=today + dt.timedelta(days=9),
        partner_region_code="310000",
        purpose="年度全面检查",
    )
    values.update(kw)
    return svc.inspection_create(**values)


def problems(excinfo) -> dict:
    return {k: v["message"] for k, v in excinfo.value.details["fields"].items()}


def test_a_joint_annual_inspection_is_planned_with_its_team_and_scope(sup):
    i = plan(sup)
    assert (i.kind, i.status, i.region_code, i.partner_region_code) == (
        "annual_comprehensive",
        "planned",
        "320000",
        "310000",
    )
    assert i.reference.startswith("INS-")
    members = list(i.members.order_by("-is_leader", "user__username").values_list("user__username", "is_leader"))
    assert members == [
        ("js-inspector", True),
        ("js-inspector-2", False),
        ("sh-inspector", False),
        ("sh-inspector-2", False),
    ]
    assert sorted(i.sites.values_list("site__name_en", flat=True)) == ["Shanghai site", "Suzhou site"]
    assert list(i.events.values_list("kind", "status_to")) == [("planned", "planned")]


@pytest.mark.parametrize(
    "change, field",
    [
        (lambda s: {"team": [s.js[0]], "partner_region_code": "", "sites": [s.world.js_site]}, "team"),
        (lambda s: {"leader": s.js[1]}, "leader_id"),  # js[1] is not qualified to lead
        (lambda s: {"leader": s.sh[0]}, "leader_id"),  # a joint inspection's leader comes from the lead province
        (lambda s: {"team": [s.js[0], s.js[1], s.sh[0]]}, "team"),  # only one from Shanghai
        (lambda s: {"partner_region_code": "", "team": [s.js[0], s.js[1]]}, "site_ids"),  # Shanghai site, no joint
        (lambda s: {"planned_to": clock.today()}, "planned_to"),
        (lambda s: {"kind": "social_visit"}, "kind"),
        (lambda s: {"team": [s.js[0], s.js[1], s.sh[0], s.world.cmo_qa]}, "team"),  # not an inspector
    ],
)
def test_a_plan_breaking_a_team_or_scope_rule_is_refused_and_nothing_is_written(sup, change, field):
    before = counts()
    with pytest.raises(ValidationFailed) as exc:
        plan(sup, **change(sup))
    assert field in problems(exc)
    assert counts() == before


def test_only_an_inspector_of_a_regulator_plans_an_inspection(sup):
    before = counts()
    with pytest.raises(PermissionDenied):
        plan(sup, actor=sup.world.holder_qa)
    assert counts() == before


def run_to_report(sup):
    w = sup.world
    i = plan(sup)
    svc.inspection_notify(actor=sup.js[1], inspection=i)
    svc.inspection_start(actor=sup.sh[1], inspection=i, started_on=clock.today())
    due = clock.today() + dt.timedelta(days=30)
    f1 = svc.finding_record(
        actor=sup.sh[0],
        inspection=i,
        site=w.sh_site,
        grade="major",
        gmp_clause="GMP 2010 附录1 第47条",
        description="灌装线A级区沉降菌监测未覆盖全部灌装时段。",
        rectification_due=due,
    )
    f2 = svc.finding_record(
        actor=sup.js[0],
        inspection=i,
        site=w.js_site,
        grade="minor",
        gmp_clause="GMP 2010 第184条",
        description="批生产记录个别更正未注明理由。",
        rectification_due=due + dt.timedelta(days=30),
    )
    svc.inspection_finish_site(actor=sup.js[0], inspection=i, ended_on=clock.today())
    i.refresh_from_db()
    return i, f1, f2


def test_the_enterprise_learns_of_an_inspection_when_notified(sup):
    w = sup.world
    i = plan(sup)
    assert list(sel.inspection_list(user=w.cmo_qa)) == []
    assert list(sel.inspection_list(user=w.holder_qa)) == []
    svc.inspection_notify(actor=sup.js[2], inspection=i)
    assert [x.pk for x in sel.inspection_list(user=w.cmo_qa)] == [i.pk]
    assert [x.pk for x in sel.inspection_list(user=w.holder_qa)] == [i.pk]
    assert list(sel.inspection_list(user=w.gd_qa)) == []
    told = set(
        Notification.objects.filter(activity="regulatory_inspection").values_list("recipient__username", flat=True)
    )
    assert told == {"holder-qa", "holder-qp", "cmo-qa"}


def test_signing_the_report_turns_each_finding_into_a_capa_of_the_inspected_enterprise(sup):
    w = sup.world
    i, f1, f2 = run_to_report(sup)
    assert i.status == "report"
    notes_before = Notification.objects.count()
    svc.inspection_sign_report(
        actor=sup.js[0], inspection=i, conclusion="basically_compliant", summary="基本符合要求。", password=PASSWORD
    )
    i.refresh_from_db()
    assert (i.status, i.conclusion) == ("rectification", "basically_compliant")
    f1.refresh_from_db()
    f2.refresh_from_db()
    assert (f1.capa.owner_id, f1.capa.source, f1.capa.source_reference) == (w.cmo.pk, "inspection", f"{i.reference}-1")
    assert (f2.capa.owner_id, f2.capa.source_reference) == (w.holder.pk, f"{i.reference}-2")
    a1 = CapaAction.objects.get(capa=f1.capa)
    assert (a1.due_on, a1.owner.username, a1.kind) == (f1.rectification_due, "cmo-qa", "corrective")
    assert f1.capa.status == "planned"
    sig = Signature.objects.get(table_name="oversight_inspection", object_pk=str(i.pk))
    assert (sig.signer_id, sig.meaning) == (sup.js[0].pk, "authored")
    # the CMO sees its CAPA; the other province's people hear of the report
    assert f1.capa.pk in set(Capa.objects.restrict(scope_for(w.cmo_qa)).values_list("id", flat=True))
    new = Notification.objects.order_by("id")[notes_before:]
    reported = sorted(n.recipient.username for n in new if n.activity == "regulatory_inspection")
    # the enterprises' quality people and Shanghai's regulators (the partner, and the CMO's province); not Jiangsu
    assert reported == ["cmo-qa", "holder-qa", "holder-qp", "sh-inspector", "sh-inspector-2", "sh-inspector-3"]


def test_a_conclusion_that_does_not_fit_the_findings_is_refused_and_nothing_changes(sup):
    i, f1, _ = run_to_report(sup)
    before = counts()
    with pytest.raises(ValidationFailed) as exc:
        svc.inspection_sign_report(
            actor=sup.js[0], inspection=i, conclusion="compliant", summary="符合要求。", password=PASSWORD
        )
    assert problems(exc)["conclusion"] == "With a major finding the conclusion cannot be “compliant”."
    i.refresh_from_db()
    assert (i.status, i.conclusion, Finding.objects.get(pk=f1.pk).capa_id) == ("report", "", None)
    assert counts() == before


def test_only_the_leader_signs_the_report(sup):
    i, _, _ = run_to_report(sup)
    before = counts()
    with pytest.raises(PermissionDenied):
        svc.inspection_sign_report(
            actor=sup.js[1], inspection=i, conclusion="basically_compliant", summary="x", password=PASSWORD
        )
    assert counts() == before


def test_the_inspection_closes_only_when_every_rectification_capa_is_closed(sup):
    i, f1, f2 = run_to_report(sup)
    svc.inspection_sign_report(
        actor=sup.js[0], inspection=i, conclusion="basically_compliant", summary="基本符合要求。", password=PASSWORD
    )
    before = counts()
    with pytest.raises(ValidationFailed) as exc:
        svc.inspection_close(actor=sup.js[2], inspection=i, password=PASSWORD)
    f1.refresh_from_db()
    f2.refresh_from_db()
    assert problems(exc)["findings"] == f"Rectification is not yet closed: {f1.capa.reference}, {f2.capa.reference}."
    assert counts() == before
    assert Inspection.objects.get(pk=i.pk).status == "rectification"


def test_an_inspection_without_findings_is_closed_when_its_report_is_signed(sup):
    w = sup.world
    i = plan(sup, partner_region_code="", sites=[w.js_site], team=[sup.js[0], sup.js[1]])
    svc.inspection_notify(actor=sup.js[0], inspection=i)
    svc.inspection_start(actor=sup.js[0], inspection=i, started_on=clock.today())
    svc.inspection_finish_site(actor=sup.js[0], inspection=i, ended_on=clock.today())
    with pytest.raises(ValidationFailed):  # no summary
        svc.inspection_sign_report(
            actor=sup.js[0], inspection=i, conclusion="compliant", summary=" ", password=PASSWORD
        )
    svc.inspection_sign_report(
        actor=sup.js[0], inspection=i, conclusion="compliant", summary="符合要求。", password=PASSWORD
    )
    i.refresh_from_db()
    assert (i.status, i.conclusion, Capa.objects.count()) == ("closed", "compliant", 0)
    assert list(i.events.values_list("kind", flat=True)) == [
        "planned",
        "notified",
        "started",
        "site_work_finished",
        "report_signed",
    ]


def test_an_announced_inspection_cannot_start_before_it_is_notified(sup):
    i = plan(sup)
    before = counts()
    with pytest.raises(ValidationFailed) as exc:
        svc.inspection_start(actor=sup.js[0], inspection=i, started_on=clock.today())
    assert "status" in problems(exc)
    assert counts() == before


def unannounced(sup, days=10):
    return unannounced_with(sup, days=days, team=[sup.js[0], sup.js[2]])


def unannounced_with(sup, *, team, days=10):
    w = sup.world
    return plan(
        sup,
        kind="unannounced",
        partner_region_code="",
        sites=[w.js_site],
        team=team,
        planned_from=clock.today() + dt.timedelta(days=days),
        planned_to=clock.today() + dt.timedelta(days=days + 1),
        approved_by=sup.js[0],
    )


def test_an_unannounced_inspection_is_never_notified(sup):
    i = unannounced(sup)
    before = counts()
    with pytest.raises(ValidationFailed) as exc:
        svc.inspection_notify(actor=sup.js[0], inspection=i)
    assert problems(exc)["kind"] == "An unannounced inspection is never notified in advance."
    assert counts() == before


def test_an_unannounced_inspection_stays_secret_and_every_view_is_logged(sup):
    w = sup.world
    i = unannounced(sup)
    # the team sees it; a colleague outside the team, the partner province and the enterprise do not
    assert [x.pk for x in sel.inspection_list(user=sup.js[2])] == [i.pk]
    assert list(sel.inspection_list(user=sup.js[1])) == []
    assert list(sel.inspection_list(user=sup.sh[0])) == []
    assert list(sel.inspection_list(user=w.holder_qa)) == []
    for user in (sup.js[1], sup.sh[0], w.holder_qa):
        with pytest.raises(NotFound):
            sel.inspection_get(user=user, pk=i.pk)
    sel.inspection_get(user=sup.js[2], pk=i.pk, what="inspection page")
    assert list(SecretAccess.objects.values_list("user__username", "what")) == [("js-inspector-3", "inspection page")]
    # a member who must recuse themselves from the site may not be on it
    with audit_context(actor="test-setup"):
        InspectorConflict.objects.create(profile=sup.js[1].inspector_profile, site=w.js_site, reason="曾任职")
    before = counts()
    with pytest.raises(ValidationFailed) as exc:
        svc.inspection_assign_team(
            actor=sup.js[0], inspection=i, team=[sup.js[0], sup.js[2], sup.js[1]], leader=sup.js[0]
        )
    assert problems(exc)["team"] == f"{sup.js[1].printed_name} must not inspect this site (conflict of interest)."
    assert counts() == before


@pytest.mark.parametrize(
    "address, city",
    [
        ("江苏省苏州市苏州工业园区星湖街328号", "苏州市"),
        ("上海市浦东新区张江路1238号", "浦东新区"),
        ("上海市奉贤区金海公路5885号", "奉贤区"),
        ("北京市大兴区生物医药基地", "大兴区"),
        ("广西壮族自治区南宁市青秀区民族大道1号", "南宁市"),
        ("Hohenrainstrasse 24, 4133 Pratteln, Switzerland", "CH"),
    ],
)
def test_a_sites_city_is_read_from_its_address(address, city):
    from types import SimpleNamespace

    site = SimpleNamespace(address=address, region_code="" if city == "CH" else "x", country_code="CH")
    assert svc.site_city(site) == city


def test_an_unannounced_team_member_living_in_the_sites_city_is_refused(sup):
    w = sup.world
    with audit_context(actor="test-setup", reason="address corrected"):
        w.js_site.address = "江苏省苏州市工业园区1号"
        w.js_site.save(update_fields=["address"])
    before = counts()
    with pytest.raises(ValidationFailed) as exc:
        unannounced_with(sup, team=[sup.js[0], sup.js[1]])
    assert problems(exc)["team"] == f"{sup.js[1].printed_name} lives in 苏州市: not on an unannounced inspection there."
    assert counts() == before


def test_the_day_before_an_unannounced_inspection_colleagues_see_it_and_the_enterprise_on_its_day(sup):
    w = sup.world
    i = unannounced(sup, days=1)
    assert [x.pk for x in sel.inspection_list(user=sup.js[1])] == [i.pk]
    assert list(sel.inspection_list(user=w.holder_qa)) == []
    svc.inspection_start(actor=sup.js[2], inspection=i, started_on=clock.today())
    assert [x.pk for x in sel.inspection_list(user=w.holder_qa)] == [i.pk]


def sampled(sup, genealogy):
    w = sup.world
    i = plan(sup, kind="sampling", partner_region_code="", sites=[w.js_site], team=[sup.js[0], sup.js[1]])
    svc.inspection_notify(actor=sup.js[0], inspection=i)
    svc.inspection_start(actor=sup.js[0], inspection=i, started_on=clock.today())
    return i, svc.sample_record(
        actor=sup.js[1],
        inspection=i,
        lot=genealogy.d1,
        quantity="3",
        unit="mL",
        laboratory="江苏省食品药品监督检验研究院",
        taken_on=clock.today(),
    )


def test_a_sample_must_be_of_a_lot_made_at_an_inspected_site(sup, genealogy):
    i, _ = sampled(sup, genealogy)
    before = counts()
    with pytest.raises(ValidationFailed) as exc:
        svc.sample_record(
            actor=sup.js[1],
            inspection=i,
            lot=genealogy.p1,  # made in Shanghai
            quantity="2",
            unit="vial",
            laboratory="江苏省食品药品监督检验研究院",
            taken_on=clock.today() + dt.timedelta(days=1),
        )
    assert set(problems(exc)) == {"lot_id", "taken_on"}
    assert counts() == before


def test_an_unqualified_sample_opens_an_oos_investigation_and_a_for_cause_inspection(sup, genealogy):
    w = sup.world
    i, s = sampled(sup, genealogy)
    assert (s.result, s.lot_id) == ("pending", genealogy.d1.pk)
    s = svc.sample_result_record(
        actor=sup.js[2], sample=s, result="unqualified", result_on=clock.today(), detail="效价 62%（标准 80%–125%）"
    )
    assert s.result == "unqualified"
    oos = OosInvestigation.objects.get(pk=s.oos_id)
    assert (oos.lot_id, oos.site_id, oos.status) == (genealogy.d1.pk, w.js_site.pk, "open")
    assert "SMP-" in oos.summary_zh and "不合格" in oos.summary_zh
    fc = s.for_cause
    assert (fc.kind, fc.status, fc.region_code, list(fc.sites.values_list("site_id", flat=True))) == (
        "for_cause",
        "planned",
        "320000",
        [w.js_site.pk],
    )
    before = counts()
    with pytest.raises(ValidationFailed) as exc:
        svc.sample_result_record(actor=sup.js[2], sample=s, result="qualified", result_on=clock.today(), detail="")
    assert problems(exc)["result"] == "The sample's result is already recorded."
    assert counts() == before


def test_the_steps_follow_the_table(sup):
    i = plan(sup)
    before = counts()
    with pytest.raises(WrongState):
        svc.inspection_finish_site(actor=sup.js[0], inspection=i, ended_on=clock.today())
    with pytest.raises(PermissionDenied):  # Shanghai is not the lead province
        svc.inspection_notify(actor=sup.sh[0], inspection=i)
    assert counts() == before


def test_a_report_is_refused_when_an_inspected_enterprise_has_no_quality_person_to_own_the_rectification(sup):
    w = sup.world
    i, f1, _ = run_to_report(sup)
    with audit_context(actor="test-setup", reason="left the company"):
        w.cmo_qa.is_active = False
        w.cmo_qa.save(update_fields=["is_active"])
    before = counts()
    with pytest.raises(ValidationFailed) as exc:
        svc.inspection_sign_report(
            actor=sup.js[0], inspection=i, conclusion="basically_compliant", summary="基本符合要求。", password=PASSWORD
        )
    assert problems(exc)["findings"] == "No quality person of Shanghai CDMO can own the rectification."
    i.refresh_from_db()
    assert (i.status, i.conclusion, Finding.objects.get(pk=f1.pk).capa_id) == ("report", "", None)
    assert counts() == before


def test_the_partner_province_names_its_own_inspectors_before_the_joint_inspection_is_notified(sup):
    i = plan(sup, team=[sup.js[0], sup.js[1]], partner_to_name=True)
    assert list(i.members.values_list("region_code", flat=True)) == ["320000", "320000"]
    asked = Notification.objects.filter(subject_id=i.pk, recipient__username__startswith="sh-")
    assert sorted(asked.values_list("recipient__username", flat=True)) == [
        "sh-inspector",
        "sh-inspector-2",
        "sh-inspector-3",
    ]
    before = counts()
    with pytest.raises(ValidationFailed) as exc:
        svc.inspection_notify(actor=sup.js[0], inspection=i)
    assert problems(exc) == {"team": "The partner province (310000) has not yet named its two inspectors."}
    # the partner may not touch the lead's people or its leader
    with pytest.raises(ValidationFailed) as exc:
        svc.inspection_assign_team(
            actor=sup.sh[0], inspection=i, team=[sup.js[0], sup.sh[0], sup.sh[1]], leader=sup.js[0]
        )
    assert set(problems(exc)) == {"team"}
    with pytest.raises(PermissionDenied):
        svc.inspection_assign_team(actor=sup.world.gd_inspector, inspection=i, team=[], leader=None)
    assert counts() == before
    svc.inspection_assign_team(
        actor=sup.sh[0], inspection=i, team=[sup.js[0], sup.js[1], sup.sh[0], sup.sh[1]], leader=sup.js[0]
    )
    assert sorted(i.members.values_list("region_code", flat=True)) == ["310000", "310000", "320000", "320000"]
    assert i.members.get(is_leader=True).user_id == sup.js[0].pk
    svc.inspection_notify(actor=sup.js[0], inspection=i)
    i.refresh_from_db()
    assert i.status == "notified"
