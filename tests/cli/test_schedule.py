"""``bioseg schedule`` as a user runs it: the real console script on files in tmp_path.

Exit 0 with a plan, 1 with the conflicting rules named, 2 for bad input naming the field (never a traceback);
``bioseg schedule rederive`` prints the draws of a revealed seed. No Django set-up is needed."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.scheduling.conftest import inspector, job, oversight_path, problem, run_check
from tests.scheduling.test_draws import EXPECTED, INPUTS, PLAN, SEED_HEX, VERSION

BIOSEG = shutil.which("bioseg", path=str(Path(sys.executable).parent)) or "bioseg"

SMALL = problem(
    inspectors=[inspector("A"), inspector("B", quals=("biologics",)), inspector("C", quals=("biologics", "aseptic"))],
    jobs=[
        job("J1", duration=2, mandatory=True, value=30),
        job("J2", requires={"aseptic": 1}, value=20),
        job("J3", window=("2027-03-08", "2027-03-12"), value=10),
    ],
)


def run(args: list[str], cwd: Path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("BIOSEG_DATABASE_URL",)}
    env["DJANGO_SETTINGS_MODULE"] = "no.such.settings"  # the command must not set Django up
    env["BIOSEG_DATA_DIR"] = str(cwd / "data")
    return subprocess.run(
        [BIOSEG, "schedule", *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=300, check=False
    )


def write(tmp_path: Path, name: str, data) -> Path:
    path = tmp_path / name
    path.write_text(data if isinstance(data, str) else json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def test_plan_exit_0(tmp_path):
    src = write(tmp_path, "problem.json", SMALL)
    result = run([str(src), "--out", "plan.json", "--time-limit", "10", "--lang", "en"], tmp_path)
    assert result.returncode == 0, result.stderr
    plan = json.loads((tmp_path / "plan.json").read_text(encoding="utf-8"))
    assert plan["status"] == "optimal"
    assert plan["objective"] == {"value": 60, "bound": 60}
    assert sorted(a["job"] for a in plan["assignments"]) == ["J1", "J2", "J3"]
    assert set(plan["explanations"]) == {"J1", "J2", "J3"}
    assert result.stderr.startswith("optimal: value 60, bound 60 (gap 0.00 %), 3/3 jobs scheduled, mandatory 1/1")


def test_example_problem_through_the_command(tmp_path):
    shared = oversight_path()
    if not (shared / "check.py").is_file():
        pytest.skip(f"the shared oversight folder is not at {shared}")
    result = run([str(shared / "example-problem.json"), "--out", "plan.json", "--time-limit", "30"], tmp_path)
    assert result.returncode == 0, result.stderr
    plan = json.loads((tmp_path / "plan.json").read_text(encoding="utf-8"))
    assert (plan["status"], plan["objective"]) == ("optimal", {"value": 1184, "bound": 1184})
    problem_data = json.loads((shared / "example-problem.json").read_text(encoding="utf-8"))
    check = run_check(shared, problem_data, plan, tmp_path)
    assert check.returncode == 0, check.stdout
    assert "最优：价值 1184" in result.stderr


def test_infeasible_exit_1_names_the_rules(tmp_path):
    data = json.loads(json.dumps(SMALL))
    data["jobs"][1]["mandatory"] = True
    data["jobs"][1]["requires"] = {"aseptic": 2}
    src = write(tmp_path, "problem.json", data)
    result = run([str(src), "--out", "plan.json", "--time-limit", "10", "--lang", "en"], tmp_path)
    assert result.returncode == 1
    assert "infeasible: the mandatory jobs cannot all be scheduled" in result.stderr
    assert (
        "J2 needs a second aseptic-qualified inspector from 320000 free for 1 day(s) between 2027-03-01 and 2027-03-31"
        in result.stderr
    )
    plan = json.loads((tmp_path / "plan.json").read_text(encoding="utf-8"))
    assert plan["status"] == "infeasible" and plan["assignments"] == []
    assert plan["conflicts"][0]["groups"][0] == {"kind": "requires", "job": "J2", "qualification": "aseptic"}
    zh = run([str(src), "--out", "plan.json", "--time-limit", "10"], tmp_path)
    assert zh.returncode == 1 and "J2 需要再增加一名来自 320000、具备无菌资质" in zh.stderr


@pytest.mark.parametrize(
    ("content", "extra", "expected"),
    [
        ('{"horizon": ', [], "error [malformed_json]: the problem is not valid JSON (line 1, column 13"),
        ("[" * 50_000 + "]" * 50_000, [], "error [too_deep]: the problem is nested too deeply"),
        (
            lambda d: d["conflicts"].append({"inspector": "NOBODY", "site": "S1"}),
            [],
            "error [unknown_inspector]: conflicts[0].inspector: unknown inspector 'NOBODY'",
        ),
        (
            lambda d: d["jobs"][2]["window"].update({"from": "soon"}),
            [],
            "error [not_date]: jobs[2].window.from: not a date",
        ),
        (lambda d: d["inspectors"][0].pop("max_days"), [], "error [missing]: inspectors[0].max_days: missing"),
        (None, ["--keep", "J1"], "error [bad_option]: --keep: needs --previous PLAN.json"),
        (None, ["--time-limit", "0"], "error [bad_option]: --time-limit: must be between 0 and 86400 seconds"),
        (None, ["--previous", "nowhere.json"], "error [unreadable]: previous: cannot read nowhere.json"),
    ],
)
def test_bad_input_exit_2_names_the_field(tmp_path, content, extra, expected):
    if isinstance(content, str):
        src = write(tmp_path, "problem.json", content)
    else:
        data = json.loads(json.dumps(SMALL))
        if content is not None:
            content(data)
        src = write(tmp_path, "problem.json", data)
    result = run([str(src), "--out", "plan.json", "--lang", "en", *extra], tmp_path)
    assert result.returncode == 2
    assert result.stderr.startswith(expected), result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "plan.json").exists()


def test_missing_problem_file_exit_2(tmp_path):
    result = run(["absent.json", "--lang", "en"], tmp_path)
    assert result.returncode == 2
    assert result.stderr.startswith("error [unreadable]: problem: cannot read absent.json")


def test_replan_keeps_named_jobs(tmp_path):
    src = write(tmp_path, "problem.json", SMALL)
    assert run([str(src), "--out", "v1.json", "--time-limit", "10"], tmp_path).returncode == 0
    v1 = json.loads((tmp_path / "v1.json").read_text(encoding="utf-8"))
    result = run(
        [
            str(src),
            "--out",
            "v2.json",
            "--time-limit",
            "10",
            "--previous",
            "v1.json",
            "--keep",
            "J1,J3",
            "--lang",
            "en",
        ],
        tmp_path,
    )
    assert result.returncode == 0, result.stderr
    v2 = json.loads((tmp_path / "v2.json").read_text(encoding="utf-8"))
    before = {a["job"]: a for a in v1["assignments"]}
    after = {a["job"]: a for a in v2["assignments"]}
    assert after["J1"] == before["J1"] and after["J3"] == before["J3"]
    assert v2["changes"]["kept"] == ["J1", "J3"] and v2["changes"]["changed"] == 0
    assert "re-planned: kept 2, unchanged 1, moved 0" in result.stderr
    bad = run([str(src), "--previous", "v1.json", "--keep", "J9", "--lang", "en"], tmp_path)
    assert bad.returncode == 2 and bad.stderr.startswith("error [unknown_job]: keep[0]: unknown job 'J9'")


def test_rederive_prints_the_draws(tmp_path):
    src = write(tmp_path, "inputs.json", INPUTS)
    args = ["rederive", "--seed", SEED_HEX, "--plan-id", PLAN, "--version", str(VERSION), str(src)]
    result = run([*args, "--format", "json"], tmp_path)
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    assert out["draws"] == EXPECTED
    assert out["commitment"] == "f58b72ffa7664556e55af0c9ae706d2c7609391edf71cf96c86df95cc0bcd8c4"
    text = run([*args, "--lang", "en"], tmp_path)
    assert text.stdout.splitlines() == [
        "commitment f58b72ffa7664556e55af0c9ae706d2c7609391edf71cf96c86df95cc0bcd8c4",
        "1\tS001\t2027-04-25\tweight 6/16 r=2\tday 14/49",
        "2\tS003\t2027-03-15\tweight 6/10 r=8\tday 11/23",
        "3\tS002\t2027-04-26\tweight 3/4 r=0\tday 7/13",
    ]
    short = run(["rederive", "--seed", "abcd", "--plan-id", PLAN, "--version", "3", str(src), "--lang", "en"], tmp_path)
    assert short.returncode == 2 and short.stderr.startswith("error [bad_seed]: seed: must be 32 bytes")
    missing = run(["rederive", "--plan-id", PLAN, "--version", "3", str(src), "--lang", "en"], tmp_path)
    assert missing.returncode == 2 and missing.stderr.startswith("error [missing]: --seed: rederive needs it")
