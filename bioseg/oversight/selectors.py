"""Every read of supervision records, restricted to what the user may see; every view of a still-secret
unannounced inspection is logged (``SecretAccess``)."""

from __future__ import annotations

from bioseg.audit.context import audit_context
from bioseg.common import clock
from bioseg.common.scoping import get_in_scope
from bioseg.oversight.models import Inspection, RiskRating, Sample, SecretAccess
from bioseg.registry.scope import scope_for

RELATED = ("product", "product__holder", "follow_up_of", "requested_by")


def inspection_list(*, user, kind: str = "", status: str = "", year: int | None = None):
    qs = (
        Inspection.objects.for_user(user, scope_for(user))
        .select_related(*RELATED)
        .prefetch_related("members__user", "sites__site")
    )
    if kind:
        qs = qs.filter(kind=kind)
    if status:
        qs = qs.filter(status=status)
    if year:
        qs = qs.filter(planned_from__year=year)
    return qs.order_by("planned_from", "id")


def inspection_get(*, user, pk, what: str = "inspection page") -> Inspection:
    """The inspection, or 404; a view of a secret unannounced inspection is logged with who and when."""
    qs = Inspection.objects.for_user(user, scope_for(user)).select_related(*RELATED)
    inspection = get_in_scope(qs, None, pk, "inspection")
    if inspection.secret_on(clock.today()):
        with audit_context(actor=user, reason="secret unannounced inspection viewed"):
            SecretAccess.objects.create(inspection=inspection, user=user, viewed_at=clock.now(), what=what[:80])
    return inspection


def sample_list(*, user):
    inspections = Inspection.objects.for_user(user, scope_for(user)).values("id")
    return Sample.objects.filter(inspection_id__in=inspections).select_related("lot", "inspection", "lot__product")


def sample_get(*, user, pk) -> Sample:
    return get_in_scope(sample_list(user=user), None, pk, "sample")


# --- risk ratings ----------------------------------------------------------------------------------------------


def _regulator_scope(user):
    from bioseg.common.errors import PermissionDenied

    scope = scope_for(user)
    if not (scope.is_national or scope.is_provincial):
        raise PermissionDenied("Risk ratings are for regulators.", "风险评级仅供监管部门查看。")
    return scope


def rated_sites(*, user):
    """The sites whose ratings ``user`` (a regulator) sees: of the province, and those making its holders' products."""
    from django.db.models import Q

    from bioseg.production.models import Segment
    from bioseg.registry.models import Site

    scope = _regulator_scope(user)
    qs = Site.objects.select_related("enterprise")
    if scope.is_national:
        return qs
    made = Segment.objects.filter(chain__product__holder__region_code=scope.region_code).values("site_id")
    return qs.filter(Q(region_code=scope.region_code) | Q(id__in=made))


def risk_rating_list(*, user, overall: str = ""):
    """The current rating of each site the regulator sees, highest score first."""
    scope = _regulator_scope(user)
    qs = RiskRating.objects.restrict(scope).current().select_related("site", "site__enterprise", "rated_by")
    if overall:
        qs = qs.filter(overall=overall)
    return qs.order_by("-score", "site_id")


def risk_site_get(*, user, pk):
    """A site whose ratings the regulator sees, or 404."""
    return get_in_scope(rated_sites(user=user), None, pk, "site")


def risk_history(*, user, site):
    return RiskRating.objects.restrict(_regulator_scope(user)).filter(site=site).order_by("-rated_at", "-id")


def risk_rating_get(*, user, pk):
    return get_in_scope(
        RiskRating.objects.select_related("site", "site__enterprise"), _regulator_scope(user), pk, "risk rating"
    )
