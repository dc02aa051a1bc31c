"""The benchmark's problem generator (bench/gen_schedule.py): seeded, of the announced sizes, valid input."""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))

from gen_schedule import generate  # noqa: E402

from bioseg.scheduling import parse_problem  # noqa: E402


@pytest.mark.parametrize(
    ("size", "jobs", "inspectors"), [("pilot", 50, 20), ("province", 200, 60), ("tight", 200, 20), ("large", 800, 120)]
)
def test_sizes_and_shape(size, jobs, inspectors):
    data = generate(size, 1)
    p = parse_problem(data)
    assert (len(p.jobs), len(p.inspectors)) == (jobs, inspectors)
    assert generate(size, 1) == data and generate(size, 2) != data
    kinds = Counter(j.type for j in p.jobs)
    assert set(kinds) == {"annual_comprehensive", "gmp_compliance", "sampling", "follow_up", "for_cause", "unannounced"}
    assert any(j.joint for j in p.jobs) and any(j.mandatory for j in p.jobs)
    assert all(j.target is not None for j in p.jobs if j.unannounced)
    assert "2027-10-09" in data["working_weekends"] and "2027-10-01" in data["holidays"]
    assert data["generator"]["draws_commitment"] is not None
