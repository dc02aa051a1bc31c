"""What the pages offer a user. The services decide; these only keep buttons a user cannot use off the page."""

from __future__ import annotations

from django.db.models import QuerySet

from bioseg.accounts.roles import Role
from bioseg.registry import selectors
from bioseg.registry.models import Enterprise

AUDITORS = {Role.NMPA_OFFICER, Role.SYSTEM_ADMIN}


def can_audit(user) -> bool:
    return user.is_authenticated and user.has_role(*AUDITORS)


def can_write_registry(user, enterprise: Enterprise | None = None) -> bool:
    """Whether to offer registry writes: for ``enterprise``, or for any enterprise at all."""
    if enterprise is None:
        return writable_enterprises(user).exists()
    return selectors.registry_write_allowed(actor=user, enterprise=enterprise)


def writable_enterprises(user) -> QuerySet[Enterprise]:
    return selectors.enterprise_writable_list(actor=user)


def can_register_site(user) -> bool:
    """The user may register a site for at least one enterprise (the "register a site" form would not be a 403)."""
    return writable_enterprises(user).exists()


def can_register_product(user) -> bool:
    """The user may register a product: a registry writer of a holder (a CMO's QA may not; the form is a 403)."""
    return writable_enterprises(user).filter(is_holder=True).exists()
