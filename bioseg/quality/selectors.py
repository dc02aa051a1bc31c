"""Reads of the quality system for interfaces, restricted by scope."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from bioseg.accounts.scope import Scope
from bioseg.quality.models import QualityAgreement
from bioseg.registry import selectors as registry_selectors
from bioseg.registry.models import Enterprise


def quality_agreement_list(*, scope: Scope) -> QuerySet[QualityAgreement]:
    """All agreements (national); those with a party the province sees (provincial); those its own
    enterprise is party to (enterprise)."""
    qs = QualityAgreement.objects.select_related("holder", "contract_manufacturer").prefetch_related(
        "product_links__product"
    )
    if scope.is_national:
        return qs
    if scope.is_provincial:
        seen = registry_selectors.enterprise_list(scope=scope).values("id")
        return qs.filter(Q(holder_id__in=seen) | Q(contract_manufacturer_id__in=seen))
    if scope.is_enterprise:
        own = Enterprise.objects.filter(organisation_id=scope.organisation_id).values("id")
        return qs.filter(Q(holder_id__in=own) | Q(contract_manufacturer_id__in=own))
    return qs.none()
