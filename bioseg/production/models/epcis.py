"""GS1 EPCIS 2.0 storage and GS1 identifiers for production (issue 4, item 6).

GS1 identifiers (the registry has none; they live here so the registry stays GS1-agnostic):

- ``Gs1TradeItem`` — the GTIN of one material of a product (``Lot.material``, a segment code such as ``DS``
  or ``DP``): a lot is exported as the LGTIN ``https://id.gs1.org/01/{gtin}/10/{lot_number}``.
- ``Gs1Location`` — the GLN (and optional SGLN extension) of a site or a consignee: exported as the SGLN
  ``https://id.gs1.org/414/{gln}[/254/{extension}]`` in readPoint, bizLocation, source and destination.

Export refuses, listing every missing mapping, rather than invent identifiers.

Captured events: ``EpcisCapture`` is one accepted document (its metadata and counts), ``EpcisEvent`` one
event of it, unique by its CBV 2.0 event hash ID, with the raw JSON as received and the fields a query
needs; ``EpcisEventLot`` links an event to the lots its class-level identifiers (LGTINs) name, when the
GTIN maps to a product material and the lot number to a known lot. All are ``RegulatedModel``s: audited,
append-only.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from bioseg.audit.models import RegulatedModel
from bioseg.production.models.logistics import Consignee
from bioseg.production.models.lots import Lot
from bioseg.production.models.querysets import (
    ByLotQuerySet,
    ByProductQuerySet,
    EpcisCaptureQuerySet,
    EpcisEventQuerySet,
    LocationQuerySet,
)
from bioseg.registry.models import Product, Site

__all__ = ["EpcisCapture", "EpcisEvent", "EpcisEventLot", "EpcisLotRole", "Gs1Location", "Gs1TradeItem"]


class Gs1TradeItem(RegulatedModel):
    """The GTIN-14 of one material (segment code) of a product."""

    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="gs1_trade_items")
    material = models.CharField(_("material"), max_length=40)
    gtin = models.CharField(_("GTIN"), max_length=14, unique=True)

    objects = ByProductQuerySet.as_manager()

    class Meta:
        ordering = ["product_id", "material"]
        constraints = [models.UniqueConstraint(fields=["product", "material"], name="uniq_gs1_item_product_material")]

    def __str__(self) -> str:
        return f"{self.gtin} ({self.product_id}/{self.material})"


class Gs1Location(RegulatedModel):
    """The GLN (+ optional SGLN extension) of a site or of a consignee (exactly one of the two)."""

    site = models.OneToOneField(Site, on_delete=models.PROTECT, related_name="gs1_location", null=True, blank=True)
    consignee = models.OneToOneField(
        Consignee, on_delete=models.PROTECT, related_name="gs1_location", null=True, blank=True
    )
    gln = models.CharField(_("GLN"), max_length=13)
    extension = models.CharField(_("GLN extension"), max_length=20, blank=True, default="")

    objects = LocationQuerySet.as_manager()

    class Meta:
        ordering = ["gln", "extension"]
        constraints = [
            models.UniqueConstraint(fields=["gln", "extension"], name="uniq_gs1_location_sgln"),
            models.CheckConstraint(
                condition=(Q(site__isnull=False) & Q(consignee__isnull=True))
                | (Q(site__isnull=True) & Q(consignee__isnull=False)),
                name="gs1_location_one_owner",
            ),
        ]

    def __str__(self) -> str:
        return self.gln + (f"/{self.extension}" if self.extension else "")


class EpcisCapture(RegulatedModel):
    """One EPCIS document accepted by capture: its header and what was stored."""

    document_type = models.CharField(max_length=30)
    schema_version = models.CharField(max_length=10, blank=True, default="")
    creation_date = models.DateTimeField(null=True, blank=True)
    sender = models.CharField(max_length=300, blank=True, default="")
    receiver = models.CharField(max_length=300, blank=True, default="")
    instance_identifier = models.CharField(max_length=300, blank=True, default="")
    sha256 = models.CharField(max_length=64, blank=True, default="")  # of the document bytes, when given as bytes
    event_count = models.PositiveIntegerField(default=0)  # events stored
    duplicate_count = models.PositiveIntegerField(default=0)  # events skipped as already captured
    lot_link_count = models.PositiveIntegerField(default=0)
    captured_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    objects = EpcisCaptureQuerySet.as_manager()

    class Meta:
        ordering = ["-id"]


class EpcisEvent(RegulatedModel):
    """One captured event. Identifiers are in canonical GS1 Digital Link form, vocabulary as CBV 2.0 IRIs."""

    capture = models.ForeignKey(EpcisCapture, on_delete=models.PROTECT, related_name="events")
    position = models.PositiveIntegerField()  # index in the document's eventList
    hash_id = models.CharField(max_length=120, unique=True)
    event_id = models.CharField(max_length=300, blank=True, default="")
    event_type = models.CharField(max_length=60)
    action = models.CharField(max_length=10, blank=True, default="")
    event_time = models.DateTimeField(db_index=True)
    event_time_zone_offset = models.CharField(max_length=6)
    biz_step = models.CharField(max_length=300, blank=True, default="")
    disposition = models.CharField(max_length=300, blank=True, default="")
    read_point = models.CharField(max_length=500, blank=True, default="")
    biz_location = models.CharField(max_length=500, blank=True, default="")
    raw = models.JSONField()
    captured_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    lots = models.ManyToManyField(Lot, through="EpcisEventLot", related_name="epcis_events")

    objects = EpcisEventQuerySet.as_manager()

    class Meta:
        ordering = ["event_time", "id"]


class EpcisLotRole(models.TextChoices):
    OBJECT = "object", _("Object (quantityList)")
    INPUT = "input", _("Input")
    OUTPUT = "output", _("Output")
    CHILD = "child", _("Child")


class EpcisEventLot(RegulatedModel):
    """A lot named (as an LGTIN) by a captured event, and in which list."""

    event = models.ForeignKey(EpcisEvent, on_delete=models.PROTECT, related_name="lot_links", db_index=False)
    lot = models.ForeignKey(Lot, on_delete=models.PROTECT, related_name="epcis_links", db_index=False)
    role = models.CharField(max_length=10, choices=EpcisLotRole.choices)

    objects = ByLotQuerySet.as_manager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["event", "lot", "role"], name="uniq_epcis_event_lot_role")]
        indexes = [models.Index(fields=["lot", "event"], name="epcis_lot_event_idx")]
