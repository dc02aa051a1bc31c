"""When the mandatory jobs cannot all be scheduled: no plan, and the conflicting rules as actions."""

from __future__ import annotations

from bioseg.scheduling import parse_problem, solve

from .conftest import inspector, job, problem

SH = "310000"


def test_one_job_lacks_a_qualified_inspector():
    data = problem(
        inspectors=[
            inspector("SH-1", SH, ("lead", "aseptic"), city="浦东"),
            inspector("SH-2", SH, ("biologics",), city="浦东"),
            inspector("SH-3", SH, ("biologics",), city="浦东"),
        ],
        sites=[{"id": "S1", "province": SH, "city": "闵行"}],
        jobs=[job("J1", duration=2, requires={"aseptic": 2}, mandatory=True)],
    )
    plan = solve(parse_problem(data), time_limit=5, workers=1)
    assert plan.status == "infeasible" and plan.assignments == [] and plan.unscheduled == ["J1"]
    [conflict] = plan.conflicts
    assert conflict["code"] == "cannot_staff"
    assert conflict["groups"] == [
        {"kind": "requires", "job": "J1", "qualification": "aseptic"},
        {"kind": "mandatory", "job": "J1"},
    ]
    assert conflict["actions"][0]["message"] == (
        "J1 needs a second aseptic-qualified inspector from 310000 free for 2 day(s) between 2027-03-01 and 2027-03-31"
    )
    assert conflict["actions"][0]["message_zh"] == (
        "J1 需要再增加一名来自 310000、具备无菌资质、在 2027-03-01 至 2027-03-31 之间有 2 天空闲的检查员"
    )


def test_no_working_days_in_the_window():
    data = problem(
        inspectors=[inspector("A"), inspector("B")],
        jobs=[job("J1", duration=2, window=("2027-03-06", "2027-03-07"), mandatory=True)],  # a weekend
    )
    plan = solve(parse_problem(data), time_limit=5, workers=1)
    assert plan.status == "infeasible"
    assert plan.conflicts[0]["code"] == "no_start_in_window"
    assert (
        plan.conflicts[0]["actions"][0]["message"]
        == "widen the window of J1 (now 2027-03-06 to 2027-03-07, 2 working day(s) needed)"
    )


def test_two_jobs_compete_for_the_only_leader_core_names_the_rules():
    # each job alone is fine; together they need A (the only leader) on the same two days
    data = problem(
        inspectors=[inspector("A"), inspector("B", quals=("biologics",)), inspector("C", quals=("biologics",))],
        jobs=[
            job("J1", duration=2, window=("2027-03-01", "2027-03-02"), mandatory=True),
            job("J2", duration=2, window=("2027-03-01", "2027-03-02"), mandatory=True),
        ],
    )
    plan = solve(parse_problem(data), time_limit=10, workers=1)
    assert plan.status == "infeasible"
    [conflict] = plan.conflicts
    assert conflict["code"] == "conflicting_constraints"
    kinds = {(g["kind"], g.get("job")) for g in conflict["groups"]}
    # the windows and the mandatory flags conflict; leader rules are part of it too
    assert {("window", "J1"), ("window", "J2"), ("mandatory", "J1"), ("mandatory", "J2")} <= kinds
    alone = {(a["group"]["kind"], a["group"].get("job")): a["resolves_alone"] for a in conflict["actions"]}
    assert alone[("window", "J1")] is True and alone[("mandatory", "J2")] is True
    assert all(a["message_zh"] and a["message"] for a in conflict["actions"])


def test_unavailability_is_named():
    data = problem(
        inspectors=[inspector("A", unavailable=[("2027-03-01", "2027-03-03")]), inspector("B", quals=("biologics",))],
        jobs=[job("J1", window=("2027-03-01", "2027-03-03"), mandatory=True)],
    )
    plan = solve(parse_problem(data), time_limit=10, workers=1)
    assert plan.status == "infeasible"
    [conflict] = plan.conflicts
    assert conflict["code"] == "cannot_staff"
    assert {"kind": "unavailable", "inspector": "A", "period": 0} in conflict["groups"]
    messages = [a["message"] for a in conflict["actions"]]
    assert "lift the unavailability of A on 2027-03-01 to 2027-03-03" in messages
    assert (
        "J1 needs a lead-qualified inspector from 320000 free for 1 day(s) between 2027-03-01 and 2027-03-03"
        in messages
    )


def test_max_days_is_named():
    # A, the only leader, may inspect one day; two mandatory one-day jobs need a leader
    data = problem(
        inspectors=[inspector("A", max_days=1), inspector("B", quals=("biologics",))],
        jobs=[
            job("J2", window=("2027-03-04", "2027-03-04"), mandatory=True),
            job("J3", window=("2027-03-05", "2027-03-05"), mandatory=True),
        ],
    )
    plan = solve(parse_problem(data), time_limit=10, workers=1)
    assert plan.status == "infeasible"
    [conflict] = plan.conflicts
    assert conflict["code"] == "conflicting_constraints"
    assert {"kind": "max_days", "inspector": "A"} in conflict["groups"]
    action = next(a for a in conflict["actions"] if a["group"] == {"kind": "max_days", "inspector": "A"})
    assert action["message"] == "raise the inspection days of A (max_days, now 1)"
    assert action["message_zh"] == "提高 A 的检查天数上限（目前为 1 天）"
    assert action["resolves_alone"] is True
