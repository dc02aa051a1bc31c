"""Consignees, shipments and their lines, temperature logs, readings and excursions."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from bioseg.audit.models import RegulatedModel
from bioseg.production.models.lots import Lot
from bioseg.production.models.querysets import (
    ByExcursionQuerySet,
    ByLotQuerySet,
    ByShipmentQuerySet,
    ExcursionQuerySet,
    ReadingQuerySet,
    SharedDirectoryQuerySet,
    ShipmentQuerySet,
)
from bioseg.registry.models import Product, Site


class Consignee(RegulatedModel):
    """Who receives product outside the chain's own sites: a distributor, a hospital, an importer."""

    name_zh = models.CharField(_("name (Chinese)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200)
    country_code = models.CharField(_("country"), max_length=2, default="CN")
    region_code = models.CharField(_("province"), max_length=6, blank=True, default="", db_index=True)
    address = models.CharField(_("address"), max_length=300, blank=True, default="")

    objects = SharedDirectoryQuerySet.as_manager()

    class Meta:
        ordering = ["name_en"]
        constraints = [models.UniqueConstraint(fields=["name_en"], name="uniq_consignee_name_en")]

    def __str__(self) -> str:
        return self.name_en


class Shipment(RegulatedModel):
    reference = models.CharField(_("reference"), max_length=60, unique=True)
    from_site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="shipments_out")
    to_site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="shipments_in", null=True, blank=True)
    consignee = models.ForeignKey(Consignee, on_delete=models.PROTECT, related_name="shipments", null=True, blank=True)
    shipped_at = models.DateTimeField(_("shipped at"), db_index=True)
    received_at = models.DateTimeField(_("received at"), null=True, blank=True)

    objects = ShipmentQuerySet.as_manager()

    # The rows that belong to a shipment, whose audit rows its history shows beside its own.
    HISTORY_COMPONENTS = (
        ("lines", _("Shipment line")),
        ("temperature_logs", _("Logger file")),
        ("excursions", _("Temperature excursion")),
    )

    class Meta:
        ordering = ["-shipped_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(to_site__isnull=False) & Q(consignee__isnull=True))
                | (Q(to_site__isnull=True) & Q(consignee__isnull=False)),
                name="shipment_one_destination",
            ),
            models.CheckConstraint(
                condition=Q(received_at__isnull=True) | Q(received_at__gte=F("shipped_at")),
                name="shipment_received_after_shipped",
            ),
        ]

    def __str__(self) -> str:
        return self.reference


class ShipmentLine(RegulatedModel):
    shipment = models.ForeignKey(Shipment, on_delete=models.PROTECT, related_name="lines")
    lot = models.ForeignKey(Lot, on_delete=models.PROTECT, related_name="shipment_lines", db_index=False)
    quantity = models.DecimalField(_("quantity"), max_digits=18, decimal_places=4)

    objects = ByLotQuerySet.as_manager()

    class Meta:
        indexes = [models.Index(fields=["lot", "shipment"], name="shipline_lot_shipment_idx")]
        constraints = [
            models.UniqueConstraint(fields=["shipment", "lot"], name="uniq_shipment_line_lot"),
            models.CheckConstraint(condition=Q(quantity__gt=0), name="shipline_quantity_positive"),
        ]


class TemperatureLog(RegulatedModel):
    """A temperature logger's file for a shipment, with its statistics."""

    shipment = models.ForeignKey(Shipment, on_delete=models.PROTECT, related_name="temperature_logs")
    file_name = models.CharField(_("file name"), max_length=200)
    sha256 = models.CharField(max_length=64)
    reading_count = models.PositiveIntegerField()
    first_reading_at = models.DateTimeField()
    last_reading_at = models.DateTimeField()
    min_c = models.DecimalField(max_digits=6, decimal_places=2)
    max_c = models.DecimalField(max_digits=6, decimal_places=2)
    mean_c = models.DecimalField(max_digits=6, decimal_places=2)

    objects = ByShipmentQuerySet.as_manager()

    class Meta:
        ordering = ["-id"]


class TemperatureReading(RegulatedModel):
    log = models.ForeignKey(TemperatureLog, on_delete=models.PROTECT, related_name="readings", db_index=False)
    recorded_at = models.DateTimeField()
    celsius = models.DecimalField(max_digits=6, decimal_places=2)

    objects = ReadingQuerySet.as_manager()

    class Meta:
        ordering = ["recorded_at"]
        indexes = [models.Index(fields=["log", "recorded_at"], name="reading_log_time_idx")]


class ExcursionStatus(models.TextChoices):
    OPEN = "open", _("Open — awaiting assessment")
    ASSESSED = "assessed", _("Assessed")


class Excursion(RegulatedModel):
    """A temperature log out of one product's storage range; the shipment's lots of that product are on
    hold until the excursion is assessed."""

    log = models.ForeignKey(TemperatureLog, on_delete=models.PROTECT, related_name="excursions")
    shipment = models.ForeignKey(Shipment, on_delete=models.PROTECT, related_name="excursions")
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="excursions")
    storage_min_c = models.DecimalField(max_digits=5, decimal_places=1)
    storage_max_c = models.DecimalField(max_digits=5, decimal_places=1)
    lowest_c = models.DecimalField(max_digits=6, decimal_places=2)
    highest_c = models.DecimalField(max_digits=6, decimal_places=2)
    minutes_out_of_range = models.DecimalField(max_digits=10, decimal_places=1)
    first_out_at = models.DateTimeField()
    status = models.CharField(max_length=20, choices=ExcursionStatus.choices, default=ExcursionStatus.OPEN)

    objects = ExcursionQuerySet.as_manager()

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["shipment", "status"], name="excursion_shipment_status_idx")]


class AssessmentOutcome(models.TextChoices):
    ACCEPTED = "accepted", _("Accepted — quality not affected")
    REJECTED = "rejected", _("Rejected — lots rejected")


class ExcursionAssessment(RegulatedModel):
    excursion = models.OneToOneField(Excursion, on_delete=models.PROTECT, related_name="assessment")
    outcome = models.CharField(max_length=20, choices=AssessmentOutcome.choices)
    justification = models.TextField()
    assessed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    objects = ByExcursionQuerySet.as_manager()
