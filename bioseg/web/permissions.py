"""What the pages offer a user. The services decide; these only keep buttons a user cannot use off the page."""

from __future__ import annotations

from django.db.models import QuerySet

from bioseg.accounts.roles import REGISTRY_WRITERS, Role
from bioseg.accounts.scope import scope_for
from bioseg.registry import selectors
from bioseg.registry.models import Enterprise

AUDITORS = {Role.NMPA_OFFICER, Role.SYSTEM_ADMIN}


def can_audit(user) -> bool:
    return user.is_authenticated and user.has_role(*AUDITORS)


def can_write_registry(user, enterprise: Enterprise | None = None) -> bool:
    """An enterprise user with a writing role maintains its own enterprise's records; the system admin all."""
    if not user.is_authenticated or not user.has_role(*REGISTRY_WRITERS):
        return False
    if user.has_role(Role.SYSTEM_ADMIN):
        return True
    if enterprise is None:
        return writable_enterprises(user).exists()
    return enterprise.organisation_id is not None and enterprise.organisation_id == user.organisation_id


def writable_enterprises(user) -> QuerySet[Enterprise]:
    """The enterprises in the user's scope whose registry records the user may write."""
    qs = selectors.enterprise_list(scope=scope_for(user))
    if not user.is_authenticated or not user.has_role(*REGISTRY_WRITERS):
        return qs.none()
    if user.has_role(Role.SYSTEM_ADMIN):
        return qs
    return qs.filter(organisation_id=user.organisation_id)


def can_register_site(user) -> bool:
    """The user may register a site for at least one enterprise (the "register a site" form would not be a 403)."""
    return writable_enterprises(user).exists()


def can_register_product(user) -> bool:
    """The user may register a product: a registry writer of a holder (a CMO's QA may not; the form is a 403)."""
    return writable_enterprises(user).filter(is_holder=True).exists()
