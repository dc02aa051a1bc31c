"""Who may do what with a pilot application. The services enforce these; the pages and the API use the
same functions only to decide which forms to offer (``allowed_actions``)."""

from __future__ import annotations

from bioseg.accounts.roles import OrganisationKind, Role
from bioseg.pilots.models import (
    EDITABLE_STATES,
    RETURNABLE_STATES,
    REVIEWABLE_STATES,
    ApplicationStatus,
    JointPlanStatus,
    PilotApplication,
)

HOLDER_WRITERS = (Role.HOLDER_RA, Role.HOLDER_QA)


def _authenticated(user) -> bool:
    return user is not None and getattr(user, "is_authenticated", False) and user.is_active


def is_holder_writer(user, application_or_holder) -> bool:
    """Regulatory affairs or QA of the enterprise that holds the product."""
    holder = getattr(application_or_holder, "holder", application_or_holder)
    return (
        _authenticated(user)
        and user.has_role(*HOLDER_WRITERS)
        and holder is not None
        and holder.organisation_id is not None
        and holder.organisation_id == user.organisation_id
    )


def reviewer_province(user) -> str:
    """The province of a provincial reviewer ('' for anyone else)."""
    if not _authenticated(user) or not user.has_role(Role.PROVINCIAL_REVIEWER):
        return ""
    org = user.organisation
    if org is None or org.kind != OrganisationKind.PROVINCIAL_REGULATOR:
        return ""
    return org.region_code or ""


def is_involved_reviewer(user, application: PilotApplication) -> bool:
    province = reviewer_province(user)
    return bool(province) and province in application.province_list


def is_nmpa_officer(user) -> bool:
    return (
        _authenticated(user)
        and user.has_role(Role.NMPA_OFFICER)
        and user.organisation is not None
        and user.organisation.kind == OrganisationKind.NMPA
    )


def allowed_actions(user, application: PilotApplication) -> set[str]:
    """The actions the forms offer this user now (the services re-check everything)."""
    actions: set[str] = set()
    status = application.status
    if is_holder_writer(user, application):
        actions.add("assess")
        if status in EDITABLE_STATES:
            actions |= {"declare_facts", "attach_evidence", "submit"}
    if is_involved_reviewer(user, application):
        if status != ApplicationStatus.DRAFT:
            actions.add("assess")
        if status in REVIEWABLE_STATES:
            actions.add("review")
        plan = getattr(application, "joint_plan", None)  # RelatedObjectDoesNotExist is an AttributeError
        if plan is not None and plan.status == JointPlanStatus.PENDING and status == ApplicationStatus.RECOMMENDED:
            mine = [a for a in plan.approvals.all() if a.province_code == reviewer_province(user)]
            if mine and mine[0].approved_at is None:
                actions.add("approve_joint_plan")
    if is_nmpa_officer(user) and status != ApplicationStatus.DRAFT:
        actions.add("assess")
        ready = (status == ApplicationStatus.RECOMMENDED and not application.is_cross_province) or (
            status == ApplicationStatus.JOINT_PLAN_AGREED
        )
        if ready:
            actions.add("decide")
        if status in RETURNABLE_STATES:
            actions.add("return")
    return actions
