"""Process chains, lots, transformations, lot edges, shipments, cold chain, release and recall (issue 4).

Every table is a ``RegulatedModel``: the database triggers copy each insert and update into the audit
trail, an update needs a reason and a delete is refused — state lives in status fields, never in
deleted rows. Writes go through ``bioseg.production.services``; reads through ``selectors`` / ``trace``.

Indexes are chosen for the genealogy at national scale (see ``trace.py``):
- ``LotEdge``: the unique (parent_lot, child_lot, transformation) index drives the forward walk, and
  (child_lot, parent_lot) the backward walk; both are covering for the recursive step, which reads only
  the two lot ids. No single-column FK indexes are kept on this table (they would be redundant).
- ``ShipmentLine``: (lot, shipment) joins a trace's lots to their shipments without touching the table.
- ``TransformationInput``: (lot, quantity) answers "how much of this lot is left" from the index only,
  even for a hot raw-material lot consumed thousands of times.
- ``Lot``: (site, manufactured_on) starts a trace from a site and time window; lot_number alone finds a
  lot typed into the CLI or a search box.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from bioseg.audit.models import RegulatedModel
from bioseg.registry.models import Product, Site


class Stage(models.TextChoices):
    CELL_BANK = "cell_bank", _("Cell bank")
    RAW_MATERIAL = "raw_material", _("Raw material")
    DRUG_SUBSTANCE = "drug_substance", _("Drug substance")
    DRUG_PRODUCT = "drug_product", _("Drug product")
    PACKAGING = "packaging", _("Packaging")
    ANTIBODY_INTERMEDIATE = "antibody_intermediate", _("Antibody intermediate")
    LINKER_PAYLOAD = "linker_payload", _("Linker-payload")
    CONJUGATION = "conjugation", _("Conjugation")
    FILL = "fill", _("Fill")
    COMPONENT_DS = "component_ds", _("Component drug substance")
    FORMULATION = "formulation", _("Formulation")


class ProcessChain(RegulatedModel):
    """One version of a product's segmented process chain, effective from/until (both inclusive)."""

    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="process_chains")
    version = models.PositiveIntegerField(_("version"))
    effective_from = models.DateField(_("effective from"))
    effective_until = models.DateField(_("effective until"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True, default="")

    class Meta:
        ordering = ["product_id", "version"]
        constraints = [
            models.UniqueConstraint(fields=["product", "version"], name="uniq_chain_product_version"),
            models.CheckConstraint(
                condition=Q(effective_until__isnull=True) | Q(effective_until__gte=F("effective_from")),
                name="chain_period_in_order",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.product} v{self.version}"


class Segment(RegulatedModel):
    """A step of a chain made at one site. ``code`` names the material it makes (stable across chain
    versions: e.g. ``DS``, ``DS-ST3``, ``DP``); ``feeds`` (through ``SegmentFeed``) makes the chain a DAG."""

    chain = models.ForeignKey(ProcessChain, on_delete=models.PROTECT, related_name="segments")
    position = models.PositiveIntegerField(_("position"))
    code = models.CharField(_("code"), max_length=40)
    stage = models.CharField(_("stage"), max_length=30, choices=Stage.choices)
    name_zh = models.CharField(_("name (Chinese)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200)
    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="segments")
    feeds = models.ManyToManyField(
        "self", through="SegmentFeed", symmetrical=False, related_name="fed_by", through_fields=("source", "target")
    )

    class Meta:
        ordering = ["chain_id", "position"]
        constraints = [
            models.UniqueConstraint(fields=["chain", "code"], name="uniq_segment_code_per_chain"),
            models.UniqueConstraint(fields=["chain", "position"], name="uniq_segment_position_per_chain"),
        ]

    def __str__(self) -> str:
        return f"{self.code} ({self.name_en})"

    def display_name(self, language: str | None) -> str:
        return self.name_zh if (language or "").startswith("zh") else self.name_en


class SegmentFeed(RegulatedModel):
    """``source`` feeds ``target`` (both in the same chain)."""

    source = models.ForeignKey(Segment, on_delete=models.PROTECT, related_name="feed_links")
    target = models.ForeignKey(Segment, on_delete=models.PROTECT, related_name="fed_by_links")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["source", "target"], name="uniq_segment_feed")]


class Consignee(RegulatedModel):
    """Who receives product outside the chain's own sites: a distributor, a hospital, an importer."""

    name_zh = models.CharField(_("name (Chinese)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200)
    country_code = models.CharField(_("country"), max_length=2, default="CN")
    region_code = models.CharField(_("province"), max_length=6, blank=True, default="", db_index=True)
    address = models.CharField(_("address"), max_length=300, blank=True, default="")

    class Meta:
        ordering = ["name_en"]
        constraints = [models.UniqueConstraint(fields=["name_en"], name="uniq_consignee_name_en")]

    def __str__(self) -> str:
        return self.name_en


class LotStatus(models.TextChoices):
    QUARANTINE = "quarantine", _("Quarantine")
    RELEASED = "released", _("Released")
    REJECTED = "rejected", _("Rejected")
    ON_HOLD = "on_hold", _("On hold")
    RECALLED = "recalled", _("Recalled")


# Fixed wording for the bilingual messages of services (``.label`` follows the active language instead).
STATUS_EN = {
    "quarantine": "in quarantine",
    "released": "released",
    "rejected": "rejected",
    "on_hold": "on hold",
    "recalled": "recalled",
}
STATUS_ZH = {
    "quarantine": "待验",
    "released": "已放行",
    "rejected": "已拒收（不合格）",
    "on_hold": "暂停使用",
    "recalled": "已召回",
}


class Unit(models.TextChoices):
    L = "L", "L"
    ML = "mL", "mL"
    KG = "kg", "kg"
    G = "g", "g"
    MG = "mg", "mg"
    VIAL = "vial", _("vial")
    SYRINGE = "syringe", _("syringe")
    DOSE = "dose", _("dose")
    PACK = "pack", _("pack")
    UNIT = "unit", _("unit")


class TransformationKind(models.TextChoices):
    MANUFACTURE = "manufacture", _("Manufacture")
    BLEND = "blend", _("Blend")
    FILL = "fill", _("Fill")
    REWORK = "rework", _("Rework")


class Transformation(RegulatedModel):
    """Inputs (lots and quantities) → output lots, at the output segment's site."""

    kind = models.CharField(_("kind"), max_length=20, choices=TransformationKind.choices)
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="transformations")
    segment = models.ForeignKey(Segment, on_delete=models.PROTECT, related_name="transformations")
    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="transformations")
    performed_on = models.DateField(_("performed on"))
    reference = models.CharField(_("batch record reference"), max_length=80, blank=True, default="")

    class Meta:
        ordering = ["-performed_on", "-id"]


class Lot(RegulatedModel):
    """A lot of one material (``product`` + segment ``material`` code) made at one site.

    ``quantity`` is what was made; what is left is ``quantity`` minus what transformations consumed
    (computed, never stored, so a released lot's signed record does not change when it is used)."""

    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="lots")
    segment = models.ForeignKey(Segment, on_delete=models.PROTECT, related_name="lots")
    material = models.CharField(_("material"), max_length=40)  # = segment.code
    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="lots", db_index=False)
    lot_number = models.CharField(_("lot number"), max_length=60)
    quantity = models.DecimalField(_("quantity"), max_digits=18, decimal_places=4)
    unit = models.CharField(_("unit"), max_length=10, choices=Unit.choices)
    manufactured_on = models.DateField(_("manufactured on"))
    expires_on = models.DateField(_("expires on"))
    status = models.CharField(_("status"), max_length=20, choices=LotStatus.choices, default=LotStatus.QUARANTINE)
    produced_by = models.ForeignKey(
        Transformation, on_delete=models.PROTECT, related_name="outputs", null=True, blank=True
    )

    class Meta:
        ordering = ["-manufactured_on", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["product", "material", "site", "lot_number"], name="uniq_lot_number"),
            models.CheckConstraint(condition=Q(expires_on__gt=F("manufactured_on")), name="lot_expiry_after_made"),
            models.CheckConstraint(condition=Q(quantity__gt=0), name="lot_quantity_positive"),
        ]
        indexes = [
            models.Index(fields=["site", "manufactured_on"], name="lot_site_made_idx"),
            models.Index(fields=["lot_number"], name="lot_number_idx"),
        ]

    def __str__(self) -> str:
        return self.lot_number


class TransformationInput(RegulatedModel):
    transformation = models.ForeignKey(Transformation, on_delete=models.PROTECT, related_name="inputs")
    lot = models.ForeignKey(Lot, on_delete=models.PROTECT, related_name="consumptions", db_index=False)
    quantity = models.DecimalField(_("quantity"), max_digits=18, decimal_places=4)

    class Meta:
        indexes = [models.Index(fields=["lot", "quantity"], name="tinput_lot_qty_idx")]
        constraints = [models.CheckConstraint(condition=Q(quantity__gt=0), name="tinput_quantity_positive")]


class LotEdge(RegulatedModel):
    """Materialised genealogy: ``quantity`` of ``parent_lot`` was consumed by the transformation that
    made ``child_lot``. Written by ``transformation_record`` only."""

    parent_lot = models.ForeignKey(Lot, on_delete=models.PROTECT, related_name="child_edges", db_index=False)
    child_lot = models.ForeignKey(Lot, on_delete=models.PROTECT, related_name="parent_edges", db_index=False)
    transformation = models.ForeignKey(Transformation, on_delete=models.PROTECT, related_name="edges", db_index=False)
    quantity = models.DecimalField(_("quantity"), max_digits=18, decimal_places=4)

    class Meta:
        constraints = [
            # doubles as the forward-walk index (leading parent_lot, child_lot)
            models.UniqueConstraint(fields=["parent_lot", "child_lot", "transformation"], name="uniq_lot_edge"),
        ]
        indexes = [models.Index(fields=["child_lot", "parent_lot"], name="lotedge_child_parent_idx")]


class Shipment(RegulatedModel):
    reference = models.CharField(_("reference"), max_length=60, unique=True)
    from_site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="shipments_out")
    to_site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="shipments_in", null=True, blank=True)
    consignee = models.ForeignKey(Consignee, on_delete=models.PROTECT, related_name="shipments", null=True, blank=True)
    shipped_at = models.DateTimeField(_("shipped at"), db_index=True)
    received_at = models.DateTimeField(_("received at"), null=True, blank=True)

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

    class Meta:
        ordering = ["-id"]


class TemperatureReading(RegulatedModel):
    log = models.ForeignKey(TemperatureLog, on_delete=models.PROTECT, related_name="readings", db_index=False)
    recorded_at = models.DateTimeField()
    celsius = models.DecimalField(max_digits=6, decimal_places=2)

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


class LotHold(RegulatedModel):
    """Why a lot is on hold and what its status was before, so lifting the hold restores it."""

    lot = models.ForeignKey(Lot, on_delete=models.PROTECT, related_name="holds")
    excursion = models.ForeignKey(Excursion, on_delete=models.PROTECT, related_name="holds", null=True, blank=True)
    previous_status = models.CharField(max_length=20, choices=LotStatus.choices)
    lifted = models.BooleanField(default=False)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["lot", "excursion"], name="uniq_lot_hold_excursion")]


class CertificateOfAnalysis(RegulatedModel):
    lot = models.ForeignKey(Lot, on_delete=models.PROTECT, related_name="certificates")
    reference = models.CharField(_("reference"), max_length=80)
    file_name = models.CharField(_("file name"), max_length=200)
    sha256 = models.CharField(max_length=64)
    issued_on = models.DateField(_("issued on"))

    class Meta:
        ordering = ["-issued_on", "-id"]
        constraints = [models.UniqueConstraint(fields=["lot", "reference"], name="uniq_coa_lot_reference")]


class ReleaseKind(models.TextChoices):
    CMO_QA = "cmo_qa", _("Contract manufacturer QA release")
    QUALIFIED_PERSON = "qualified_person", _("Qualified-person release")


class Release(RegulatedModel):
    """One release decision, e-signed (meaning "released"; find it with ``audit.selectors.signatures_for``).
    The signature binds this row, which never changes, so later status changes of the lot (hold, recall)
    do not break it."""

    lot = models.ForeignKey(Lot, on_delete=models.PROTECT, related_name="releases")
    kind = models.CharField(max_length=20, choices=ReleaseKind.choices)
    released_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    certificate = models.ForeignKey(CertificateOfAnalysis, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["lot", "kind"], name="uniq_release_lot_kind")]


class RecallStatus(models.TextChoices):
    ON_HOLD = "on_hold", _("On hold")
    RECALLED = "recalled", _("Recalled")


class RecallAction(RegulatedModel):
    """A recall started from one lot: every descendant lot (and the lot itself) was set to ``status``."""

    lot = models.ForeignKey(Lot, on_delete=models.PROTECT, related_name="recall_actions")
    status = models.CharField(max_length=20, choices=RecallStatus.choices)
    reason = models.TextField()
    affected_count = models.PositiveIntegerField(default=0)
    initiated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-id"]


from bioseg.production.models_epcis import *  # noqa: E402,F401,F403  (EPCIS storage and GS1 identifiers)
