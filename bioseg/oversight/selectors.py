"""Every read of supervision records, restricted to what the user may see; every view of a still-secret
unannounced inspection is logged (``SecretAccess``)."""

from __future__ import annotations

from django.utils.translation import gettext_noop

from bioseg.audit.context import audit_context
from bioseg.common import clock
from bioseg.common.scoping import get_in_scope
from bioseg.oversight.models import (
    Inspection,
    InspectionPlan,
    JointSupervisionPlan,
    PlanSecretAccess,
    RiskRating,
    Sample,
    SecretAccess,
)
from bioseg.registry.scope import scope_for

RELATED = ("product", "product__holder", "follow_up_of", "requested_by")


def inspection_list(*, user, kind: str = "", status: str = "", year: int | None = None):
    qs = (
        Inspection.objects.for_user(user, scope_for(user))
        .select_related(*RELATED)
        .prefetch_related("members__user", "sites__site")
    )
    if kind:
        qs = qs.filter(kind=kind)
    if status:
        qs = qs.filter(status=status)
    if year:
        qs = qs.filter(planned_from__year=year)
    return qs.order_by("planned_from", "id")


def inspection_get(*, user, pk, what: str = "inspection page") -> Inspection:
    """The inspection, or 404; a view of a secret unannounced inspection is logged with who and when."""
    qs = Inspection.objects.for_user(user, scope_for(user)).select_related(*RELATED)
    inspection = get_in_scope(qs, None, pk, "inspection")
    if inspection.secret_on(clock.today()):
        with audit_context(actor=user, reason=gettext_noop("secret unannounced inspection viewed")):
            SecretAccess.objects.create(inspection=inspection, user=user, viewed_at=clock.now(), what=what[:80])
    return inspection


def sample_list(*, user):
    inspections = Inspection.objects.for_user(user, scope_for(user)).values("id")
    return Sample.objects.filter(inspection_id__in=inspections).select_related("lot", "inspection", "lot__product")


def sample_get(*, user, pk) -> Sample:
    return get_in_scope(sample_list(user=user), None, pk, "sample")


# --- risk ratings ----------------------------------------------------------------------------------------------


def _regulator_scope(user):
    from bioseg.common.errors import PermissionDenied

    scope = scope_for(user)
    if not (scope.is_national or scope.is_provincial):
        raise PermissionDenied("Risk ratings are for regulators.", "风险评级仅供监管部门查看。")
    return scope


def rated_sites(*, user):
    """The sites whose ratings ``user`` (a regulator) sees: of the province, and those making its holders' products."""
    from django.db.models import Q

    from bioseg.production.models import Segment
    from bioseg.registry.models import Site

    scope = _regulator_scope(user)
    qs = Site.objects.select_related("enterprise")
    if scope.is_national:
        return qs
    made = Segment.objects.filter(chain__product__holder__region_code=scope.region_code).values("site_id")
    return qs.filter(Q(region_code=scope.region_code) | Q(id__in=made))


def risk_rating_list(*, user, overall: str = ""):
    """The current rating of each site the regulator sees, highest score first."""
    scope = _regulator_scope(user)
    qs = RiskRating.objects.restrict(scope).current().select_related("site", "site__enterprise", "rated_by")
    if overall:
        qs = qs.filter(overall=overall)
    return qs.order_by("-score", "site_id")


def risk_site_get(*, user, pk):
    """A site whose ratings the regulator sees, or 404."""
    return get_in_scope(rated_sites(user=user), None, pk, "site")


def risk_history(*, user, site):
    return RiskRating.objects.restrict(_regulator_scope(user)).filter(site=site).order_by("-rated_at", "-id")


def risk_rating_get(*, user, pk):
    return get_in_scope(
        RiskRating.objects.select_related("site", "site__enterprise"), _regulator_scope(user), pk, "risk rating"
    )


# --- inspection plans --------------------------------------------------------------------------------------------


def plan_list(*, user, year: int | None = None):
    qs = InspectionPlan.objects.restrict(_regulator_scope(user)).select_related("created_by", "approved_by")
    if year:
        qs = qs.filter(year=year)
    return qs.order_by("-year", "region_code", "-version")


def plan_get(*, user, pk) -> InspectionPlan:
    return get_in_scope(
        InspectionPlan.objects.select_related("created_by", "approved_by"),
        _regulator_scope(user),
        pk,
        "inspection plan",
    )


def _sees_unannounced(user, plan, assignment: dict | None, start) -> bool:
    import datetime as dt

    if user.pk in (plan.created_by_id, plan.approved_by_id):
        return True
    if assignment is not None and user.username in assignment.get("inspectors", []):
        return True
    return start is not None and clock.today() >= start - dt.timedelta(days=1)


def plan_rows(*, user, plan) -> list[dict]:
    """The plan's jobs as ``user`` may see them: each with its assignment (start, end, team, leader), what it covers,
    and its explanation; an unannounced job outside the user's sight is masked as reserved capacity (no site, no
    job id, no explanation) and its view is not offered. Viewing a secret job is logged like a secret inspection."""
    import datetime as dt

    from bioseg.registry.models import Site

    result = plan.result or {}
    by_job = {a["job"]: a for a in result.get("assignments", [])}
    explanations = result.get("explanations") or {}
    sites = {
        f"S{s.pk}": s
        for s in Site.objects.filter(pk__in=[m["site_id"] for m in plan.job_meta.values()]).select_related("enterprise")
    }
    rows = []
    secret_seen = False
    for j in plan.problem.get("jobs", []):
        a = by_job.get(j["id"])
        start = dt.date.fromisoformat(a["start"]) if a else None
        meta = plan.job_meta.get(j["id"], {})
        row = {
            "job": j["id"],
            "type": j["type"],
            "site": sites.get(j["site"]),
            "mandatory": j["mandatory"],
            "value": j["value"],
            "joint": j.get("joint"),
            "window": (j["window"]["from"], j["window"]["to"]),
            "start": start,
            "end": start + dt.timedelta(days=j["duration_days"] - 1) if start else None,
            "inspectors": a["inspectors"] if a else [],
            "leader": a["leader"] if a else "",
            "obligation_en": meta.get("obligation_en", ""),
            "obligation_zh": meta.get("obligation_zh", ""),
            "explanation": explanations.get(j["id"]),
            "masked": False,
        }
        if j.get("unannounced"):
            if _sees_unannounced(user, plan, a, start):
                secret_seen = secret_seen or (start is None or clock.today() < start - dt.timedelta(days=1))
            else:
                row.update(job="", type="reserved", site=None, obligation_en="", obligation_zh="", explanation=None,
                           window=("", ""), value=None, masked=True)  # fmt: skip
        rows.append(row)
    masked = {j["id"] for j, r in zip(plan.problem.get("jobs", []), rows, strict=True) if r["masked"]}
    if masked:  # other jobs' explanations name the jobs their team is busy with: not the secret ones
        import json
        import re

        pattern = re.compile(r"\b(" + "|".join(re.escape(m) for m in sorted(masked)) + r")\b")
        for r in rows:
            if r["explanation"]:
                r["explanation"] = json.loads(pattern.sub("—", json.dumps(r["explanation"], ensure_ascii=False)))
    if secret_seen:
        with audit_context(actor=user, reason=gettext_noop("secret unannounced job of a plan viewed")):
            PlanSecretAccess.objects.create(plan=plan, user=user, viewed_at=clock.now())
    return rows


# --- joint supervision plans -------------------------------------------------------------------------------------


def joint_plan_list(*, user):
    return (
        JointSupervisionPlan.objects.restrict(_regulator_scope(user))
        .select_related("product", "lead_signed_by", "partner_signed_by")
        .order_by("product_id", "partner_region_code", "-version")
    )


def joint_plan_get(*, user, pk) -> JointSupervisionPlan:
    qs = JointSupervisionPlan.objects.select_related("product", "product__holder", "drafted_by")
    return get_in_scope(qs, _regulator_scope(user), pk, "joint supervision plan")


def approved_plan_of_job(plan_job: str):
    """The approved plan a job key (``<province>-<year>:<job>``, ``plans.plan_job_key``) names, or ``None`` when
    the key is malformed, no plan of that province and year is approved, or the plan has no such job."""
    head, _, job = (plan_job or "").partition(":")
    region, _, year = head.partition("-")
    if not job or not year.isdigit():
        return None
    plan = InspectionPlan.objects.filter(region_code=region, year=int(year), status="approved").first()
    if plan is None or not plan.problem_job(job):
        return None
    return plan


def plan_job_draft(*, user, plan_pk, job: str) -> dict:
    """What an inspection prepared from an approved plan's job starts with: kind, product, site, partner, dates,
    the team the plan named (the user's own province's people; a partner names its own) and its leader. 404 for a
    job the user may not see or that is not scheduled."""
    from bioseg.accounts.models import User
    from bioseg.common.errors import NotFound
    from bioseg.oversight.plans import plan_job_key
    from bioseg.production.models import Segment

    plan = plan_get(user=user, pk=plan_pk)
    row = next((r for r in plan_rows(user=user, plan=plan) if r["job"] == job and not r["masked"]), None)
    if plan.status != "approved" or row is None or row["start"] is None:
        raise NotFound("plan job", job)
    meta = plan.job_meta.get(job, {})
    product_id = meta.get("product_id") or (
        Segment.objects.filter(site_id=meta["site_id"]).values_list("chain__product_id", flat=True).first()
    )
    people = dict(User.objects.filter(username__in=row["inspectors"]).values_list("username", "pk"))
    return {
        "kind": row["type"],
        "product_id": product_id,
        "site_id": meta["site_id"],
        "partner_region_code": meta.get("partner_region_code", ""),
        "team_ids": [people[u] for u in row["inspectors"] if u in people],
        "leader_id": people.get(row["leader"]),
        "planned_from": row["start"],
        "planned_to": row["end"],
        "obligation_en": row["obligation_en"],
        "obligation_zh": row["obligation_zh"],
        "plan_job": plan_job_key(plan, job),
        "partner_to_name": bool(meta.get("partner_region_code")),
    }
