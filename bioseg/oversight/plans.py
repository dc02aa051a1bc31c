"""A province's annual inspection plan: derive, solve in the background, approve with an e-signature, reveal.

- :func:`plan_create` — an inspector of the province asks for the year's plan: every site concerned is re-rated,
  a fresh secret seed is drawn, the programme is derived (``bioseg.oversight.programme``: jobs, inspectors, the
  unannounced draws) and checked by the scheduler's own parser; the plan row is written ``solving`` and the solve is
  enqueued (``bioseg.oversight.tasks.solve_inspection_plan``). When an approved version exists, the new one
  re-plans from it: the jobs whose inspections have been notified (or started) are kept exactly, the rest changes as
  little as possible.
- :func:`plan_progress`, :func:`plan_finish`, :func:`plan_fail` — what the task writes.
- :func:`plan_approve` ✍ — the solved plan is approved; SHA-256(seed ‖ plan id ‖ version) is recorded; the
  approved version before it is superseded.
- :func:`plan_reveal_seed` — after the year, the seed is published; :func:`plan_rederive` re-derives the draws.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.db.models import Max

from bioseg.accounts.models import User
from bioseg.audit.context import audit_context
from bioseg.audit.transitions import transition
from bioseg.common import clock
from bioseg.common.errors import PermissionDenied, ValidationFailed
from bioseg.common.validation import Errors
from bioseg.oversight import programme
from bioseg.oversight.models import Inspection, InspectionPlan, InspectionStatus, PlanStatus, RatingCause
from bioseg.oversight.ratings import site_rate
from bioseg.oversight.workflows import AUTO, PLAN_WORKFLOW, plan_event
from bioseg.scheduling import INFEASIBLE, ProblemError, commitment, new_seed, parse_problem, rederive
from bioseg.scheduling.draws import parse_seed

MAX_TIME_LIMIT = 600
KEPT_STATES = (InspectionStatus.NOTIFIED, InspectionStatus.ON_SITE, InspectionStatus.REPORT,
               InspectionStatus.RECTIFICATION, InspectionStatus.CLOSED)  # fmt: skip


def _inspector_of(actor: User) -> str:
    from bioseg.oversight.services import is_inspector

    if not is_inspector(actor):
        raise PermissionDenied(
            "Only an inspector of a provincial regulator plans inspections.", "只有省级检查员可以编制检查计划。"
        )
    return actor.organisation.region_code


def plan_job_key(plan: InspectionPlan, job: str) -> str:
    """What an inspection prepared from a plan's job records in ``Inspection.plan_job``."""
    return f"{plan.plan_id}:{job}"


def plan_create(*, actor: User, year, time_limit=30, reason: str = "", enqueue: bool = True) -> InspectionPlan:
    """``enqueue=False``: the caller runs the solve itself (the demo loader, which has no worker)."""
    region = _inspector_of(actor)
    e = Errors()
    today = clock.today()
    if isinstance(year, bool) or not isinstance(year, int) or not today.year <= year <= today.year + 1:
        e.add(
            "year",
            f"Plan this year or next ({today.year} or {today.year + 1}).",
            f"只能编制本年度或下一年度的计划（{today.year} 或 {today.year + 1}）。",
        )
    if isinstance(time_limit, bool) or not isinstance(time_limit, int) or not 5 <= time_limit <= MAX_TIME_LIMIT:
        e.add(
            "time_limit",
            f"The time limit is between 5 and {MAX_TIME_LIMIT} seconds.",
            f"求解时限须在 5 至 {MAX_TIME_LIMIT} 秒之间。",
        )
    e.raise_if_any()
    if InspectionPlan.objects.filter(region_code=region, year=year, status=PlanStatus.SOLVING).exists():
        raise ValidationFailed(
            {"year": ("A plan for this year is being solved; wait for it.", "该年度已有计划正在求解，请等待其完成。")}
        )
    previous = InspectionPlan.objects.filter(region_code=region, year=year, status=PlanStatus.APPROVED).first()

    with transaction.atomic():
        ratings = {}
        for site in _sites(region):
            ratings[site.pk] = site_rate(site=site, actor=actor, cause=RatingCause.PROGRAMME)
        version = (
            InspectionPlan.objects.filter(region_code=region, year=year).aggregate(m=Max("version"))["m"] or 0
        ) + 1
        seed = new_seed()
        prog = programme.derive(region, year, ratings=ratings, seed=seed, plan_id=f"{region}-{year}", version=version)
        try:
            parse_problem(prog.problem)
        except ProblemError as exc:  # a record bioseg cannot turn into a valid problem: say which
            raise ValidationFailed(
                {"year": (f"The programme is not valid: {exc.text_en}", f"检查计划数据无效：{exc.text_zh}")}
            ) from exc
        kept: list[str] = []
        if previous is not None and previous.result:
            started = set(
                Inspection.objects.filter(
                    region_code=region, plan_job__startswith=f"{previous.plan_id}:", status__in=KEPT_STATES
                ).values_list("plan_job", flat=True)
            )
            job_ids = {j["id"] for j in prog.problem["jobs"]}
            kept = [
                a["job"]
                for a in previous.result["assignments"]
                if plan_job_key(previous, a["job"]) in started and a["job"] in job_ids
            ]
        with audit_context(actor=actor, reason=reason or AUTO + "inspection plan requested"):
            plan = InspectionPlan.objects.create(
                region_code=region,
                year=year,
                version=version,
                time_limit=time_limit,
                problem=prog.problem,
                job_meta=prog.meta,
                notes=[list(n) for n in prog.notes],
                draw_inputs=prog.draw_inputs,
                draws=prog.draws,
                seed_hex=seed.hex(),
                previous=previous,
                kept_jobs=kept,
                progress=1,
                step="queued",
                created_by=actor,
            )
        from bioseg.oversight.tasks import solve_inspection_plan

        if enqueue:
            transaction.on_commit(lambda: solve_inspection_plan.enqueue(plan.pk))
    return plan


def _sites(region: str):
    from django.db.models import Q

    from bioseg.production.models import Segment
    from bioseg.registry.models import Site

    ids = Segment.objects.filter(Q(site__region_code=region) | Q(chain__product__holder__region_code=region)).values(
        "site_id"
    )
    return Site.objects.filter(pk__in=ids).exclude(region_code="").order_by("pk")


def _write(plan_id: int, reason: str, **fields) -> None:
    plan = InspectionPlan.objects.get(pk=plan_id)
    with transaction.atomic(), audit_context(actor=plan.created_by, reason=AUTO + reason):
        InspectionPlan.objects.filter(pk=plan_id).update(**fields)


def plan_progress(*, plan_id: int, percent: int, step: str) -> None:
    _write(plan_id, "solve progress", progress=max(0, min(99, percent)), step=step[:40])


def plan_finish(*, plan_id: int, result: dict, seconds: float) -> None:
    status = PlanStatus.INFEASIBLE if result.get("status") == INFEASIBLE else PlanStatus.SOLVED
    _write(plan_id, "plan solved", status=status, result=result, seconds=round(seconds, 2), progress=100, step="done")


def plan_fail(*, plan_id: int, error: str) -> None:
    _write(plan_id, "plan solve failed", status=PlanStatus.FAILED, error=error[:2000], step="failed")


def plan_approve(*, actor: User, plan: InspectionPlan, password: str, reason: str = "") -> InspectionPlan:
    """The solved plan approved (✍); its commitment to the unannounced draws recorded; the previous approved
    version superseded."""
    PLAN_WORKFLOW.check_actor(actor, plan, "approve")
    with transition(
        PLAN_WORKFLOW,
        actor=actor,
        subject=plan,
        action="approve",
        reason=reason or AUTO + "inspection plan approved",
        password=password,
        record_event=plan_event,
    ) as t:
        p = t.subject
        unscheduled = [j for j in (p.result or {}).get("unscheduled", []) if p.problem_job(j).get("mandatory")]
        if unscheduled:
            raise ValidationFailed(
                {
                    "plan": (
                        f"Mandatory jobs are unscheduled: {', '.join(unscheduled)}.",
                        f"必做任务未排定：{'、'.join(unscheduled)}。",
                    )
                }
            )
        InspectionPlan.objects.filter(region_code=p.region_code, year=p.year, status=PlanStatus.APPROVED).exclude(
            pk=p.pk
        ).update(status=PlanStatus.SUPERSEDED)
        p.commitment = commitment(parse_seed(p.seed_hex), p.plan_id, p.version)
        p.approved_by = actor
        p.approved_at = clock.now()
        p.save(update_fields=["commitment", "approved_by", "approved_at"])
        t.payload.update({"commitment": p.commitment, "value": (p.result or {}).get("objective", {}).get("value")})
        t.sign(p)
    return t.subject


def seed_may_be_revealed(plan: InspectionPlan) -> bool:
    """The seed is published once the plan's year is over."""
    return clock.today() > dt.date(plan.year, 12, 31)


def plan_reveal_seed(*, actor: User, plan: InspectionPlan, reason: str = "") -> InspectionPlan:
    """Once the plan's year is over, its seed is published so anyone can re-derive the unannounced draws."""
    PLAN_WORKFLOW.check_actor(actor, plan, "reveal_seed")
    if not seed_may_be_revealed(plan):
        raise ValidationFailed(
            {
                "plan": (
                    f"The seed is revealed after the year is over (from {plan.year + 1}-01-01).",
                    f"种子须在年度结束后公开（{plan.year + 1}-01-01 起）。",
                )
            }
        )
    if plan.revealed_at is not None:
        raise ValidationFailed({"plan": ("The seed is already revealed.", "种子已公开。")})
    with transition(
        PLAN_WORKFLOW,
        actor=actor,
        subject=plan,
        action="reveal_seed",
        reason=reason or AUTO + "seed revealed",
        record_event=plan_event,
    ) as t:
        t.subject.revealed_at = clock.now()
        t.subject.save(update_fields=["revealed_at"])
        t.payload["seed"] = t.subject.seed_hex
    return t.subject


def plan_rederive(plan: InspectionPlan) -> tuple[list[dict], bool]:
    """The draws re-derived from the revealed seed, and whether they are the draws the plan made and the seed
    matches the commitment recorded at approval."""
    if plan.revealed_at is None or not plan.draw_inputs:
        return [], False
    seed = parse_seed(plan.seed_hex)
    again = [d.as_dict() for d in rederive(seed, plan.plan_id, plan.version, plan.draw_inputs)]
    return again, again == plan.draws and commitment(seed, plan.plan_id, plan.version) == plan.commitment
