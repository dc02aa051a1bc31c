"""The background solve of an inspection plan (the Django tasks framework, ``django_tasks``: the database backend
runs it in ``bioseg worker``; the tests run it at once). Progress is written at each phase; the plan the scheduler
returns (with its explanations, or the conflicts when mandatory jobs cannot all be scheduled) is stored as it is."""

from __future__ import annotations

import time

from django_tasks import task


@task()
def solve_inspection_plan(plan_id: int) -> None:
    from bioseg.oversight import plans
    from bioseg.oversight.models import InspectionPlan
    from bioseg.scheduling import parse_plan, parse_problem, solve, validate_plan

    plan = InspectionPlan.objects.get(pk=plan_id)
    started = time.perf_counter()
    try:
        plans.plan_progress(plan_id=plan_id, percent=5, step="reading")
        problem = parse_problem(plan.problem)
        previous = None
        if plan.previous_id and plan.previous.result:
            previous = parse_plan({"assignments": plan.previous.result["assignments"]}, where="previous")
            previous = [a for a in previous if a.job in problem.job_by_id]
        plans.plan_progress(plan_id=plan_id, percent=10, step="solving")
        result = solve(problem, time_limit=float(plan.time_limit), previous=previous, keep=plan.kept_jobs)
        plans.plan_progress(plan_id=plan_id, percent=95, step="validating")
        violations = validate_plan(problem, result) if result.assignments else []
        if violations:
            raise RuntimeError("; ".join(v.message_en for v in violations[:5]))
        plans.plan_finish(plan_id=plan_id, result=result.as_dict(), seconds=time.perf_counter() - started)
    except Exception as exc:  # the solve fails visibly (status and message); the worker goes on
        plans.plan_fail(plan_id=plan_id, error=f"{type(exc).__name__}: {exc}")
        raise
