"""Lots, transformations and the materialised lot edges; certificates, releases, holds and recalls."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from bioseg.audit.models import EventRecord, RegulatedModel
from bioseg.production.models.chains import Segment
from bioseg.production.models.querysets import (
    ByLotQuerySet,
    CertificateResultQuerySet,
    EdgeQuerySet,
    LotQuerySet,
    TransformationQuerySet,
)
from bioseg.registry.models import Product, Site


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

    objects = TransformationQuerySet.as_manager()

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

    objects = LotQuerySet.as_manager()

    # The rows that belong to a lot, whose audit rows its history shows beside its own (NetBox's related_object).
    HISTORY_COMPONENTS = (
        ("parent_edges", _("Genealogy link")),
        ("child_edges", _("Genealogy link")),
        ("consumptions", _("Transformation input")),
        ("certificates", _("Certificate of analysis")),
        ("holds", _("Hold")),
        ("releases", _("Release")),
        ("recall_actions", _("Recall")),
        ("shipment_lines", _("Shipment line")),
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

    objects = ByLotQuerySet.as_manager()

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

    objects = EdgeQuerySet.as_manager()

    class Meta:
        constraints = [
            # doubles as the forward-walk index (leading parent_lot, child_lot)
            models.UniqueConstraint(fields=["parent_lot", "child_lot", "transformation"], name="uniq_lot_edge"),
        ]
        indexes = [models.Index(fields=["child_lot", "parent_lot"], name="lotedge_child_parent_idx")]


class HoldKind(models.TextChoices):
    EXCURSION = "excursion", _("Temperature excursion")
    RECALL = "recall", _("Recall")
    DEVIATION = "deviation", _("Deviation")


class LotHold(RegulatedModel):
    """One reason a lot is on hold. Holds stack: each is lifted only by its own act (the excursion's
    assessment, the recall's closure, the deviation's closure), and the lot returns to ``previous_status`` —
    the status it had before the first of the holds in force, never ``on_hold`` — only when none is left.
    ``source`` names the record of a higher layer that placed it (e.g. ``quality.deviation:12``)."""

    lot = models.ForeignKey(Lot, on_delete=models.PROTECT, related_name="holds")
    kind = models.CharField(max_length=20, choices=HoldKind.choices, default=HoldKind.EXCURSION)
    excursion = models.ForeignKey(
        "production.Excursion", on_delete=models.PROTECT, related_name="holds", null=True, blank=True
    )
    recall = models.ForeignKey(
        "production.RecallAction", on_delete=models.PROTECT, related_name="holds", null=True, blank=True
    )
    source = models.CharField(max_length=80, blank=True, default="")
    previous_status = models.CharField(max_length=20, choices=LotStatus.choices)
    lifted = models.BooleanField(default=False)
    lifted_at = models.DateTimeField(null=True, blank=True)

    objects = ByLotQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["lot", "excursion"], name="uniq_lot_hold_excursion"),
            models.UniqueConstraint(fields=["lot", "recall"], name="uniq_lot_hold_recall"),
        ]
        indexes = [models.Index(fields=["lot", "lifted"], name="lothold_lot_lifted_idx")]


class LotEventKind(models.TextChoices):
    MADE = "made", _("Made")
    RELEASED_CMO = "released_cmo", _("Released by the contract manufacturer's QA")
    RELEASED = "released", _("Released by the qualified person")
    REJECTED = "rejected", _("Rejected")
    HELD = "held", _("Put on hold")
    HOLD_LIFTED = "hold_lifted", _("Hold lifted")
    RECALLED = "recalled", _("Recalled")


class LotEvent(EventRecord):
    """The lot's business history: one row per workflow step (release, rejection, hold, hold lifted, recall),
    written in the step's transaction. The EPCIS export and the reports read these, not the audit JSON."""

    lot = models.ForeignKey(Lot, on_delete=models.PROTECT, related_name="events")
    kind = models.CharField(_("kind"), max_length=30, choices=LotEventKind.choices)

    objects = ByLotQuerySet.as_manager()

    class Meta(EventRecord.Meta):
        indexes = [models.Index(fields=["lot", "occurred_at"], name="lotevent_lot_time_idx")]


class CertificateOfAnalysis(RegulatedModel):
    lot = models.ForeignKey(Lot, on_delete=models.PROTECT, related_name="certificates")
    reference = models.CharField(_("reference"), max_length=80)
    file_name = models.CharField(_("file name"), max_length=200)
    sha256 = models.CharField(max_length=64)
    issued_on = models.DateField(_("issued on"))
    # the results file the results were imported from (CSV or XLSX), kept beside the certificate, when there was one
    results_file_name = models.CharField(_("results file"), max_length=200, blank=True, default="")
    results_sha256 = models.CharField(_("SHA-256 of the results file"), max_length=64, blank=True, default="")

    objects = ByLotQuerySet.as_manager()

    class Meta:
        ordering = ["-issued_on", "-id"]
        constraints = [models.UniqueConstraint(fields=["lot", "reference"], name="uniq_coa_lot_reference")]


class ResultOutcome(models.TextChoices):
    PASS = "pass", _("Within specification")
    FAIL = "fail", _("Out of specification")


class CertificateResult(RegulatedModel):
    """One test of a certificate of analysis: the method, the specification (a numeric range with either end
    open, or a text the result must conform to) and the result, judged against it when recorded."""

    certificate = models.ForeignKey(CertificateOfAnalysis, on_delete=models.PROTECT, related_name="results")
    position = models.PositiveIntegerField(_("position"))
    test = models.CharField(_("test"), max_length=200)
    method = models.CharField(_("method"), max_length=200, blank=True, default="")
    unit = models.CharField(_("unit"), max_length=30, blank=True, default="")
    spec_min = models.DecimalField(_("lower limit"), max_digits=18, decimal_places=6, null=True, blank=True)
    spec_max = models.DecimalField(_("upper limit"), max_digits=18, decimal_places=6, null=True, blank=True)
    spec_text = models.CharField(_("specification"), max_length=300, blank=True, default="")
    value = models.DecimalField(_("result"), max_digits=18, decimal_places=6, null=True, blank=True)
    result_text = models.CharField(_("result (text)"), max_length=300, blank=True, default="")
    outcome = models.CharField(_("outcome"), max_length=10, choices=ResultOutcome.choices)

    objects = CertificateResultQuerySet.as_manager()

    class Meta:
        ordering = ["certificate_id", "position"]
        constraints = [
            models.UniqueConstraint(fields=["certificate", "position"], name="uniq_coa_result_position"),
            models.CheckConstraint(
                condition=Q(spec_min__isnull=True) | Q(spec_max__isnull=True) | Q(spec_max__gte=F("spec_min")),
                name="coa_result_limits_in_order",
            ),
        ]


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

    objects = ByLotQuerySet.as_manager()

    class Meta:
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["lot", "kind"], name="uniq_release_lot_kind")]


class RecallStatus(models.TextChoices):
    ON_HOLD = "on_hold", _("On hold")
    RECALLED = "recalled", _("Recalled")


class RecallClass(models.TextChoices):
    """药品召回管理办法 (NMPA 2022 No. 92) Art. 15: the class follows the harm the defect may do."""

    CLASS_1 = "class_1", _("Class I: may cause serious harm to health")
    CLASS_2 = "class_2", _("Class II: may cause temporary or reversible harm")
    CLASS_3 = "class_3", _("Class III: unlikely to cause harm, recalled for other reasons")


# 药品召回管理办法 Art. 18: the holder tells the distributors and users to stop within 1, 3 or 7 days
RECALL_NOTICE_HOURS = {RecallClass.CLASS_1: 24, RecallClass.CLASS_2: 72, RecallClass.CLASS_3: 168}
RECALL_CLASS_ZH = {RecallClass.CLASS_1: "一级召回", RecallClass.CLASS_2: "二级召回", RecallClass.CLASS_3: "三级召回"}


class RecallAction(RegulatedModel):
    """A recall started from one lot: every descendant lot (and the lot itself) was set to ``status``."""

    lot = models.ForeignKey(Lot, on_delete=models.PROTECT, related_name="recall_actions")
    status = models.CharField(max_length=20, choices=RecallStatus.choices)
    recall_class = models.CharField(_("recall class"), max_length=10, choices=RecallClass.choices, default="")
    reason = models.TextField()
    affected_count = models.PositiveIntegerField(default=0)
    initiated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    objects = ByLotQuerySet.as_manager()

    class Meta:
        ordering = ["-id"]
