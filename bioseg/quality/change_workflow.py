"""The state machine of a change request, as a table (``bioseg.common.workflow``).

::

    assessing ──approve✍ (the party the agreement names; by default the holder)──▶ approved
    assessing / approved ──implement✍ (requester or holder QA)──▶ implemented   — refused, naming what is missing,
        until every required impact assessment, the holder's approval and the regulator's approval or filing
        reference are recorded (the refusal is a check of the service, under the row lock)
    assessing / approved ──reject✍ (the approving party)──▶ rejected
    assessing / approved ── record_assessment✍ (QA of an affected enterprise that has not assessed yet; state stays)
    assessing / approved ── record_regulatory (the holder: approval number, filing or annual-report reference)
    any but rejected ── reclassify (a regulator of the holder's, the site's or an affected site's province, or
        NMPA: Order 828 Art. 27; state stays, the record shows it)

✍ = e-signature, password re-entered.
"""

from __future__ import annotations

from bioseg.accounts.roles import Role
from bioseg.audit.models import SignatureMeaning
from bioseg.audit.transitions import event_writer
from bioseg.common.workflow import Workflow, step
from bioseg.quality.models import ChangeEvent, ChangeStatus
from bioseg.quality.workflows import QA, party_enterprise_ids
from bioseg.registry.scope import own_enterprise_ids, scope_for

HOLDER_WRITERS = (Role.HOLDER_RA, Role.HOLDER_QA, Role.QUALIFIED_PERSON)
REGULATORS = (Role.PROVINCIAL_REVIEWER, Role.PROVINCIAL_INSPECTOR, Role.NMPA_OFFICER)
AS_, AP_, IM_, RJ_ = ChangeStatus.ASSESSING, ChangeStatus.APPROVED, ChangeStatus.IMPLEMENTED, ChangeStatus.REJECTED


change_party_enterprise_ids = party_enterprise_ids  # a change request is made at a site, like a deviation


def required_assessors(change) -> set[int]:
    """The enterprises that must record an impact assessment (affected, other than the requester)."""
    return set(change.affected.filter(assessment_required=True).values_list("enterprise_id", flat=True).distinct())


def pending_assessors(change) -> set[int]:
    return required_assessors(change) - set(change.assessments.values_list("enterprise_id", flat=True))


def _change_party(user, change, party: str) -> bool:
    if party == "regulator":
        scope = scope_for(user)
        if scope.is_national:
            return True
        if not scope.is_provincial:
            return False
        return scope.region_code in change.region_codes.split(",")  # the provinces the change concerns
    own = own_enterprise_ids(user)
    if party == "requester":
        return change.site.enterprise_id in own
    if party == "holder":
        return change.product.holder_id in own
    if party == "approver":
        return bool(change_party_enterprise_ids(change, change.approver_party) & own)
    if party == "assessor":
        return bool(pending_assessors(change) & own)
    raise KeyError(party)


CHANGE_WORKFLOW = Workflow(
    name="change",
    subject_en="change request",
    subject_zh="变更申请",
    is_party=_change_party,
    state_labels={
        AS_: ("under assessment", "评估中"),
        AP_: ("approved by the holder", "持有人已批准"),
        IM_: ("implemented", "已实施"),
        RJ_: ("rejected", "已否决"),
    },
    steps=(
        step(
            "record_assessment",
            [AS_, AP_],
            None,
            event="assessment_recorded",
            label=("Record our impact assessment", "记录本方影响评估"),
            roles=QA,
            parties=["assessor"],
            signature=SignatureMeaning.REVIEWED,
        ),
        step(
            "approve",
            [AS_],
            AP_,
            event="approved",
            label=("Approve the change", "批准该变更"),
            roles=QA,
            parties=["approver"],
            signature=SignatureMeaning.APPROVED,
        ),
        step(
            "record_regulatory",
            [AS_, AP_],
            None,
            event="regulatory_recorded",
            label=("Record the regulator's approval or the filing", "记录药监部门的批准或备案"),
            roles=HOLDER_WRITERS,
            parties=["holder"],
        ),
        step(
            "implement",
            [AS_, AP_],
            IM_,
            event="implemented",
            label=("Implement the change", "实施该变更"),
            roles=QA,
            parties=["requester", "holder"],
            signature=SignatureMeaning.APPROVED,
        ),
        step(
            "reject",
            [AS_, AP_],
            RJ_,
            event="rejected",
            label=("Reject the change", "否决该变更"),
            roles=QA,
            parties=["approver"],
            signature=SignatureMeaning.REJECTED,
        ),
        step(
            "reclassify",
            [AS_, AP_, IM_],
            None,
            event="reclassified",
            label=("Re-classify the change (regulator)", "重新确定变更类别（药监部门）"),
            roles=REGULATORS,
            parties=["regulator"],
        ),
    ),
)


change_event = event_writer(ChangeEvent, "change")
