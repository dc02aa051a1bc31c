"""The plan of the exchange format: ``{status, assignments[{job, start, inspectors, leader}], unscheduled,
objective{value, bound}}``, plus bioseg's own keys (``explanations``, ``conflicts``, ``changes``, ``stats``),
which the format's checker ignores."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from .errors import ProblemError
from .problem import Problem, _Reader, unscale

OPTIMAL = "optimal"
FEASIBLE = "feasible"
INFEASIBLE = "infeasible"
STATUSES = (OPTIMAL, FEASIBLE, INFEASIBLE)


@dataclass(frozen=True, slots=True)
class Assignment:
    job: str
    start: date
    inspectors: tuple[str, ...]
    leader: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "job": self.job,
            "start": self.start.isoformat(),
            "inspectors": list(self.inspectors),
            "leader": self.leader,
        }


@dataclass(slots=True)
class Plan:
    status: str
    assignments: list[Assignment]
    unscheduled: list[str]
    value: float | int
    bound: float | int
    explanations: dict[str, Any] = field(default_factory=dict)
    conflicts: list[dict[str, Any]] = field(default_factory=list)
    changes: dict[str, Any] | None = None
    stats: dict[str, Any] = field(default_factory=dict)

    def assignment(self, job_id: str) -> Assignment | None:
        for a in self.assignments:
            if a.job == job_id:
                return a
        return None

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "status": self.status,
            "assignments": [a.as_dict() for a in self.assignments],
            "unscheduled": list(self.unscheduled),
            "objective": {"value": self.value, "bound": self.bound},
        }
        if self.explanations:
            out["explanations"] = self.explanations
        if self.conflicts:
            out["conflicts"] = self.conflicts
        if self.changes is not None:
            out["changes"] = self.changes
        if self.stats:
            out["stats"] = self.stats
        return out


def plan_from_assignments(
    problem: Problem, assignments: list[Assignment], *, status: str, bound_weight: int | None = None
) -> Plan:
    """A plan with its value computed from the problem; ``unscheduled`` is every other job, in problem order."""
    done = {a.job for a in assignments}
    order = {j.id: j.index for j in problem.jobs}
    assignments = sorted(assignments, key=lambda a: (a.start, order.get(a.job, 0)))
    value_weight = sum(problem.weight(problem.job_by_id[j]) for j in done)
    bound = value_weight if bound_weight is None else max(bound_weight, value_weight)
    return Plan(
        status=status,
        assignments=assignments,
        unscheduled=[j.id for j in problem.jobs if j.id not in done],
        value=unscale(value_weight, problem.value_scale),
        bound=unscale(bound, problem.value_scale),
    )


def parse_plan(data: Any, *, where: str = "previous") -> list[Assignment]:
    """The assignments of a plan in the exchange format (a previous plan, for re-planning).

    Only the shape is checked here (errors name the field, prefixed by ``where``); whether the assignments
    keep the problem's constraints is the validator's business."""
    r = _Reader()
    if not isinstance(data, Mapping):
        raise ProblemError("not_object", where, "the plan is not a JSON object", "计划文件不是 JSON 对象")
    out: list[Assignment] = []
    seen: set[str] = set()
    for n, raw in enumerate(r.list(data.get("assignments") or [], f"{where}.assignments")):
        path = f"{where}.assignments[{n}]"
        obj = r.obj(raw, path)
        job = r.string(r.key(obj, "job", path), f"{path}.job")
        if job in seen:
            raise ProblemError(
                "duplicate_job", f"{path}.job", f"job {job!r} is assigned twice", f"任务 {job!r} 重复安排"
            )
        seen.add(job)
        start = r.iso_date(r.key(obj, "start", path), f"{path}.start")
        team = tuple(
            r.string(i, f"{path}.inspectors[{k}]")
            for k, i in enumerate(r.list(r.key(obj, "inspectors", path), f"{path}.inspectors"))
        )
        leader = r.string(r.key(obj, "leader", path), f"{path}.leader")
        out.append(Assignment(job, start, team, leader))
    return out
