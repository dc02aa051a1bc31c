"""Solving a problem: decomposition, the lexicographic phases, re-planning.

1. **Decomposition.** Jobs link provinces (a joint job links its two); the connected components of that
   graph share no inspector, so each is solved on its own — exactly, nothing is lost — with a share of the
   time limit proportional to its jobs. Within a component the warm start is the greedy plan
   (:mod:`bioseg.scheduling.greedy`, or the previous plan when re-planning), given to CP-SAT as a hint; its
   large-neighbourhood-search workers improve it while the LP (with the capacity cuts of the model) raises
   the bound.
2. **Phases.** (a) maximise the value; (b) when re-planning, with the value fixed at the best found, minimise
   the assignments that change (start, team or leader) against the previous plan; (c) with both fixed,
   minimise the secondary objective: unannounced jobs away from their target date (100 per day), the most
   loaded inspector's share of their ``max_days`` (500 per percentage point), inspector-days (50 each — a
   team stays at its minimum unless a requirement needs more), and high-risk jobs late (risk × start day).
3. **Status.** ``optimal`` when phase (a) proved the value optimal in every component, ``feasible`` otherwise;
   ``infeasible`` when the mandatory jobs cannot all be scheduled (then ``conflicts`` says what to change).
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from ortools.sat.python import cp_model

from .errors import ProblemError
from .greedy import Greedy
from .model import ScheduleModel
from .plan import FEASIBLE, INFEASIBLE, OPTIMAL, Assignment, Plan, plan_from_assignments
from .problem import Inspector, Job, Problem
from .validate import validate_plan

W_TARGET = 100
W_MAXLOAD = 500
W_TEAMDAY = 50


@dataclass
class Component:
    provinces: frozenset[str]
    jobs: list[Job]
    inspectors: list[Inspector]


@dataclass
class ComponentResult:
    assignments: list[Assignment]
    optimal: bool
    bound_weight: int
    infeasible: bool = False
    timed_out: bool = False
    value_seconds: float = 0.0  # from the start of the component (model built, warm start) to the value phase's end
    phases: list[dict[str, Any]] = field(default_factory=list)


def components(problem: Problem) -> list[Component]:
    """Connected components of provinces linked by jobs (a joint job links its two provinces)."""
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for i in problem.inspectors:
        find(i.province)
    for job in problem.jobs:
        staffed = problem.staffing_provinces(job)
        first = find(staffed[0])
        for other in staffed[1:]:
            parent[find(other)] = first
    groups: dict[str, set[str]] = defaultdict(set)
    for province in list(parent):
        groups[find(province)].add(province)
    out = []
    for root, members in groups.items():
        provinces = frozenset(members)
        jobs = [j for j in problem.jobs if find(problem.staffing_provinces(j)[0]) == root]
        people = [i for i in problem.inspectors if i.province in provinces]
        if jobs:
            out.append(Component(provinces, jobs, people))
    out.sort(key=lambda c: min(j.index for j in c.jobs))
    return out


def _solver(time_limit: float, workers: int, seed: int, log: bool) -> cp_model.CpSolver:
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = max(0.05, time_limit)
    solver.parameters.num_workers = max(1, workers)
    solver.parameters.random_seed = seed
    # Probing in presolve costs a lot of wall time on these models (many optional intervals) for little gain.
    solver.parameters.cp_model_probing_level = 0
    solver.parameters.log_search_progress = log
    return solver


def _secondary(sm: ScheduleModel) -> cp_model.LinearExpr:
    p = sm.problem
    m = sm.model
    terms: list[Any] = []
    max_value = max((p.weight(jv.job) for jv in sm.vars.values()), default=1) or 1
    for jv in sm.vars.values():
        job = jv.job
        if not jv.starts:
            continue
        if job.target is not None:
            t = p.index(job.target)
            lo, hi = jv.starts[0], jv.starts[-1]
            dev = m.new_int_var(0, max(abs(hi - t), abs(lo - t)), f"dev[{job.id}]")
            m.add(dev >= jv.start - t).only_enforce_if(jv.y)
            m.add(dev >= t - jv.start).only_enforce_if(jv.y)
            terms.append(W_TARGET * dev)
        else:
            risk = job.risk if job.risk is not None else 100 * p.weight(job) / max_value
            r = int(round(risk))
            if r > 0 and len(jv.starts) > 1:
                terms.append(r * (jv.start - jv.starts[0]))
        terms.extend(W_TEAMDAY * job.duration_days * lit for lit in jv.members.values())
    loaded = [i for i in sm.inspectors if i.max_days > 0 and not isinstance(sm.loads.get(i.id, 0), int)]
    if loaded:
        maxload = m.new_int_var(0, 100, "maxload_pct")
        for i in loaded:
            m.add(100 * sm.loads[i.id] <= maxload * i.max_days)
        terms.append(W_MAXLOAD * maxload)
    return cp_model.LinearExpr.sum(terms)


def _changes(sm: ScheduleModel, previous: dict[str, Assignment]) -> cp_model.LinearExpr:
    """Number of jobs of the previous plan whose start, team or leader differ (or that are dropped)."""
    p = sm.problem
    m = sm.model
    changed: list[Any] = []
    for job_id, a in previous.items():
        jv = sm.vars.get(job_id)
        if jv is None or job_id in sm.fixed:
            continue
        s0 = p.index(a.start)
        team = set(a.inspectors)
        if s0 not in jv.starts or not team <= set(jv.members) or a.leader not in jv.leaders:
            changed.append(1)
            continue
        stay = m.new_bool_var(f"stay[{job_id}]")
        m.add_implication(stay, jv.y)
        m.add(jv.start == s0).only_enforce_if(stay)
        for iid, lit in jv.members.items():
            m.add_implication(stay, lit if iid in team else lit.negated())
        m.add_implication(stay, jv.leaders[a.leader])
        changed.append(1 - stay)
    return cp_model.LinearExpr.sum(changed)


def solve_component(
    problem: Problem,
    comp: Component,
    *,
    time_limit: float,
    workers: int,
    seed: int,
    fixed: dict[str, Assignment],
    previous: dict[str, Assignment],
    log: bool = False,
) -> ComponentResult:
    t0 = time.monotonic()
    comp_ids = {j.id for j in comp.jobs}
    fixed_here = {k: v for k, v in fixed.items() if k in comp_ids}
    prev_here = {k: v for k, v in previous.items() if k in comp_ids}
    sm = ScheduleModel(problem, comp.jobs, comp.inspectors, fixed=fixed_here, symmetry=not prev_here)
    # warm start: previous plan where it still holds, completed greedily
    g = Greedy(problem, comp.inspectors)
    start_from = list(fixed_here.values())
    if prev_here:
        keepable = [a for k, a in prev_here.items() if k not in fixed_here]
        trial = start_from + keepable
        bad = {v.job for v in validate_plan(problem, trial, require_mandatory=False) if v.job}
        start_from += [a for a in keepable if a.job not in bad]
    hint = g.run(comp.jobs, start_from)
    sm.hint(hint)
    value = sm.value_expr()
    sm.model.maximize(value)
    result = ComponentResult([], False, 0)

    share_a = 0.6 if prev_here else 0.8
    budget_a = time_limit * share_a
    solver = _solver(budget_a, workers, seed, log)
    status = solver.solve(sm.model)
    took = time.monotonic() - t0
    result.value_seconds = round(took, 3)
    result.phases.append(
        {"phase": "value", "status": solver.status_name(status), "seconds": round(solver.wall_time, 2)}
    )
    if status == cp_model.INFEASIBLE:
        result.infeasible = True
        return result
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        result.timed_out = True
        return result
    best = round(solver.objective_value)
    result.optimal = status == cp_model.OPTIMAL
    result.bound_weight = max(best, int(solver.best_objective_bound + 1e-6))
    current = sm.read(solver)

    def rerun(objective: cp_model.LinearExpr, budget: float, name: str) -> int | None:
        nonlocal current
        sm.model.clear_hints()
        sm.hint(current)
        sm.model.minimize(objective)
        s = _solver(budget, workers, seed, log)
        st = s.solve(sm.model)
        result.phases.append({"phase": name, "status": s.status_name(st), "seconds": round(s.wall_time, 2)})
        if st in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            current = sm.read(s)
            return round(s.objective_value)
        return None

    sm.model.add(value >= best)
    remaining = time_limit - (time.monotonic() - t0)
    cap = max(2.0, 10 * took)
    if prev_here and remaining > 0.1:
        changes = _changes(sm, prev_here)
        n = rerun(changes, min(remaining * 0.5, cap), "changes")
        if n is not None:
            sm.model.add(changes <= n)
    # each further phase hands the model to CP-SAT again and reads the solution: keep that overhead out
    overhead = max(0.0, took - solver.wall_time) * 0.5
    remaining = time_limit - (time.monotonic() - t0) - overhead
    if remaining > 0.1:
        rerun(_secondary(sm), min(remaining, cap), "secondary")
    result.assignments = current
    return result


def solve(
    problem: Problem,
    *,
    time_limit: float = 60.0,
    workers: int = 2,
    seed: int = 0,
    previous: Sequence[Assignment] | None = None,
    keep: Iterable[str] = (),
    explain: bool = True,
    log: bool = False,
) -> Plan:
    """A plan for the problem (see the module's docstring). ``previous`` + ``keep``: re-planning, the kept
    (already notified) assignments stay exactly as they are and the rest changes as little as possible."""
    from .explain import explain_infeasible, explain_plan, precheck

    t0 = time.monotonic()
    previous_by_job = {a.job: a for a in previous or ()}
    keep = list(dict.fromkeys(keep))
    for n, job_id in enumerate(keep):
        if job_id not in problem.job_by_id:
            raise ProblemError("unknown_job", f"keep[{n}]", f"unknown job {job_id!r}", f"未知任务 {job_id!r}")
        if job_id not in previous_by_job:
            raise ProblemError(
                "not_in_previous",
                f"keep[{n}]",
                f"job {job_id!r} is not in the previous plan",
                f"任务 {job_id!r} 不在上一版计划中",
            )
    fixed = {k: previous_by_job[k] for k in keep}
    previous_by_job = {k: a for k, a in previous_by_job.items() if k in problem.job_by_id}

    def infeasible(conflicts: list[dict[str, Any]], stats: dict[str, Any]) -> Plan:
        plan = plan_from_assignments(problem, [], status=INFEASIBLE)
        plan.conflicts = conflicts
        plan.stats = {"seconds": round(time.monotonic() - t0, 2), **stats}
        return plan

    # kept assignments must themselves keep the hard constraints
    broken = validate_plan(problem, list(fixed.values()), require_mandatory=False)
    if broken:
        return infeasible(explain_infeasible(problem, fixed_violations=broken), {"reason": "kept_assignments"})
    early = precheck(problem, fixed)
    if early:
        return infeasible(early, {"reason": "precheck"})

    # the solver's share of the limit: the rest is kept for reading the solution and the explanations
    time_limit = max(0.2, time_limit - min(5.0, 0.04 * time_limit))
    comps = components(problem)
    total_jobs = sum(len(c.jobs) for c in comps) or 1
    assignments: list[Assignment] = []
    all_optimal = True
    bound = 0
    stats: dict[str, Any] = {"components": []}
    bad_components: list[Component] = []
    timed_out: list[Component] = []
    jobs_left = total_jobs
    for comp in comps:
        remaining = max(0.2, time_limit - (time.monotonic() - t0))
        budget = remaining * len(comp.jobs) / jobs_left
        jobs_left -= len(comp.jobs)
        res = solve_component(
            problem,
            comp,
            time_limit=budget,
            workers=workers,
            seed=seed,
            fixed=fixed,
            previous=previous_by_job,
            log=log,
        )
        stats["components"].append(
            {
                "provinces": sorted(comp.provinces),
                "jobs": len(comp.jobs),
                "inspectors": len(comp.inspectors),
                "optimal": res.optimal,
                "value_seconds": res.value_seconds,
                "phases": res.phases,
            }
        )
        if res.infeasible:
            bad_components.append(comp)
            continue
        if res.timed_out:
            timed_out.append(comp)
            continue
        assignments += res.assignments
        all_optimal = all_optimal and res.optimal
        bound += res.bound_weight
    if bad_components or timed_out:
        conflicts = []
        if bad_components:
            left = max(1.0, time_limit - (time.monotonic() - t0))
            conflicts = explain_infeasible(problem, components=bad_components, fixed=fixed, time_limit=min(left, 30.0))
        for comp in timed_out:
            conflicts.append(_timeout_conflict(comp, time_limit))
        return infeasible(conflicts, stats)
    plan = plan_from_assignments(problem, assignments, status=OPTIMAL if all_optimal else FEASIBLE, bound_weight=bound)
    plan.stats = {
        "seconds": round(time.monotonic() - t0, 2),
        "value_seconds": round(sum(c["value_seconds"] for c in stats["components"]), 2),
        **stats,
    }
    if previous is not None:
        plan.changes = describe_changes(problem, previous_by_job, fixed, plan)
    if explain:
        plan.explanations = explain_plan(problem, plan)
    return plan


def _timeout_conflict(comp: Component, time_limit: float) -> dict[str, Any]:
    provinces = "、".join(sorted(comp.provinces))
    return {
        "code": "no_plan_in_time",
        "message": f"no plan keeping every mandatory job was found within {time_limit:g} s for provinces {', '.join(sorted(comp.provinces))}; allow more time (--time-limit)",
        "message_zh": f"在 {time_limit:g} 秒内未能为省份 {provinces} 找到安排全部必须任务的计划；请延长求解时间",
        "groups": [],
        "actions": [],
    }


def describe_changes(
    problem: Problem, previous: dict[str, Assignment], fixed: dict[str, Assignment], plan: Plan
) -> dict[str, Any]:
    now = {a.job: a for a in plan.assignments}
    out: dict[str, Any] = {
        "kept": sorted(fixed),
        "unchanged": [],
        "moved": [],
        "team_changed": [],
        "dropped": [],
        "added": [],
    }
    for job_id, a in sorted(previous.items()):
        if job_id in fixed:
            continue
        b = now.get(job_id)
        if b is None:
            out["dropped"].append(job_id)
        elif b.start != a.start:
            out["moved"].append({"job": job_id, "from": a.start.isoformat(), "to": b.start.isoformat()})
        elif set(b.inspectors) != set(a.inspectors) or b.leader != a.leader:
            out["team_changed"].append({"job": job_id, "from": list(a.inspectors), "to": list(b.inspectors)})
        else:
            out["unchanged"].append(job_id)
    out["added"] = sorted(j for j in now if j not in previous)
    out["changed"] = len(out["moved"]) + len(out["team_changed"]) + len(out["dropped"])
    return out


def gap(plan: Plan) -> float:
    """Relative gap between the plan's value and its bound (0 when optimal)."""
    if not plan.bound:
        return 0.0
    return max(0.0, (float(plan.bound) - float(plan.value)) / float(plan.bound))


__all__ = ["Component", "components", "describe_changes", "gap", "solve", "solve_component"]
