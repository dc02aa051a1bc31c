"""The CP-SAT model of an inspection-scheduling problem (or of one component of it).

Variables, per job *j*: ``y[j]`` (scheduled), ``start[j]`` (an integer whose domain is exactly the job's
allowed start days, hard constraint 1), per candidate inspector *i* a membership literal ``m[j,i]`` carrying an
optional interval ``[start[j], start[j] + duration)`` and, when *i* may lead, a leader literal ``l[j,i]``.
A candidate is an inspector the format allows on the job (province / joint provinces, no conflict of
interest, not living in the city of an unannounced job) who is free on at least one allowed start; where
their unavailability rules out only some starts, ``m[j,i] ⇒ start[j] ∈ starts free for i``.

Constraints: team size ``min·y ≤ Σ m ≤ max·y``; per qualification ``Σ m ≥ need·y``; one leader among the
lead-qualified candidates (from the lead province of a joint job), ``l ≤ m``; joint jobs ``≥ min_each·y`` from
each province; per inspector a NoOverlap over their intervals (no double booking) and ``Σ duration·m ≤
max_days``; mandatory ``y = 1``. Redundant, for the LP bound and propagation: per province a cumulative over
the jobs with the team's minimum demand from that province against the number of its inspectors, and
``l[j,i] ⇒`` … is implied through ``m``. Symmetry: inspectors with identical attributes (province, city,
qualifications, unavailability, days, conflicts) are interchangeable; their loads are ordered.

In *assumption mode* (infeasibility analysis) each relaxable rule is guarded by a named literal (see
:class:`Group`) so that CP-SAT can return the subset that conflicts.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from ortools.sat.python import cp_model

from .plan import Assignment
from .problem import Inspector, Job, Problem


@dataclass(frozen=True, slots=True)
class Group:
    """A named, relaxable group of constraints (an assumption of the infeasibility analysis).

    kind: ``mandatory`` (job), ``window`` (job), ``requires`` (job, qualification), ``team_min`` (job),
    ``leader`` (job), ``min_each`` (job, province), ``unavailable`` (inspector, period index),
    ``max_days`` (inspector), ``fixed`` (job: a kept assignment)."""

    kind: str
    job: str | None = None
    inspector: str | None = None
    qualification: str | None = None
    province: str | None = None
    period: int | None = None


@dataclass
class JobVars:
    job: Job
    starts: tuple[int, ...]
    y: cp_model.IntVar
    start: cp_model.IntVar
    members: dict[str, cp_model.IntVar] = field(default_factory=dict)
    leaders: dict[str, cp_model.IntVar] = field(default_factory=dict)
    member_starts: dict[str, tuple[int, ...]] = field(default_factory=dict)


class ScheduleModel:
    """Builds the CP-SAT model for ``jobs`` of ``problem`` staffed from ``inspectors``."""

    def __init__(
        self,
        problem: Problem,
        jobs: Sequence[Job],
        inspectors: Sequence[Inspector],
        *,
        fixed: dict[str, Assignment] | None = None,
        assumptions: bool = False,
        symmetry: bool = True,
    ) -> None:
        self.problem = problem
        self.jobs = list(jobs)
        self.inspectors = list(inspectors)
        self.fixed = dict(fixed or {})
        self.assumption_mode = assumptions
        self.model = cp_model.CpModel()
        self.vars: dict[str, JobVars] = {}
        self.groups: dict[int, Group] = {}  # literal index → group
        self.group_literals: dict[Group, cp_model.IntVar] = {}
        self.loads: dict[str, cp_model.LinearExpr] = {}
        self.load_vars: dict[str, cp_model.IntVar] = {}
        self._build(symmetry and not self.fixed and not assumptions)

    # ---------------------------------------------------------------------------------------- helpers

    def literal(self, group: Group) -> cp_model.IntVar:
        lit = self.group_literals.get(group)
        if lit is None:
            lit = self.model.new_bool_var(
                f"A:{group.kind}:{group.job}:{group.inspector}:{group.qualification}:{group.province}:{group.period}"
            )
            self.group_literals[group] = lit
            self.groups[lit.index] = group
        return lit

    def _enforce(self, constraint: cp_model.Constraint, group: Group | None) -> None:
        if group is not None and self.assumption_mode:
            constraint.only_enforce_if(self.literal(group))

    def _unavailable_periods(self, inspector: Inspector) -> list[set[int]]:
        out = []
        for period in inspector.unavailable:
            lo = max(self.problem.index(period.start), 0)
            hi = min(self.problem.index(period.end), self.problem.n_days - 1)
            out.append(set(range(lo, hi + 1)))
        return out

    # ---------------------------------------------------------------------------------------- building

    def _build(self, symmetry: bool) -> None:
        p = self.problem
        m = self.model
        by_province: dict[str, list[Inspector]] = defaultdict(list)
        for i in self.inspectors:
            by_province[i.province].append(i)
        periods = {i.id: self._unavailable_periods(i) for i in self.inspectors}
        intervals: dict[str, list[cp_model.IntervalVar]] = defaultdict(list)
        loads: dict[str, list[tuple[int, cp_model.IntVar]]] = defaultdict(list)
        cumul: dict[str, list[tuple[cp_model.IntervalVar, int]]] = defaultdict(list)

        for job in self.jobs:
            window_starts = p.allowed_starts(job)
            fixed = self.fixed.get(job.id)
            if self.assumption_mode and fixed is None:
                starts = self._horizon_starts(job)
            else:
                starts = window_starts
            if fixed is not None:
                s0 = p.index(fixed.start)
                starts = (s0,) if 0 <= s0 < p.n_days else ()
            y = m.new_bool_var(f"y[{job.id}]")
            if not starts:
                m.add(y == 0)
                start = m.new_int_var(0, 0, f"start[{job.id}]")
                self.vars[job.id] = JobVars(job, (), y, start)
                continue
            start = m.new_int_var_from_domain(cp_model.Domain.from_values(starts), f"start[{job.id}]")
            jv = JobVars(job, tuple(starts), y, start)
            self.vars[job.id] = jv
            if self.assumption_mode and fixed is None and len(starts) != len(window_starts):
                if window_starts:
                    c = m.add_linear_expression_in_domain(start, cp_model.Domain.from_values(window_starts))
                    c.only_enforce_if(self.literal(Group("window", job=job.id)), y)
                else:
                    m.add_implication(y, self.literal(Group("window", job=job.id)).negated())
            if job.mandatory or fixed is not None:
                if self.assumption_mode:
                    g = Group("fixed", job=job.id) if fixed is not None else Group("mandatory", job=job.id)
                    m.add_implication(self.literal(g), y)
                else:
                    m.add(y == 1)
            dur = job.duration_days
            provinces = p.staffing_provinces(job)
            candidates: list[Inspector] = []
            for province in provinces:
                for i in by_province.get(province, ()):
                    if p.ineligibility(job, i) is not None:
                        continue
                    if fixed is not None and i.id not in fixed.inspectors:
                        continue
                    if self.assumption_mode and fixed is None:
                        free = tuple(starts)
                    else:
                        off = set().union(*periods[i.id]) if periods[i.id] else set()
                        free = tuple(s for s in starts if not any(s + k in off for k in range(dur)))
                    if not free:
                        continue
                    if i.max_days < dur and not self.assumption_mode:
                        continue
                    candidates.append(i)
                    jv.member_starts[i.id] = free
            for i in candidates:
                lit = m.new_bool_var(f"m[{job.id},{i.id}]")
                jv.members[i.id] = lit
                m.add_implication(lit, y)
                free = jv.member_starts[i.id]
                if len(free) != len(starts):
                    m.add_linear_expression_in_domain(start, cp_model.Domain.from_values(free)).only_enforce_if(lit)
                if self.assumption_mode and fixed is None:
                    for k, period in enumerate(periods[i.id]):
                        bad = [s for s in free if any(s + d in period for d in range(dur))]
                        if not bad:
                            continue
                        ok = [s for s in free if s not in set(bad)]
                        guard = self.literal(Group("unavailable", inspector=i.id, period=k))
                        if ok:
                            m.add_linear_expression_in_domain(start, cp_model.Domain.from_values(ok)).only_enforce_if(
                                lit, guard
                            )
                        else:
                            m.add_bool_or([lit.negated(), guard.negated()])
                if fixed is not None:
                    m.add(lit == 1)
                iv = m.new_optional_fixed_size_interval_var(start, dur, lit, f"iv[{job.id},{i.id}]")
                intervals[i.id].append(iv)
                loads[i.id].append((dur, lit))
            members = jv.members
            # team size
            total = sum(members.values())
            m.add(total <= job.team_max * y)
            self._enforce(m.add(total >= job.team_min * y), Group("team_min", job=job.id))
            if self.assumption_mode:
                m.add(total >= y)
            # qualifications
            for q, need in job.requires:
                if need <= 0:
                    continue
                have = sum(lit for iid, lit in members.items() if p.inspector_by_id[iid].has(q))
                self._enforce(m.add(have >= need * y), Group("requires", job=job.id, qualification=q))
            # leader
            for iid, lit in members.items():
                insp = p.inspector_by_id[iid]
                may_lead = insp.has("lead") and (job.joint is None or insp.province == job.joint.lead_province)
                if fixed is not None and iid != fixed.leader:
                    continue
                if not may_lead and not self.assumption_mode:
                    continue
                lead = m.new_bool_var(f"l[{job.id},{iid}]")
                m.add_implication(lead, lit)
                jv.leaders[iid] = lead
                if not may_lead:
                    m.add_implication(lead, self.literal(Group("leader", job=job.id)).negated())
            if jv.leaders:
                m.add(sum(jv.leaders.values()) == y)
            else:
                m.add(y == 0)
            # joint: at least min_each from each province
            if job.joint is not None and job.joint.min_each > 0:
                for province in provinces:
                    n = sum(lit for iid, lit in members.items() if p.inspector_by_id[iid].province == province)
                    self._enforce(m.add(n >= job.joint.min_each * y), Group("min_each", job=job.id, province=province))
            # redundant cumulative demand per province (the team's minimum from that province)
            if not self.assumption_mode and members:
                job_iv = m.new_optional_fixed_size_interval_var(start, dur, y, f"job[{job.id}]")
                if job.joint is None:
                    cumul[provinces[0]].append((job_iv, job.team_min))
                else:
                    lead_need = max(job.joint.min_each, 1)
                    part_need = job.joint.min_each
                    cumul[job.joint.lead_province].append((job_iv, lead_need))
                    if part_need:
                        cumul[job.joint.partner_province].append((job_iv, part_need))

        for i in self.inspectors:
            if intervals[i.id]:
                m.add_no_overlap(intervals[i.id])
            terms = loads[i.id]
            expr = sum(d * lit for d, lit in terms) if terms else 0
            self.loads[i.id] = expr  # type: ignore[assignment]
            cap = i.max_days
            if terms and sum(d for d, _ in terms) > cap:
                self._enforce(m.add(expr <= cap), Group("max_days", inspector=i.id))
        for province, items in cumul.items():
            capacity = len(by_province.get(province, ()))
            if sum(d for _, d in items) > capacity:
                m.add_cumulative([iv for iv, _ in items], [d for _, d in items], capacity)
        if not self.assumption_mode:
            self._capacity_cuts(by_province)
        if symmetry:
            self._break_symmetry()

    def _capacity_cuts(self, by_province: dict[str, list[Inspector]]) -> None:
        """Redundant knapsack constraints on the ``y`` alone — the LP bound's backbone.

        CP-SAT's presolve turns ``Σ m ≥ min·y`` into the enforced ``y ⇒ Σ m ≥ min``, which the LP relaxation
        drops; these aggregate the same facts over inspectors: the inspector-days a set of jobs needs at least
        (duration × minimum team, × qualified members, × one leader) cannot exceed what the inspectors who could
        give them have (their ``max_days``, at most their free working days)."""
        p = self.problem
        m = self.model
        cap: dict[str, int] = {}
        for i in self.inspectors:
            free = sum(1 for t in range(p.n_days) if p.working[t]) - len(
                [t for t in p.unavailable_days(i) if p.working[t]]
            )
            cap[i.id] = max(0, min(i.max_days, free))
        # demand of the jobs staffed from exactly these provinces, per pool: "" (anyone), "lead", a qualification
        own: dict[tuple[frozenset[str], str], list[tuple[int, cp_model.IntVar]]] = defaultdict(list)
        # what a joint job needs at least from one of its provinces
        part: dict[tuple[str, str], list[tuple[int, cp_model.IntVar]]] = defaultdict(list)
        for jv in self.vars.values():
            job = jv.job
            if not jv.starts or not jv.members:
                continue
            d = job.duration_days
            provinces = frozenset(p.staffing_provinces(job))
            own[(provinces, "")].append((d * job.team_min, jv.y))
            own[(provinces, "lead")].append((d, jv.y))
            for q, need in job.requires:
                if need > 0 and q != "lead":
                    own[(provinces, q)].append((d * need, jv.y))
            if job.joint is not None:
                lead, partner, each = job.joint.lead_province, job.joint.partner_province, job.joint.min_each
                part[(lead, "")].append((d * max(each, 1), jv.y))
                part[(lead, "lead")].append((d, jv.y))
                if each:
                    part[(partner, "")].append((d * each, jv.y))
        pools: dict[tuple[frozenset[str], str], list[tuple[int, cp_model.IntVar]]] = defaultdict(list)
        for (provinces, q), items in own.items():
            pools[(provinces, q)] += items
            if len(provinces) > 1:  # a joint pair's pool also serves each province's own jobs
                continue
            for other, q2 in list(own):
                if q2 == q and len(other) > 1 and provinces <= other:
                    pools[(other, q)] += items
        for (province, q), items in part.items():
            pools[(frozenset({province}), q)] += items
        for (provinces, q), items in pools.items():
            pool = [i for prov in provinces for i in by_province.get(prov, ()) if q == "" or i.has(q)]
            supply = sum(cap[i.id] for i in pool)
            if sum(c for c, _ in items) > supply:
                m.add(sum(c * y for c, y in items) <= supply)

    def _horizon_starts(self, job: Job) -> tuple[int, ...]:
        """Allowed starts if the window were the whole horizon (assumption mode relaxes windows)."""
        p = self.problem
        out = []
        run = 0
        for t in range(p.n_days):
            run = run + 1 if p.working[t] else 0
            if run >= job.duration_days:
                out.append(t - job.duration_days + 1)
        return tuple(out)

    def _break_symmetry(self) -> None:
        """Interchangeable inspectors: order their loads (any plan can be permuted into that order)."""
        p = self.problem
        conflicts: dict[str, frozenset[str]] = defaultdict(frozenset)
        for who, site in p.conflicts:
            conflicts[who] = conflicts[who] | {site}
        classes: dict[tuple, list[Inspector]] = defaultdict(list)
        for i in self.inspectors:
            key = (i.province, i.city, i.qualifications, i.unavailable, i.max_days, conflicts[i.id])
            classes[key].append(i)
        for members in classes.values():
            for a, b in zip(members, members[1:], strict=False):
                la, lb = self.loads[a.id], self.loads[b.id]
                if isinstance(la, int) or isinstance(lb, int):
                    continue
                self.model.add(la >= lb)

    # ---------------------------------------------------------------------------------------- expressions

    def value_expr(self) -> cp_model.LinearExpr:
        return sum(self.problem.weight(jv.job) * jv.y for jv in self.vars.values())  # type: ignore[return-value]

    def value_upper_bound(self) -> int:
        return sum(self.problem.weight(jv.job) for jv in self.vars.values() if jv.starts)

    def hint(self, assignments: Iterable[Assignment]) -> None:
        """Warm start (CP-SAT AddHint) from assignments of jobs of this model."""
        m = self.model
        chosen = {a.job: a for a in assignments if a.job in self.vars}
        for job_id, jv in self.vars.items():
            a = chosen.get(job_id)
            if a is None or not jv.starts:
                m.add_hint(jv.y, False)
                for lit in jv.members.values():
                    m.add_hint(lit, False)
                for lit in jv.leaders.values():
                    m.add_hint(lit, False)
                continue
            s = self.problem.index(a.start)
            m.add_hint(jv.y, True)
            if s in jv.starts:
                m.add_hint(jv.start, s)
            team = set(a.inspectors)
            for iid, lit in jv.members.items():
                m.add_hint(lit, iid in team)
            for iid, lit in jv.leaders.items():
                m.add_hint(lit, iid == a.leader)

    def read(self, solver: cp_model.CpSolver) -> list[Assignment]:
        out = []
        for job_id, jv in self.vars.items():
            if not jv.starts or not solver.boolean_value(jv.y):
                continue
            s = solver.value(jv.start)
            if s not in jv.starts:  # cannot happen for a solution CP-SAT reports; never write a bad day
                continue
            team = tuple(iid for iid, lit in jv.members.items() if solver.boolean_value(lit))
            leader = next((iid for iid, lit in jv.leaders.items() if solver.boolean_value(lit)), "")
            out.append(Assignment(job_id, self.problem.day(s), team, leader))
        return out
