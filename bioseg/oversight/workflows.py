"""The state machine of an inspection, as a table (``bioseg.common.workflow``).

::

    planned ──notify──▶ notified ──start──▶ on_site ──finish_site_work──▶ report ──sign_report✍ (leader)──▶ rectification
       │                   │          ▲                                          │                              │
       │                   │          └── start (unannounced: straight from planned, never notified)           close✍
       └──── cancel ───────┴──▶ cancelled                       (no findings: sign_report leads to closed) ▼
                                                                                                            closed

Parties: ``lead`` — an inspector of the lead province; ``team`` — a member of the inspection team; ``leader`` —
the team's leader. ✍ = e-signature, password re-entered: the leader signs the report (药品生产监督管理办法 Art. 56:
written findings, rectification deadlines), the lead province closes the inspection once every rectification is
closed.
"""

from __future__ import annotations

from django.utils.translation import gettext_noop

from bioseg.accounts.roles import Role
from bioseg.audit.models import SignatureMeaning
from bioseg.audit.transitions import event_writer
from bioseg.common.workflow import Workflow, step
from bioseg.oversight.models import (
    InspectionEvent,
    InspectionPlanEvent,
    InspectionStatus,
    JointPlanEvent,
    JointStatus,
    PlanStatus,
)

S = InspectionStatus
INSPECTORS = (Role.PROVINCIAL_INSPECTOR,)


def _party(user, inspection, party: str) -> bool:
    org = getattr(user, "organisation", None)
    if party == "lead":
        return org is not None and org.region_code == inspection.region_code
    if party == "announcer":  # the lead province, for an inspection that is announced at all
        return not inspection.is_unannounced and _party(user, inspection, "lead")
    if party == "partner":  # the partner province of a joint inspection
        return (
            org is not None
            and bool(inspection.partner_region_code)
            and org.region_code == inspection.partner_region_code
        )
    if party == "team":
        return inspection.members.filter(user_id=user.pk).exists()
    if party == "leader":
        return inspection.members.filter(user_id=user.pk, is_leader=True).exists()
    raise KeyError(party)


INSPECTION_WORKFLOW = Workflow(
    name="inspection",
    subject_en="inspection",
    subject_zh="检查",
    is_party=_party,
    state_labels={
        S.PLANNED: ("planned", "已计划"),
        S.NOTIFIED: ("notified to the enterprise", "已告知企业"),
        S.ON_SITE: ("on site", "现场检查中"),
        S.REPORT: ("report in preparation", "报告撰写中"),
        S.RECTIFICATION: ("under rectification", "整改中"),
        S.CLOSED: ("closed", "已结案"),
        S.CANCELLED: ("cancelled", "已取消"),
    },
    steps=(
        step(
            "notify",
            [S.PLANNED],
            S.NOTIFIED,
            event="notified",
            label=("Notify the enterprise", "告知企业"),
            roles=INSPECTORS,
            parties=["announcer"],
        ),
        step(
            "assign_team",
            [S.PLANNED, S.NOTIFIED],
            None,
            event="team_assigned",
            label=("Name the inspection team", "指定检查组"),
            roles=INSPECTORS,
            parties=["lead", "partner"],
        ),
        step(
            "start",
            [S.PLANNED, S.NOTIFIED],
            S.ON_SITE,
            event="started",
            label=("Start the on-site inspection", "开始现场检查"),
            roles=INSPECTORS,
            parties=["team"],
        ),
        step(
            "record_finding",
            [S.ON_SITE, S.REPORT],
            None,
            event="finding_recorded",
            label=("Record a finding", "记录缺陷"),
            roles=INSPECTORS,
            parties=["team"],
        ),
        step(
            "record_sample",
            [S.ON_SITE, S.REPORT],
            None,
            event="sample_taken",
            label=("Record a sample taken", "记录抽样"),
            roles=INSPECTORS,
            parties=["team"],
        ),
        step(
            "finish_site_work",
            [S.ON_SITE],
            S.REPORT,
            event="site_work_finished",
            label=("End the on-site inspection", "结束现场检查"),
            roles=INSPECTORS,
            parties=["team"],
        ),
        step(
            "sign_report",
            [S.REPORT],
            S.RECTIFICATION,
            event="report_signed",
            label=("Sign the inspection report", "签署检查报告"),
            roles=INSPECTORS,
            parties=["leader"],
            signature=SignatureMeaning.AUTHORED,
        ),
        step(
            "close",
            [S.RECTIFICATION],
            S.CLOSED,
            event="closed",
            label=("Close the inspection: rectification verified", "结案：整改已核实"),
            roles=INSPECTORS,
            parties=["lead"],
            signature=SignatureMeaning.APPROVED,
        ),
        step(
            "cancel",
            [S.PLANNED, S.NOTIFIED],
            S.CANCELLED,
            event="cancelled",
            label=("Cancel the inspection", "取消检查"),
            roles=INSPECTORS,
            parties=["lead"],
        ),
        step(
            "record_sample_result",
            [S.ON_SITE, S.REPORT, S.RECTIFICATION, S.CLOSED],
            None,
            event="sample_result_recorded",
            label=("Record a sample's test result", "记录抽样检验结果"),
            roles=INSPECTORS,
            parties=["lead"],
        ),
    ),
)

AUTO = "bioseg: "  # the prefix of the audit reasons bioseg supplies itself

# The reasons supervision writes after AUTO when a person gives none; stored in English, shown in the reader's
# language by the history pages (web.labels.reason_label). Listed here so that the catalogue keeps them.
AUTO_REASONS = (
    gettext_noop("inspection planned"),
    gettext_noop("inspection team named"),
    gettext_noop("inspection notified"),
    gettext_noop("inspection started on site"),
    gettext_noop("inspection finding recorded"),
    gettext_noop("regulatory sample taken"),
    gettext_noop("on-site inspection ended"),
    gettext_noop("inspection report signed"),
    gettext_noop("inspection closed: rectification verified"),
    gettext_noop("sample result recorded"),
    gettext_noop("joint supervision plan drafted"),
    gettext_noop("joint supervision plan signed"),
    gettext_noop("inspection plan requested"),
    gettext_noop("inspection plan approved"),
    gettext_noop("seed revealed"),
)


def _events(model, subject_field: str):
    """The event writer of a table: the message is the step's label in each language, followed by the person's own
    comment — never by the English default reason bioseg writes to the audit trail when there is none."""
    write = event_writer(model, subject_field)

    def record(*, reason: str, **kwargs):
        return write(reason="" if reason.startswith(AUTO) else reason, **kwargs)

    return record


inspection_event = _events(InspectionEvent, "inspection")


def _plan_party(user, plan, party: str) -> bool:
    org = getattr(user, "organisation", None)
    if party == "province":
        return org is not None and org.region_code == plan.region_code
    raise KeyError(party)


P = PlanStatus

# A province's annual inspection plan: the scheduler solves it in the background (``solving`` → ``solved`` or
# ``infeasible``/``failed``, written by the task, not a person's step); an inspector of the province approves the
# solved plan with an e-signature (the approval records the commitment to the unannounced draws, and the approved
# version before it is superseded); once the year is over the seed is revealed.
PLAN_WORKFLOW = Workflow(
    name="inspection_plan",
    subject_en="inspection plan",
    subject_zh="检查计划",
    is_party=_plan_party,
    state_labels={
        P.SOLVING: ("being solved", "求解中"),
        P.SOLVED: ("solved, awaiting approval", "已求解，待批准"),
        P.INFEASIBLE: ("no plan: constraints conflict", "无可行计划：约束冲突"),
        P.FAILED: ("the solve failed", "求解失败"),
        P.APPROVED: ("approved", "已批准"),
        P.SUPERSEDED: ("superseded", "已被新版本取代"),
    },
    steps=(
        step(
            "approve",
            [P.SOLVED],
            P.APPROVED,
            event="approved",
            label=("Approve the plan", "批准计划"),
            roles=INSPECTORS,
            parties=["province"],
            signature=SignatureMeaning.APPROVED,
        ),
        step(
            "reveal_seed",
            [P.APPROVED, P.SUPERSEDED],
            None,
            event="seed_revealed",
            label=("Reveal the seed of the unannounced draws", "公开飞行检查抽取种子"),
            roles=INSPECTORS,
            parties=["province"],
        ),
    ),
)

plan_event = _events(InspectionPlanEvent, "plan")


def _joint_party(user, plan, party: str) -> bool:
    org = getattr(user, "organisation", None)
    code = getattr(org, "region_code", None)
    if party == "lead":
        return code == plan.lead_region_code
    if party == "partner":
        return code == plan.partner_region_code
    raise KeyError(party)


J = JointStatus

# A joint supervision plan: drafted by the lead (holder's) province, signed by an inspector of each province in
# either order (✍); the second signature puts it in force (and supersedes the version before).
JOINT_WORKFLOW = Workflow(
    name="joint_supervision_plan",
    subject_en="joint supervision plan",
    subject_zh="联合监管方案",
    is_party=_joint_party,
    state_labels={
        J.DRAFT: ("draft, awaiting both signatures", "草案，待双方签署"),
        J.LEAD_SIGNED: ("signed by the lead province", "牵头省份已签署"),
        J.PARTNER_SIGNED: ("signed by the partner province", "协作省份已签署"),
        J.IN_FORCE: ("in force", "已生效"),
        J.SUPERSEDED: ("superseded", "已被新版本取代"),
    },
    steps=(
        step(
            "sign_lead",
            [J.DRAFT, J.PARTNER_SIGNED],
            None,
            event="signed_by_lead",
            label=("Sign for the lead province", "代表牵头省份签署"),
            roles=INSPECTORS,
            parties=["lead"],
            signature=SignatureMeaning.APPROVED,
        ),
        step(
            "sign_partner",
            [J.DRAFT, J.LEAD_SIGNED],
            None,
            event="signed_by_partner",
            label=("Sign for the partner province", "代表协作省份签署"),
            roles=INSPECTORS,
            parties=["partner"],
            signature=SignatureMeaning.APPROVED,
        ),
    ),
)

joint_event = _events(JointPlanEvent, "plan")
