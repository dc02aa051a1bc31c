"""The shared example problem: optimal at value 1,184, accepted by the external checker and by bioseg's own."""

from __future__ import annotations

import json

from bioseg.scheduling import load_problem_text, solve, validate_plan

from .conftest import run_check


def test_example_problem_is_solved_to_its_optimum(oversight, tmp_path):
    text = (oversight / "example-problem.json").read_text(encoding="utf-8")
    problem = load_problem_text(text)
    plan = solve(problem, time_limit=30, workers=2)
    assert plan.status == "optimal"
    assert (plan.value, plan.bound) == (1184, 1184)
    assert validate_plan(problem, plan) == []
    result = run_check(oversight, json.loads(text), plan.as_dict(), tmp_path)
    assert result.returncode == 0, result.stdout
    assert result.stdout.strip().splitlines()[-1] == "value 1184 (mandatory 6/6), 0 violations"
    # every assignment explains itself
    assert set(plan.explanations) == {j.id for j in problem.jobs}
    explained = plan.explanations["J0013"]
    assert explained["team"]["leader"]["inspector"] in {"SH-008", "SH-009", "SH-010"}  # joint: lead province 310000
    conflict = next(g for g in explained["not_chosen"] if g["reason"] == "conflict")
    assert set(conflict["inspectors"]) == {"JS-000", "SH-011"}
