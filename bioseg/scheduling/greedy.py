"""A constructive heuristic: a first plan in a fraction of a second, used as the solver's warm start (AddHint).

Mandatory jobs first (the least flexible first), then the others by value per inspector-day. Each job gets
the start, among an even sample of its allowed starts, whose cheapest valid team is the least loaded; a team
is built from the leader out, each next member being the free candidate who covers most of what is still
missing (qualifications, each joint province's share, the minimum size), the least loaded first.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from .plan import Assignment
from .problem import Inspector, Job, Problem

SAMPLE_STARTS = 24


class Greedy:
    def __init__(
        self,
        problem: Problem,
        inspectors: Sequence[Inspector],
        *,
        busy: dict[str, set[int]] | None = None,
        load: dict[str, int] | None = None,
    ) -> None:
        self.p = problem
        self.inspectors = list(inspectors)
        self.busy: dict[str, set[int]] = {i.id: set(problem.unavailable_days(i)) for i in self.inspectors}
        self.taken: dict[str, set[int]] = {i.id: set() for i in self.inspectors}
        for iid, days in (busy or {}).items():
            if iid in self.busy:
                self.busy[iid] |= days
                self.taken[iid] |= days
        self.load: dict[str, int] = {i.id: 0 for i in self.inspectors}
        for iid, n in (load or {}).items():
            if iid in self.load:
                self.load[iid] += n
        self.by_province: dict[str, list[Inspector]] = {}
        for i in self.inspectors:
            self.by_province.setdefault(i.province, []).append(i)

    def place(self, assignment: Assignment) -> None:
        job = self.p.job_by_id[assignment.job]
        s = self.p.index(assignment.start)
        for iid in assignment.inspectors:
            if iid in self.busy:
                self.busy[iid].update(range(s, s + job.duration_days))
                self.taken[iid].update(range(s, s + job.duration_days))
                self.load[iid] += job.duration_days

    def candidates(self, job: Job) -> list[Inspector]:
        out = []
        for province in self.p.staffing_provinces(job):
            for i in self.by_province.get(province, ()):
                if self.p.ineligibility(job, i) is None:
                    out.append(i)
        return out

    def _ratio(self, i: Inspector) -> float:
        return self.load[i.id] / i.max_days if i.max_days else 1.0

    def team(self, job: Job, free: list[Inspector]) -> tuple[list[str], str] | None:
        """The cheapest valid team among the free inspectors, or None."""
        leaders = [i for i in free if i.has("lead") and (job.joint is None or i.province == job.joint.lead_province)]
        if not leaders:
            return None
        needs = {q: n for q, n in job.requires if n > 0}
        leaders.sort(key=lambda i: (-sum(1 for q in needs if i.has(q)), self._ratio(i)))
        for leader in leaders[:4]:
            team = [leader]
            missing_q = {q: n - (1 if leader.has(q) else 0) for q, n in needs.items()}
            missing_p: dict[str, int] = {}
            if job.joint is not None:
                missing_p = {
                    job.joint.lead_province: job.joint.min_each,
                    job.joint.partner_province: job.joint.min_each,
                }
                missing_p[leader.province] -= 1
            pool = [i for i in free if i is not leader]
            while True:
                short = max(0, job.team_min - len(team))
                if short == 0 and all(v <= 0 for v in missing_q.values()) and all(v <= 0 for v in missing_p.values()):
                    return [i.id for i in team], leader.id
                if len(team) >= job.team_max or not pool:
                    break

                gains = {i.id: _gain(i, missing_q, missing_p) for i in pool}
                best = max(pool, key=lambda i: (gains[i.id], -self._ratio(i)))
                if gains[best.id] == 0 and short == 0:
                    break
                # a member who covers nothing fills the size only if the remaining slots allow the rest
                team.append(best)
                pool.remove(best)
                for q in missing_q:
                    if best.has(q):
                        missing_q[q] -= 1
                if best.province in missing_p:
                    missing_p[best.province] -= 1
        return None

    def try_job(self, job: Job, starts: Sequence[int] | None = None) -> Assignment | None:
        starts = self.p.allowed_starts(job) if starts is None else starts
        if not starts:
            return None
        dur = job.duration_days
        cands = [i for i in self.candidates(job) if self.load[i.id] + dur <= i.max_days]
        if not cands:
            return None
        order = list(starts)
        if job.target is not None:
            t = self.p.index(job.target)
            order.sort(key=lambda s: abs(s - t))
            sample = order[:SAMPLE_STARTS]
        elif len(order) > SAMPLE_STARTS:
            step = len(order) / SAMPLE_STARTS
            sample = [order[int(k * step)] for k in range(SAMPLE_STARTS)]
        else:
            sample = order
        best: tuple[float, int, list[str], str] | None = None
        for s in sample:
            days = range(s, s + dur)
            free = [i for i in cands if not any(d in self.busy[i.id] for d in days)]
            if len(free) < job.team_min:
                continue
            found = self.team(job, free)
            if found is None:
                continue
            team, leader = found
            cost = sum(self._ratio(self.p.inspector_by_id[k]) for k in team)
            if job.target is not None:
                cost += abs(s - self.p.index(job.target)) * 0.01
            if best is None or cost < best[0]:
                best = (cost, s, team, leader)
            if job.target is not None:
                break
        if best is None:
            return None
        _, s, team, leader = best
        a = Assignment(job.id, self.p.day(s), tuple(team), leader)
        self.place(a)
        return a

    def run(self, jobs: Iterable[Job], fixed: Iterable[Assignment] = ()) -> list[Assignment]:
        out = []
        for a in fixed:
            self.place(a)
            out.append(a)
        done = {a.job for a in out}
        todo = [j for j in jobs if j.id not in done]

        def flexibility(j: Job) -> int:
            return len(self.p.allowed_starts(j)) * max(1, len(self.candidates(j)))

        mandatory = sorted((j for j in todo if j.mandatory), key=flexibility)
        optional = sorted(
            (j for j in todo if not j.mandatory),
            key=lambda j: -self.p.weight(j) / (j.duration_days * j.team_min),
        )
        for job in mandatory + optional:
            placed = self.try_job(job)
            if placed is not None:
                out.append(placed)
        return out


def _gain(i: Inspector, missing_q: dict[str, int], missing_p: dict[str, int]) -> int:
    """How many still-missing requirements the inspector would cover."""
    g = sum(1 for q, v in missing_q.items() if v > 0 and i.has(q))
    return g + (1 if missing_p.get(i.province, 0) > 0 else 0)


def greedy_plan(
    problem: Problem, jobs: Sequence[Job] | None = None, fixed: Iterable[Assignment] = ()
) -> list[Assignment]:
    return Greedy(problem, problem.inspectors).run(problem.jobs if jobs is None else jobs, fixed)
