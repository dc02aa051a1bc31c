"""Inspection plans (``/api/v1/inspection-plans``), for regulators of the plan's province (and NMPA): list, one plan
with its jobs (an unannounced job outside your sight is reserved capacity: no job id, no site), request a plan for a
year (202: the solve runs in the background; poll the plan's ``status`` and ``progress``), approve a solved plan ✍,
reveal the seed after the year. The seed is never in an answer before it is revealed."""

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.http import HttpRequest
from ninja import Router, Schema, Status
from ninja.pagination import paginate

from bioseg.api.errors import ERRORS
from bioseg.api.pagination import Pagination
from bioseg.api.registry import In
from bioseg.api.types import Whole, Year
from bioseg.oversight import plans as svc
from bioseg.oversight import selectors as sel

router = Router(tags=["inspection plans"])


class PlanOut(Schema):
    id: int
    reference: str
    region_code: str
    year: int
    version: int
    status: str
    progress: int
    step: str
    time_limit: int
    commitment: str
    seed: str | None
    approved_at: dt.datetime | None
    objective: dict | None
    notes: list[list[str]]

    @staticmethod
    def resolve_seed(obj):
        return obj.seed_hex if obj.revealed_at else None

    @staticmethod
    def resolve_objective(obj):
        return (obj.result or {}).get("objective")


class JobOut(Schema):
    job: str
    type: str
    site_id: int | None
    mandatory: bool
    start: dt.date | None
    end: dt.date | None
    inspectors: list[str]
    leader: str
    obligation_en: str
    obligation_zh: str


class PlanDetailOut(PlanOut):
    jobs: list[JobOut]
    conflicts: list[dict]


class PlanIn(In):
    year: Whole
    time_limit: Whole = 30


class ApproveIn(In):
    password: str
    reason: str = ""


@dataclass(frozen=True)
class _PlanDetail:
    """A plan with what this user may see of its jobs (secret ones masked by the selector) and its conflicts;
    every other attribute is the plan's (the model instance itself is left as it is)."""

    plan: Any
    jobs: list[dict]
    conflicts: list[dict]

    def __getattr__(self, name: str) -> Any:
        return getattr(self.plan, name)


def _detail(request, plan) -> _PlanDetail:
    rows = sel.plan_rows(user=request.user, plan=plan) if plan.result else []
    return _PlanDetail(
        plan=plan,
        jobs=[dict(r, site_id=r["site"].pk if r["site"] else None) for r in rows],
        conflicts=(plan.result or {}).get("conflicts", []),
    )


@router.get("", response={200: list[PlanOut], **ERRORS}, summary="Inspection plans you can see")
@paginate(Pagination)
def plan_list(request: HttpRequest, year: Year | None = None):
    return sel.plan_list(user=request.user, year=year)


@router.get("/{int:id}", response={200: PlanDetailOut, **ERRORS}, summary="One plan with its jobs")
def plan_detail(request: HttpRequest, id: int):
    return _detail(request, sel.plan_get(user=request.user, pk=id))


@router.post("", response={202: PlanOut, **ERRORS}, summary="Request a plan for a year (solved in the background)")
def plan_create(request: HttpRequest, payload: PlanIn):
    with transaction.atomic():
        plan = svc.plan_create(actor=request.user, year=payload.year, time_limit=payload.time_limit)
    plan.refresh_from_db()
    return Status(202, plan)


@router.post("/{int:id}/approve", response={200: PlanDetailOut, **ERRORS}, summary="Approve a solved plan ✍")
def plan_approve(request: HttpRequest, id: int, payload: ApproveIn):
    plan = sel.plan_get(user=request.user, pk=id)
    svc.plan_approve(actor=request.user, plan=plan, password=payload.password, reason=payload.reason)
    return _detail(request, sel.plan_get(user=request.user, pk=id))


@router.post("/{int:id}/reveal", response={200: PlanOut, **ERRORS}, summary="Reveal the seed after the year")
def plan_reveal(request: HttpRequest, id: int):
    plan = sel.plan_get(user=request.user, pk=id)
    return svc.plan_reveal_seed(actor=request.user, plan=plan)
