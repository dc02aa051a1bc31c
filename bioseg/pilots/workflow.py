"""The pilot application's workflow as a table (``common/workflow.py``): state × action → who may, the state it
leads to, the event written and the e-signature's meaning. The services enforce it (``check_actor``,
``check_state``), the pages and the API read it to offer only the allowed actions, and tests enumerate it.

Where the next state is decided by the data (a province's review moves the application to under review,
recommended or objected depending on every province's position; NMPA's decision to approved or rejected) the
target is ``None`` and the service sets it under the application's row lock."""

from __future__ import annotations

from bioseg.accounts.roles import Role
from bioseg.audit.models import SignatureMeaning
from bioseg.common.workflow import Workflow, step
from bioseg.pilots import permissions
from bioseg.pilots.models import (
    EDITABLE_STATES,
    RETURNABLE_STATES,
    REVIEWABLE_STATES,
    STATUS_EN,
    STATUS_ZH,
    ApplicationStatus,
)

S = ApplicationStatus
HOLDER = (Role.HOLDER_RA, Role.HOLDER_QA)
EVERY_STATE = [s.value for s in ApplicationStatus]

PILOT_WORKFLOW = Workflow(
    name="pilot_application",
    subject_en="pilot application",
    subject_zh="试点申请",
    is_party=permissions.is_party,
    state_labels={s.value: (STATUS_EN[s], STATUS_ZH[s]) for s in ApplicationStatus},
    steps=(
        step(
            "declare_facts",
            EDITABLE_STATES,
            None,
            event="facts_declared",
            label=("Declare facts", "声明事实"),
            roles=HOLDER,
            parties=["holder"],
        ),
        step(
            "attach_evidence",
            EDITABLE_STATES,
            None,
            event="evidence_attached",
            label=("Attach evidence", "添加证明材料"),
            roles=HOLDER,
            parties=["holder"],
        ),
        step(
            "assess",
            EVERY_STATE,
            None,
            event="assessed",
            label=("Assess", "评估"),
            roles=[*HOLDER, Role.PROVINCIAL_REVIEWER, Role.NMPA_OFFICER],
            parties=["holder", "province", "nmpa"],
        ),
        step(
            "submit",
            EDITABLE_STATES,
            S.SUBMITTED,
            event="submitted",
            label=("Submit the application", "提交申请"),
            roles=HOLDER,
            parties=["holder"],
            signature=SignatureMeaning.AUTHORED,
        ),
        step(
            "review",
            REVIEWABLE_STATES,
            None,  # under review, recommended or objected: from every province's position
            event="reviewed",
            label=("Record the province's review", "记录省局审查意见"),
            roles=[Role.PROVINCIAL_REVIEWER],
            parties=["province"],
        ),
        step(
            "approve_joint_plan",
            [S.RECOMMENDED],
            None,  # joint plan agreed once every province approved
            event="joint_plan_approved",
            label=("Approve the joint regulatory plan", "批准联合监管方案"),
            roles=[Role.PROVINCIAL_REVIEWER],
            parties=["joint_plan_approver"],
            signature=SignatureMeaning.APPROVED,
        ),
        step(
            "decide",
            [S.RECOMMENDED, S.JOINT_PLAN_AGREED],
            None,  # approved or rejected
            event="decided",
            label=("Decide on the application", "作出决定"),
            roles=[Role.NMPA_OFFICER],
            parties=["nmpa_when_ready"],
            signature=SignatureMeaning.APPROVED,
        ),
        step(
            "return",
            RETURNABLE_STATES,
            S.RETURNED,
            event="decided",
            label=("Return the application", "退回申请"),
            roles=[Role.NMPA_OFFICER],
            parties=["nmpa"],
            signature=SignatureMeaning.APPROVED,
        ),
        step(
            "determine_rule",
            RETURNABLE_STATES,
            None,
            event="rule_determined",
            label=("Record the determination on a rule", "记录对规则的认定"),
            roles=[Role.NMPA_OFFICER, Role.PROVINCIAL_REVIEWER],
            parties=["nmpa", "province"],
            signature=SignatureMeaning.AUTHORED,
        ),
    ),
)
