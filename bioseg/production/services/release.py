"""Release by the contract manufacturer's QA and the qualified person, and recall."""

from __future__ import annotations

from django.utils.translation import gettext_noop

from bioseg.accounts.models import User
from bioseg.audit.transitions import transition
from bioseg.common import clock
from bioseg.common.errors import Problem, Refused, ValidationFailed
from bioseg.production import selectors
from bioseg.production.genealogy import reach
from bioseg.production.holds import holds_place
from bioseg.production.models import (
    CertificateOfAnalysis,
    HoldKind,
    Lot,
    LotEvent,
    LotEventKind,
    LotStatus,
    RecallAction,
    RecallClass,
    RecallStatus,
    Release,
    ReleaseKind,
)
from bioseg.production.services.common import _reason
from bioseg.production.signals import recall_started
from bioseg.production.workflows import LOT_WORKFLOW, TERMINAL, lot_event

# What a release's audit rows say when the user gives no reason, shown in the reader's language on the history page.
RELEASE_REASONS = {
    "cmo_qa": gettext_noop("lot released (cmo_qa)"),
    "qualified_person": gettext_noop("lot released (qualified_person)"),
}


def lot_release(*, actor: User, password: str, lot: Lot, kind: str, reason: str = "") -> Release:
    """Contract-manufacturer QA release (``cmo_qa``, by the QA of the enterprise that made the lot, when
    it is not the holder) or qualified-person release (``qualified_person``, by the holder's 质量受权人),
    e-signed with meaning "released" (``LOT_WORKFLOW`` steps ``release_cmo`` / ``release_qp``). The
    qualified-person release moves the lot to ``released``.

    Refused with EVERY blocker in ``details["blockers"]`` (409 ``release_blocked``): expired, certificate of
    analysis missing, (QP) the contract manufacturer's release missing, an upstream lot not released, an
    unassessed excursion on a shipment that carried it or an upstream lot, and whatever the layers above
    register (``selectors.register_release_blockers``: an open major deviation). A lot not in quarantine is
    ``wrong_state`` (409)."""
    lot = Lot.objects.select_related("site", "product").get(pk=lot.pk)
    if kind not in ReleaseKind.values:
        raise ValidationFailed({"kind": (f"Unknown release kind {kind!r}.", f"未知的放行类型 {kind!r}。")})
    action = "release_cmo" if kind == ReleaseKind.CMO_QA else "release_qp"
    LOT_WORKFLOW.check_actor(actor, lot, action)
    if kind == ReleaseKind.CMO_QA and lot.site.enterprise_id == lot.product.holder_id:
        raise ValidationFailed(
            {
                "kind": (
                    "The holder made this lot itself: only the qualified person releases it.",
                    "该批由持有人自行生产：仅需质量受权人放行。",
                )
            }
        )

    def refuse_if_blocked(subject: Lot) -> None:
        blockers = [
            b for b in selectors.lot_release_blockers(lot=subject, kind=kind) if b.code != "lot_not_in_quarantine"
        ]
        if blockers:
            raise Refused(
                "release_blocked",
                f"Lot {subject.lot_number} cannot be released",
                f"批 {subject.lot_number} 不能放行",
                [Problem(b.code, b.message, b.message_zh, lot_id=b.lot_id, object_id=b.object_id) for b in blockers],
                key="blockers",
                status=409,
            )

    LOT_WORKFLOW.check_state(lot, action)
    refuse_if_blocked(lot)
    why = reason or RELEASE_REASONS[kind]
    with transition(
        LOT_WORKFLOW,
        actor=actor,
        subject=lot,
        action=action,
        reason=why,
        password=password,
        record_event=lot_event,
        lock_related=("site", "product"),
    ) as t:
        refuse_if_blocked(t.subject)  # again, under the lock
        certificate = CertificateOfAnalysis.objects.filter(lot=t.subject).order_by("-issued_on", "-id").first()
        release = Release.objects.create(lot=t.subject, kind=kind, released_by=actor, certificate=certificate)
        t.sign(release)
        t.payload.update(release_id=release.pk, kind=kind)
    return release


def lot_recall(
    *, actor: User, lot: Lot, reason: str, password: str, recall_class: str, status: str = RecallStatus.ON_HOLD
) -> RecallAction:
    """The holder's QA or QP recalls ``lot``, e-signed (meaning "recalled"): the lot and every lot downstream of
    it get a recall hold (``on_hold``: each stays on hold until the recall is closed, whatever else is lifted)
    or are recalled at once (``recalled``). Rejected and recalled lots stay as they are. One transaction."""
    lot = Lot.objects.select_related("site", "product").get(pk=lot.pk)
    LOT_WORKFLOW.check_actor(actor, lot, "recall")
    _reason(reason)
    problems = {}
    if status not in RecallStatus.values:
        problems["status"] = (f"{status!r} is not on_hold or recalled.", f"{status!r} 不是暂停使用或召回。")
    if recall_class not in RecallClass.values:
        problems["recall_class"] = (
            "Choose the recall class (药品召回管理办法 Art. 15: class I, II or III).",
            "请选择召回级别（《药品召回管理办法》第十五条：一级、二级或三级）。",
        )
    if problems:
        raise ValidationFailed(problems)
    why = f"recall from lot {lot.lot_number}: {reason.strip()}"
    with transition(
        LOT_WORKFLOW,
        actor=actor,
        subject=lot,
        action="recall",
        reason=why,
        password=password,
        record_event=lot_event,
        lock_related=("site", "product"),
    ) as t:
        recall = RecallAction.objects.create(
            lot=t.subject,
            status=status,
            recall_class=recall_class,
            reason=reason.strip(),
            affected_count=0,
            initiated_by=actor,
        )
        reached = list(
            Lot.objects.filter(id__in=reach(Lot.objects.filter(pk=lot.pk), "forward")).values_list("id", flat=True)
        )
        message = (
            f"Recall from lot {lot.lot_number}: {reason.strip()}",
            f"自批 {lot.lot_number} 发起召回：{reason.strip()}",
        )
        if status == RecallStatus.ON_HOLD:
            changed = holds_place(lot_ids=reached, kind=HoldKind.RECALL, recall=recall, actor=actor, message=message)
            t.moved_to(LotStatus.ON_HOLD)
        else:
            movable = Lot.objects.filter(id__in=reached).exclude(status__in=TERMINAL)
            changed = list(movable.values_list("id", flat=True))
            events = [
                LotEvent(
                    lot_id=pk,
                    kind=LotEventKind.RECALLED,
                    status_from=before,
                    status_to=LotStatus.RECALLED,
                    actor=actor,
                    occurred_at=clock.now(),
                    message_en=message[0],
                    message_zh=message[1],
                    data={"recall_id": recall.pk},
                )
                for pk, before in movable.values_list("id", "status")
                if pk != lot.pk
            ]
            movable.update(status=LotStatus.RECALLED, updated_at=clock.now())
            LotEvent.objects.bulk_create(events)
            t.moved_to(LotStatus.RECALLED)
        recall.affected_count = len(changed)
        recall.save(update_fields=["affected_count", "updated_at"])
        t.sign(recall)
        t.payload.update(recall_id=recall.pk, status=status, affected=len(changed), recall_class=recall_class)
        recall_started.send(sender=RecallAction, recall=recall, lot_ids=reached, actor=actor)
    return recall
