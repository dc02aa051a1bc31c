"""Explanations: why each assignment is what it is, why a job was left out, and — when the mandatory jobs
cannot all be scheduled — which rules conflict, as actions a person can take (English and Chinese).

Infeasibility is found in two steps. First, cheap checks of each mandatory job on its own (no start in its
window, not enough eligible inspectors with a qualification, no possible leader…). When every job passes
them, the mandatory (and kept) jobs are modelled again with each relaxable rule guarded by a named literal
(:class:`bioseg.scheduling.model.Group`), CP-SAT is asked to solve under all of them as *assumptions*, and
its *sufficient assumptions for infeasibility* — a core — are reduced to a minimal core by deletion (drop a
literal; if still infeasible it was not needed). Each literal of the core becomes an action; changing any
one of them resolves that conflict. The core's literals are then dropped and the search repeated, so that
independent conflicts are reported too (up to :data:`MAX_CORES`).
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from ortools.sat.python import cp_model

from .labels import GROUP_ZH, qualification_zh, type_zh
from .model import Group, ScheduleModel
from .plan import Assignment, Plan
from .problem import Inspector, Job, Problem
from .validate import Violation

if TYPE_CHECKING:
    from .solve import Component

MAX_CORES = 5


def _people(ids: Sequence[str]) -> str:
    return ", ".join(ids)


def _span(job: Job) -> tuple[str, str]:
    return job.window.start.isoformat(), job.window.end.isoformat()


def _provinces(problem: Problem, job: Job) -> str:
    return " or ".join(problem.staffing_provinces(job))


def _provinces_zh(problem: Problem, job: Job) -> str:
    return "或".join(problem.staffing_provinces(job))


# ================================================================================ infeasibility


def _candidates(problem: Problem, job: Job) -> list[Inspector]:
    """Inspectors allowed on the job who are free on at least one allowed start and have the days for it."""
    starts = problem.allowed_starts(job)
    out = []
    for i in problem.inspectors:
        if problem.ineligibility(job, i) is not None or i.max_days < job.duration_days:
            continue
        off = problem.unavailable_days(i)
        if any(not any(s + k in off for k in range(job.duration_days)) for s in starts):
            out.append(i)
    return out


def _action(group: Group, problem: Problem, *, missing: int = 1, have: int | None = None) -> dict[str, str]:
    """One relaxable rule as the change a person would make, in English and Chinese."""
    job = problem.job_by_id.get(group.job or "")
    if job is not None:
        a, b = _span(job)
        d = job.duration_days
    if group.kind == "mandatory" and job is not None:
        return {
            "en": f"if nothing else can change, {job.id} (mandatory {job.type} at {job.site}) cannot be done in this horizon: decide how it is covered (entrust it, or move it to the next programme)",
            "zh": f"若其他条件均无法调整，必须任务 {job.id}（{job.site} 的{type_zh(job.type)}）在本计划期内无法完成：请决定如何处理（委托检查或移至下一期计划）",
        }
    if group.kind == "fixed" and job is not None:
        return {
            "en": f"re-notify {job.id}: its notified assignment cannot be kept together with the mandatory jobs",
            "zh": f"重新通知 {job.id}：其已通知的安排与必须任务无法同时保留",
        }
    if group.kind == "window" and job is not None:
        return {
            "en": f"widen the window of {job.id} (now {a} to {b}, {d} working day(s) needed)",
            "zh": f"放宽 {job.id} 的检查窗口（目前为 {a} 至 {b}，需连续 {d} 个工作日）",
        }
    if group.kind == "requires" and job is not None:
        if have is None:
            more, more_zh = "another", "再增加一名"
        elif missing == 1:
            first = "an" if (group.qualification or "x")[0] in "aeiou" else "a"
            more = {0: first, 1: "a second", 2: "a third"}.get(have, "another")
            more_zh = "一名" if have == 0 else "再增加一名"
        else:
            more, more_zh = f"{missing} more", f"再增加 {missing} 名"
        return {
            "en": f"{job.id} needs {more} {group.qualification}-qualified inspector from {_provinces(problem, job)} free for {d} day(s) between {a} and {b}",
            "zh": f"{job.id} 需要{more_zh}来自 {_provinces_zh(problem, job)}、具备{qualification_zh(group.qualification)}资质、在 {a} 至 {b} 之间有 {d} 天空闲的检查员",
        }
    if group.kind == "team_min" and job is not None:
        return {
            "en": f"{job.id} needs another inspector from {_provinces(problem, job)} free for {d} day(s) between {a} and {b} (team of at least {job.team_min})",
            "zh": f"{job.id} 需要再增加一名来自 {_provinces_zh(problem, job)}、在 {a} 至 {b} 之间有 {d} 天空闲的检查员（检查组至少 {job.team_min} 人）",
        }
    if group.kind == "leader" and job is not None:
        province = job.joint.lead_province if job.joint is not None else problem.staffing_provinces(job)[0]
        return {
            "en": f"{job.id} needs a lead-qualified inspector from {province} free for {d} day(s) between {a} and {b}",
            "zh": f"{job.id} 需要一名来自 {province}、具备组长资质、在 {a} 至 {b} 之间有 {d} 天空闲的检查员",
        }
    if group.kind == "min_each" and job is not None and job.joint is not None:
        return {
            "en": f"{job.id} needs another inspector from {group.province} free for {d} day(s) between {a} and {b} (at least {job.joint.min_each} from each province)",
            "zh": f"{job.id} 需要再增加一名来自 {group.province}、在 {a} 至 {b} 之间有 {d} 天空闲的检查员（每省至少 {job.joint.min_each} 人）",
        }
    insp = problem.inspector_by_id.get(group.inspector or "")
    if group.kind == "unavailable" and insp is not None and group.period is not None:
        period = insp.unavailable[group.period]
        return {
            "en": f"lift the unavailability of {insp.id} on {period.start} to {period.end}",
            "zh": f"取消 {insp.id} 在 {period.start} 至 {period.end} 的不可安排时段",
        }
    if group.kind == "max_days" and insp is not None:
        return {
            "en": f"raise the inspection days of {insp.id} (max_days, now {insp.max_days})",
            "zh": f"提高 {insp.id} 的检查天数上限（目前为 {insp.max_days} 天）",
        }
    return {"en": f"relax {group.kind}", "zh": f"放宽{GROUP_ZH.get(group.kind, '该约束')}"}


def _group_dict(group: Group) -> dict[str, Any]:
    return {
        k: v
        for k, v in (
            ("kind", group.kind),
            ("job", group.job),
            ("inspector", group.inspector),
            ("qualification", group.qualification),
            ("province", group.province),
            ("period", group.period),
        )
        if v is not None
    }


def _conflict(
    problem: Problem,
    code: str,
    groups: list[Group],
    en: str,
    zh: str,
    missing: dict[Group, tuple[int, int]] | None = None,
) -> dict[str, Any]:
    order = {"mandatory": 9, "fixed": 8}
    groups = sorted(groups, key=lambda g: (order.get(g.kind, 0), g.kind, g.job or "", g.inspector or ""))
    counts: dict[Group, tuple[int, int | None]] = {g: (1, None) for g in groups}
    counts.update(missing or {})
    actions = [_action(g, problem, missing=counts[g][0], have=counts[g][1]) for g in groups]
    return {
        "code": code,
        "message": en,
        "message_zh": zh,
        "groups": [_group_dict(g) for g in groups],
        "actions": [
            {"group": _group_dict(g), "message": a["en"], "message_zh": a["zh"]}
            for g, a in zip(groups, actions, strict=True)
        ],
    }


def precheck(problem: Problem, fixed: dict[str, Assignment] | None = None) -> list[dict[str, Any]]:
    """Each mandatory job on its own: a conflict per job that cannot be staffed even on an empty calendar."""
    fixed = fixed or {}
    out = []
    for job in problem.jobs:
        if not job.mandatory or job.id in fixed:
            continue
        a, b = _span(job)
        mandatory = Group("mandatory", job=job.id)
        if not problem.allowed_starts(job):
            out.append(
                _conflict(
                    problem,
                    "no_start_in_window",
                    [Group("window", job=job.id), mandatory],
                    f"{job.id}: no {job.duration_days} consecutive working day(s) between {a} and {b} inside the horizon",
                    f"{job.id}：{a} 至 {b}（计划期内）没有连续 {job.duration_days} 个工作日",
                )
            )
            continue
        conflict = _staffing_conflict(problem, job)
        if conflict is not None:
            out.append(conflict)
    return out


def _has(q: str) -> Callable[[Inspector], bool]:
    return lambda i: i.has(q)


def _from(province: str) -> Callable[[Inspector], bool]:
    return lambda i: i.province == province


def _staffing_conflict(problem: Problem, job: Job) -> dict[str, Any] | None:
    """A mandatory job that cannot be staffed even on an empty calendar, as a conflict (or None)."""
    mandatory = Group("mandatory", job=job.id)
    cands = _candidates(problem, job)
    chosen = {i.id for i in cands}
    # allowed on the job but kept away by their unavailability or their max_days: lifting that would help
    held_back = [i for i in problem.inspectors if i.id not in chosen and problem.ineligibility(job, i) is None]
    groups: list[Group] = []
    missing: dict[Group, tuple[int, int]] = {}

    def short(rule: Group, count: int, need: int, helps: Callable[[Inspector], bool]) -> None:
        if count >= need:
            return
        groups.append(rule)
        missing[rule] = (need - count, count)
        for i in held_back:
            if not helps(i):
                continue
            if i.max_days < job.duration_days:
                groups.append(Group("max_days", inspector=i.id))
            for k, period in enumerate(i.unavailable):
                if period.start <= job.window.end and period.end >= job.window.start:
                    groups.append(Group("unavailable", inspector=i.id, period=k))

    def may_lead(i: Inspector, job: Job = job) -> bool:
        return i.has("lead") and (job.joint is None or i.province == job.joint.lead_province)

    short(Group("leader", job=job.id), sum(1 for i in cands if may_lead(i)), 1, may_lead)
    for q, need in job.requires:
        short(
            Group("requires", job=job.id, qualification=q),
            sum(1 for i in cands if i.has(q)),
            need,
            _has(q),
        )
    short(Group("team_min", job=job.id), len(cands), job.team_min, lambda i: True)
    if job.joint is not None:
        for province in (job.joint.lead_province, job.joint.partner_province):
            short(
                Group("min_each", job=job.id, province=province),
                sum(1 for i in cands if i.province == province),
                job.joint.min_each,
                _from(province),
            )
    groups = list(dict.fromkeys(groups))
    if not groups:
        return None
    rules = [g for g in groups if g.job]
    names = ", ".join(g.kind if g.qualification is None else f"{g.kind} {g.qualification}" for g in rules)
    names_zh = "、".join(
        GROUP_ZH.get(g.kind, g.kind) + (qualification_zh(g.qualification) if g.qualification else "") for g in rules
    )
    return _conflict(
        problem,
        "cannot_staff",
        [*groups, mandatory],
        f"{job.id} cannot be staffed from the inspectors allowed on it and free in its window ({names})",
        f"{job.id} 无法由可参加且在窗口内有空的检查员组成检查组（{names_zh}）",
        missing,
    )


def _core_model(problem: Problem, comps: Sequence[Component], fixed: dict[str, Assignment]) -> ScheduleModel:
    jobs = [j for c in comps for j in c.jobs if j.mandatory or j.id in fixed]
    people = [i for c in comps for i in c.inspectors]
    return ScheduleModel(problem, jobs, people, fixed=fixed, assumptions=True)


def _infeasible_under(
    sm: ScheduleModel, literals: Sequence[cp_model.IntVar], time_limit: float
) -> tuple[bool | None, list[int]]:
    """(True, core) when infeasible under these assumptions; (False, []) when feasible; (None, []) unknown."""
    sm.model.clear_assumptions()
    sm.model.add_assumptions(literals)
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1  # assumptions and cores need a single worker
    solver.parameters.max_time_in_seconds = max(0.05, time_limit)
    status = solver.solve(sm.model)
    if status == cp_model.INFEASIBLE:
        return True, list(solver.sufficient_assumptions_for_infeasibility())
    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return False, []
    return None, []


def explain_infeasible(
    problem: Problem,
    *,
    components: Sequence[Component] = (),
    fixed: dict[str, Assignment] | None = None,
    fixed_violations: Sequence[Violation] = (),
    time_limit: float = 30.0,
) -> list[dict[str, Any]]:
    """The conflicts that make the mandatory jobs impossible, each with the actions that would resolve it."""
    if fixed_violations:
        by_job: dict[str, list[Violation]] = defaultdict(list)
        for v in fixed_violations:
            by_job[v.job or ""].append(v)
        invalid: list[dict[str, Any]] = []
        for job_id, items in by_job.items():
            invalid.append(
                {
                    "code": "kept_assignment_invalid",
                    "message": f"the kept assignment of {job_id} breaks hard constraints: "
                    + "; ".join(v.message_en for v in items),
                    "message_zh": f"保留的 {job_id} 安排违反硬约束：" + "；".join(v.message_zh for v in items),
                    "groups": [{"kind": "fixed", "job": job_id}],
                    "actions": [
                        {
                            "group": {"kind": "fixed", "job": job_id},
                            "message": f"re-notify {job_id} (do not keep it), or restore what it relied on",
                            "message_zh": f"重新通知 {job_id}（不予保留），或恢复其所依赖的条件",
                        }
                    ],
                    "violations": [v.as_dict() for v in items],
                }
            )
        return invalid
    fixed = fixed or {}
    deadline = time.monotonic() + time_limit
    sm = _core_model(problem, components, fixed)
    active = dict(sm.group_literals)  # group → literal
    out: list[dict[str, Any]] = []
    while active and len(out) < MAX_CORES and time.monotonic() < deadline:
        left = deadline - time.monotonic()
        verdict, core_idx = _infeasible_under(sm, list(active.values()), left)
        if verdict is not True:
            break
        core = [sm.groups[k] for k in core_idx if k in sm.groups] or list(active)
        # deletion: drop each literal that is not needed for the infeasibility
        needed = list(core)
        for g in list(core):
            if time.monotonic() > deadline or len(needed) <= 1:
                break
            trial = [x for x in needed if x != g]
            per = min(5.0, max(0.2, (deadline - time.monotonic()) / max(1, len(needed))))
            still, smaller = _infeasible_under(sm, [active[x] for x in trial], per)
            if still is True:
                keep = {sm.groups[k] for k in smaller if k in sm.groups}
                needed = [x for x in trial if x in keep] or trial
        # which single change, with every other rule still in force, makes the mandatory jobs schedulable?
        alone: dict[Group, bool | None] = {}
        for g in needed:
            if time.monotonic() > deadline:
                alone[g] = None
                continue
            per = min(5.0, max(0.2, (deadline - time.monotonic()) / max(1, len(needed))))
            still, _ = _infeasible_under(sm, [lit for x, lit in active.items() if x != g], per)
            alone[g] = None if still is None else not still
        jobs = sorted({g.job for g in needed if g.job})
        conflict = _conflict(
            problem,
            "conflicting_constraints",
            needed,
            f"these rules cannot all hold (jobs {_people(jobs)}); each action marked resolves_alone fixes it on its own, the others only together with another change",
            f"以下规则无法同时满足（任务 {'、'.join(jobs)}）；标记为可单独解决的调整任选其一即可，其余调整须与其他调整配合",
        )
        for action in conflict["actions"]:
            g = Group(**action["group"])
            action["resolves_alone"] = alone.get(g)
        conflict["actions"].sort(key=lambda x: x["resolves_alone"] is not True)
        out.append(conflict)
        for g in needed:
            active.pop(g, None)
    if not out:
        out.append(
            {
                "code": "infeasible_unexplained",
                "message": "the mandatory jobs cannot all be scheduled; no smaller explanation was found within the time limit",
                "message_zh": "必须任务无法全部安排；在时限内未能找到更具体的原因",
                "groups": [],
                "actions": [],
            }
        )
    return out


# ================================================================================ assignments

REASONS = {
    "province": ("not from the province(s) that staff this job", "不属于负责该任务的省份"),
    "conflict": ("conflict of interest with the site (回避)", "与该场地存在利益冲突，须回避"),
    "lives_in_city": ("lives in the city of this unannounced inspection", "居住在飞行检查所在城市"),
    "unavailable": ("unavailable on those days", "当日不可安排"),
    "busy": ("busy on another job those days", "当日已安排其他任务"),
    "max_days": ("max_days reached", "检查天数已达上限"),
    "lacks_qualification": ("lacks the qualifications the job requires", "不具备该任务所需资质"),
    "not_needed": (
        "not needed: the team already meets its size and every requirement (a larger team would take days from other work)",
        "无需加入：检查组人数和资质要求均已满足（增加人员会占用其他工作的天数）",
    ),
}


def explain_plan(problem: Problem, plan: Plan) -> dict[str, Any]:
    """Per scheduled job: what it covers, what bound its start and team, why others were not chosen; per
    unscheduled job: why it was left out."""
    p = problem
    busy: dict[str, dict[int, str]] = defaultdict(dict)
    load: dict[str, int] = defaultdict(int)
    for a in plan.assignments:
        job = p.job_by_id[a.job]
        s = p.index(a.start)
        for iid in a.inspectors:
            for k in range(job.duration_days):
                busy[iid][s + k] = a.job
            load[iid] += job.duration_days
    off = {i.id: p.unavailable_days(i) for i in p.inspectors}
    out: dict[str, Any] = {}
    for a in plan.assignments:
        job = p.job_by_id[a.job]
        s = p.index(a.start)
        days = range(s, s + job.duration_days)
        team = set(a.inspectors)
        starts = p.allowed_starts(job)
        # which starts would the chosen team have been free on?
        team_free = [
            t
            for t in starts
            if all(
                not any((t + k in off[iid]) or (busy[iid].get(t + k, a.job) != a.job) for k in range(job.duration_days))
                for iid in team
            )
        ]
        bound: list[dict[str, str]] = []
        if job.target is not None:
            dist = abs(s - p.index(job.target))
            bound.append(
                {
                    "code": "target",
                    "message": f"unannounced: drawn target date {job.target} ({dist} day(s) away)",
                    "message_zh": f"飞行检查：随机抽取的目标日期 {job.target}（相差 {dist} 天）",
                }
            )
        if starts and s == starts[0]:
            bound.append(
                {
                    "code": "window_start",
                    "message": f"the first allowed start in its window ({job.window.start} to {job.window.end})",
                    "message_zh": f"检查窗口（{job.window.start} 至 {job.window.end}）内最早可开始日期",
                }
            )
        if starts and s == starts[-1]:
            bound.append(
                {
                    "code": "window_end",
                    "message": f"the last allowed start in its window ({job.window.start} to {job.window.end})",
                    "message_zh": f"检查窗口（{job.window.start} 至 {job.window.end}）内最晚可开始日期",
                }
            )
        closed = (job.window.end - job.window.start).days + 1 - len(starts) - (job.duration_days - 1)
        if closed > 0:
            bound.append(
                {
                    "code": "working_days",
                    "message": f"{len(starts)} allowed start(s): weekends, holidays and the horizon rule out {closed} day(s)",
                    "message_zh": f"可开始日期 {len(starts)} 个：周末、节假日和计划期排除了 {closed} 天",
                }
            )
        w0, w1 = p.index(job.window.start), p.index(job.window.end)
        others = sorted({other for iid in team for t, other in busy[iid].items() if w0 <= t <= w1 and other != a.job})
        if others:
            bound.append(
                {
                    "code": "team_busy",
                    "message": f"the team is on other jobs in the window: {_people(others)}",
                    "message_zh": f"检查组成员在窗口内另有任务：{'、'.join(others)}",
                }
            )
        unav = sorted(
            iid for iid in team if any(p.index(job.window.start) <= t <= p.index(job.window.end) for t in off[iid])
        )
        if unav:
            bound.append(
                {
                    "code": "team_unavailable",
                    "message": f"unavailable in the window: {_people(unav)}",
                    "message_zh": f"窗口内有不可安排时段：{'、'.join(unav)}",
                }
            )
        bound.append(
            {
                "code": "team_free_starts",
                "message": f"the team was free on {len(team_free)} of {len(starts)} allowed starts",
                "message_zh": f"在 {len(starts)} 个可开始日期中，检查组有 {len(team_free)} 个均有空",
            }
        )
        # the team
        requires = {
            q: sorted(iid for iid in a.inspectors if p.inspector_by_id[iid].has(q)) for q, n in job.requires if n > 0
        }
        leader = p.inspector_by_id[a.leader]
        lead_pool = [
            iid
            for iid in a.inspectors
            if p.inspector_by_id[iid].has("lead")
            and (job.joint is None or p.inspector_by_id[iid].province == job.joint.lead_province)
        ]
        why_leader = (
            ("the only member who may lead", "唯一可担任组长的成员")
            if len(lead_pool) == 1
            else (
                "lead-qualified" + (f", from the lead province {job.joint.lead_province}" if job.joint else ""),
                "具备组长资质" + (f"，来自牵头省份 {job.joint.lead_province}" if job.joint else ""),
            )
        )
        # the others
        groups: dict[str, dict[str, Any]] = {}
        outside = 0
        needs_q = {q for q, n in job.requires if n > 0}
        for i in p.inspectors:
            if i.id in team:
                continue
            reason = p.ineligibility(job, i)
            detail: Any = None
            if reason == "province":
                outside += 1
                continue
            if reason is None:
                taken = [busy[i.id][t] for t in days if t in busy[i.id]]
                if any(t in off[i.id] for t in days):
                    reason = "unavailable"
                    detail = next(
                        (
                            f"{q.start}–{q.end}"
                            for q in i.unavailable
                            if any(q.start <= p.day(t) <= q.end for t in days)
                        ),
                        None,
                    )
                elif taken:
                    reason, detail = "busy", taken[0]
                elif load[i.id] + job.duration_days > i.max_days:
                    reason, detail = "max_days", f"{load[i.id]}/{i.max_days}"
                elif needs_q and not any(i.has(q) for q in needs_q):
                    reason = "lacks_qualification"
                else:
                    reason = "not_needed"
            entry = groups.setdefault(
                reason,
                {"reason": reason, "message": REASONS[reason][0], "message_zh": REASONS[reason][1], "inspectors": {}},
            )
            entry["inspectors"][i.id] = detail
        not_chosen = [groups[r] for r in REASONS if r in groups]
        if outside:
            not_chosen.append(
                {
                    "reason": "province",
                    "message": REASONS["province"][0],
                    "message_zh": REASONS["province"][1],
                    "count": outside,
                }
            )
        covers = {"type": job.type, "site": job.site, "value": job.value, "mandatory": job.mandatory}
        if job.obligations:
            covers["obligations"] = list(job.obligations)
        out[a.job] = {
            "covers": covers,
            "message": f"{job.id} ({job.type} at {job.site}, value {job.value:g}{', mandatory' if job.mandatory else ''}) starts {a.start} for {job.duration_days} day(s), led by {a.leader}",
            "message_zh": f"{job.id}（{job.site} 的{type_zh(job.type)}，价值 {job.value:g}{'，必须完成' if job.mandatory else ''}）于 {a.start} 开始，共 {job.duration_days} 天，组长 {a.leader}",
            "start": {"window": job.window.as_dict(), "allowed_starts": len(starts), "bound_by": bound},
            "team": {
                "size": len(a.inspectors),
                "min": job.team_min,
                "max": job.team_max,
                "requires": requires,
                "leader": {"inspector": leader.id, "message": why_leader[0], "message_zh": why_leader[1]},
            },
            "not_chosen": not_chosen,
        }
    for job_id in plan.unscheduled:
        job = p.job_by_id[job_id]
        out[job_id] = _why_unscheduled(p, job, busy, load, off)
    return out


def _why_unscheduled(
    p: Problem, job: Job, busy: dict[str, dict[int, str]], load: dict[str, int], off: dict[str, frozenset[int]]
) -> dict[str, Any]:
    starts = p.allowed_starts(job)
    if not starts:
        return {
            "scheduled": False,
            "reason": "no_start",
            "message": f"no {job.duration_days} consecutive working day(s) in its window",
            "message_zh": f"窗口内没有连续 {job.duration_days} 个工作日",
        }
    cands = _candidates(p, job)
    if len(cands) < job.team_min or not any(i.has("lead") for i in cands):
        return {
            "scheduled": False,
            "reason": "cannot_staff",
            "message": "no valid team can be formed from the inspectors allowed on it",
            "message_zh": "可参加的检查员无法组成符合要求的检查组",
        }
    lo, hi = starts[0], starts[-1] + job.duration_days - 1
    competing = sorted({other for i in cands for t, other in busy[i.id].items() if lo <= t <= hi})
    return {
        "scheduled": False,
        "reason": "capacity",
        "message": f"left out for value: the qualified inspectors' days went to jobs of higher value per inspector-day ({len(competing)} job(s) compete for them)",
        "message_zh": f"因价值取舍未安排：具备资质的检查员天数已用于单位人日价值更高的任务（{len(competing)} 个任务与之竞争）",
        "value": job.value,
    }
