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


def duties_of(agreement) -> list[Duty]:
    """The whole matrix of ``agreement``, in the order of ``Activity`` (defaults filled in and marked)."""
    rows = {r.activity: r for r in AgreementDuty.objects.filter(agreement=agreement)} if agreement else {}
    out = []
    for activity in Activity.values:
        r = rows.get(activity)
        out.append(default_duty(activity) if r is None else _from_row(r))
    return out
