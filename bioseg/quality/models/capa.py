"""CAPA (纠正和预防措施, GMP 2010 Art. 252–254): a plan of actions from a deviation, an OOS result, a complaint, an
audit or an inspection finding; actions owned by people of either enterprise with due dates; an effectiveness
check; approval and closure by the party the quality agreement names."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from bioseg.audit.models import EventRecord, RegulatedModel
from bioseg.common.scoping import ScopedQuerySet
from bioseg.quality.models.deviations import Party

__all__ = ["CapaSource", "CapaStatus", "CapaQuerySet", "Capa", "CapaAction", "CapaEvent", "OPEN_CAPA_STATES"]


class CapaSource(models.TextChoices):
    DEVIATION = "deviation", _("Deviation")
    OOS = "oos", _("Out-of-specification result")
    COMPLAINT = "complaint", _("Complaint")
    AUDIT = "audit", _("Audit")
    INSPECTION = "inspection", _("Inspection finding")
    OTHER = "other", _("Other")


class CapaStatus(models.TextChoices):
    PLANNED = "planned", _("Planned: awaiting approval")
    IN_PROGRESS = "in_progress", _("In progress")
    EFFECTIVENESS = "effectiveness", _("Effectiveness check")
    CLOSED = "closed", _("Closed")


OPEN_CAPA_STATES = (CapaStatus.PLANNED, CapaStatus.IN_PROGRESS, CapaStatus.EFFECTIVENESS)


class CapaQuerySet(ScopedQuerySet):
    """The holder and the enterprise that owns the CAPA (and its partners for the product) see it; the regulators
    of the owner's province and of the holder's province see it read-only."""

    def provincial_q(self, scope):
        from bioseg.registry.models import Enterprise, Product

        owners = Enterprise.objects.filter(region_code=scope.region_code).values("id")
        products = Product.objects.filter(holder__region_code=scope.region_code).values("id")
        return Q(owner_id__in=owners) | Q(product_id__in=products)

    def enterprise_q(self, scope):
        return Q(product_id__in=scope.product_ids) & (
            Q(owner_id__in=scope.visible_enterprise_ids) | Q(product__holder_id__in=scope.enterprise_ids)
        )

    def overdue(self, today):
        late = CapaAction.objects.filter(done_on__isnull=True, due_on__lt=today).values("capa_id")
        return self.filter(status__in=OPEN_CAPA_STATES).filter(Q(id__in=late) | Q(effectiveness_due__lt=today))


class Capa(RegulatedModel):
    reference = models.CharField(_("reference"), max_length=30, unique=True)
    product = models.ForeignKey("registry.Product", on_delete=models.PROTECT, related_name="capas")
    owner = models.ForeignKey("registry.Enterprise", on_delete=models.PROTECT, related_name="capas")
    agreement = models.ForeignKey(
        "registry.QualityAgreement", on_delete=models.PROTECT, related_name="capas", null=True, blank=True
    )
    source = models.CharField(_("source"), max_length=20, choices=CapaSource.choices)
    deviation = models.ForeignKey(
        "quality.Deviation", on_delete=models.PROTECT, related_name="capas", null=True, blank=True
    )
    source_reference = models.CharField(_("source reference"), max_length=80, blank=True, default="")
    title = models.CharField(_("title"), max_length=200)
    problem = models.TextField(_("problem and root cause"))
    status = models.CharField(
        _("status"), max_length=20, choices=CapaStatus.choices, default=CapaStatus.PLANNED, db_index=True
    )
    approver_party = models.CharField(_("approved by"), max_length=10, choices=Party.choices)
    effectiveness_plan = models.TextField(_("effectiveness check plan"), blank=True, default="")
    effectiveness_due = models.DateField(_("effectiveness check due"), null=True, blank=True)
    effectiveness_result = models.TextField(_("effectiveness check result"), blank=True, default="")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    objects = CapaQuerySet.as_manager()

    class Meta:
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["status", "-id"], name="capa_status_idx"),
            models.Index(fields=["product", "-id"], name="capa_product_idx"),
        ]

    def __str__(self) -> str:
        return self.reference


class CapaAction(RegulatedModel):
    capa = models.ForeignKey(Capa, on_delete=models.PROTECT, related_name="actions")
    position = models.PositiveIntegerField(_("position"))
    description = models.TextField(_("action"))
    kind = models.CharField(
        _("kind"), max_length=12, choices=[("corrective", _("Corrective")), ("preventive", _("Preventive"))]
    )
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="capa_actions")
    due_on = models.DateField(_("due on"))
    done_on = models.DateField(_("done on"), null=True, blank=True)
    evidence = models.TextField(_("evidence"), blank=True, default="")

    class Meta:
        ordering = ["capa_id", "position"]
        constraints = [models.UniqueConstraint(fields=["capa", "position"], name="uniq_capa_action_position")]
        indexes = [models.Index(fields=["done_on", "due_on"], name="capa_action_due_idx")]


class CapaEvent(EventRecord):
    capa = models.ForeignKey(Capa, on_delete=models.PROTECT, related_name="events")

    class Meta(EventRecord.Meta):
        indexes = [models.Index(fields=["capa", "occurred_at"], name="capaevent_capa_time_idx")]
