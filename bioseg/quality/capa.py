"""CAPA: the workflow table, the services and the reads.

::

    planned ──approve_plan✍ (the approving party of the agreement's CAPA duty; by default the holder)──▶ in_progress
    in_progress ──submit_effectiveness (every action done; the check's plan and due date)──▶ effectiveness
    effectiveness ──close✍ (approving party, with the check's result)──▶ closed
    effectiveness ──reopen (approving party: not effective, with the reason)──▶ in_progress
    planned / in_progress ── add_action (QA of the owner or the holder); in_progress ── complete_action (the action's
    owner, or QA of the owner or the holder)
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils.translation import gettext_noop

from bioseg.accounts.models import User
from bioseg.audit.context import audit_context
from bioseg.audit.models import SignatureMeaning
from bioseg.audit.transitions import event_writer, transition
from bioseg.common import clock
from bioseg.common.errors import PermissionDenied
from bioseg.common.scoping import get_in_scope, recheck
from bioseg.common.validation import Errors
from bioseg.common.workflow import Workflow, WrongState, step
from bioseg.quality.duties import duty_for
from bioseg.quality.models import (
    Activity,
    Capa,
    CapaAction,
    CapaEvent,
    CapaSource,
    CapaStatus,
)
from bioseg.quality.notifications import QUALITY_ROLES, notify, quality_people
from bioseg.quality.references import next_reference, with_fresh_reference
from bioseg.quality.services import TEXT_LIMIT, agreement_between
from bioseg.quality.workflows import QA, parties
from bioseg.registry.scope import own_enterprise_ids, scope_for

P_, I_, E_, C_ = CapaStatus.PLANNED, CapaStatus.IN_PROGRESS, CapaStatus.EFFECTIVENESS, CapaStatus.CLOSED


def capa_party_ids(capa, party: str) -> set[int]:
    """``party`` for a CAPA: the holder and the enterprise that owns it."""
    return parties(capa.product.holder_id, capa.owner_id, party)


def _capa_party(user, capa, party: str) -> bool:
    own = own_enterprise_ids(user)
    if party == "owner":
        return capa.owner_id in own
    if party == "holder":
        return capa.product.holder_id in own
    if party == "approver":
        return bool(capa_party_ids(capa, capa.approver_party) & own)
    raise KeyError(party)


CAPA_WORKFLOW = Workflow(
    name="capa",
    subject_en="CAPA",
    subject_zh="纠正预防措施",
    is_party=_capa_party,
    state_labels={
        P_: ("planned (awaiting approval)", "计划待批准"),
        I_: ("in progress", "实施中"),
        E_: ("under effectiveness check", "有效性检查中"),
        C_: ("closed", "已关闭"),
    },
    steps=(
        step(
            "approve_plan",
            [P_],
            I_,
            event="plan_approved",
            label=("Approve the CAPA plan", "批准纠正预防措施计划"),
            roles=QA,
            parties=["approver"],
            signature=SignatureMeaning.APPROVED,
        ),
        step(
            "add_action",
            [P_, I_],
            None,
            event="action_added",
            label=("Add an action", "增加措施"),
            roles=QA,
            parties=["owner", "holder"],
        ),
        step(
            "complete_action",
            [I_],
            None,
            event="action_completed",
            label=("Record an action as done", "记录措施已完成"),
            roles=QA,
            parties=["owner", "holder"],
        ),
        step(
            "submit_effectiveness",
            [I_],
            E_,
            event="effectiveness_check_started",
            label=("Start the effectiveness check", "开始有效性检查"),
            roles=QA,
            parties=["owner", "holder"],
        ),
        step(
            "close",
            [E_],
            C_,
            event="closed",
            label=("Close the CAPA: effective", "关闭纠正预防措施：有效"),
            roles=QA,
            parties=["approver"],
            signature=SignatureMeaning.APPROVED,
        ),
        step(
            "reopen",
            [E_],
            I_,
            event="reopened",
            label=("Reopen the CAPA: not effective", "重新打开纠正预防措施：无效"),
            roles=QA,
            parties=["approver"],
        ),
    ),
)
capa_event = event_writer(CapaEvent, "capa")


# --- reads -----------------------------------------------------------------------------------------------------


def capa_list(*, scope):
    return Capa.objects.restrict(scope).select_related("product", "owner").order_by("-id")


def capa_get(*, scope, pk) -> Capa:
    qs = Capa.objects.select_related("product", "product__holder", "owner", "deviation", "agreement")
    return get_in_scope(qs, scope, pk, "CAPA")


# --- writes ----------------------------------------------------------------------------------------------------


def _check_action(e: Errors, capa_like, action: dict, index: int | None = None) -> None:
    """An action: its text, kind, a due date not in the past, an owner who is a quality person of the holder or of
    the CAPA's owner."""
    where = "actions" if index is None else f"actions.{index}"
    if not (action.get("description") or "").strip():
        e.add(where, "Describe the action.", "请填写措施内容。")
    elif len(action["description"]) > TEXT_LIMIT:
        e.add(where, f"At most {TEXT_LIMIT:,} characters.", f"最多 {TEXT_LIMIT:,} 个字符。")
    if action.get("kind") not in ("corrective", "preventive"):
        e.add(where, "An action is corrective or preventive.", "措施类型应为纠正或预防。")
    due = action.get("due_on")
    if not isinstance(due, dt.date):
        e.add(where, "Give the action's due date.", "请填写措施的完成期限。")
    elif due < clock.today():
        e.add(where, "An action's due date cannot be in the past.", "措施的完成期限不能早于今天。")
    owner = action.get("owner")
    allowed = {capa_like["holder_id"], capa_like["owner_id"]}
    if owner is None or not owner.is_active or not owner.has_role(*QUALITY_ROLES):
        e.add(where, "The action's owner must be a quality person.", "措施负责人须为质量人员。")
    elif not (own_enterprise_ids(owner) & allowed):
        e.add(
            where,
            "The action's owner must work for the holder or for the enterprise that owns the CAPA.",
            "措施负责人须为持有人或该纠正预防措施责任企业的人员。",
        )


def capa_create(
    *,
    actor: User,
    product,
    owner,
    source: str,
    title: str,
    problem: str,
    actions: list[dict],
    deviation=None,
    source_reference: str = "",
    reason: str = "",
) -> Capa:
    """A QA of the holder or of the owning enterprise plans a CAPA with at least one action; the approving party of
    the agreement in force is notified."""
    own = own_enterprise_ids(actor)
    if not (actor.has_role(*QUALITY_ROLES) and (owner.pk in own or product.holder_id in own)):
        raise PermissionDenied("plan a CAPA for this enterprise", "为该企业制定纠正预防措施")
    e = Errors()
    e.choice("source", source, CapaSource.values)
    for name, value in (("title", title), ("problem", problem)):
        e.required(name, value)
        if value and len(value) > (200 if name == "title" else TEXT_LIMIT):
            e.add(name, "Too long.", "内容过长。")
    agreement = None
    if owner.pk != product.holder_id:
        agreement = agreement_between(product=product, enterprise_id=owner.pk, on_date=clock.today())
        if agreement is None:
            e.add(
                "owner_id",
                f"No quality agreement in force today makes {owner.name_en} a contract manufacturer of "
                f"{product.name_en}.",
                f"今日没有有效的质量协议约定{owner.name_zh}为{product.name_zh}的受托生产企业。",
            )
    if source == CapaSource.DEVIATION:
        if deviation is None:
            e.add(
                "deviation_id", "A CAPA from a deviation names the deviation.", "来源为偏差的纠正预防措施须注明偏差。"
            )
        elif deviation.product_id != product.pk:
            e.add("deviation_id", "The deviation is of another product.", "该偏差属于其他产品。")
    if not actions:
        e.add("actions", "Plan at least one action.", "至少制定一项措施。")
    for i, a in enumerate(actions):
        _check_action(e, {"holder_id": product.holder_id, "owner_id": owner.pk}, a, i)
    e.raise_if_any()
    duty = duty_for(agreement, Activity.CAPA_APPROVAL)
    today = clock.today()

    def create() -> Capa:
        with transaction.atomic(), audit_context(actor=actor, reason=reason or gettext_noop("CAPA planned")):
            capa = Capa.objects.create(
                reference=next_reference(Capa, "CAPA", today),
                product=product,
                owner=owner,
                agreement=agreement,
                source=source,
                deviation=deviation,
                source_reference=(source_reference or "").strip()[:80],
                title=title.strip(),
                problem=problem.strip(),
                approver_party=duty.approver,
                recorded_by=actor,
            )
            CapaAction.objects.bulk_create(
                [
                    CapaAction(
                        capa=capa,
                        position=i + 1,
                        description=a["description"].strip(),
                        kind=a["kind"],
                        owner=a["owner"],
                        due_on=a["due_on"],
                    )
                    for i, a in enumerate(actions)
                ]
            )
            CapaEvent.objects.create(
                capa=capa,
                kind="planned",
                status_to=capa.status,
                actor=actor,
                occurred_at=clock.now(),
                message_en=f"CAPA planned with {len(actions)} action(s).",
                message_zh=f"制定纠正预防措施，共 {len(actions)} 项措施。",
                data={"actions": len(actions), "deviation_id": deviation.pk if deviation else None},
            )
            _tell(capa, actor, capa_party_ids(capa, duty.approver), duty.notify_within_hours, "planned")
            recheck(capa, scope_for(actor), "CAPA")
            return capa

    return with_fresh_reference(create)


def _tell(capa: Capa, actor: User, enterprise_ids: set[int], hours: int, what: str, people=()) -> None:
    titles = {
        "planned": (f"CAPA {capa.reference} awaits your approval", f"纠正预防措施 {capa.reference} 待您批准"),
        "approved": (
            f"CAPA {capa.reference} approved: your actions are due",
            f"纠正预防措施 {capa.reference} 已批准：请按期完成您的措施",
        ),
        "effectiveness": (
            f"CAPA {capa.reference}: effectiveness check to review",
            f"纠正预防措施 {capa.reference}：有效性检查待审核",
        ),
        "closed": (f"CAPA {capa.reference} closed", f"纠正预防措施 {capa.reference} 已关闭"),
        "reopened": (
            f"CAPA {capa.reference} reopened: not effective",
            f"纠正预防措施 {capa.reference} 已重新打开：无效",
        ),
    }
    notify(
        enterprise_ids=enterprise_ids,
        activity=Activity.CAPA_APPROVAL,
        subject=capa,
        title=titles[what],
        body=(capa.title, capa.title),
        within_hours=hours,
        exclude=actor,
    )


def _run(capa: Capa, actor: User, action: str, reason: str, password: str | None = None):
    return transition(
        CAPA_WORKFLOW,
        actor=actor,
        subject=capa,
        action=action,
        reason=reason,
        password=password,
        record_event=capa_event,
        lock_related=("product", "owner"),
    )


def capa_approve(*, actor: User, capa: Capa, password: str, reason: str = "") -> Capa:
    with _run(capa, actor, "approve_plan", reason or gettext_noop("CAPA plan approved"), password) as t:
        t.sign(t.subject)
        duty = duty_for(t.subject.agreement, Activity.CAPA_APPROVAL)
        _tell(t.subject, actor, capa_party_ids(t.subject, "both"), duty.notify_within_hours, "approved")
    return t.subject


def capa_add_action(*, actor: User, capa: Capa, description: str, kind: str, owner: User, due_on, reason: str = ""):
    CAPA_WORKFLOW.check_actor(actor, capa, "add_action")
    e = Errors()
    _check_action(
        e,
        {"holder_id": capa.product.holder_id, "owner_id": capa.owner_id},
        {"description": description, "kind": kind, "owner": owner, "due_on": due_on},
    )
    e.raise_if_any()
    with _run(capa, actor, "add_action", reason or gettext_noop("CAPA action added")) as t:
        position = (t.subject.actions.order_by("-position").values_list("position", flat=True).first() or 0) + 1
        action = CapaAction.objects.create(
            capa=t.subject, position=position, description=description.strip(), kind=kind, owner=owner, due_on=due_on
        )
        t.payload.update({"action": position, "owner": owner.get_username(), "due_on": due_on.isoformat()})
    return action


def capa_complete_action(*, actor: User, action: CapaAction, done_on, evidence: str, reason: str = "") -> CapaAction:
    """The action's owner (or a QA of the owner or holder) records it done, with its evidence."""
    capa = action.capa
    if actor.pk != action.owner_id:
        CAPA_WORKFLOW.check_actor(actor, capa, "complete_action")
    e = Errors()
    e.required("evidence", evidence)
    if not isinstance(done_on, dt.date):
        e.add("done_on", "Give the day it was done.", "请填写完成日期。")
    elif done_on > clock.today():
        e.add(
            "done_on",
            "An action is recorded done once it is done: the date is in the future.",
            "完成日期不能晚于今天。",
        )
    e.raise_if_any()
    CAPA_WORKFLOW.check_state(capa, "complete_action")
    with transaction.atomic(), audit_context(actor=actor, reason=reason or gettext_noop("CAPA action done")):
        locked = Capa.objects.select_for_update().get(pk=capa.pk)
        CAPA_WORKFLOW.check_state(locked, "complete_action")
        row = CapaAction.objects.select_for_update().get(pk=action.pk)
        if row.done_on is not None:
            raise WrongState(
                "action_done",
                f"Action {row.position} is already recorded as done.",
                f"措施 {row.position} 已记录为完成。",
                details={"action": "complete_action", "state": "done", "allowed_from": ["not done"]},
            )
        row.done_on, row.evidence = done_on, evidence.strip()
        row.save(update_fields=["done_on", "evidence", "updated_at"])
        capa_event(
            subject=locked,
            step=CAPA_WORKFLOW.get("complete_action"),
            actor=actor,
            payload={"action": row.position, "done_on": done_on.isoformat()},
            state_from=locked.status,
            state_to=locked.status,
            reason="",
        )
    return row


def capa_submit_effectiveness(*, actor: User, capa: Capa, plan: str, due_on, reason: str = "") -> Capa:
    CAPA_WORKFLOW.check_actor(actor, capa, "submit_effectiveness")
    e = Errors()
    e.required("plan", plan)
    if not isinstance(due_on, dt.date):
        e.add("due_on", "Give the day the check is due.", "请填写有效性检查期限。")
    elif due_on < clock.today():
        e.add("due_on", "The check's due date cannot be in the past.", "有效性检查期限不能早于今天。")
    open_actions = list(capa.actions.filter(done_on__isnull=True).values_list("position", flat=True))
    if open_actions:
        listed = ", ".join(map(str, open_actions))
        e.add("actions", f"Actions not done yet: {listed}.", f"尚未完成的措施：{listed}。")
    e.raise_if_any()
    with _run(capa, actor, "submit_effectiveness", reason or gettext_noop("CAPA effectiveness check started")) as t:
        if t.subject.actions.filter(done_on__isnull=True).exists():  # an action reopened meanwhile
            raise WrongState(
                "actions_open", "An action is not done.", "有措施尚未完成。", details={"action": "submit_effectiveness"}
            )
        t.subject.effectiveness_plan, t.subject.effectiveness_due = plan.strip(), due_on
        t.subject.save(update_fields=["effectiveness_plan", "effectiveness_due", "updated_at"])
        duty = duty_for(t.subject.agreement, Activity.CAPA_APPROVAL)
        _tell(
            t.subject,
            actor,
            capa_party_ids(t.subject, t.subject.approver_party),
            duty.notify_within_hours,
            "effectiveness",
        )
    return t.subject


def capa_close(*, actor: User, capa: Capa, password: str, result: str, reason: str = "") -> Capa:
    e = Errors()
    e.required("result", result)
    e.raise_if_any()
    with _run(capa, actor, "close", reason or gettext_noop("CAPA closed: effective"), password) as t:
        t.subject.effectiveness_result, t.subject.closed_at = result.strip(), clock.now()
        t.subject.save(update_fields=["effectiveness_result", "closed_at", "updated_at"])
        t.sign(t.subject)
        duty = duty_for(t.subject.agreement, Activity.CAPA_APPROVAL)
        _tell(t.subject, actor, capa_party_ids(t.subject, "both"), duty.notify_within_hours, "closed")
    return t.subject


def capa_reopen(*, actor: User, capa: Capa, reason: str) -> Capa:
    e = Errors()
    e.required("reason", reason)
    e.raise_if_any()
    with _run(capa, actor, "reopen", reason.strip()) as t:
        duty = duty_for(t.subject.agreement, Activity.CAPA_APPROVAL)
        _tell(t.subject, actor, capa_party_ids(t.subject, "both"), duty.notify_within_hours, "reopened")
    return t.subject


def capa_raise_for_finding(*, actor: User, product, owner, source_reference: str, title: str, problem: str, due_on):  # noqa: E501
    """The rectification of an inspection finding (药品生产监督管理办法 Art. 56): a CAPA of the inspected enterprise
    with one corrective action due on the inspectors' deadline, owned by the enterprise's first quality person.

    Called by the oversight service inside the step that signs the inspection report — the inspectors' act is the
    permission (they are not quality people of the enterprise); the enterprise plans further actions and the
    approving party of the agreement approves the plan as for any CAPA."""
    people = quality_people([owner.pk])  # the caller refuses the act when there is none
    agreement = None
    if owner.pk != product.holder_id:
        agreement = agreement_between(product=product, enterprise_id=owner.pk, on_date=clock.today())
    duty = duty_for(agreement, Activity.CAPA_APPROVAL)
    capa = Capa.objects.create(
        reference=next_reference(Capa, "CAPA", clock.today()),
        product=product,
        owner=owner,
        agreement=agreement,
        source=CapaSource.INSPECTION,
        source_reference=source_reference[:80],
        title=title[:200],
        problem=problem,
        approver_party=duty.approver,
        recorded_by=actor,
    )
    CapaAction.objects.create(
        capa=capa, position=1, description=problem, kind="corrective", owner=people[0], due_on=due_on
    )
    CapaEvent.objects.create(
        capa=capa,
        kind="planned",
        status_to=capa.status,
        actor=actor,
        occurred_at=clock.now(),
        message_en=f"CAPA raised by inspection finding {source_reference}; rectification due {due_on.isoformat()}.",
        message_zh=f"因检查缺陷 {source_reference} 提出纠正预防措施；整改期限 {due_on.isoformat()}。",
        data={"finding": source_reference, "due_on": due_on.isoformat()},
    )
    _tell(capa, actor, capa_party_ids(capa, "both"), duty.notify_within_hours, "planned")
    return capa
