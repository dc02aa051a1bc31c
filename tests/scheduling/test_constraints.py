"""Each hard constraint (1–8) on a small problem made for it: the model never breaks it, and a plan that does
is caught by bioseg's validator — and by the external checker (``check.py``) when the shared folder is there."""

from __future__ import annotations

from datetime import date

import pytest

from bioseg.scheduling import Assignment, parse_problem, solve, validate_plan

from .conftest import inspector, job, problem, run_check

JS = "320000"
SH = "310000"


def plan_of(*assignments):
    return {
        "status": "feasible",
        "assignments": [
            {"job": j, "start": s, "inspectors": list(team), "leader": lead} for j, s, team, lead in assignments
        ],
        "unscheduled": [],
        "objective": {"value": 0, "bound": 0},
    }


def solved(data):
    p = parse_problem(data)
    plan = solve(p, time_limit=10, workers=1)
    assert validate_plan(p, plan) == []
    return p, plan


def violations(data, plan):
    p = parse_problem(data)
    assignments = [
        Assignment(a["job"], date.fromisoformat(a["start"]), tuple(a["inspectors"]), a["leader"])
        for a in plan["assignments"]
    ]
    return [(v.constraint, v.code, v.job, v.inspector) for v in validate_plan(p, assignments)]


def oracle_rejects(oversight, data, plan, tmp_path):
    result = run_check(oversight, data, plan, tmp_path)
    assert result.returncode == 1, result.stdout
    return result.stdout


# 1 ------------------------------------------------------------------------------------------------


WORKDAYS = problem(
    inspectors=[inspector("A"), inspector("B")],
    jobs=[job("J1", duration=2, window=("2027-03-05", "2027-03-09"), mandatory=True)],
)


def test_1_model_uses_consecutive_working_days_only():
    p, plan = solved(WORKDAYS)
    assert [(a.job, a.start) for a in plan.assignments] == [("J1", date(2027, 3, 8))]  # Mon–Tue, not Fri–Sat


@pytest.mark.parametrize(
    ("start", "code"),
    [("2027-03-05", "not_working_day"), ("2027-03-09", "outside_window"), ("2027-02-26", "outside_window")],
)
def test_1_validator_catches_bad_days(start, code, oversight_optional, tmp_path):
    bad = plan_of(("J1", start, ("A", "B"), "A"))
    assert (1, code, "J1", None) in violations(WORKDAYS, bad)
    if oversight_optional:
        assert "not allowed" in oracle_rejects(oversight_optional, WORKDAYS, bad, tmp_path)


def test_1_working_weekend_counts():
    data = problem(
        inspectors=[inspector("A"), inspector("B")],
        jobs=[job("J1", duration=2, window=("2027-03-05", "2027-03-07"), mandatory=True)],
        working_weekends=["2027-03-06"],
    )
    _, plan = solved(data)
    assert plan.assignments[0].start == date(2027, 3, 5)


# 2 ------------------------------------------------------------------------------------------------

QUALS = problem(
    inspectors=[inspector("A"), inspector("B"), inspector("C", quals=("aseptic",))],
    jobs=[job("J1", team=(2, 2), requires={"aseptic": 1}, mandatory=True)],
)


def test_2_model_takes_the_qualified_member():
    _, plan = solved(QUALS)
    assert "C" in plan.assignments[0].inspectors and len(plan.assignments[0].inspectors) == 2


def test_2_validator_catches_missing_qualification_and_size(oversight_optional, tmp_path):
    bad = plan_of(("J1", "2027-03-01", ("A", "B"), "A"))
    assert violations(QUALS, bad) == [(2, "qualification", "J1", None)]
    too_big = plan_of(("J1", "2027-03-01", ("A", "B", "C"), "A"))
    assert violations(QUALS, too_big) == [(2, "team_size", "J1", None)]
    if oversight_optional:
        assert "aseptic 0 < 1" in oracle_rejects(oversight_optional, QUALS, bad, tmp_path)


# 3 ------------------------------------------------------------------------------------------------

LEAD = problem(
    inspectors=[
        inspector("JS-1", JS, ("lead", "biologics")),
        inspector("JS-2", JS, ("biologics",)),
        inspector("SH-1", SH, ("biologics",), city="浦东"),
        inspector("SH-2", SH, ("lead", "biologics"), city="浦东"),
    ],
    jobs=[job("J1", team=(4, 4), joint=(SH, JS, 2), mandatory=True)],
)


def test_3_joint_leader_from_the_lead_province():
    _, plan = solved(LEAD)
    a = plan.assignments[0]
    assert a.leader == "SH-2" and set(a.inspectors) == {"JS-1", "JS-2", "SH-1", "SH-2"}


def test_3_validator_catches_bad_leaders(oversight_optional, tmp_path):
    wrong_province = plan_of(("J1", "2027-03-01", ("JS-1", "JS-2", "SH-1", "SH-2"), "JS-1"))
    assert violations(LEAD, wrong_province) == [(3, "leader_province", "J1", "JS-1")]
    not_qualified = plan_of(("J1", "2027-03-01", ("JS-1", "JS-2", "SH-1", "SH-2"), "SH-1"))
    assert violations(LEAD, not_qualified) == [(3, "leader_not_qualified", "J1", "SH-1")]
    outsider = plan_of(("J1", "2027-03-01", ("JS-1", "JS-2", "SH-1", "SH-2"), "ZZ"))
    assert violations(LEAD, outsider) == [(3, "leader_not_member", "J1", "ZZ")]
    if oversight_optional:
        assert "leader not from the lead province" in oracle_rejects(oversight_optional, LEAD, wrong_province, tmp_path)


# 4 ------------------------------------------------------------------------------------------------

PROVINCE = problem(
    inspectors=[
        inspector("JS-1", JS, ("lead",)),
        inspector("JS-2", JS, ("lead",), unavailable=[("2027-03-01", "2027-03-31")]),
        inspector("SH-1", SH, ("lead",), city="浦东"),
        inspector("SH-2", SH, ("lead",), city="浦东"),
        inspector("SH-3", SH, ("lead",), city="浦东"),
    ],
    jobs=[job("J1", team=(2, 3), value=5), job("J2", team=(3, 3), joint=(SH, JS, 1), value=7)],
)


def test_4_non_joint_job_only_from_the_site_province():
    _, plan = solved(PROVINCE)
    # J1 (Jiangsu site) would need two Jiangsu inspectors; only JS-1 is free: it is left out rather than
    # staffed from Shanghai. J2 (joint, ≥1 from each) is staffed from both.
    assert plan.unscheduled == ["J1"]
    a = plan.assignments[0]
    assert a.job == "J2" and "JS-1" in a.inspectors and a.leader.startswith("SH-")


def test_4_validator_catches_province_and_min_each(oversight_optional, tmp_path):
    outsiders = plan_of(("J1", "2027-03-01", ("JS-1", "SH-1"), "JS-1"))
    assert violations(PROVINCE, outsiders) == [(4, "province", "J1", "SH-1")]
    one_sided = plan_of(("J2", "2027-03-01", ("SH-1", "SH-2", "SH-3"), "SH-1"))
    assert violations(PROVINCE, one_sided) == [(4, "joint_min_each", "J2", None)]
    if oversight_optional:
        assert "not eligible" in oracle_rejects(oversight_optional, PROVINCE, outsiders, tmp_path)
        assert "0 from 320000 < 1" in oracle_rejects(oversight_optional, PROVINCE, one_sided, tmp_path)


# 5 ------------------------------------------------------------------------------------------------

RECUSAL = problem(
    inspectors=[
        inspector("A", city="南京"),
        inspector("B", city="苏州"),
        inspector("C", city="南京"),
        inspector("D", city="无锡"),
    ],
    jobs=[job("J1", team=(2, 2), unannounced=True, kind="unannounced", mandatory=True)],
    conflicts=[("A", "S1")],
)


def test_5_no_conflict_of_interest_nobody_from_the_city():
    _, plan = solved(RECUSAL)
    assert set(plan.assignments[0].inspectors) == {"C", "D"}  # not A (回避), not B (lives in 苏州)


def test_5_validator_catches_recusal_and_city(oversight_optional, tmp_path):
    bad = plan_of(("J1", "2027-03-01", ("A", "B"), "A"))
    assert violations(RECUSAL, bad) == [(5, "conflict", "J1", "A"), (5, "lives_in_city", "J1", "B")]
    if oversight_optional:
        assert "not eligible" in oracle_rejects(oversight_optional, RECUSAL, bad, tmp_path)


# 6 ------------------------------------------------------------------------------------------------

BUSY = problem(
    inspectors=[
        inspector("A", unavailable=[("2027-03-01", "2027-03-05")]),
        inspector("B", quals=("biologics",)),
        inspector("C", quals=("biologics",)),
    ],
    jobs=[
        job("J1", window=("2027-03-01", "2027-03-09"), mandatory=True),
        job("J2", window=("2027-03-01", "2027-03-09"), mandatory=True),
    ],
)


def test_6_unavailability_and_no_double_booking():
    p, plan = solved(BUSY)
    starts = sorted(a.start for a in plan.assignments)
    assert starts == [date(2027, 3, 8), date(2027, 3, 9)]  # A, the only leader, is away until Friday


def test_6_validator_catches_unavailable_and_double_booked(oversight_optional, tmp_path):
    away = plan_of(("J1", "2027-03-02", ("A", "B"), "A"))
    assert violations(BUSY, away) == [(6, "unavailable", "J1", "A"), (8, "mandatory_unscheduled", "J2", None)]
    twice = plan_of(("J1", "2027-03-08", ("A", "B"), "A"), ("J2", "2027-03-08", ("A", "C"), "A"))
    assert violations(BUSY, twice) == [(6, "double_booked", "J2", "A")]
    if oversight_optional:
        assert "A unavailable" in oracle_rejects(oversight_optional, BUSY, away, tmp_path)
        assert "A double-booked" in oracle_rejects(oversight_optional, BUSY, twice, tmp_path)


# 7 ------------------------------------------------------------------------------------------------

DAYS = problem(
    inspectors=[inspector("A", max_days=3), inspector("B", quals=("biologics",)), inspector("C", quals=("biologics",))],
    jobs=[job("J1", duration=2, value=10), job("J2", duration=2, value=30), job("J3", duration=2, value=20)],
)


def test_7_max_days_the_only_leader_does_the_most_valuable_job():
    _, plan = solved(DAYS)
    assert [a.job for a in plan.assignments] == ["J2"] and plan.value == 30


def test_7_validator_catches_max_days(oversight_optional, tmp_path):
    bad = plan_of(("J1", "2027-03-01", ("A", "B"), "A"), ("J2", "2027-03-03", ("A", "C"), "A"))
    assert violations(DAYS, bad) == [(7, "max_days", None, "A")]
    if oversight_optional:
        assert "A: load 4 > 3" in oracle_rejects(oversight_optional, DAYS, bad, tmp_path)


# 8 ------------------------------------------------------------------------------------------------

MANDATORY = problem(
    inspectors=[inspector("A"), inspector("B")],
    jobs=[
        job("J1", mandatory=True, value=1),
        job("J2", value=100, window=("2027-03-01", "2027-03-01")),
    ],
    horizon=("2027-03-01", "2027-03-01"),
)


def test_8_mandatory_before_value():
    _, plan = solved(MANDATORY)
    assert [a.job for a in plan.assignments] == ["J1"] and plan.unscheduled == ["J2"]


def test_8_validator_catches_missing_mandatory(oversight_optional, tmp_path):
    bad = plan_of(("J2", "2027-03-01", ("A", "B"), "A"))
    assert violations(MANDATORY, bad) == [(8, "mandatory_unscheduled", "J1", None)]
    if oversight_optional:
        assert "mandatory jobs unscheduled" in oracle_rejects(oversight_optional, MANDATORY, bad, tmp_path)


def test_unknown_job_and_job_twice():
    bad = plan_of(
        ("J9", "2027-03-01", ("A", "B"), "A"),
        ("J1", "2027-03-01", ("A", "B"), "A"),
        ("J1", "2027-03-02", ("A", "B"), "A"),
    )
    assert violations(MANDATORY, bad) == [(0, "unknown_job", "J9", None), (0, "scheduled_twice", "J1", None)]
