"""Change control across the sites of a segmented chain (GMP 2010 Art. 240–246; Drug Registration Measures 2020
Art. 77–80; Order 828 Art. 27).

- ``ChangeRequest``: a change at one site, classified by regulatory route (审批类 prior approval / 备案类 filing /
  报告类 annual report) and by GMP impact (major / minor: a major one is a key change whose first three lots are
  evaluated, Art. 243–244), with the regulator's approval or filing reference, the holder's approval, the
  implementation date and the chain version the change creates.
- ``ChangeAffectedSegment``: the segments of the chain in force that the change touches — the changed ones, every
  segment downstream of them (they use the changed material) and, for a change of the site itself, every other
  segment made there — computed by bioseg when the change is raised.
- ``ChangeAssessment``: the impact assessment of one affected enterprise (other than the requester), e-signed.
- ``ChangeEvent``: the change's business history (a regulator's re-classification among it).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from bioseg.audit.models import EventRecord, RegulatedModel
from bioseg.common.scoping import ScopedQuerySet, in_csv
from bioseg.quality.models.deviations import Party

__all__ = [
    "ChangeRoute",
    "GmpImpact",
    "ChangeKind",
    "ChangeStatus",
    "RegulatoryRecordKind",
    "AssessmentConclusion",
    "AffectedBecause",
    "ChangeRequestQuerySet",
    "ChangeRequest",
    "ChangeAffectedSegment",
    "ChangeAssessment",
    "ChangeEvent",
]


class ChangeRoute(models.TextChoices):
    """The regulatory route (Drug Registration Measures 2020 Art. 78–80)."""

    PRIOR_APPROVAL = "prior_approval", _("Prior approval (major change, supplementary application)")
    FILING = "filing", _("Filing before implementation (moderate change)")
    ANNUAL_REPORT = "annual_report", _("Annual report (minor change)")


class GmpImpact(models.TextChoices):
    """The GMP classification (GMP 2010 Art. 242); a major one is a key change (Art. 243–244)."""

    MAJOR = "major", _("Major GMP impact")
    MINOR = "minor", _("Minor GMP impact")


class ChangeKind(models.TextChoices):
    PROCESS = "process", _("Production process")
    MATERIAL = "material", _("Raw material or packaging material")
    EQUIPMENT = "equipment", _("Equipment")
    SITE = "site", _("Production site or facility")
    ANALYTICAL = "analytical", _("Analytical method or specification")
    OTHER = "other", _("Other")


class ChangeStatus(models.TextChoices):
    ASSESSING = "assessing", _("Under assessment")
    APPROVED = "approved", _("Approved by the holder")
    IMPLEMENTED = "implemented", _("Implemented")
    REJECTED = "rejected", _("Rejected by the approving party")


class RegulatoryRecordKind(models.TextChoices):
    APPROVAL = "approval", _("Approval of the supplementary application")
    FILING = "filing", _("Filing")
    ANNUAL_REPORT = "annual_report", _("Annual report")


class AssessmentConclusion(models.TextChoices):
    NO_IMPACT = "no_impact", _("No impact on our segments")
    ACCEPTABLE = "acceptable", _("Impact acceptable with the actions stated")
    NOT_ACCEPTABLE = "not_acceptable", _("Not acceptable")


class AffectedBecause(models.TextChoices):
    CHANGED = "changed", _("Changed segment")
    DOWNSTREAM = "downstream", _("Uses the changed material")
    SAME_SITE = "same_site", _("Made at the changed site")


class ChangeRequestQuerySet(ScopedQuerySet):
    """Both parties see a change of their product: the requesting site's enterprise, the product's holder, a
    partner of either under an agreement in force for that product and every affected enterprise (which must
    assess it: a second contract manufacturer downstream of the first); the regulators of the requesting site's
    province, of the holder's province and of the province of any affected site (``region_codes``, fixed when
    the change is raised: one indexed filter instead of a join over the affected segments) see it read-only;
    nobody else."""

    def provincial_q(self, scope):
        return in_csv("region_codes", scope.region_code)

    def enterprise_q(self, scope):
        affected = ChangeAffectedSegment.objects.filter(enterprise_id__in=scope.enterprise_ids).values("change_id")
        return Q(product_id__in=scope.product_ids) & (
            Q(site__enterprise_id__in=scope.visible_enterprise_ids)
            | Q(product__holder_id__in=scope.enterprise_ids)
            | Q(id__in=affected)
        )


class ChangeRequest(RegulatedModel):
    reference = models.CharField(_("reference"), max_length=30, unique=True)
    product = models.ForeignKey("registry.Product", on_delete=models.PROTECT, related_name="change_requests")
    site = models.ForeignKey("registry.Site", on_delete=models.PROTECT, related_name="change_requests")
    segment = models.ForeignKey(
        "production.Segment", on_delete=models.PROTECT, related_name="change_requests", null=True, blank=True
    )
    chain = models.ForeignKey("production.ProcessChain", on_delete=models.PROTECT, related_name="change_requests")
    agreement = models.ForeignKey(
        "registry.QualityAgreement", on_delete=models.PROTECT, related_name="change_requests", null=True, blank=True
    )
    kind = models.CharField(_("what changes"), max_length=20, choices=ChangeKind.choices)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"))
    justification = models.TextField(_("reason for the change"))
    raised_on = models.DateField(_("raised on"))
    planned_on = models.DateField(_("planned implementation"), null=True, blank=True)
    route = models.CharField(_("regulatory route"), max_length=20, choices=ChangeRoute.choices)
    gmp_impact = models.CharField(_("GMP impact"), max_length=10, choices=GmpImpact.choices)
    classification_reason = models.TextField(_("reason for the classification"))
    reclassified_by_regulator = models.BooleanField(_("re-classified by a regulator"), default=False)
    stability_followup = models.BooleanField(_("stability follow-up"), default=False)
    status = models.CharField(
        _("status"), max_length=20, choices=ChangeStatus.choices, default=ChangeStatus.ASSESSING, db_index=True
    )
    approver_party = models.CharField(_("approved by"), max_length=10, choices=Party.choices)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    regulatory_kind = models.CharField(
        _("regulatory record"), max_length=20, choices=RegulatoryRecordKind.choices, blank=True, default=""
    )
    regulatory_reference = models.CharField(_("regulatory reference"), max_length=80, blank=True, default="")
    regulatory_date = models.DateField(_("regulatory record date"), null=True, blank=True)
    implemented_on = models.DateField(_("implemented on"), null=True, blank=True)
    new_chain = models.ForeignKey(
        "production.ProcessChain", on_delete=models.PROTECT, related_name="created_by_changes", null=True, blank=True
    )
    # the provinces concerned, fixed when the change is raised: the requesting site's, the holder's and every
    # affected site's (comma-separated GB/T 2260 codes; what a provincial regulator's scope reads)
    region_codes = models.CharField(max_length=200, default="", editable=False)

    objects = ChangeRequestQuerySet.as_manager()

    class Meta:
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["status", "route", "-id"], name="change_status_route_idx"),
            models.Index(fields=["site", "-id"], name="change_site_idx"),
            models.Index(fields=["product", "-id"], name="change_product_idx"),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def key_change(self) -> bool:
        """A key change: its first three lots are evaluated (GMP Art. 243–244)."""
        return self.gmp_impact == GmpImpact.MAJOR


class ChangeAffectedSegment(RegulatedModel):
    """A segment of the chain in force the change touches (computed when the change is raised)."""

    change = models.ForeignKey(ChangeRequest, on_delete=models.PROTECT, related_name="affected")
    segment = models.ForeignKey("production.Segment", on_delete=models.PROTECT, related_name="+")
    site = models.ForeignKey("registry.Site", on_delete=models.PROTECT, related_name="+")
    enterprise = models.ForeignKey("registry.Enterprise", on_delete=models.PROTECT, related_name="+")
    because = models.CharField(_("affected because"), max_length=20, choices=AffectedBecause.choices)
    assessment_required = models.BooleanField(_("assessment required"), default=True)

    class Meta:
        ordering = ["change_id", "segment__position"]
        constraints = [models.UniqueConstraint(fields=["change", "segment"], name="uniq_change_affected_segment")]


class ChangeAssessment(RegulatedModel):
    """The impact assessment of one affected enterprise (e-signed, meaning "reviewed")."""

    change = models.ForeignKey(ChangeRequest, on_delete=models.PROTECT, related_name="assessments")
    enterprise = models.ForeignKey("registry.Enterprise", on_delete=models.PROTECT, related_name="+")
    conclusion = models.CharField(_("conclusion"), max_length=20, choices=AssessmentConclusion.choices)
    assessment = models.TextField(_("impact assessment"))
    actions = models.TextField(_("actions before implementation"), blank=True, default="")
    assessed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    assessed_at = models.DateTimeField(_("assessed at"))

    class Meta:
        ordering = ["change_id", "assessed_at", "id"]
        constraints = [models.UniqueConstraint(fields=["change", "enterprise"], name="uniq_change_assessment")]


class ChangeEvent(EventRecord):
    change = models.ForeignKey(ChangeRequest, on_delete=models.PROTECT, related_name="events")

    class Meta(EventRecord.Meta):
        indexes = [models.Index(fields=["change", "occurred_at"], name="changeevent_change_time_idx")]
