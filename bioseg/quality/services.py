"""Writes of the quality system: deviations (recorded, investigated, approved, closed) and their impact.

Each transition is a step of ``DEVIATION_WORKFLOW`` executed by ``bioseg.audit.transitions.transition`` (lock,
re-check, event, e-signature); each consults the quality agreement in force on the deviation's day
(``bioseg.quality.duties``): who approves, whom to notify, within how long.
"""

from __future__ import annotations

import datetime as dt
import hashlib

from django.db import connection, transaction
from django.utils.translation import gettext_noop

from bioseg.accounts.models import User
from bioseg.audit.context import audit_context
from bioseg.audit.transitions import transition
from bioseg.common import clock
from bioseg.common.errors import PermissionDenied
from bioseg.common.scoping import recheck
from bioseg.common.validation import Errors
from bioseg.production.genealogy import reach_sql
from bioseg.production.models import Lot
from bioseg.quality.duties import duty_for
from bioseg.quality.models import (
    Activity,
    Classification,
    Deviation,
    DeviationEvent,
    DeviationImpact,
    DeviationLot,
)
from bioseg.quality.notifications import QUALITY_ROLES, notify
from bioseg.quality.references import next_reference, with_fresh_reference
from bioseg.quality.workflows import DEVIATION_WORKFLOW, deviation_event, party_enterprise_ids
from bioseg.registry.models import QualityAgreement
from bioseg.registry.scope import own_enterprise_ids, scope_for

TEXT_LIMIT = 10_000
CLASS_EN = {"critical": "critical", "major": "major", "minor": "minor"}
CLASS_ZH = {"critical": "重大", "major": "主要", "minor": "次要"}


def agreement_in_force(*, product, site, on_date: dt.date) -> QualityAgreement | None:
    """The agreement in force on ``on_date`` between the product's holder and the enterprise of ``site`` that covers
    the product (``None`` when the site is the holder's own)."""
    return agreement_between(product=product, enterprise_id=site.enterprise_id, on_date=on_date)


def agreement_between(*, product, enterprise_id: int, on_date: dt.date) -> QualityAgreement | None:
    """The agreement in force on ``on_date`` that makes ``enterprise_id`` a contract manufacturer of ``product``."""
    if enterprise_id == product.holder_id:
        return None
    return (
        QualityAgreement.objects.in_force(on_date)
        .filter(holder_id=product.holder_id, contract_manufacturer_id=enterprise_id, product_links__product=product)
        .order_by("-effective_from", "-id")
        .first()
    )


def _texts(e: Errors, **values: str) -> None:
    for name, value in values.items():
        e.required(name, value)
        if value and len(value) > TEXT_LIMIT:
            e.add(name, f"At most {TEXT_LIMIT:,} characters.", f"最多 {TEXT_LIMIT:,} 个字符。")


def deviation_record(
    *,
    actor: User,
    product,
    site,
    title: str,
    description: str,
    occurred_on: dt.date | None,
    classification: str,
    classification_reason: str,
    lots=(),
    segment=None,
    shipment=None,
    equipment: str = "",
    reason: str = "",
) -> Deviation:
    """A QA of the site's enterprise (or of the product's holder) records a deviation at ``site`` against lots, a
    segment, a shipment or equipment. bioseg computes its impact over the genealogy, fixes the approving party from
    the agreement in force that day and notifies the partner's quality people within the agreement's time limit."""
    own = own_enterprise_ids(actor)
    if not (actor.has_role(*QUALITY_ROLES) and (site.enterprise_id in own or product.holder_id in own)):
        raise PermissionDenied("record a deviation at this site", "在该场地记录偏差")
    e = Errors()
    _texts(e, title=title, description=description, classification_reason=classification_reason)
    if title and len(title) > 200:
        e.add("title", "At most 200 characters.", "最多 200 个字符。")
    e.choice("classification", classification, Classification.values)
    e.required("occurred_on", occurred_on)
    today = clock.today()
    if occurred_on and occurred_on > today:
        e.add(
            "occurred_on",
            "A deviation is recorded after it occurred: the date is in the future.",
            "偏差发生日期不能晚于今天。",
        )
    agreement = None
    if occurred_on and site.enterprise_id != product.holder_id:
        agreement = agreement_in_force(product=product, site=site, on_date=occurred_on)
        if agreement is None:
            e.add(
                "site",
                f"No quality agreement between the holder and {site.name_en} covering {product.name_en} was in force "
                f"on {occurred_on}.",
                f"{occurred_on} 当日，持有人与{site.name_zh}之间没有涵盖{product.name_zh}的有效质量协议。",
            )
    lots = list(lots)
    for lot in lots:
        if lot.product_id != product.pk:
            e.add(
                "lot_ids",
                f"Lot {lot.lot_number} is not a lot of {product.name_en}.",
                f"批 {lot.lot_number} 不是{product.name_zh}的批。",
            )
    if len({lot.pk for lot in lots}) != len(lots):
        e.add("lot_ids", "A lot is listed twice.", "同一批列出了两次。")
    if segment is not None and segment.chain.product_id != product.pk:
        e.add("segment_id", "The segment is not of this product's chain.", "该工序段不属于本产品的工艺链。")
    if shipment is not None and not shipment.lines.filter(lot__product_id=product.pk).exists():
        e.add("shipment_id", "The shipment carries no lot of this product.", "该运输不含本产品的批。")
    if not (lots or segment or shipment or (equipment or "").strip()):
        e.add(
            "lot_ids",
            "Name what the deviation concerns: lots, a segment, a shipment or equipment.",
            "请注明偏差涉及的对象：批、工序段、运输或设备。",
        )
    if len(equipment or "") > 120:
        e.add("equipment", "At most 120 characters.", "最多 120 个字符。")
    e.raise_if_any()
    duty = duty_for(agreement, Activity.DEVIATION_INVESTIGATION)

    def create() -> Deviation:
        with transaction.atomic(), audit_context(actor=actor, reason=reason or gettext_noop("deviation recorded")):
            deviation = Deviation.objects.create(
                reference=next_reference(Deviation, "DEV", today),
                product=product,
                site=site,
                agreement=agreement,
                segment=segment,
                shipment=shipment,
                equipment=(equipment or "").strip(),
                title=title.strip(),
                description=description.strip(),
                occurred_on=occurred_on,
                classification=classification,
                classification_reason=classification_reason.strip(),
                investigation_due=today + dt.timedelta(days=duty.complete_within_days or 30),
                approver_party=duty.approver,
                recorded_by=actor,
            )
            DeviationLot.objects.bulk_create([DeviationLot(deviation=deviation, lot=lot) for lot in lots])
            _compute_impact(deviation)
            DeviationEvent.objects.create(
                deviation=deviation,
                kind="recorded",
                status_to=deviation.status,
                actor=actor,
                occurred_at=clock.now(),
                message_en=f"Deviation recorded ({CLASS_EN[classification]}) at {site.name_en}.",
                message_zh=f"在{site.name_zh}记录偏差（{CLASS_ZH[classification]}）。",
                data={"classification": classification, "lot_ids": sorted(lot.pk for lot in lots)},
            )
            recipients = party_enterprise_ids(deviation, duty.notify) | _impacted_enterprises(deviation)
            _announce(deviation, actor, recipients - own, duty.notify_within_hours, "recorded")
            recheck(deviation, scope_for(actor), "deviation")
            return deviation

    return with_fresh_reference(create)


def _impacted_enterprises(deviation: Deviation) -> set[int]:
    return set(
        DeviationImpact.objects.filter(deviation=deviation).values_list("site__enterprise_id", flat=True).distinct()
    )


def _announce(deviation: Deviation, actor: User, enterprise_ids: set[int], hours: int, what: str) -> None:
    cls_en, cls_zh = CLASS_EN[deviation.classification], CLASS_ZH[deviation.classification]
    texts = {
        "recorded": (
            (f"Deviation {deviation.reference} ({cls_en}) recorded", f"偏差 {deviation.reference}（{cls_zh}）已记录"),
            (
                f"{deviation.title} — at {deviation.site.name_en} on {deviation.occurred_on}. "
                f"{deviation.impact_lot_count} lots at {deviation.impact_site_count} sites are concerned.",
                f"{deviation.title}——{deviation.occurred_on} 发生于{deviation.site.name_zh}。"
                f"涉及 {deviation.impact_site_count} 个场地的 {deviation.impact_lot_count} 个批。",
            ),
        ),
        "submitted": (
            (
                f"Deviation {deviation.reference}: investigation awaiting your approval",
                f"偏差 {deviation.reference}：调查报告待您批准",
            ),
            (f"Root cause: {deviation.root_cause}", f"根本原因：{deviation.root_cause}"),
        ),
        "approved": (
            (f"Deviation {deviation.reference}: investigation approved", f"偏差 {deviation.reference}：调查报告已批准"),
            (deviation.title, deviation.title),
        ),
        "closed": (
            (f"Deviation {deviation.reference} closed", f"偏差 {deviation.reference} 已关闭"),
            (deviation.title, deviation.title),
        ),
        "returned": (
            (f"Deviation {deviation.reference}: investigation returned", f"偏差 {deviation.reference}：调查报告被退回"),
            (deviation.title, deviation.title),
        ),
        "reclassified": (
            (
                f"Deviation {deviation.reference} reclassified as {cls_en}",
                f"偏差 {deviation.reference} 已重新分级为{cls_zh}",
            ),
            (deviation.classification_reason, deviation.classification_reason),
        ),
    }
    title, body = texts[what]
    notify(
        enterprise_ids=enterprise_ids,
        activity=Activity.DEVIATION_INVESTIGATION,
        subject=deviation,
        title=title,
        body=body,
        within_hours=hours,
        exclude=actor,
    )


def _compute_impact(deviation: Deviation) -> None:
    """Stores the lots the deviation concerns and every descendant at every site (one INSERT … SELECT over the
    genealogy), and on the deviation row their count, the sites, and the shipments that carried any of them — their
    count and the SHA-256 of their sorted ids. The shipments are not copied row by row: they are the shipments
    created up to ``impact_computed_at`` with a line of a stored lot (``selectors.impact_shipments``), and the digest
    shows that list is the one computed then."""
    from bioseg.production.models import ShipmentLine

    computed_at = clock.now()
    DeviationImpact.objects.filter(deviation=deviation).delete()
    roots = Lot.objects.filter(id__in=DeviationLot.objects.filter(deviation=deviation).values("lot_id"))
    reach, params = reach_sql(roots, "forward")
    now = connection.ops.adapt_datetimefield_value(computed_at)
    direct = f"SELECT lot_id FROM {DeviationLot._meta.db_table} WHERE deviation_id = %s"
    with connection.cursor() as cur:
        cur.execute(
            f"INSERT INTO {DeviationImpact._meta.db_table} (created_at, updated_at, deviation_id, lot_id, site_id, "
            f"direct) SELECT %s, %s, %s, l.id, l.site_id, CASE WHEN l.id IN ({direct}) THEN %s ELSE %s END "
            f"FROM {Lot._meta.db_table} l WHERE l.id IN ({reach})",
            (now, now, deviation.pk, deviation.pk, True, False, *params),
        )
    stored = DeviationImpact.objects.filter(deviation=deviation)
    ids = list(stored.order_by("lot_id").values_list("lot_id", flat=True))
    # every shipment visible now was created before ``computed_at``; later reads filter on it
    shipments = list(
        ShipmentLine.objects.filter(lot_id__in=stored.values("lot_id"))
        .order_by("shipment_id")
        .values_list("shipment_id", flat=True)
        .distinct()
    )
    deviation.impact_lot_count = len(ids)
    deviation.impact_site_count = stored.values("site_id").distinct().count()
    deviation.impact_shipment_count = len(shipments)
    deviation.impact_sha256 = hashlib.sha256(",".join(map(str, ids)).encode()).hexdigest()
    deviation.impact_shipments_sha256 = hashlib.sha256(",".join(map(str, shipments)).encode()).hexdigest()
    deviation.impact_computed_at = computed_at
    deviation.save(
        update_fields=[
            "impact_lot_count",
            "impact_site_count",
            "impact_shipment_count",
            "impact_sha256",
            "impact_shipments_sha256",
            "impact_computed_at",
            "updated_at",
        ]
    )


def _required_reason(reason: str, what: tuple[str, str]) -> str:
    e = Errors()
    _texts(e, reason=reason)
    if e.fields:
        e.fields["reason"] = (f"Give the reason to {what[0]}.", f"请填写{what[1]}的理由。")
    e.raise_if_any()
    return reason.strip()


def deviation_submit_investigation(
    *, actor: User, deviation: Deviation, root_cause: str, investigation_summary: str, reason: str = ""
) -> Deviation:
    """The investigation (root cause and summary) goes to the approving party, who is notified."""
    DEVIATION_WORKFLOW.check_actor(actor, deviation, "submit_investigation")
    e = Errors()
    _texts(e, root_cause=root_cause, investigation_summary=investigation_summary)
    e.raise_if_any()
    with transition(
        DEVIATION_WORKFLOW,
        actor=actor,
        subject=deviation,
        action="submit_investigation",
        reason=reason or gettext_noop("deviation investigation submitted"),
        record_event=deviation_event,
        lock_related=("site", "product"),
    ) as t:
        d = t.subject
        d.root_cause, d.investigation_summary = root_cause.strip(), investigation_summary.strip()
        d.save(update_fields=["root_cause", "investigation_summary", "updated_at"])
        duty = duty_for(d.agreement, Activity.DEVIATION_INVESTIGATION)
        _announce(d, actor, party_enterprise_ids(d, d.approver_party), duty.notify_within_hours, "submitted")
    return t.subject


def deviation_return(*, actor: User, deviation: Deviation, reason: str) -> Deviation:
    DEVIATION_WORKFLOW.check_actor(actor, deviation, "return_investigation")
    why = _required_reason(reason, ("return the investigation", "退回调查报告"))
    with transition(
        DEVIATION_WORKFLOW,
        actor=actor,
        subject=deviation,
        action="return_investigation",
        reason=why,
        record_event=deviation_event,
        lock_related=("site", "product"),
    ) as t:
        duty = duty_for(t.subject.agreement, Activity.DEVIATION_INVESTIGATION)
        _announce(t.subject, actor, {t.subject.site.enterprise_id}, duty.notify_within_hours, "returned")
    return t.subject


# the reasons the platform writes for a signed step when the person gives none (shown translated in the history)
_SIGNED_REASONS = {"approved": gettext_noop("deviation approved"), "closed": gettext_noop("deviation closed")}


def _signed_step(action: str, what: str, *, actor: User, deviation: Deviation, password: str, reason: str) -> Deviation:
    with transition(
        DEVIATION_WORKFLOW,
        actor=actor,
        subject=deviation,
        action=action,
        reason=reason or _SIGNED_REASONS[what],
        password=password,
        record_event=deviation_event,
        lock_related=("site", "product"),
    ) as t:
        d = t.subject
        t.sign(d)  # the signature binds the deviation as approved: its class, impact, root cause and summary
        if action == "close":
            d.closed_at = clock.now()
            d.save(update_fields=["closed_at", "updated_at"])
        duty = duty_for(d.agreement, Activity.DEVIATION_INVESTIGATION)
        _announce(d, actor, party_enterprise_ids(d, "both"), duty.notify_within_hours, what)
    return t.subject


def deviation_approve(*, actor: User, deviation: Deviation, password: str, reason: str = "") -> Deviation:
    """The approving party approves the investigation (e-signed, meaning "approved")."""
    return _signed_step(
        "approve_investigation", "approved", actor=actor, deviation=deviation, password=password, reason=reason
    )


def deviation_close(*, actor: User, deviation: Deviation, password: str, reason: str = "") -> Deviation:
    """The approving party closes the deviation (e-signed); a major or critical one then no longer blocks release."""
    return _signed_step("close", "closed", actor=actor, deviation=deviation, password=password, reason=reason)


def deviation_reclassify(*, actor: User, deviation: Deviation, classification: str, reason: str) -> Deviation:
    """A new class with its reason; the partner is told. Raising a minor one to major makes it block release."""
    DEVIATION_WORKFLOW.check_actor(actor, deviation, "reclassify")
    e = Errors()
    e.choice("classification", classification, Classification.values)
    _texts(e, reason=reason)
    if classification == deviation.classification:
        e.add("classification", "The deviation already has this class.", "该偏差已是此分级。")
    e.raise_if_any()
    with transition(
        DEVIATION_WORKFLOW,
        actor=actor,
        subject=deviation,
        action="reclassify",
        reason=reason.strip(),
        record_event=deviation_event,
        lock_related=("site", "product"),
    ) as t:
        d = t.subject
        t.payload.update({"from": d.classification, "to": classification})
        d.classification, d.classification_reason = classification, reason.strip()
        d.save(update_fields=["classification", "classification_reason", "updated_at"])
        duty = duty_for(d.agreement, Activity.DEVIATION_INVESTIGATION)
        _announce(
            d,
            actor,
            party_enterprise_ids(d, "both") - own_enterprise_ids(actor),
            duty.notify_within_hours,
            "reclassified",
        )
    return t.subject


def deviation_recompute_impact(*, actor: User, deviation: Deviation) -> Deviation:
    """The impact again, over today's genealogy (lots made since the deviation was recorded are added)."""
    with transition(
        DEVIATION_WORKFLOW,
        actor=actor,
        subject=deviation,
        action="recompute_impact",
        reason=gettext_noop("deviation impact computed again"),
        record_event=deviation_event,
        lock_related=("site", "product"),
    ) as t:
        before = t.subject.impact_lot_count
        _compute_impact(t.subject)
        t.payload.update({"lots_before": before, "lots_after": t.subject.impact_lot_count})
    return t.subject
