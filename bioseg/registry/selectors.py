"""Every read of the registry for an interface, restricted to what the user's scope allows.

- NMPA and the system operator: everything.
- A provincial regulator: enterprises registered or with a site in its province, sites in its province,
  products whose holder is there or whose contract manufacturer has a site there (under a quality
  agreement), and the personnel of the enterprises it sees.
- An enterprise user: its own enterprise and, for each quality agreement it is party to, the other
  party, that party's sites, and the products the agreement covers.
"""

from __future__ import annotations

from django.db.models import QuerySet

from bioseg.accounts.roles import REGISTRY_WRITERS, Role
from bioseg.common.scoping import get_in_scope
from bioseg.registry.models import (
    Enterprise,
    GmpRecord,
    ManufacturingLicence,
    Person,
    Product,
    Qualification,
    QualityAgreement,
    Site,
)
from bioseg.registry.scope import Scope, scope_for


def enterprise_list(*, scope: Scope) -> QuerySet[Enterprise]:
    return Enterprise.objects.restrict(scope)


def site_list(*, scope: Scope) -> QuerySet[Site]:
    return Site.objects.select_related("enterprise").restrict(scope)


def product_list(*, scope: Scope) -> QuerySet[Product]:
    return Product.objects.select_related("holder").restrict(scope)


def person_list(*, scope: Scope) -> QuerySet[Person]:
    return Person.objects.select_related("enterprise").restrict(scope)


def licence_list(*, scope: Scope) -> QuerySet[ManufacturingLicence]:
    return ManufacturingLicence.objects.select_related("enterprise").restrict(scope)


def gmp_record_list(*, scope: Scope) -> QuerySet[GmpRecord]:
    return GmpRecord.objects.select_related("site").restrict(scope)


def qualification_list(*, scope: Scope) -> QuerySet[Qualification]:
    return Qualification.objects.restrict(scope)


def enterprise_get(*, scope: Scope, pk) -> Enterprise:
    return get_in_scope(enterprise_list(scope=scope), None, pk, "enterprise")


def site_get(*, scope: Scope, pk) -> Site:
    return get_in_scope(site_list(scope=scope), None, pk, "site")


def product_get(*, scope: Scope, pk) -> Product:
    return get_in_scope(product_list(scope=scope), None, pk, "product")


def person_get(*, scope: Scope, pk) -> Person:
    return get_in_scope(person_list(scope=scope), None, pk, "person")


def licence_get(*, scope: Scope, pk) -> ManufacturingLicence:
    return get_in_scope(licence_list(scope=scope), None, pk, "licence")


def gmp_record_get(*, scope: Scope, pk) -> GmpRecord:
    return get_in_scope(gmp_record_list(scope=scope), None, pk, "GMP record")


def qualification_get(*, scope: Scope, pk) -> Qualification:
    return get_in_scope(qualification_list(scope=scope), None, pk, "qualification")


# --- who may write -----------------------------------------------------------------------------------


def registry_write_allowed(*, actor, enterprise: Enterprise) -> bool:
    """The one rule for registry writes: the system admin writes everything; a user with a writing role
    (holder RA/QA, CMO QA) writes the records of its own enterprise only. The services enforce it; the pages
    ask it to offer only buttons a user can use."""
    if actor is None or not actor.is_authenticated or not actor.has_role(*REGISTRY_WRITERS):
        return False
    if actor.has_role(Role.SYSTEM_ADMIN):
        return True
    return enterprise.organisation_id is not None and enterprise.organisation_id == actor.organisation_id


def enterprise_writable_list(*, actor) -> QuerySet[Enterprise]:
    """The enterprises in the actor's scope whose registry records the actor may write."""
    qs = enterprise_list(scope=scope_for(actor))
    if actor is None or not actor.is_authenticated or not actor.has_role(*REGISTRY_WRITERS):
        return qs.none()
    if actor.has_role(Role.SYSTEM_ADMIN):
        return qs
    return qs.filter(organisation_id=actor.organisation_id)


def quality_agreement_list(*, scope: Scope) -> QuerySet[QualityAgreement]:
    """All agreements (national); those with a party the province sees (provincial); those its own
    enterprise is party to (enterprise), in force or not."""
    return (
        QualityAgreement.objects.select_related("holder", "contract_manufacturer")
        .prefetch_related("product_links__product")
        .restrict(scope)
    )


def quality_agreement_get(*, scope: Scope, pk) -> QualityAgreement:
    return get_in_scope(quality_agreement_list(scope=scope), None, pk, "quality agreement")
