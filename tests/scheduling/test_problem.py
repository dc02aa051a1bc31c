"""The exchange format in: field errors that name the field, working days with holidays and 调休, allowed starts."""

from __future__ import annotations

import json
from datetime import date

import pytest

from bioseg.scheduling import ProblemError, load_problem_text, parse_problem

from .conftest import inspector, job, problem


def base():
    return problem(inspectors=[inspector("A"), inspector("B")], jobs=[job("J1"), job("J2")])


def error_of(data) -> ProblemError:
    with pytest.raises(ProblemError) as info:
        parse_problem(data)
    return info.value


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        (lambda d: d["jobs"][1]["window"].update({"from": "soon"}), "jobs[1].window.from", "not a date"),
        (lambda d: d["jobs"][1]["window"].update({"from": "20270301"}), "jobs[1].window.from", "not a date"),
        (lambda d: d["jobs"][0]["window"].update({"to": "2027-02-01"}), "jobs[0].window.to", "is before from"),
        (lambda d: d["jobs"][0].pop("duration_days"), "jobs[0].duration_days", "missing"),
        (lambda d: d["jobs"][0].update({"duration_days": 0}), "jobs[0].duration_days", "must be at least 1"),
        (lambda d: d["jobs"][0].update({"duration_days": True}), "jobs[0].duration_days", "not an integer"),
        (lambda d: d["jobs"][0].update({"mandatory": "yes"}), "jobs[0].mandatory", "not true or false"),
        (lambda d: d["jobs"][0].update({"site": "S9"}), "jobs[0].site", "unknown site 'S9'"),
        (lambda d: d["jobs"][1].update({"id": "J1"}), "jobs[1].id", "duplicate id 'J1'"),
        (lambda d: d["jobs"][0]["team"].update({"max": 1}), "jobs[0].team.max", "is below team.min"),
        (lambda d: d["jobs"][0]["requires"].update({"aseptic": -1}), "jobs[0].requires.aseptic", "must be at least 0"),
        (
            lambda d: d["jobs"][0].update(
                {"joint": {"lead_province": "320000", "partner_province": "320000", "min_each": 2}}
            ),
            "jobs[0].joint.partner_province",
            "is the lead province",
        ),
        (lambda d: d["jobs"][0].update({"target": "2027-05-01"}), "jobs[0].target", "is outside the window"),
        (lambda d: d["inspectors"][1].update({"max_days": "many"}), "inspectors[1].max_days", "not an integer"),
        (
            lambda d: d["inspectors"][0]["unavailable"].append({"from": "2027-03-02"}),
            "inspectors[0].unavailable[0].to",
            "missing",
        ),
        (
            lambda d: d["conflicts"].append({"inspector": "ZZ", "site": "S1"}),
            "conflicts[0].inspector",
            "unknown inspector 'ZZ'",
        ),
        (lambda d: d["conflicts"].append({"inspector": "A", "site": "S7"}), "conflicts[0].site", "unknown site 'S7'"),
        (lambda d: d.update({"holidays": ["2027-13-01"]}), "holidays[0]", "not a date"),
        (lambda d: d.update({"jobs": {}}), "jobs", "not a list"),
        (lambda d: d.pop("horizon"), "horizon", "missing"),
        (
            lambda d: d.update({"horizon": {"from": "2027-01-01", "to": "2031-01-01"}}),
            "horizon.to",
            "the horizon is longer than 1100 days",
        ),
    ],
)
def test_bad_input_names_the_field(change, field, message):
    data = base()
    change(data)
    err = error_of(data)
    assert err.field == field
    assert err.message_en == message
    assert str(err) == f"{field}: {message}"
    assert err.text_zh.startswith(f"{field}：")


def test_malformed_and_too_deep_json_are_problem_errors():
    with pytest.raises(ProblemError) as info:
        load_problem_text('{"horizon": ')
    assert info.value.code == "malformed_json"
    with pytest.raises(ProblemError) as info:
        load_problem_text("[" * 100_000 + "]" * 100_000)
    assert info.value.code == "too_deep"
    with pytest.raises(ProblemError) as info:
        load_problem_text("[1, 2]")
    assert info.value.code == "not_object"


def test_unknown_keys_are_ignored_and_extensions_read():
    data = base()
    data["note"] = "anything"
    data["jobs"][0].update({"colour": "red", "target": "2027-03-10", "risk": 80, "obligations": ["annual:S1:2027"]})
    p = parse_problem(data)
    j = p.job_by_id["J1"]
    assert (j.target, j.risk, j.obligations) == (date(2027, 3, 10), 80, ("annual:S1:2027",))


def test_working_days_holidays_and_working_weekends():
    # 2027-03-01 is a Monday; 03-03 a holiday; Saturday 03-06 a working weekend (调休)
    data = problem(
        inspectors=[inspector("A")],
        jobs=[job("J1", duration=3, window=("2027-03-01", "2027-03-09"))],
        holidays=["2027-03-03"],
        working_weekends=["2027-03-06"],
    )
    p = parse_problem(data)
    working = [p.day(t).isoformat() for t in range(9) if p.working[t]]
    assert working == ["2027-03-01", "2027-03-02", "2027-03-04", "2027-03-05", "2027-03-06", "2027-03-08", "2027-03-09"]
    # three consecutive working days: only 03-04..03-06 (Thu, Fri, working Saturday)
    assert [p.day(s).isoformat() for s in p.allowed_starts(p.job_by_id["J1"])] == ["2027-03-04"]


def test_window_is_clipped_to_the_horizon():
    data = problem(inspectors=[inspector("A")], jobs=[job("J1", window=("2027-02-20", "2027-03-02"))])
    p = parse_problem(data)
    assert [p.day(s).isoformat() for s in p.allowed_starts(p.job_by_id["J1"])] == ["2027-03-01", "2027-03-02"]


def test_fractional_values_are_scaled_and_reported_back():
    data = base()
    data["jobs"][0]["value"] = 10.5
    p = parse_problem(data)
    assert p.value_scale == 1000
    assert p.value_of(["J1", "J2"]) == 20.5


def test_round_trip_through_problem_to_dict():
    from bioseg.scheduling import problem_to_dict

    data = base()
    p = parse_problem(json.loads(json.dumps(data)))
    again = parse_problem(problem_to_dict(p))
    assert again.jobs == p.jobs and again.inspectors == p.inspectors
