"""Simultaneous requests on one pilot application, on real connections (committed data, one thread each):
two provinces approving the joint plan at once agree it; two recommendations at once open the joint plan;
two NMPA decisions at once give one decision and one refusal."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from bioseg.common.errors import ApplicationError
from bioseg.pilots import services
from bioseg.pilots.models import ApplicationEvent, JointPlanApproval, JointRegulatoryPlan, NmpaDecision
from tests.conftest import PASSWORD
from tests.pilots.test_workflow import recommended_pd1, submitted_pd1

pytestmark = pytest.mark.django_db(transaction=True)


def at_once(*calls):
    """Runs the calls in parallel threads released together; returns each call's result or error."""
    barrier = threading.Barrier(len(calls))
    results: list[object] = [None] * len(calls)

    def run(i, call):
        try:
            barrier.wait()
            results[i] = call()
        except ApplicationError as exc:
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return results


def test_two_provinces_approving_the_joint_plan_at_once_agree_it(pw, on_day, audited_transactional_db):
    app = recommended_pd1(pw)
    plan = JointRegulatoryPlan.objects.get(application=app)
    results = at_once(
        lambda: services.joint_plan_approve(
            actor=pw.js_reviewer, plan=JointRegulatoryPlan.objects.get(pk=plan.pk), password=PASSWORD
        ),
        lambda: services.joint_plan_approve(
            actor=pw.sh_reviewer, plan=JointRegulatoryPlan.objects.get(pk=plan.pk), password=PASSWORD
        ),
    )
    assert [type(r).__name__ for r in results] == ["JointRegulatoryPlan", "JointRegulatoryPlan"]
    app.refresh_from_db()
    plan.refresh_from_db()
    assert (app.status, plan.status) == ("joint_plan_agreed", "agreed")
    assert JointPlanApproval.objects.filter(plan=plan, approved_at__isnull=True).count() == 0
    approved = ApplicationEvent.objects.filter(application=app, kind="joint_plan_approved").order_by("id")
    assert sorted(len(e.data["pending"]) for e in approved) == [0, 1]
    assert ApplicationEvent.objects.filter(application=app, kind="joint_plan_agreed").count() == 1


def test_two_recommendations_at_once_open_the_joint_plan(pw, on_day, audited_transactional_db):
    app = submitted_pd1(pw)
    results = at_once(
        lambda: services.review_record(
            actor=pw.js_reviewer, application=type(app).objects.get(pk=app.pk), action="recommend"
        ),
        lambda: services.review_record(
            actor=pw.sh_reviewer, application=type(app).objects.get(pk=app.pk), action="recommend"
        ),
    )
    assert [type(r).__name__ for r in results] == ["ProvincialReview", "ProvincialReview"]
    app.refresh_from_db()
    assert app.status == "recommended"
    plan = JointRegulatoryPlan.objects.get(application=app)
    assert (plan.status, sorted(a.province_code for a in plan.approvals.all())) == ("pending", ["310000", "320000"])


def test_two_decisions_at_once_give_one_decision_and_one_refusal(pw, on_day, audited_transactional_db):
    app = recommended_pd1(pw)
    plan = JointRegulatoryPlan.objects.get(application=app)
    services.joint_plan_approve(actor=pw.js_reviewer, plan=plan, password=PASSWORD)
    services.joint_plan_approve(actor=pw.sh_reviewer, plan=plan, password=PASSWORD)

    def decide(decision):
        return lambda: services.nmpa_decide(
            actor=pw.nmpa,
            application=type(app).objects.get(pk=app.pk),
            decision=decision,
            conditions="Annual report per lot." if decision == "approve" else "",
            reason="Reviewed.",
            password=PASSWORD,
        )

    results = at_once(decide("approve"), decide("reject"))
    refusals = [r for r in results if isinstance(r, ApplicationError)]
    assert len(refusals) == 1 and refusals[0].code == "wrong_state"
    assert NmpaDecision.objects.filter(application=app).count() == 1
    app.refresh_from_db()
    winner = NmpaDecision.objects.get(application=app)
    assert app.status == {"approve": "approved", "reject": "rejected"}[winner.decision]
    assert ApplicationEvent.objects.filter(application=app, kind="decided").count() == 1
