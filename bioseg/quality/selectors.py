"""Reads of the quality system, each restricted to the user's scope (``restrict``; a 404 for the rest)."""

from __future__ import annotations

from bioseg.common.scoping import get_in_scope
from bioseg.production.selectors import Blocker
from bioseg.quality.models import BLOCKING_CLASSES, OPEN_DEVIATION_STATES, Deviation, DeviationImpact, DeviationLot
from bioseg.quality.services import CLASS_EN, CLASS_ZH


def deviation_list(*, scope, status: str | None = None, classification: str | None = None):
    qs = Deviation.objects.restrict(scope).select_related("product", "site", "site__enterprise")
    if status == "open_any":
        qs = qs.filter(status__in=OPEN_DEVIATION_STATES)
    elif status:
        qs = qs.filter(status=status)
    if classification:
        qs = qs.filter(classification=classification)
    return qs.order_by("-id")


def deviation_get(*, scope, pk) -> Deviation:
    qs = Deviation.objects.select_related("product", "product__holder", "site", "site__enterprise", "agreement")
    return get_in_scope(qs, scope, pk, "deviation")


def deviation_release_blockers(lot, ancestor_ids: set[int]) -> list[Blocker]:
    """An open critical or major deviation on ``lot`` or on any lot upstream of it blocks its release (registered
    with production at start-up: production cannot import the quality system)."""
    concerned = {lot.pk, *ancestor_ids}
    links = (
        DeviationLot.objects.filter(
            lot_id__in=concerned,
            deviation__status__in=OPEN_DEVIATION_STATES,
            deviation__classification__in=BLOCKING_CLASSES,
        )
        .select_related("deviation", "lot")
        .order_by("deviation__reference", "lot__lot_number")
    )
    blockers, seen = [], set()
    for link in links:
        d = link.deviation
        if d.pk in seen:
            continue
        seen.add(d.pk)
        own = link.lot_id == lot.pk
        where_en = f"lot {lot.lot_number}" if own else f"upstream lot {link.lot.lot_number}"
        where_zh = f"批 {lot.lot_number}" if own else f"上游批 {link.lot.lot_number}"
        blockers.append(
            Blocker(
                "deviation_open",
                f"Deviation {d.reference} ({CLASS_EN[d.classification]}) on {where_en} is not closed.",
                f"{where_zh} 的偏差 {d.reference}（{CLASS_ZH[d.classification]}）尚未关闭。",
                link.lot_id,
                d.pk,
            )
        )
    return blockers


def deviations_of_lot(*, scope, lot):
    """The deviations in scope that concern ``lot``: recorded against it or against any lot upstream of it (so a lot
    made from a concerned lot after the deviation was recorded is included)."""
    from bioseg.production.genealogy import lot_ancestor_ids

    concerned = {lot.pk, *lot_ancestor_ids(lot=lot)}
    return (
        Deviation.objects.restrict(scope)
        .filter(id__in=DeviationLot.objects.filter(lot_id__in=concerned).values("deviation_id"))
        .select_related("site")
        .order_by("-id")
    )


def impact_shipments(deviation):
    """The shipments of the deviation's impact: created up to the moment it was computed, with a line of a lot it
    stores (``impact_shipments_sha256`` on the deviation is the digest of their sorted ids)."""
    from bioseg.production.models import Shipment, ShipmentLine

    if deviation.impact_computed_at is None:
        return Shipment.objects.none()
    lots = DeviationImpact.objects.filter(deviation=deviation).values("lot_id")
    return Shipment.objects.filter(
        id__in=ShipmentLine.objects.filter(lot_id__in=lots).values("shipment_id"),
        created_at__lte=deviation.impact_computed_at,
    )
