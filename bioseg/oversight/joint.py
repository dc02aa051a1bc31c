"""Joint supervision plans: draft (the lead province), sign (✍ an inspector of each province; the partner states
its free capacity when it signs), and the exchanges of results that came late.

- :func:`joint_plan_draft` — an inspector of the holder's province drafts a version for a product and a partner
  province where a segment of the product's chain is made; the version before stays in force until both have
  signed the new one.
- :func:`joint_plan_sign` — the signature of the actor's province; the second one puts the version in force.
- :func:`late_exchanges` — inspections of the product at a site in either province whose results were shared
  (the report signed, which notifies the other province) later than the plan's N working days after the on-site
  work ended, or not yet shared when the limit has passed.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from bioseg.accounts.models import User
from bioseg.audit.context import audit_context
from bioseg.audit.transitions import transition
from bioseg.common import clock
from bioseg.common.errors import PermissionDenied
from bioseg.common.validation import Errors
from bioseg.oversight.models import Inspection, JointStatus, JointSupervisionPlan
from bioseg.oversight.programme import calendar
from bioseg.oversight.workflows import AUTO, JOINT_WORKFLOW, joint_event

TEXT_LIMIT = 20000


def partner_provinces(product) -> list[str]:
    """The provinces other than the holder's where a segment of the product's chain is made."""
    from bioseg.production.models import Segment

    codes = set(Segment.objects.filter(chain__product=product).values_list("site__region_code", flat=True))
    return sorted(c for c in codes if c and c != product.holder.region_code)


def joint_plan_draft(
    *,
    actor: User,
    product,
    partner_region_code: str,
    lead_obligations: str,
    partner_obligations: str,
    liaison_letter: str,
    exchange_working_days,
    escalation: str,
    effective_from: dt.date | None = None,
    reason: str = "",
) -> JointSupervisionPlan:
    from bioseg.oversight.services import is_inspector

    if not is_inspector(actor):
        raise PermissionDenied("draft a joint supervision plan", "起草联合监管方案")
    e = Errors()
    lead = product.holder.region_code if product is not None else ""
    if product is None:
        e.add("product", "Name the product.", "请选择产品。")
    elif actor.organisation.region_code != lead:
        raise PermissionDenied(
            "Only the holder's province drafts the joint plan (it leads).",
            "联合监管方案由持有人所在地省份起草（牵头）。",
        )
    elif partner_region_code not in partner_provinces(product):
        e.add(
            "partner_region_code",
            "No segment of this product is made in that province.",
            "该产品没有在该省份生产的生产阶段。",
        )
    for name, value in (
        ("lead_obligations", lead_obligations),
        ("partner_obligations", partner_obligations),
        ("liaison_letter", liaison_letter),
        ("escalation", escalation),
    ):
        e.required(name, (value or "").strip())
        if len(value or "") > TEXT_LIMIT:
            e.add(name, "Too long.", "内容过长。")
    if isinstance(exchange_working_days, bool) or not isinstance(exchange_working_days, int):
        e.add("exchange_working_days", "A whole number of working days.", "请填写工作日天数（整数）。")
    elif not 1 <= exchange_working_days <= 30:
        e.add("exchange_working_days", "Between 1 and 30 working days.", "须在 1 至 30 个工作日之间。")
    e.raise_if_any()
    with transaction.atomic(), audit_context(actor=actor, reason=reason or AUTO + "joint supervision plan drafted"):
        last = JointSupervisionPlan.objects.filter(
            product=product, lead_region_code=lead, partner_region_code=partner_region_code
        ).aggregate(m=Max("version"))["m"]
        version = (last or 0) + 1
        plan = JointSupervisionPlan.objects.create(
            reference=f"JSP-{product.pk}-{partner_region_code}-v{version}",
            product=product,
            lead_region_code=lead,
            partner_region_code=partner_region_code,
            version=version,
            lead_obligations=lead_obligations.strip(),
            partner_obligations=partner_obligations.strip(),
            liaison_letter=liaison_letter.strip(),
            exchange_working_days=exchange_working_days,
            escalation=escalation.strip(),
            effective_from=effective_from,
            drafted_by=actor,
        )
        joint_event(
            subject=plan,
            step=JOINT_DRAFTED,
            actor=actor,
            payload={"version": version},
            state_from="",
            state_to=JointStatus.DRAFT,
            reason=reason or AUTO,
        )
    return plan


class _Drafted:
    """The event of the draft (not a step of the table: no state before it)."""

    event = "drafted"
    label_en = "Joint supervision plan drafted"
    label_zh = "起草联合监管方案"


JOINT_DRAFTED = _Drafted()


def joint_plan_sign(
    *, actor: User, plan: JointSupervisionPlan, password: str, free_inspectors=None, reason: str = ""
) -> JointSupervisionPlan:
    """The actor's province signs; the partner states how many qualified inspectors it has free per day."""
    code = getattr(actor.organisation, "region_code", None)
    action = "sign_lead" if code == plan.lead_region_code else "sign_partner"
    JOINT_WORKFLOW.check_actor(actor, plan, action)
    if action == "sign_partner":
        e = Errors()
        if isinstance(free_inspectors, bool) or not isinstance(free_inspectors, int) or not 0 <= free_inspectors <= 999:
            e.add(
                "free_inspectors",
                "State how many qualified inspectors you have free per day (0–999).",
                "请填写每日可调配的合格检查员人数（0–999）。",
            )
        e.raise_if_any()
    with transition(
        JOINT_WORKFLOW,
        actor=actor,
        subject=plan,
        action=action,
        reason=reason or AUTO + "joint supervision plan signed",
        password=password,
        record_event=joint_event,
    ) as t:
        p = t.subject
        now = clock.now()
        if action == "sign_lead":
            p.lead_signed_by, p.lead_signed_at = actor, now
            both = p.partner_signed_at is not None
            fields = ["lead_signed_by", "lead_signed_at"]
        else:
            p.partner_signed_by, p.partner_signed_at = actor, now
            p.partner_free_inspectors = free_inspectors
            both = p.lead_signed_at is not None
            fields = ["partner_signed_by", "partner_signed_at", "partner_free_inspectors"]
            t.payload["free_inspectors"] = free_inspectors
        if both:
            JointSupervisionPlan.objects.filter(
                product=p.product_id,
                lead_region_code=p.lead_region_code,
                partner_region_code=p.partner_region_code,
                status=JointStatus.IN_FORCE,
            ).update(status=JointStatus.SUPERSEDED)
            if p.effective_from is None:
                p.effective_from = clock.today()
                fields.append("effective_from")
            t.go_to(JointStatus.IN_FORCE)
        else:
            t.go_to(JointStatus.LEAD_SIGNED if action == "sign_lead" else JointStatus.PARTNER_SIGNED)
        p.save(update_fields=fields)
        t.sign(p)
    return t.subject


def add_working_days(day: dt.date, n: int) -> dt.date:
    """``day`` plus ``n`` working days (Monday to Friday less the public holidays, plus the working weekends)."""
    out, left = day, n
    while left > 0:
        out += dt.timedelta(days=1)
        holidays, weekends, _ = calendar(out.year)
        iso = out.isoformat()
        if (out.weekday() < 5 and iso not in holidays) or iso in weekends:
            left -= 1
    return out


def late_exchanges(plan: JointSupervisionPlan, today: dt.date | None = None) -> list[dict]:
    """Inspections of the plan's product in either province whose results were shared late, or are overdue."""
    today = today or clock.today()
    qs = (
        Inspection.objects.filter(
            product_id=plan.product_id,
            ended_on__isnull=False,
            sites__site__region_code__in=[plan.lead_region_code, plan.partner_region_code],
        )
        .distinct()
        .order_by("ended_on", "id")
    )
    if plan.effective_from:
        qs = qs.filter(ended_on__gte=plan.effective_from)
    out = []
    for i in qs:
        due = add_working_days(i.ended_on, plan.exchange_working_days)
        shared = timezone.localtime(i.report_signed_at).date() if i.report_signed_at else None
        if (shared and shared > due) or (shared is None and today > due):
            out.append({"inspection": i, "due": due, "shared": shared, "days_late": ((shared or today) - due).days})
    return out
