"""OOS investigations (检验结果超标调查): one per out-of-specification result on a certificate of analysis, opened by
bioseg when the certificate is recorded; the other party notified at once with the records (质量协议指南 §(六)); a
confirmed OOS reported to the provincial regulator of the testing site (GMP 2010 Art. 238) and followed by the
holder's recall assessment of the lots concerned."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from bioseg.audit.models import EventRecord, RegulatedModel
from bioseg.common.scoping import ScopedQuerySet
from bioseg.quality.models.deviations import Party

__all__ = ["OosStatus", "OosQuerySet", "OosInvestigation", "OosEvent", "RecallDecision", "StabilityResult"]


class OosStatus(models.TextChoices):
    OPEN = "open", _("Under investigation")
    INVALIDATED = "invalidated", _("Invalidated: laboratory error")
    CONFIRMED = "confirmed", _("Confirmed: recall assessment due")
    CLOSED = "closed", _("Closed")


class RecallDecision(models.TextChoices):
    RECALL = "recall", _("Recall")
    NO_RECALL = "no_recall", _("No recall")


class OosQuerySet(ScopedQuerySet):
    def provincial_q(self, scope):
        from bioseg.registry.models import Product, Site

        sites = Site.objects.filter(region_code=scope.region_code).values("id")
        products = Product.objects.filter(holder__region_code=scope.region_code).values("id")
        return Q(site_id__in=sites) | Q(product_id__in=products)

    def enterprise_q(self, scope):
        return Q(product_id__in=scope.product_ids) & (
            Q(site__enterprise_id__in=scope.visible_enterprise_ids) | Q(product__holder_id__in=scope.enterprise_ids)
        )


class OosInvestigation(RegulatedModel):
    reference = models.CharField(_("reference"), max_length=30, unique=True)
    # the failing result: of a certificate of analysis, or of a stability test (exactly one of the two)
    result = models.OneToOneField(
        "production.CertificateResult", on_delete=models.PROTECT, related_name="oos", null=True, blank=True
    )
    stability_result = models.OneToOneField(
        "quality.StabilityResult", on_delete=models.PROTECT, related_name="oos", null=True, blank=True
    )
    # a regulator's sample that failed (监督抽检): the sample lives in the supervision records, named here
    regulatory_sample_reference = models.CharField(
        _("regulatory sample"), max_length=30, blank=True, default="", db_index=True
    )
    lot = models.ForeignKey("production.Lot", on_delete=models.PROTECT, related_name="oos_investigations")
    product = models.ForeignKey("registry.Product", on_delete=models.PROTECT, related_name="oos_investigations")
    site = models.ForeignKey("registry.Site", on_delete=models.PROTECT, related_name="oos_investigations")
    agreement = models.ForeignKey(
        "registry.QualityAgreement", on_delete=models.PROTECT, related_name="oos_investigations", null=True, blank=True
    )
    status = models.CharField(
        _("status"), max_length=20, choices=OosStatus.choices, default=OosStatus.OPEN, db_index=True
    )
    approver_party = models.CharField(_("approved by"), max_length=10, choices=Party.choices)
    summary_en = models.CharField(max_length=400)
    summary_zh = models.CharField(max_length=400)
    investigation = models.TextField(_("investigation"), blank=True, default="")
    root_cause = models.TextField(_("root cause"), blank=True, default="")
    regulator_reported_at = models.DateTimeField(_("reported to the regulator at"), null=True, blank=True)
    recall_decision = models.CharField(
        _("recall decision"), max_length=10, choices=RecallDecision.choices, blank=True, default=""
    )
    recall_reasoning = models.TextField(_("reasoning of the recall decision"), blank=True, default="")
    opened_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    objects = OosQuerySet.as_manager()

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(result__isnull=False, stability_result__isnull=True, regulatory_sample_reference="")
                | Q(result__isnull=True, stability_result__isnull=False, regulatory_sample_reference="")
                | Q(result__isnull=True, stability_result__isnull=True) & ~Q(regulatory_sample_reference=""),
                name="oos_one_source",
            )
        ]

    def __str__(self) -> str:
        return self.reference

    def summary(self, language: str | None) -> str:
        return self.summary_zh if (language or "").startswith("zh") else self.summary_en


class OosEvent(EventRecord):
    oos = models.ForeignKey(OosInvestigation, on_delete=models.PROTECT, related_name="events")


class StabilityResult(RegulatedModel):
    """One result of a stability study of a lot (condition, time point), judged against its specification when
    recorded; an out-of-specification one opens an OOS investigation."""

    lot = models.ForeignKey("production.Lot", on_delete=models.PROTECT, related_name="stability_results")
    study = models.CharField(_("study"), max_length=80)
    condition = models.CharField(_("storage condition"), max_length=60)
    timepoint_months = models.PositiveIntegerField(_("time point (months)"))
    test = models.CharField(_("test"), max_length=200)
    method = models.CharField(_("method"), max_length=200, blank=True, default="")
    unit = models.CharField(_("unit"), max_length=30, blank=True, default="")
    spec_min = models.DecimalField(_("lower limit"), max_digits=18, decimal_places=6, null=True, blank=True)
    spec_max = models.DecimalField(_("upper limit"), max_digits=18, decimal_places=6, null=True, blank=True)
    value = models.DecimalField(_("result"), max_digits=18, decimal_places=6)
    outcome = models.CharField(_("outcome"), max_length=10)
    tested_on = models.DateField(_("tested on"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["lot_id", "study", "timepoint_months", "id"]

    @property
    def spec_text(self) -> str:
        return ""

    @property
    def result_text(self) -> str:
        return ""
