"""Every read of supervision records, restricted to what the user may see; every view of a still-secret
unannounced inspection is logged (``SecretAccess``)."""

from __future__ import annotations

from bioseg.audit.context import audit_context
from bioseg.common import clock
from bioseg.common.scoping import get_in_scope
from bioseg.oversight.models import Inspection, Sample, SecretAccess
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
