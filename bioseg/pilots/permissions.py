"""Who may do what with a pilot application. The services enforce these; the pages and the API use the
same functions only to decide which forms to offer (``allowed_actions``)."""

from __future__ import annotations

from bioseg.accounts.roles import OrganisationKind, Role
from bioseg.pilots.models import (
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


def _plan_approval_pending(user, application: PilotApplication) -> bool:
    """The user's province has still to approve the application's pending joint regulatory plan."""
    plan = getattr(application, "joint_plan", None)  # RelatedObjectDoesNotExist is an AttributeError
    if plan is None or plan.status != JointPlanStatus.PENDING:
        return False
    mine = [a for a in plan.approvals.all() if a.province_code == reviewer_province(user)]
    return bool(mine) and mine[0].approved_at is None


def ready_for_decision(application: PilotApplication) -> bool:
    """Every province recommended, and — across provinces — the joint plan is agreed."""
    return (application.status == ApplicationStatus.RECOMMENDED and not application.is_cross_province) or (
        application.status == ApplicationStatus.JOINT_PLAN_AGREED
    )


def is_party(user, application: PilotApplication, party: str) -> bool:
    """The parties of ``PILOT_WORKFLOW``'s steps. A regulator never acts on a draft (it does not see one)."""
    filed = application.status != ApplicationStatus.DRAFT
    if party == "holder":
        return is_holder_writer(user, application)
    if party == "province":
        return filed and is_involved_reviewer(user, application)
    if party == "nmpa":
        return filed and is_nmpa_officer(user)
    if party == "joint_plan_approver":
        return is_involved_reviewer(user, application) and _plan_approval_pending(user, application)
    if party == "nmpa_when_ready":
        return is_nmpa_officer(user) and ready_for_decision(application)
    raise KeyError(party)


def allowed_actions(user, application: PilotApplication) -> set[str]:
    """The actions the forms offer this user now: what ``PILOT_WORKFLOW`` allows (the services re-check)."""
    from bioseg.pilots.workflow import PILOT_WORKFLOW

    return set(PILOT_WORKFLOW.allowed_actions(user, application))
