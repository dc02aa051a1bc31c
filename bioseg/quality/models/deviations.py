"""The unified quality system shared by a holder and its contract manufacturers.

- ``AgreementDuty``: the quality agreement's responsibility matrix (药品委托生产质量协议指南, NMPA 2020 No. 107):
  for each activity who is responsible, who approves, who is notified and within how many hours. An agreement
  without a row for an activity uses bioseg's default (``bioseg.quality.duties.DEFAULTS``), and says so.
- ``Deviation`` (GMP 2010 Art. 248–252) with its directly concerned lots (``DeviationLot``), the impact bioseg
  computes over the genealogy (``DeviationImpact``: derived rows, reproducible from
  the genealogy; the regulated deviation row keeps their count, digest and time) and its events.
- ``Notification``: what the agreement says must be notified, to whom, when it was due and when it was read.

Quality agreements themselves live in ``bioseg.registry`` (they decide who sees what).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from bioseg.audit.models import EventRecord, RegulatedModel
from bioseg.common.models import BaseModel
from bioseg.common.scoping import ScopedQuerySet

__all__ = [
    "Activity",
    "Party",
    "AgreementDuty",
    "Classification",
    "BLOCKING_CLASSES",
    "DeviationStatus",
    "OPEN_DEVIATION_STATES",
    "DeviationQuerySet",
    "Deviation",
    "DeviationLot",
    "DeviationImpact",
    "DeviationEvent",
    "NotificationQuerySet",
    "Notification",
    "AgreementVersionStatus",
    "AgreementVersion",
    "AgreementVersionEvent",
]


class Activity(models.TextChoices):
    DEVIATION_INVESTIGATION = "deviation_investigation", _("Deviation investigation and approval")
    OOS_INVESTIGATION = "oos_investigation", _("OOS/OOT investigation")
    CAPA_APPROVAL = "capa_approval", _("CAPA approval")
    CHANGE_MAJOR = "change_major", _("Approval of a major change")
    CHANGE_MODERATE = "change_moderate", _("Approval of a moderate change")
    CHANGE_MINOR = "change_minor", _("Approval of a minor change")
    REWORK = "rework", _("Rework approval")
    CMO_RELEASE_TESTING = "cmo_release_testing", _("Release testing by the contract manufacturer")
    QP_RELEASE = "qp_release", _("Release by the holder's qualified person")
    COMPLAINT = "complaint", _("Complaint handling")
    RECALL_DECISION = "recall_decision", _("Recall decision")
    STABILITY = "stability", _("Stability studies")
    PRODUCT_QUALITY_REVIEW = "product_quality_review", _("Product quality review")
    RETAINED_SAMPLES = "retained_samples", _("Retained samples")
    METHOD_TRANSFER = "method_transfer", _("Analytical method transfer")
    REGULATORY_INSPECTION = "regulatory_inspection", _("Regulatory inspection and rectification")
    EXCURSION_DISPOSITION = "excursion_disposition", _("Disposition of a lot after a transport temperature excursion")


class Party(models.TextChoices):
    HOLDER = "holder", _("Holder")
    CMO = "cmo", _("Contract manufacturer")
    BOTH = "both", _("Both")
    NONE = "none", _("Nobody")


class AgreementDuty(RegulatedModel):
    """One row of an agreement's responsibility matrix."""

    agreement = models.ForeignKey("registry.QualityAgreement", on_delete=models.PROTECT, related_name="duties")
    activity = models.CharField(_("activity"), max_length=40, choices=Activity.choices)
    responsible = models.CharField(_("responsible"), max_length=10, choices=Party.choices)
    approver = models.CharField(_("approves"), max_length=10, choices=Party.choices)
    notify = models.CharField(_("is notified"), max_length=10, choices=Party.choices)
    notify_within_hours = models.PositiveIntegerField(_("notification time limit (hours)"))
    complete_within_days = models.PositiveIntegerField(_("time limit to complete (days)"), null=True, blank=True)

    class Meta:
        ordering = ["agreement_id", "activity"]
        constraints = [models.UniqueConstraint(fields=["agreement", "activity"], name="uniq_agreement_duty")]


class Classification(models.TextChoices):
    CRITICAL = "critical", _("Critical")
    MAJOR = "major", _("Major")
    MINOR = "minor", _("Minor")


BLOCKING_CLASSES = (Classification.CRITICAL, Classification.MAJOR)


class DeviationStatus(models.TextChoices):
    OPEN = "open", _("Open: under investigation")
    UNDER_REVIEW = "under_review", _("Investigation awaiting approval")
    APPROVED = "approved", _("Investigation approved")
    CLOSED = "closed", _("Closed")


OPEN_DEVIATION_STATES = (DeviationStatus.OPEN, DeviationStatus.UNDER_REVIEW, DeviationStatus.APPROVED)


class DeviationQuerySet(ScopedQuerySet):
    """Both parties of the agreement see a deviation of their product: the enterprise of the site where it was
    recorded and the product's holder (and a partner of either under an agreement in force for that product);
    the regulators of the site's province and of the holder's province see it read-only; nobody else."""

    def provincial_q(self, scope):
        from bioseg.registry.models import Product, Site

        # subqueries rather than joins: the planner hashes each small id list once (no OR across two joins)
        sites = Site.objects.filter(region_code=scope.region_code).values("id")
        products = Product.objects.filter(holder__region_code=scope.region_code).values("id")
        return Q(site_id__in=sites) | Q(product_id__in=products)

    def enterprise_q(self, scope):
        return Q(product_id__in=scope.product_ids) & (
            Q(site__enterprise_id__in=scope.visible_enterprise_ids) | Q(product__holder_id__in=scope.enterprise_ids)
        )

    def overdue(self, today):
        return self.filter(status=DeviationStatus.OPEN, investigation_due__lt=today)


class Deviation(RegulatedModel):
    reference = models.CharField(_("reference"), max_length=30, unique=True)
    product = models.ForeignKey("registry.Product", on_delete=models.PROTECT, related_name="deviations")
    site = models.ForeignKey("registry.Site", on_delete=models.PROTECT, related_name="deviations")
    agreement = models.ForeignKey(
        "registry.QualityAgreement", on_delete=models.PROTECT, related_name="deviations", null=True, blank=True
    )
    segment = models.ForeignKey(
        "production.Segment", on_delete=models.PROTECT, related_name="deviations", null=True, blank=True
    )
    shipment = models.ForeignKey(
        "production.Shipment", on_delete=models.PROTECT, related_name="deviations", null=True, blank=True
    )
    equipment = models.CharField(_("equipment"), max_length=120, blank=True, default="")
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"))
    occurred_on = models.DateField(_("occurred on"))
    classification = models.CharField(_("classification"), max_length=10, choices=Classification.choices)
    classification_reason = models.TextField(_("reason for the classification"))
    status = models.CharField(
        _("status"), max_length=20, choices=DeviationStatus.choices, default=DeviationStatus.OPEN, db_index=True
    )
    investigation_due = models.DateField(_("investigation due"))
    root_cause = models.TextField(_("root cause"), blank=True, default="")
    investigation_summary = models.TextField(_("investigation summary"), blank=True, default="")
    approver_party = models.CharField(_("approved by"), max_length=10, choices=Party.choices)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    impact_lot_count = models.PositiveIntegerField(_("lots concerned"), default=0)
    impact_site_count = models.PositiveIntegerField(_("sites concerned"), default=0)
    impact_shipment_count = models.PositiveIntegerField(_("shipments concerned"), default=0)
    impact_sha256 = models.CharField(
        _("SHA-256 of the lots reached"), max_length=64, blank=True, default=""
    )  # of the sorted lot ids
    impact_shipments_sha256 = models.CharField(
        _("SHA-256 of the shipments reached"), max_length=64, blank=True, default=""
    )  # of the sorted shipment ids
    impact_computed_at = models.DateTimeField(_("impact computed at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    objects = DeviationQuerySet.as_manager()

    class Meta:
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["status", "classification", "-id"], name="deviation_status_class_idx"),
            models.Index(fields=["status", "investigation_due"], name="deviation_overdue_idx"),
            models.Index(fields=["site", "-id"], name="deviation_site_idx"),
            models.Index(fields=["product", "-id"], name="deviation_product_idx"),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def blocks_release(self) -> bool:
        return self.status in OPEN_DEVIATION_STATES and self.classification in BLOCKING_CLASSES


class DeviationLot(RegulatedModel):
    """A lot the deviation concerns directly (recorded with it)."""

    deviation = models.ForeignKey(Deviation, on_delete=models.PROTECT, related_name="lot_links")
    lot = models.ForeignKey("production.Lot", on_delete=models.PROTECT, related_name="deviation_links")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["deviation", "lot"], name="uniq_deviation_lot")]


class DeviationImpact(BaseModel):
    """A lot in the deviation's computed impact: a directly concerned lot (``direct``) or a descendant at any site.
    Derived from the genealogy by one statement; the deviation row records the count and digest."""

    # Derived rows, written by one INSERT … SELECT over the genealogy: their keys carry no database constraint (an
    # 81,000-lot impact would otherwise fire 243,000 key checks on rows it has just read from the same tables; a
    # deviation is never deleted — the audit triggers refuse it); the deviation key is indexed by the unique one.
    deviation = models.ForeignKey(
        Deviation, on_delete=models.DO_NOTHING, related_name="impact", db_index=False, db_constraint=False
    )
    lot = models.ForeignKey(
        "production.Lot", on_delete=models.DO_NOTHING, related_name="+", db_index=False, db_constraint=False
    )
    site = models.ForeignKey(
        "registry.Site", on_delete=models.DO_NOTHING, related_name="+", db_index=False, db_constraint=False
    )
    direct = models.BooleanField(default=False)

    class Meta:
        # one index: the impact is read by deviation; "which deviations concern this lot" is answered from the
        # directly concerned lots and the lot's ancestors (``deviations_of_lot``), so it also covers lots made later
        constraints = [models.UniqueConstraint(fields=["deviation", "lot"], name="uniq_deviation_impact_lot")]


class DeviationEvent(EventRecord):
    deviation = models.ForeignKey(Deviation, on_delete=models.PROTECT, related_name="events")

    class Meta(EventRecord.Meta):
        indexes = [models.Index(fields=["deviation", "occurred_at"], name="devevent_dev_time_idx")]


class NotificationQuerySet(models.QuerySet):
    def unread(self):
        return self.filter(read_at__isnull=True)


class Notification(RegulatedModel):
    """One notice to one person: what it is about (``subject_table``/``subject_id``: the web links it), when the agreement
    says it was due (``due_at``: sent + the time limit) and when the person read it."""

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="notifications")
    activity = models.CharField(_("activity"), max_length=40, choices=Activity.choices)
    subject_table = models.CharField(max_length=60)
    subject_id = models.PositiveBigIntegerField()
    title_en = models.CharField(max_length=300)
    title_zh = models.CharField(max_length=300)
    body_en = models.TextField(default="")
    body_zh = models.TextField(default="")
    sent_at = models.DateTimeField(_("sent at"))
    due_at = models.DateTimeField(_("due by"))
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    emailed = models.BooleanField(default=False)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        ordering = ["-sent_at", "-id"]
        indexes = [models.Index(fields=["recipient", "read_at"], name="notification_inbox_idx")]

    def title(self, language: str | None) -> str:
        return self.title_zh if (language or "").startswith("zh") else self.title_en

    def body(self, language: str | None) -> str:
        return self.body_zh if (language or "").startswith("zh") else self.body_en

    @property
    def read_in_time(self) -> bool | None:
        return None if self.read_at is None else self.read_at <= self.due_at


class AgreementVersionStatus(models.TextChoices):
    DRAFT = "draft", _("Awaiting the holder's signature")
    HOLDER_SIGNED = "holder_signed", _("Awaiting the contract manufacturer's signature")
    SIGNED = "signed", _("Signed by both parties")


class AgreementVersion(RegulatedModel):
    """A version of an agreement's responsibility matrix as both quality heads sign it: the matrix frozen as
    canonical JSON with its SHA-256, e-signed by the holder's quality person, then by the contract manufacturer's."""

    agreement = models.ForeignKey("registry.QualityAgreement", on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField(_("version"))
    matrix = models.TextField(_("responsibility matrix"))
    sha256 = models.CharField(max_length=64)
    status = models.CharField(
        _("status"), max_length=20, choices=AgreementVersionStatus.choices, default=AgreementVersionStatus.DRAFT
    )
    proposed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["agreement_id", "-number"]
        constraints = [models.UniqueConstraint(fields=["agreement", "number"], name="uniq_agreement_version")]


class AgreementVersionEvent(EventRecord):
    """A signing of a version (the signature binds this row, which names the matrix's SHA-256)."""

    version = models.ForeignKey(AgreementVersion, on_delete=models.PROTECT, related_name="events")
