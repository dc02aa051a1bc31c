"""Who sees which production row: each model's ``restrict(scope)`` (``bioseg.common.scoping``).

- A **provincial regulator** sees what is made at a site in its province, what a shipment carries from, to
  or for a consignee in its province, and — wherever it is made — what belongs to a product whose holder is
  registered in its province (the holder's province supervises its holders, 药品生产监督管理办法 Art. 50).
- An **enterprise** sees the lots of the products it holds or that a quality agreement in force shares with
  it (``scope.product_ids``), and whatever is made at its own sites. Scope is per lot: a shipment carrying two
  holders' lots shows each holder only its own lines; an excursion belongs to the product it concerns.
"""

from __future__ import annotations

from django.db.models import Q

from bioseg.common.scoping import ScopedQuerySet


def _holder_here(scope, path: str = "product__holder__region_code") -> Q:
    return Q(**{path: scope.region_code})


def _touching(region: str, prefix: str = "") -> Q:
    return (
        Q(**{f"{prefix}from_site__region_code": region})
        | Q(**{f"{prefix}to_site__region_code": region})
        | Q(**{f"{prefix}consignee__region_code": region})
    )


def visible_lots(scope):
    """The ids of the lots ``scope`` sees, as a subquery."""
    from bioseg.production.models import Lot

    return Lot.objects.restrict(scope).order_by().values("id")


class LotQuerySet(ScopedQuerySet):
    def provincial_q(self, scope):
        from bioseg.production.models import ShipmentLine

        shipped = ShipmentLine.objects.filter(_touching(scope.region_code, "shipment__")).values("lot_id")
        return Q(site__region_code=scope.region_code) | _holder_here(scope) | Q(id__in=shipped)

    def enterprise_q(self, scope):
        return Q(product_id__in=scope.product_ids) | Q(site__enterprise_id__in=scope.enterprise_ids)


class TransformationQuerySet(ScopedQuerySet):
    def provincial_q(self, scope):
        return Q(site__region_code=scope.region_code) | _holder_here(scope)

    def enterprise_q(self, scope):
        return Q(product_id__in=scope.product_ids) | Q(site__enterprise_id__in=scope.enterprise_ids)


class ChainQuerySet(ScopedQuerySet):
    def provincial_q(self, scope):
        from bioseg.production.models import Segment

        crossing = Segment.objects.filter(site__region_code=scope.region_code).values("chain_id")
        return Q(id__in=crossing) | _holder_here(scope)

    def enterprise_q(self, scope):
        from bioseg.production.models import Segment

        own_sites = Segment.objects.filter(site__enterprise_id__in=scope.enterprise_ids).values("chain_id")
        return Q(product_id__in=scope.product_ids) | Q(id__in=own_sites)


class SegmentQuerySet(ScopedQuerySet):
    def _chains(self, scope):
        from bioseg.production.models import ProcessChain

        return Q(chain_id__in=ProcessChain.objects.restrict(scope).order_by().values("id"))

    provincial_q = _chains
    enterprise_q = _chains


class ShipmentQuerySet(ScopedQuerySet):
    def provincial_q(self, scope):
        from bioseg.production.models import ShipmentLine

        holders_lots = ShipmentLine.objects.filter(_holder_here(scope, "lot__product__holder__region_code"))
        return _touching(scope.region_code) | Q(id__in=holders_lots.values("shipment_id"))

    def enterprise_q(self, scope):
        from bioseg.production.models import ShipmentLine

        own = scope.enterprise_ids
        carrying = ShipmentLine.objects.filter(lot_id__in=visible_lots(scope)).values("shipment_id")
        return Q(from_site__enterprise_id__in=own) | Q(to_site__enterprise_id__in=own) | Q(id__in=carrying)


class ByLotQuerySet(ScopedQuerySet):
    """Rows that belong to one lot (shipment lines, certificates, releases, holds, recalls): visible with it."""

    lot_path = "lot_id"

    def _lots(self, scope):
        return Q(**{f"{self.lot_path}__in": visible_lots(scope)})

    provincial_q = _lots
    enterprise_q = _lots


class CertificateResultQuerySet(ByLotQuerySet):
    lot_path = "certificate__lot_id"


class EdgeQuerySet(ByLotQuerySet):
    lot_path = "child_lot_id"


class ByShipmentQuerySet(ScopedQuerySet):
    """Temperature logs: visible with their shipment."""

    shipment_path = "shipment_id"

    def _shipments(self, scope):
        from bioseg.production.models import Shipment

        return Q(**{f"{self.shipment_path}__in": Shipment.objects.restrict(scope).order_by().values("id")})

    provincial_q = _shipments
    enterprise_q = _shipments


class ReadingQuerySet(ByShipmentQuerySet):
    shipment_path = "log__shipment_id"


class ExcursionQuerySet(ScopedQuerySet):
    """An excursion concerns one product on one shipment: a province sees it with the shipment, an
    enterprise with the product."""

    def provincial_q(self, scope):
        from bioseg.production.models import Shipment

        return Q(shipment_id__in=Shipment.objects.restrict(scope).order_by().values("id")) | _holder_here(scope)

    def enterprise_q(self, scope):
        return Q(product_id__in=scope.product_ids)


class ByExcursionQuerySet(ScopedQuerySet):
    def _excursions(self, scope):
        from bioseg.production.models import Excursion

        return Q(excursion_id__in=Excursion.objects.restrict(scope).order_by().values("id"))

    provincial_q = _excursions
    enterprise_q = _excursions


class SharedDirectoryQuerySet(ScopedQuerySet):
    """Consignees are a shared directory (distributors, hospitals, importers): every scoped user sees it."""

    def provincial_q(self, scope):
        return Q()

    def enterprise_q(self, scope):
        return Q()


class ByProductQuerySet(ScopedQuerySet):
    """GS1 trade items: visible with their product."""

    def _products(self, scope):
        from bioseg.registry.models import Product

        return Q(product_id__in=Product.objects.restrict(scope).order_by().values("id"))

    provincial_q = _products
    enterprise_q = _products


class LocationQuerySet(ScopedQuerySet):
    """GS1 locations: of a site the user sees, or of a consignee (a shared directory)."""

    def _places(self, scope):
        from bioseg.registry.models import Site

        return Q(consignee_id__isnull=False) | Q(site_id__in=Site.objects.restrict(scope).order_by().values("id"))

    provincial_q = _places
    enterprise_q = _places


class EpcisEventQuerySet(ScopedQuerySet):
    """Captured events: those captured by someone of the user's organisation or naming a lot the user sees."""

    def _events(self, scope):
        from bioseg.production.models import EpcisEventLot

        linked = EpcisEventLot.objects.filter(lot_id__in=visible_lots(scope)).values("event_id")
        return Q(captured_by__organisation_id=scope.organisation_id) | Q(id__in=linked)

    provincial_q = _events
    enterprise_q = _events


class EpcisCaptureQuerySet(ScopedQuerySet):
    def _captures(self, scope):
        return Q(captured_by__organisation_id=scope.organisation_id)

    provincial_q = _captures
    enterprise_q = _captures
