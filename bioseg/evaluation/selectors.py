"""Reads of the evaluation: narratives, report builds, and who may ask for which report."""

from __future__ import annotations

import datetime as dt

from django.db.models import QuerySet

from bioseg.accounts.roles import OrganisationKind, Role
from bioseg.common.scoping import get_in_scope
from bioseg.evaluation.models import EvaluationNarrative, EvaluationReport, NarrativeStatus
from bioseg.registry.scope import Scope, scope_for

REPORT_ROLES = (Role.NMPA_OFFICER, Role.PROVINCIAL_REVIEWER, Role.PROVINCIAL_INSPECTOR, Role.HOLDER_RA, Role.HOLDER_QA)


def narrative_list(*, scope: Scope) -> QuerySet[EvaluationNarrative]:
    return EvaluationNarrative.objects.select_related("author").restrict(scope)


def narrative_get(*, scope: Scope, pk) -> EvaluationNarrative:
    return get_in_scope(narrative_list(scope=scope), None, pk, "narrative")


def narratives_for(*, scope, as_of: dt.date) -> list[EvaluationNarrative]:
    """For each province of the report's scope, its latest narrative signed for a date on or before ``as_of``."""
    found = []
    for region in sorted(scope.region_codes):
        n = (
            EvaluationNarrative.objects.filter(region_code=region, status=NarrativeStatus.SIGNED, as_of__lte=as_of)
            .select_related("author")
            .order_by("-as_of", "-id")
            .first()
        )
        if n is not None:
            found.append(n)
    return found


def report_list(*, scope: Scope) -> QuerySet[EvaluationReport]:
    return EvaluationReport.objects.select_related("requested_by").restrict(scope)


def report_get(*, scope: Scope, pk) -> EvaluationReport:
    return get_in_scope(report_list(scope=scope), None, pk, "evaluation report")


def report_allowed(*, user, kind: str, code: str = "") -> bool:
    """NMPA: every report. A provincial regulator: its province's, and a product's that its scope shows. A holder's
    regulatory affairs or QA: its own products'. Nobody else."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.has_role(*REPORT_ROLES):
        return False
    org = user.organisation
    if org is None:
        return False
    if org.kind == OrganisationKind.NMPA:
        return True
    if kind == "product":
        from bioseg.registry.models import Product

        try:
            pk = int(code)
        except (TypeError, ValueError):
            return False
        scope = scope_for(user)
        if org.kind == OrganisationKind.ENTERPRISE:
            return Product.objects.filter(pk=pk, holder_id__in=scope.enterprise_ids).exists()
        return Product.objects.restrict(scope).filter(pk=pk).exists()
    if kind == "province":
        return org.kind == OrganisationKind.PROVINCIAL_REGULATOR and code == org.region_code
    return False
