"""The state machine of a deviation, as a table (``bioseg.common.workflow``).

::

    open ──submit_investigation (QA of the site's enterprise or of the holder: root cause, summary)──▶ under_review
      ▲                                                                                                  │
      └──────────── return_investigation (the approving party's QA, with the reason) ◀──────────────────┤
                                                                                                          │
    under_review ──approve_investigation✍ (the party the agreement names as approver)──▶ approved ──close✍──▶ closed
    open / under_review ── reclassify (QA of either party, with the reason; state stays)

The approving party is the agreement's (``AgreementDuty`` for deviation investigation; by default the holder),
fixed on the deviation when it is recorded. ✍ = e-signature, password re-entered.
"""

from __future__ import annotations

from bioseg.accounts.roles import Role
from bioseg.audit.models import SignatureMeaning
from bioseg.audit.transitions import event_writer
from bioseg.common.workflow import Workflow, step
from bioseg.quality.models import DeviationEvent, DeviationStatus, Party
from bioseg.registry.scope import own_enterprise_ids

QA = (Role.HOLDER_QA, Role.QUALIFIED_PERSON, Role.CMO_QA)
O_, R_, A_, C_ = DeviationStatus.OPEN, DeviationStatus.UNDER_REVIEW, DeviationStatus.APPROVED, DeviationStatus.CLOSED


def party_enterprise_ids(record, party: str) -> set[int]:
    """The enterprises that are ``party`` (holder / cmo / both) for a record made at a site (a deviation, an OOS
    investigation, a change request: ``record.product``, ``record.site``)."""
    return parties(record.product.holder_id, record.site.enterprise_id, party)


def parties(holder: int, maker: int, party: str) -> set[int]:
    """``party`` (holder / cmo / both / none) between the holder and the other enterprise of a record (the CMO is
    the holder itself when the holder made it)."""
    if party == Party.HOLDER:
        return {holder}
    if party == Party.CMO:
        return {maker} if maker != holder else {holder}
    if party == Party.BOTH:
        return {holder, maker}
    return set()


def _deviation_party(user, deviation, party: str) -> bool:
    own = own_enterprise_ids(user)
    if party == "recorder":
        return deviation.site.enterprise_id in own
    if party == "holder":
        return deviation.product.holder_id in own
    if party == "approver":
        return bool(party_enterprise_ids(deviation, deviation.approver_party) & own)
    raise KeyError(party)


DEVIATION_WORKFLOW = Workflow(
    name="deviation",
    subject_en="deviation",
    subject_zh="偏差",
    is_party=_deviation_party,
    state_labels={
        O_: ("open (under investigation)", "调查中"),
        R_: ("awaiting approval of the investigation", "调查待批准"),
        A_: ("investigation approved", "调查已批准"),
        C_: ("closed", "已关闭"),
    },
    steps=(
        step(
            "submit_investigation",
            [O_],
            R_,
            event="investigation_submitted",
            label=("Submit the investigation for approval", "提交调查报告待批准"),
            roles=QA,
            parties=["recorder", "holder"],
        ),
        step(
            "return_investigation",
            [R_],
            O_,
            event="investigation_returned",
            label=("Return the investigation", "退回调查报告"),
            roles=QA,
            parties=["approver"],
        ),
        step(
            "approve_investigation",
            [R_],
            A_,
            event="investigation_approved",
            label=("Approve the investigation", "批准调查报告"),
            roles=QA,
            parties=["approver"],
            signature=SignatureMeaning.APPROVED,
        ),
        step(
            "close",
            [A_],
            C_,
            event="closed",
            label=("Close the deviation", "关闭偏差"),
            roles=QA,
            parties=["approver"],
            signature=SignatureMeaning.APPROVED,
        ),
        step(
            "reclassify",
            [O_, R_],
            None,
            event="reclassified",
            label=("Reclassify the deviation", "重新分级该偏差"),
            roles=QA,
            parties=["recorder", "holder"],
        ),
        step(
            "recompute_impact",
            [O_, R_, A_],
            None,
            event="impact_computed",
            label=("Compute the impact again", "重新计算影响范围"),
            roles=QA,
            parties=["recorder", "holder"],
        ),
    ),
)


deviation_event = event_writer(DeviationEvent, "deviation")
