"""Every read of the registry for an interface, restricted to what the user's scope allows.

- NMPA and the system operator: everything.
- A provincial regulator: enterprises registered or with a site in its province, sites in its province,
  products whose holder is there or whose contract manufacturer has a site there (under a quality
  agreement), and the personnel of the enterprises it sees.
- An enterprise user: its own enterprise and, for each quality agreement it is party to, the other
  party, that party's sites, and the products the agreement covers.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from bioseg.accounts.roles import REGISTRY_WRITERS, Role
from bioseg.accounts.scope import Scope, scope_for
from bioseg.common.errors import NotFound
from bioseg.quality.models import QualityAgreement, QualityAgreementProduct
from bioseg.registry.models import (
    Enterprise,
    GmpRecord,
    ManufacturingLicence,
    Person,
    Product,
    Qualification,
    Site,
)


def _own_enterprise_ids(scope: Scope) -> list[int]:
    return list(Enterprise.objects.filter(organisation_id=scope.organisation_id).values_list("id", flat=True))


def _partner_ids(own: list[int]) -> set[int]:
    pairs = QualityAgreement.objects.filter(Q(holder_id__in=own) | Q(contract_manufacturer_id__in=own)).values_list(
        "holder_id", "contract_manufacturer_id"
    )
    return {e for pair in pairs for e in pair} - set(own)


def enterprise_list(*, scope: Scope) -> QuerySet[Enterprise]:
    qs = Enterprise.objects.all()
    if scope.is_national:
        return qs
    if scope.is_provincial:
        in_region = Site.objects.filter(region_code=scope.region_code).values("enterprise_id")
        return qs.filter(Q(region_code=scope.region_code) | Q(id__in=in_region)).distinct()
    if scope.is_enterprise:
        own = _own_enterprise_ids(scope)
        return qs.filter(id__in=set(own) | _partner_ids(own))
    return qs.none()


def site_list(*, scope: Scope) -> QuerySet[Site]:
    qs = Site.objects.select_related("enterprise")
    if scope.is_national:
        return qs
    if scope.is_provincial:
        return qs.filter(region_code=scope.region_code)
    if scope.is_enterprise:
        own = _own_enterprise_ids(scope)
        return qs.filter(enterprise_id__in=set(own) | _partner_ids(own))
    return qs.none()


def product_list(*, scope: Scope) -> QuerySet[Product]:
    qs = Product.objects.select_related("holder")
    if scope.is_national:
        return qs
    if scope.is_provincial:
        cmo_in_region = Site.objects.filter(region_code=scope.region_code).values("enterprise_id")
        made_in_region = QualityAgreementProduct.objects.filter(
            agreement__contract_manufacturer_id__in=cmo_in_region
        ).values("product_id")
        holder_in_region = Q(holder__region_code=scope.region_code) | Q(holder__sites__region_code=scope.region_code)
        return qs.filter(holder_in_region | Q(id__in=made_in_region)).distinct()
    if scope.is_enterprise:
        own = _own_enterprise_ids(scope)
        shared = QualityAgreementProduct.objects.filter(
            Q(agreement__holder_id__in=own) | Q(agreement__contract_manufacturer_id__in=own)
        ).values("product_id")
        return qs.filter(Q(holder_id__in=own) | Q(id__in=shared))
    return qs.none()


def person_list(*, scope: Scope) -> QuerySet[Person]:
    return Person.objects.select_related("enterprise").filter(enterprise__in=enterprise_list(scope=scope))


def licence_list(*, scope: Scope) -> QuerySet[ManufacturingLicence]:
    return ManufacturingLicence.objects.select_related("enterprise").filter(enterprise__in=enterprise_list(scope=scope))


def gmp_record_list(*, scope: Scope) -> QuerySet[GmpRecord]:
    return GmpRecord.objects.select_related("site").filter(site__in=site_list(scope=scope))


def qualification_list(*, scope: Scope) -> QuerySet[Qualification]:
    return Qualification.objects.filter(person__in=person_list(scope=scope))


def _get(qs: QuerySet, what: str, pk) -> object:
    try:
        return qs.get(pk=int(pk))
    except (ValueError, TypeError, qs.model.DoesNotExist):
        raise NotFound(what, pk) from None


def enterprise_get(*, scope: Scope, pk) -> Enterprise:
    return _get(enterprise_list(scope=scope), "enterprise", pk)


def site_get(*, scope: Scope, pk) -> Site:
    return _get(site_list(scope=scope), "site", pk)


def product_get(*, scope: Scope, pk) -> Product:
    return _get(product_list(scope=scope), "product", pk)


def person_get(*, scope: Scope, pk) -> Person:
    return _get(person_list(scope=scope), "person", pk)


def licence_get(*, scope: Scope, pk) -> ManufacturingLicence:
    return _get(licence_list(scope=scope), "licence", pk)


def gmp_record_get(*, scope: Scope, pk) -> GmpRecord:
    return _get(gmp_record_list(scope=scope), "GMP record", pk)


def qualification_get(*, scope: Scope, pk) -> Qualification:
    return _get(qualification_list(scope=scope), "qualification", pk)


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
