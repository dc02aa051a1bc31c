"""Fixtures of the scheduler's tests: small hand-made problems, and the shared oversight folder (its
example problem and the external plan checker ``check.py``).

The shared folder sits next to the checkout (``<repo>/../shared/oversight``); CI has it. Without it the tests
that need it are skipped. ``BIOSEG_SHARED_DIR`` points elsewhere (a git worktree, whose parent has no
``shared``)."""

from __future__ import annotations

import copy
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]


def oversight_path() -> Path:
    base = Path(os.environ["BIOSEG_SHARED_DIR"]) if os.environ.get("BIOSEG_SHARED_DIR") else ROOT.parent / "shared"
    return base / "oversight"


@pytest.fixture
def oversight() -> Path:
    path = oversight_path()
    if not (path / "check.py").is_file() or not (path / "example-problem.json").is_file():
        pytest.skip(f"the shared oversight folder is not at {path}")
    return path


def run_check(
    oversight: Path, problem: dict[str, Any], plan: dict[str, Any], tmp_path: Path
) -> subprocess.CompletedProcess:
    """The external oracle: ``python check.py PROBLEM PLAN``."""
    pf, lf = tmp_path / "problem.json", tmp_path / "plan.json"
    pf.write_text(json.dumps(problem, ensure_ascii=False), encoding="utf-8")
    lf.write_text(json.dumps(plan, ensure_ascii=False), encoding="utf-8")
    return subprocess.run(
        [sys.executable, str(oversight / "check.py"), str(pf), str(lf)],
        cwd=oversight,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def inspector(
    ident: str,
    province: str = "320000",
    quals=("lead", "biologics", "official"),
    *,
    city: str = "南京",
    unavailable=(),
    max_days: int = 30,
) -> dict[str, Any]:
    return {
        "id": ident,
        "province": province,
        "city": city,
        "qualifications": list(quals),
        "unavailable": [{"from": a, "to": b} for a, b in unavailable],
        "max_days": max_days,
    }


def job(
    ident: str,
    site: str = "S1",
    *,
    duration: int = 1,
    window=("2027-03-01", "2027-03-31"),
    mandatory: bool = False,
    value: int = 10,
    team=(2, 2),
    requires=None,
    unannounced: bool = False,
    joint=None,
    kind: str = "gmp_compliance",
    **extra,
) -> dict[str, Any]:
    out = {
        "id": ident,
        "site": site,
        "type": kind,
        "duration_days": duration,
        "window": {"from": window[0], "to": window[1]},
        "mandatory": mandatory,
        "value": value,
        "team": {"min": team[0], "max": team[1]},
        "requires": dict(requires or {}),
        "unannounced": unannounced,
        **extra,
    }
    if joint:
        out["joint"] = {"lead_province": joint[0], "partner_province": joint[1], "min_each": joint[2]}
    return out


def problem(
    *,
    inspectors,
    jobs,
    sites=None,
    conflicts=(),
    horizon=("2027-03-01", "2027-03-31"),
    holidays=(),
    working_weekends=(),
) -> dict[str, Any]:
    return copy.deepcopy(
        {
            "horizon": {"from": horizon[0], "to": horizon[1]},
            "holidays": list(holidays),
            "working_weekends": list(working_weekends),
            "inspectors": list(inspectors),
            "sites": list(sites or [{"id": "S1", "province": "320000", "city": "苏州"}]),
            "jobs": list(jobs),
            "conflicts": [{"inspector": i, "site": s} for i, s in conflicts],
        }
    )


@pytest.fixture
def oversight_optional() -> Path | None:
    """The shared folder when present (the external checker then runs too), else None."""
    path = oversight_path()
    return path if (path / "check.py").is_file() else None
