"""Risk ratings of sites (PIC/S PI 037-1 structure, ``bioseg.oversight.risk``), one row per rating: the history.

A site's current rating is its latest row. Each row keeps the inputs it was computed from, the configuration
version, the levels, the score and its contributions, and what caused it (an inspection's report, an unqualified
sample, a programme's derivation, a regulator's request) — so a rating can be explained and re-computed later.
Regulators see the ratings of the sites in their province and of the sites making their holders' products;
enterprises do not see ratings (they steer unannounced inspections)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from bioseg.audit.models import RegulatedModel
from bioseg.common.scoping import ScopedQuerySet


class Level(models.TextChoices):
    LOW = "low", _("Low")
    MEDIUM = "medium", _("Medium")
    HIGH = "high", _("High")


class RatingCause(models.TextChoices):
    INSPECTION_REPORTED = "inspection_reported", _("Inspection report signed")
    SAMPLE_UNQUALIFIED = "sample_unqualified", _("Unqualified sample")
    SIGNAL = "quality_signal", _("Quality signal (deviation, departure of stationed personnel)")
    PROGRAMME = "programme", _("Annual programme derived")
    REQUEST = "request", _("Re-rated on request")


class RiskRatingQuerySet(ScopedQuerySet):
    def provincial_q(self, scope):
        from bioseg.production.models import Segment

        holders = Segment.objects.filter(chain__product__holder__region_code=scope.region_code).values("site_id")
        return Q(site__region_code=scope.region_code) | Q(site_id__in=holders)

    def current(self):
        """The latest rating of each site."""
        latest = self.model.objects.filter(site_id=models.OuterRef("site_id")).order_by("-rated_at", "-id")
        return self.filter(id=models.Subquery(latest.values("id")[:1]))


class RiskRating(RegulatedModel):
    site = models.ForeignKey("registry.Site", on_delete=models.PROTECT, related_name="risk_ratings")
    as_of = models.DateField(_("as of"))
    rated_at = models.DateTimeField(_("rated at"))
    config_version = models.CharField(_("configuration version"), max_length=20)
    complexity = models.CharField(_("complexity"), max_length=10, choices=Level.choices)
    criticality = models.CharField(_("criticality"), max_length=10, choices=Level.choices)
    intrinsic = models.CharField(_("intrinsic risk"), max_length=10, choices=Level.choices)
    compliance = models.CharField(_("compliance risk"), max_length=10, choices=Level.choices)
    overall = models.CharField(_("risk rating"), max_length=10, choices=Level.choices, db_index=True)
    frequency_months = models.PositiveSmallIntegerField(_("inspection frequency (months)"))
    score = models.PositiveSmallIntegerField(_("priority score"))
    contributions = models.JSONField(_("contributions"), default=list)
    reasons = models.JSONField(_("reasons"), default=list)
    inputs = models.JSONField(_("inputs"), default=dict)
    cause = models.CharField(_("cause"), max_length=30, choices=RatingCause.choices)
    cause_reference = models.CharField(_("cause reference"), max_length=40, blank=True, default="")
    rated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    objects = RiskRatingQuerySet.as_manager()

    class Meta:
        ordering = ["-rated_at", "-id"]
        indexes = [models.Index(fields=["site", "rated_at"], name="risk_site_rated_idx")]
        constraints = [models.CheckConstraint(condition=Q(score__lte=100), name="risk_score_at_most_100")]

    def __str__(self) -> str:
        return f"{self.site_id} {self.overall} {self.score}"
