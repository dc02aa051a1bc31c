"""Re-planning: kept (notified) assignments stay exactly; the rest changes as little as possible."""

from __future__ import annotations

from datetime import date

import pytest

from bioseg.scheduling import Assignment, ProblemError, parse_problem, solve, validate_plan

from .conftest import inspector, job, problem


def world(extra_unavailable=()):
    return problem(
        inspectors=[
            inspector("A"),
            inspector("B"),
            inspector("C", quals=("biologics",), unavailable=list(extra_unavailable)),
            inspector("D", quals=("biologics",)),
        ],
        jobs=[job(f"J{k}", value=10 + k, window=("2027-03-01", "2027-03-19")) for k in range(1, 7)],
    )


def test_replan_keeps_fixed_and_changes_little():
    p = parse_problem(world())
    first = solve(p, time_limit=10, workers=1)
    assert len(first.assignments) == 6 and first.status == "optimal"
    # C becomes unavailable on the day of one of its jobs; that job and only that one must change
    victim = next(a for a in first.assignments if "C" in a.inspectors)
    kept = [a.job for a in first.assignments if a.job != victim.job][:2]
    day = victim.start.isoformat()
    p2 = parse_problem(world(extra_unavailable=[(day, day)]))
    second = solve(p2, time_limit=10, workers=1, previous=first.assignments, keep=kept)
    assert validate_plan(p2, second) == []
    before = {a.job: a for a in first.assignments}
    after = {a.job: a for a in second.assignments}
    for k in kept:
        assert after[k] == before[k]
    assert second.changes is not None
    assert second.changes["kept"] == sorted(kept)
    assert second.changes["changed"] == 1
    assert second.value == first.value


def test_keep_must_name_a_previous_job():
    p = parse_problem(world())
    with pytest.raises(ProblemError) as info:
        solve(p, time_limit=5, previous=[], keep=["J1"])
    assert (info.value.field, info.value.code) == ("keep[0]", "not_in_previous")
    with pytest.raises(ProblemError) as info:
        solve(p, time_limit=5, previous=[], keep=["J99"])
    assert (info.value.field, info.value.code) == ("keep[0]", "unknown_job")


def test_a_kept_assignment_that_breaks_a_rule_is_reported():
    p = parse_problem(world(extra_unavailable=[("2027-03-01", "2027-03-01")]))
    kept = Assignment("J1", date(2027, 3, 1), ("A", "C"), "A")
    plan = solve(p, time_limit=5, previous=[kept], keep=["J1"])
    assert plan.status == "infeasible"
    assert plan.conflicts[0]["code"] == "kept_assignment_invalid"
    assert plan.conflicts[0]["violations"][0]["code"] == "unavailable"
