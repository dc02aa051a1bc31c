"""The annual programme and its plan: what Jiangsu must do in 2027 for the PD-1 chain (a joint annual inspection of
the Shanghai CMO led by Jiangsu, sampling and the drug-substance site's jobs), solved in the background and checked
by the shared checker; the approval's e-signature records the commitment; the seed is revealed only after the year
and re-derives every draw; refusals write nothing."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest

from bioseg.audit.models import AuditEvent, Signature
from bioseg.common import clock
from bioseg.common.errors import PermissionDenied, ValidationFailed
from bioseg.common.workflow import WrongState
from bioseg.oversight import plans
from bioseg.oversight.models import InspectionPlan, InspectionPlanEvent, RiskRating
from bioseg.scheduling.draws import parse_seed
from tests.conftest import PASSWORD
from tests.scheduling.conftest import oversight_path, run_check

pytestmark = pytest.mark.django_db
IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture
def immediate(settings):
    settings.TASKS = IMMEDIATE


def solved(sup, capture, **kw):
    with capture(execute=True):
        plan = plans.plan_create(actor=sup.js[0], year=2027, time_limit=10, **kw)
    plan.refresh_from_db()
    return plan


def test_the_programme_covers_the_chain_and_the_plan_is_solved_in_the_background(
    sup, immediate, django_capture_on_commit_callbacks, tmp_path
):
    w = sup.world
    plan = solved(sup, django_capture_on_commit_callbacks)
    assert (plan.reference, plan.status, plan.progress, plan.step) == ("IPL-320000-2027-v1", "solved", 100, "done")
    kinds = {j["id"]: (j["type"], j["mandatory"], j.get("joint")) for j in plan.problem["jobs"]}
    pd1, js, sh = w.pd1.pk, w.js_site.pk, w.sh_site.pk
    assert kinds[f"AC-{pd1}-{js}"] == ("annual_comprehensive", True, None)
    assert kinds[f"AC-{pd1}-{sh}"] == (
        "annual_comprehensive",
        True,
        {"lead_province": "320000", "partner_province": "310000", "min_each": 2},
    )
    assert kinds[f"SM-{pd1}-{js}"] == ("sampling", True, None)
    assert kinds[f"GMP-{js}"] == ("gmp_compliance", True, None)  # never inspected: due
    assert kinds["UA-1"] == ("unannounced", True, None)
    assert sorted(kinds) == sorted([f"AC-{pd1}-{js}", f"AC-{pd1}-{sh}", f"SM-{pd1}-{js}", f"GMP-{js}", "UA-1"])
    # Shanghai's people appear only as counts: three free inspectors, no names
    partners = [i["id"] for i in plan.problem["inspectors"] if i["province"] == "310000"]
    assert partners == ["310000-free-1", "310000-free-2", "310000-free-3"]
    # every site concerned was rated for the programme
    assert set(RiskRating.objects.filter(cause="programme").values_list("site_id", flat=True)) == {js, sh}
    result = plan.result
    assert (result["status"], result["unscheduled"]) == ("optimal", [])
    assert {a["job"] for a in result["assignments"]} == set(kinds)
    # the shared checker agrees, and counts the same value
    if (oversight_path() / "check.py").is_file():
        done = run_check(oversight_path(), plan.problem, result, tmp_path)
        assert done.returncode == 0, done.stdout
        assert f"value {result['objective']['value']} " in done.stdout
    # the unannounced job starts inside its drawn window
    ua = next(a for a in result["assignments"] if a["job"] == "UA-1")
    drawn = dt.date.fromisoformat(plan.draws[0]["date"])
    assert drawn <= dt.date.fromisoformat(ua["start"]) <= drawn + dt.timedelta(days=12)


def test_approval_records_the_commitment_and_the_seed_stays_secret_until_the_year_is_over(
    sup, immediate, django_capture_on_commit_callbacks
):
    plan = solved(sup, django_capture_on_commit_callbacks)
    plans.plan_approve(actor=sup.js[2], plan=plan, password=PASSWORD)
    plan.refresh_from_db()
    seed = parse_seed(plan.seed_hex)
    expected = hashlib.sha256(seed + b"320000-2027" + b"\x00" + b"1").hexdigest()
    assert (plan.status, plan.commitment, plan.approved_by_id) == ("approved", expected, sup.js[2].pk)
    sig = Signature.objects.get(table_name="oversight_inspectionplan", object_pk=str(plan.pk))
    assert (sig.signer_id, sig.meaning) == (sup.js[2].pk, "approved")
    # before the year is over: refused, nothing written
    before = (InspectionPlanEvent.objects.count(), AuditEvent.objects.count())
    with pytest.raises(ValidationFailed) as exc:
        plans.plan_reveal_seed(actor=sup.js[0], plan=plan)
    assert exc.value.details["fields"]["plan"]["message_zh"] == "种子须在年度结束后公开（2028-01-01 起）。"
    assert plans.plan_rederive(plan) == ([], False)
    assert (InspectionPlanEvent.objects.count(), AuditEvent.objects.count()) == before
    # after it: revealed, and the draws re-derive exactly
    with clock.pinned(dt.datetime(2028, 1, 2, 9, 0, tzinfo=dt.UTC)):
        plans.plan_reveal_seed(actor=sup.js[0], plan=plan)
    plan.refresh_from_db()
    again, ok = plans.plan_rederive(plan)
    assert ok is True and again == plan.draws and len(again) == 1
    # a tampered record no longer re-derives
    plan.draws[0]["date"] = "2027-01-04"
    assert plans.plan_rederive(plan)[1] is False


def test_a_new_version_supersedes_the_approved_one_on_approval(sup, immediate, django_capture_on_commit_callbacks):
    first = solved(sup, django_capture_on_commit_callbacks)
    plans.plan_approve(actor=sup.js[0], plan=first, password=PASSWORD)
    second = solved(sup, django_capture_on_commit_callbacks)
    assert (second.version, second.previous_id, second.status) == (2, first.pk, "solved")
    assert second.seed_hex != first.seed_hex
    plans.plan_approve(actor=sup.js[0], plan=second, password=PASSWORD)
    assert dict(InspectionPlan.objects.values_list("version", "status")) == {1: "superseded", 2: "approved"}


def test_refusals_write_nothing(sup, immediate, django_capture_on_commit_callbacks):
    w = sup.world
    before = (InspectionPlan.objects.count(), RiskRating.objects.count(), AuditEvent.objects.count())
    with pytest.raises(ValidationFailed) as exc:
        plans.plan_create(actor=sup.js[0], year=2030, time_limit=2)
    assert set(exc.value.details["fields"]) == {"year", "time_limit"}
    with pytest.raises(PermissionDenied):
        plans.plan_create(actor=w.cmo_qa, year=2027)
    assert (InspectionPlan.objects.count(), RiskRating.objects.count(), AuditEvent.objects.count()) == before
    plan = solved(sup, django_capture_on_commit_callbacks)
    for actor in (sup.sh[0], w.cmo_qa):
        with pytest.raises(PermissionDenied):
            plans.plan_approve(actor=actor, plan=plan, password=PASSWORD)
    plans.plan_approve(actor=sup.js[0], plan=plan, password=PASSWORD)
    with pytest.raises(WrongState):
        plans.plan_approve(actor=sup.js[0], plan=plan, password=PASSWORD)


def test_re_planning_keeps_the_notified_jobs_exactly(sup, immediate, django_capture_on_commit_callbacks):
    from bioseg.oversight import services as isvc
    from bioseg.registry.models import Site

    w = sup.world
    first = solved(sup, django_capture_on_commit_callbacks)
    plans.plan_approve(actor=sup.js[0], plan=first, password=PASSWORD)
    job = f"SM-{w.pd1.pk}-{w.js_site.pk}"
    a = next(x for x in first.result["assignments"] if x["job"] == job)
    team = [u for u in (*sup.js, *sup.sh) if u.username in a["inspectors"]]
    start = dt.date.fromisoformat(a["start"])
    i = isvc.inspection_create(
        actor=sup.js[0],
        kind="sampling",
        product=w.pd1,
        sites=[Site.objects.get(pk=w.js_site.pk)],
        team=team,
        leader=next(u for u in team if u.username == a["leader"]),
        planned_from=start,
        planned_to=start,
        plan_job=plans.plan_job_key(first, job),
    )
    assert i.approved_by_id == sup.js[0].pk  # the plan's approver, carried by the job key
    before = AuditEvent.objects.count()
    with pytest.raises(ValidationFailed) as exc:
        isvc.inspection_create(
            actor=sup.js[0],
            kind="sampling",
            product=w.pd1,
            sites=[Site.objects.get(pk=w.js_site.pk)],
            team=team,
            leader=next(u for u in team if u.username == a["leader"]),
            planned_from=start,
            planned_to=start,
            plan_job="320000-2027:NO-SUCH-JOB",
        )
    assert exc.value.details["fields"]["plan_job"]["message_zh"] == "本省已批准的检查计划中没有该任务。"
    assert AuditEvent.objects.count() == before
    isvc.inspection_notify(actor=sup.js[0], inspection=i)
    second = solved(sup, django_capture_on_commit_callbacks)
    assert second.kept_jobs == [job]
    again = next(x for x in second.result["assignments"] if x["job"] == job)
    assert again == a
    assert second.result["status"] in ("optimal", "feasible")
