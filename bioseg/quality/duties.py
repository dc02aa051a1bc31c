"""The quality agreement's duties, as every workflow of the quality system reads them.

The guide (药品委托生产质量协议指南, NMPA 2020 No. 107) says *which* activities an agreement must allocate but sets
no numeric time limits: those are each agreement's own data (``AgreementDuty``). Where an agreement has no row for
an activity, bioseg uses the default below — a common industry practice, not a regulatory figure — and every page
and report that shows it says it is the default.
"""

from __future__ import annotations

from dataclasses import dataclass

from bioseg.quality.models import Activity, AgreementDuty, Party


@dataclass(frozen=True)
class Duty:
    activity: str
    responsible: str
    approver: str
    notify: str
    notify_within_hours: int
    complete_within_days: int | None
    default: bool  # True: the agreement sets nothing for this activity; bioseg's default applies


# activity → (responsible, approver, notified, hours to notify, days to complete)
DEFAULTS: dict[str, tuple[str, str, str, int, int | None]] = {
    Activity.DEVIATION_INVESTIGATION: (Party.CMO, Party.HOLDER, Party.HOLDER, 24, 30),
    Activity.OOS_INVESTIGATION: (Party.CMO, Party.HOLDER, Party.HOLDER, 24, 30),
    Activity.CAPA_APPROVAL: (Party.BOTH, Party.HOLDER, Party.BOTH, 72, 90),
    Activity.CHANGE_MAJOR: (Party.CMO, Party.HOLDER, Party.BOTH, 72, None),
    Activity.CHANGE_MODERATE: (Party.CMO, Party.HOLDER, Party.BOTH, 72, None),
    Activity.CHANGE_MINOR: (Party.CMO, Party.HOLDER, Party.HOLDER, 168, None),
    Activity.REWORK: (Party.CMO, Party.HOLDER, Party.HOLDER, 24, None),
    Activity.CMO_RELEASE_TESTING: (Party.CMO, Party.CMO, Party.HOLDER, 24, None),
    Activity.QP_RELEASE: (Party.HOLDER, Party.HOLDER, Party.CMO, 24, None),
    Activity.COMPLAINT: (Party.HOLDER, Party.HOLDER, Party.CMO, 24, 30),
    Activity.RECALL_DECISION: (Party.HOLDER, Party.HOLDER, Party.CMO, 24, None),
    Activity.STABILITY: (Party.HOLDER, Party.HOLDER, Party.CMO, 168, None),
    Activity.PRODUCT_QUALITY_REVIEW: (Party.HOLDER, Party.HOLDER, Party.CMO, 168, 365),
    Activity.RETAINED_SAMPLES: (Party.CMO, Party.HOLDER, Party.HOLDER, 168, None),
    Activity.METHOD_TRANSFER: (Party.BOTH, Party.HOLDER, Party.BOTH, 168, None),
    Activity.REGULATORY_INSPECTION: (Party.BOTH, Party.HOLDER, Party.BOTH, 24, None),
    # the lot's holder disposes of its lots (a drug-substance lot of the holder is the holder's); the other is told
    Activity.EXCURSION_DISPOSITION: (Party.HOLDER, Party.HOLDER, Party.BOTH, 24, None),
}
assert set(DEFAULTS) == set(Activity.values)


def default_duty(activity: str) -> Duty:
    responsible, approver, notify, hours, days = DEFAULTS[activity]
    return Duty(str(activity), str(responsible), str(approver), str(notify), hours, days, True)


def duty_for(agreement, activity: str) -> Duty:
    """The duty ``agreement`` sets for ``activity`` (or the default, marked so; also when there is no agreement)."""
    if agreement is not None:
        row = AgreementDuty.objects.filter(agreement=agreement, activity=activity).first()
        if row is not None:
            return _from_row(row)
    return default_duty(activity)


def _from_row(r: AgreementDuty) -> Duty:
    return Duty(r.activity, r.responsible, r.approver, r.notify, r.notify_within_hours, r.complete_within_days, False)


def excursion_disposition_authority(excursion):
    """Who disposes of the lots an excursion holds, as the quality agreement says (``Activity.
    EXCURSION_DISPOSITION``'s approver), registered with production (``production.disposition``). The agreement
    is the one in force today between the product's holder and the other enterprise of the shipment: the maker of
    the lots carried when it is not the holder, else the receiver, else the sender."""
    from bioseg.common import clock
    from bioseg.production.disposition import DispositionAuthority
    from bioseg.production.models import ShipmentLine
    from bioseg.quality.services import agreement_between
    from bioseg.quality.workflows import parties

    holder = excursion.product.holder_id
    shipment = excursion.shipment
    makers = (
        ShipmentLine.objects.filter(shipment=shipment, lot__product_id=excursion.product_id)
        .order_by("lot_id")
        .values_list("lot__site__enterprise_id", flat=True)
    )
    ends = [shipment.to_site.enterprise_id if shipment.to_site_id else None, shipment.from_site.enterprise_id]
    other = next((e for e in [*makers, *ends] if e is not None and e != holder), None)
    agreement = (
        agreement_between(product=excursion.product, enterprise_id=other, on_date=clock.today()) if other else None
    )
    duty = duty_for(agreement, Activity.EXCURSION_DISPOSITION)
    return DispositionAuthority(
        party=duty.approver,
        enterprise_ids=frozenset(parties(holder, other or holder, duty.approver)),
        default=duty.default,
        agreement_reference=agreement.reference if agreement else "",
    )


def duties_of(agreement) -> list[Duty]:
    """The whole matrix of ``agreement``, in the order of ``Activity`` (defaults filled in and marked)."""
    rows = {r.activity: r for r in AgreementDuty.objects.filter(agreement=agreement)} if agreement else {}
    out = []
    for activity in Activity.values:
        r = rows.get(activity)
        out.append(default_duty(activity) if r is None else _from_row(r))
    return out


def duty_set(
    *,
    actor,
    agreement,
    activity: str,
    responsible: str,
    approver: str,
    notify: str,
    notify_within_hours: int,
    complete_within_days: int | None = None,
    reason: str,
) -> AgreementDuty:
    """The holder's QA (or regulatory affairs) sets one row of the matrix of an agreement that has not ended; the
    contract manufacturer's quality people are told. Every later record consults the new row."""
    from django.db import transaction
    from django.utils import translation

    from bioseg.accounts.roles import Role
    from bioseg.audit.context import audit_context
    from bioseg.common import clock
    from bioseg.common.errors import PermissionDenied
    from bioseg.common.validation import Errors
    from bioseg.quality.notifications import notify as tell
    from bioseg.registry.scope import own_enterprise_ids

    if not (actor.has_role(Role.HOLDER_QA, Role.HOLDER_RA) and agreement.holder_id in own_enterprise_ids(actor)):
        raise PermissionDenied("set the duties of this quality agreement", "设定该质量协议的职责")
    e = Errors()
    e.choice("activity", activity, Activity.values)
    e.choice("responsible", responsible, (Party.HOLDER, Party.CMO, Party.BOTH))
    e.choice("approver", approver, (Party.HOLDER, Party.CMO))
    e.choice("notify", notify, Party.values)
    if not isinstance(notify_within_hours, int) or not 0 < notify_within_hours <= 24 * 90:
        e.add("notify_within_hours", "Between 1 hour and 90 days.", "应在 1 小时至 90 天之间。")
    if complete_within_days is not None and not 0 < complete_within_days <= 3650:
        e.add("complete_within_days", "Between 1 and 3,650 days.", "应在 1 至 3650 天之间。")
    e.required("reason", reason)
    if agreement.effective_until is not None and agreement.effective_until < clock.today():
        e.add(
            "agreement",
            f"Agreement {agreement.reference} ended on {agreement.effective_until}: its duties are closed.",
            f"质量协议 {agreement.reference} 已于 {agreement.effective_until} 终止，其职责不能再修改。",
        )
    e.raise_if_any()
    values = {
        "responsible": responsible,
        "approver": approver,
        "notify": notify,
        "notify_within_hours": notify_within_hours,
        "complete_within_days": complete_within_days,
    }
    with transaction.atomic(), audit_context(actor=actor, reason=reason.strip()):
        row, _created = AgreementDuty.objects.select_for_update().update_or_create(
            agreement=agreement, activity=activity, defaults=values
        )
        with translation.override("en"):
            label_en = str(Activity(activity).label)
        with translation.override("zh-hans"):
            label_zh = str(Activity(activity).label)
        tell(
            enterprise_ids={agreement.contract_manufacturer_id},
            activity=activity,
            subject=agreement,
            title=(
                f"Quality agreement {agreement.reference}: duty changed",
                f"质量协议 {agreement.reference}：职责已变更",
            ),
            body=(f"{label_en}: {reason.strip()}", f"{label_zh}：{reason.strip()}"),
            within_hours=notify_within_hours,
            exclude=actor,
        )
    return row
