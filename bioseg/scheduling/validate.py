"""bioseg's own check of a plan against its problem: every hard constraint (1–8) of the exchange format.

Written apart from the model (:mod:`bioseg.scheduling.model`) on purpose: it reads the problem's fields
directly and shares none of the model's pre-computation (allowed starts, eligibility), so a mistake in one
is caught by the other. ``../shared/oversight/check.py`` is the external oracle beside it.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from .labels import qualification_zh
from .plan import Assignment, Plan
from .problem import Problem


@dataclass(frozen=True, slots=True)
class Violation:
    constraint: int  # the hard constraint's number in the format (1–8); 0 for a malformed assignment
    code: str
    job: str | None
    inspector: str | None
    message_en: str
    message_zh: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "constraint": self.constraint,
            "code": self.code,
            "job": self.job,
            "inspector": self.inspector,
            "message": self.message_en,
            "message_zh": self.message_zh,
        }


def _working(problem: Problem, day: date) -> bool:
    if day in problem.working_weekends:
        return True
    return day.weekday() < 5 and day not in problem.holidays


def validate_plan(
    problem: Problem, plan: Plan | list[Assignment], *, require_mandatory: bool = True
) -> list[Violation]:
    """Every violation of a hard constraint, in a stable order (empty: the plan is valid)."""
    assignments = plan.assignments if isinstance(plan, Plan) else plan
    out: list[Violation] = []

    def add(c: int, code: str, job: str | None, who: str | None, en: str, zh: str) -> None:
        out.append(Violation(c, code, job, who, en, zh))

    jobs = {j.id: j for j in problem.jobs}
    people = {i.id: i for i in problem.inspectors}
    sites = {s.id: s for s in problem.sites}
    busy: dict[str, dict[date, str]] = defaultdict(dict)
    load: dict[str, int] = defaultdict(int)
    scheduled: set[str] = set()

    for a in assignments:
        job = jobs.get(a.job)
        if job is None:
            add(0, "unknown_job", a.job, None, f"unknown job {a.job}", f"未知任务 {a.job}")
            continue
        if a.job in scheduled:
            add(0, "scheduled_twice", a.job, None, f"{a.job} is scheduled twice", f"{a.job} 被重复安排")
            continue
        scheduled.add(a.job)
        site = sites[job.site]
        days = [a.start + timedelta(days=k) for k in range(job.duration_days)]

        # 1. consecutive working days inside the window and the horizon
        for day in days:
            if not (job.window.start <= day <= job.window.end):
                add(
                    1,
                    "outside_window",
                    a.job,
                    None,
                    f"{a.job}: {day} is outside its window",
                    f"{a.job}：{day} 不在检查窗口内",
                )
                break
        for day in days:
            if not (problem.horizon.start <= day <= problem.horizon.end):
                add(
                    1,
                    "outside_horizon",
                    a.job,
                    None,
                    f"{a.job}: {day} is outside the horizon",
                    f"{a.job}：{day} 不在计划期内",
                )
                break
        for day in days:
            if not _working(problem, day):
                add(
                    1,
                    "not_working_day",
                    a.job,
                    None,
                    f"{a.job}: {day} is not a working day",
                    f"{a.job}：{day} 不是工作日",
                )
                break

        # 2. team size and qualifications
        team = list(a.inspectors)
        if len(set(team)) != len(team):
            add(
                2,
                "member_twice",
                a.job,
                None,
                f"{a.job}: an inspector is in the team twice",
                f"{a.job}：检查组中有人重复",
            )
        unknown = [k for k in team if k not in people]
        for k in unknown:
            add(2, "unknown_inspector", a.job, k, f"{a.job}: unknown inspector {k}", f"{a.job}：未知检查员 {k}")
        members = [people[k] for k in dict.fromkeys(team) if k in people]
        size = len(set(team))
        if size < job.team_min or size > job.team_max:
            add(
                2,
                "team_size",
                a.job,
                None,
                f"{a.job}: team of {size}, needs {job.team_min}–{job.team_max}",
                f"{a.job}：检查组 {size} 人，应为 {job.team_min}–{job.team_max} 人",
            )
        for qualification, need in job.requires:
            have = sum(1 for m in members if qualification in m.qualifications)
            if have < need:
                add(
                    2,
                    "qualification",
                    a.job,
                    None,
                    f"{a.job}: {have} member(s) qualified {qualification}, needs {need}",
                    f"{a.job}：具备{qualification_zh(qualification)}资质的成员 {have} 人，应至少 {need} 人",
                )

        # 3. one leader, lead-qualified, from the lead province of a joint job
        leader = people.get(a.leader)
        if a.leader not in team or leader is None:
            add(
                3,
                "leader_not_member",
                a.job,
                a.leader,
                f"{a.job}: leader {a.leader} is not in the team",
                f"{a.job}：组长 {a.leader} 不在检查组中",
            )
        elif "lead" not in leader.qualifications:
            add(
                3,
                "leader_not_qualified",
                a.job,
                a.leader,
                f"{a.job}: leader {a.leader} is not qualified to lead",
                f"{a.job}：组长 {a.leader} 不具备组长资质",
            )
        if leader is not None and job.joint is not None and leader.province != job.joint.lead_province:
            add(
                3,
                "leader_province",
                a.job,
                a.leader,
                f"{a.job}: leader {a.leader} is not from the lead province {job.joint.lead_province}",
                f"{a.job}：组长 {a.leader} 不属于牵头省份 {job.joint.lead_province}",
            )

        # 4. provinces
        if job.joint is None:
            for m in members:
                if m.province != site.province:
                    add(
                        4,
                        "province",
                        a.job,
                        m.id,
                        f"{a.job}: {m.id} is not from {site.province}",
                        f"{a.job}：{m.id} 不属于 {site.province}",
                    )
        else:
            both = (job.joint.lead_province, job.joint.partner_province)
            for m in members:
                if m.province not in both:
                    add(
                        4,
                        "province",
                        a.job,
                        m.id,
                        f"{a.job}: {m.id} is from neither {both[0]} nor {both[1]}",
                        f"{a.job}：{m.id} 既不属于 {both[0]} 也不属于 {both[1]}",
                    )
            for province in both:
                n = sum(1 for m in members if m.province == province)
                if n < job.joint.min_each:
                    add(
                        4,
                        "joint_min_each",
                        a.job,
                        None,
                        f"{a.job}: {n} inspector(s) from {province}, needs {job.joint.min_each}",
                        f"{a.job}：来自 {province} 的检查员 {n} 人，应至少 {job.joint.min_each} 人",
                    )

        # 5. conflicts of interest; unannounced: nobody living in the site's city
        for m in members:
            if (m.id, site.id) in problem.conflicts:
                add(
                    5,
                    "conflict",
                    a.job,
                    m.id,
                    f"{a.job}: {m.id} must not inspect {site.id} (conflict of interest)",
                    f"{a.job}：{m.id} 须回避 {site.id}",
                )
            if job.unannounced and m.city and m.city == site.city:
                add(
                    5,
                    "lives_in_city",
                    a.job,
                    m.id,
                    f"{a.job}: {m.id} lives in {site.city}, the city of an unannounced inspection",
                    f"{a.job}：{m.id} 居住在飞行检查所在城市 {site.city}",
                )

        # 6. unavailability and double booking
        for m in members:
            off = [p for p in m.unavailable if any(p.start <= day <= p.end for day in days)]
            if off:
                add(
                    6,
                    "unavailable",
                    a.job,
                    m.id,
                    f"{a.job}: {m.id} is unavailable {off[0].start}–{off[0].end}",
                    f"{a.job}：{m.id} 在 {off[0].start} 至 {off[0].end} 不可安排",
                )
            for day in days:
                other = busy[m.id].get(day)
                if other is not None:
                    add(
                        6,
                        "double_booked",
                        a.job,
                        m.id,
                        f"{a.job}: {m.id} is also on {other} on {day}",
                        f"{a.job}：{m.id} 于 {day} 同时在 {other}",
                    )
                    break
            for day in days:
                busy[m.id].setdefault(day, a.job)
            load[m.id] += job.duration_days

    # 7. days per inspector
    for who, days_used in sorted(load.items()):
        limit = people[who].max_days
        if days_used > limit:
            add(
                7,
                "max_days",
                None,
                who,
                f"{who}: {days_used} inspection days, at most {limit}",
                f"{who}：检查 {days_used} 天，上限 {limit} 天",
            )

    # 8. every mandatory job
    if require_mandatory:
        for job in problem.jobs:
            if job.mandatory and job.id not in scheduled:
                add(
                    8,
                    "mandatory_unscheduled",
                    job.id,
                    None,
                    f"mandatory job {job.id} is not scheduled",
                    f"必须完成的任务 {job.id} 未安排",
                )
    return out
