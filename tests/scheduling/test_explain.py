"""Every assignment explains itself; an unscheduled job says why; components split independent provinces."""

from __future__ import annotations

from bioseg.scheduling import components, parse_problem, solve

from .conftest import inspector, job, problem

JS, SH, ZJ = "320000", "310000", "330000"


def test_reasons_for_the_inspectors_not_chosen():
    data = problem(
        inspectors=[
            inspector("A", quals=("lead", "biologics")),
            inspector("B", quals=("biologics",)),
            inspector("C", quals=("biologics",), unavailable=[("2027-03-01", "2027-03-31")]),
            inspector("D", quals=("biologics",), max_days=0),
            inspector("E", quals=("official",)),
            inspector("F", quals=("biologics",)),
            inspector("SH-1", SH, ("lead", "biologics"), city="浦东"),
        ],
        jobs=[
            job("J1", window=("2027-03-01", "2027-03-01"), requires={"biologics": 2}, obligations=["annual:S1:2027"])
        ],
        conflicts=[("F", "S1")],
        horizon=("2027-03-01", "2027-03-01"),
    )
    plan = solve(parse_problem(data), time_limit=10, workers=1)
    [a] = plan.assignments
    assert (a.leader, set(a.inspectors)) == ("A", {"A", "B"})
    e = plan.explanations["J1"]
    assert e["covers"]["obligations"] == ["annual:S1:2027"]
    assert e["team"]["requires"] == {"biologics": ["A", "B"]}
    assert e["team"]["leader"]["message"] == "the only member who may lead"
    reasons = {g["reason"]: g.get("inspectors", g.get("count")) for g in e["not_chosen"]}
    assert reasons == {
        "conflict": {"F": None},
        "unavailable": {"C": "2027-03-01–2027-03-31"},
        "max_days": {"D": "0/0"},
        "lacks_qualification": {"E": None},
        "province": 1,
    }
    assert [b["code"] for b in e["start"]["bound_by"]] == ["window_start", "window_end", "team_free_starts"]


def test_busy_and_unscheduled_for_value():
    data = problem(
        inspectors=[inspector("A"), inspector("B", quals=("biologics",))],
        jobs=[
            job("J1", window=("2027-03-01", "2027-03-01"), value=50),
            job("J2", window=("2027-03-01", "2027-03-01"), value=20),
        ],
    )
    plan = solve(parse_problem(data), time_limit=10, workers=1)
    assert [a.job for a in plan.assignments] == ["J1"] and plan.unscheduled == ["J2"]
    why = plan.explanations["J2"]
    assert (why["scheduled"], why["reason"]) == (False, "capacity")
    assert why["message_zh"].startswith("因价值取舍未安排")


def test_components_split_unlinked_provinces_and_join_joint_ones():
    data = problem(
        inspectors=[inspector("JS-1", JS), inspector("SH-1", SH, city="浦东"), inspector("ZJ-1", ZJ, city="杭州")],
        sites=[
            {"id": "S1", "province": JS, "city": "苏州"},
            {"id": "S2", "province": SH, "city": "闵行"},
            {"id": "S3", "province": ZJ, "city": "宁波"},
        ],
        jobs=[job("J1", "S1"), job("J2", "S2", joint=(SH, JS, 1)), job("J3", "S3")],
    )
    parts = components(parse_problem(data))
    assert [(sorted(c.provinces), [j.id for j in c.jobs], [i.id for i in c.inspectors]) for c in parts] == [
        ([SH, JS], ["J1", "J2"], ["JS-1", "SH-1"]),
        ([ZJ], ["J3"], ["ZJ-1"]),
    ]


def test_unannounced_job_starts_at_its_drawn_target_and_high_risk_goes_first():
    data = problem(
        inspectors=[inspector("A", city="无锡"), inspector("B", quals=("biologics",), city="无锡")],
        jobs=[
            job("J1", unannounced=True, kind="unannounced", target="2027-03-17"),
            job("J2", window=("2027-03-01", "2027-03-05"), risk=90, value=10),
            job("J3", window=("2027-03-01", "2027-03-05"), risk=10, value=10),
        ],
    )
    plan = solve(parse_problem(data), time_limit=10, workers=1)
    starts = {a.job: a.start.isoformat() for a in plan.assignments}
    assert starts["J1"] == "2027-03-17"
    assert starts["J2"] < starts["J3"]
    assert plan.explanations["J1"]["start"]["bound_by"][0]["code"] == "target"
