"""Inspections by the provincial regulators (药品检查管理办法（试行）2021; 药品生产监督管理办法 2020 Art. 50–56).

- ``InspectorProfile``: what the scheduler must know of an inspector (city, qualifications, days available), with
  ``InspectorAbsence`` (leave, training) and ``InspectorConflict`` (回避: a site the inspector must never meet).
- ``Inspection``: one inspection of one kind, its scope (``InspectionSite``: sites, with the segment inspected),
  its team (``InspectionMember``: ≥2, one leader), dates, workflow (``bioseg.oversight.workflows``), conclusion
  and the leader's e-signed report; ``Finding``\\ s graded 严重 / 主要 / 一般 with the GMP clause, each rectified by
  a CAPA of the quality system; ``Sample``\\ s of named lots with the testing laboratory and the result.
- ``SecretAccess``: every view of an unannounced inspection while it is still secret.

Who sees an inspection (``InspectionQuerySet``): the regulator of the lead province, of the partner province of a
joint inspection and of the holder's province (PSM-50: outcomes at one party reach the other province); the
enterprises whose sites are inspected and the product's holder — but an enterprise only once it has been notified
(or the unannounced team has arrived), and a regulator outside the team not before the day before an unannounced
inspection (``for_user`` adds the team and the approver of the plan back).
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from bioseg.audit.models import EventRecord, RegulatedModel
from bioseg.common import clock
from bioseg.common.scoping import ScopedQuerySet


class InspectorProfile(RegulatedModel):
    """An inspector as the scheduler sees them (``inspectors[]`` of the exchange format)."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="inspector_profile")
    region_code = models.CharField(_("province"), max_length=6, db_index=True)
    city = models.CharField(_("city"), max_length=60)
    qualifications = models.CharField(_("qualifications"), max_length=200, default="")  # comma-separated codes
    max_days = models.PositiveIntegerField(_("most inspection days a year"), default=60)

    class Meta:
        ordering = ["region_code", "id"]

    def __str__(self) -> str:
        return self.user.username

    @property
    def qualification_list(self) -> list[str]:
        return [q for q in self.qualifications.split(",") if q]

    def has(self, qualification: str) -> bool:
        return qualification in self.qualification_list


QUALIFICATIONS = ("biologics", "aseptic", "vaccine", "adc", "data_integrity", "lead", "official")


class InspectorAbsence(RegulatedModel):
    profile = models.ForeignKey(InspectorProfile, on_delete=models.PROTECT, related_name="absences")
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("to"))
    reason = models.CharField(_("reason"), max_length=200, blank=True, default="")

    class Meta:
        ordering = ["profile_id", "starts_on"]


class InspectorConflict(RegulatedModel):
    """回避: the inspector must never inspect the site (a former employer, a relative working there)."""

    profile = models.ForeignKey(InspectorProfile, on_delete=models.PROTECT, related_name="conflicts")
    site = models.ForeignKey("registry.Site", on_delete=models.PROTECT, related_name="+")
    reason = models.CharField(_("reason"), max_length=200)

    class Meta:
        ordering = ["profile_id", "site_id"]
        constraints = [models.UniqueConstraint(fields=["profile", "site"], name="uniq_inspector_conflict")]


class InspectionKind(models.TextChoices):
    ANNUAL_COMPREHENSIVE = "annual_comprehensive", _("Annual comprehensive inspection")
    GMP_COMPLIANCE = "gmp_compliance", _("GMP compliance inspection")
    SAMPLING = "sampling", _("Sampling inspection")
    UNANNOUNCED = "unannounced", _("Unannounced inspection")
    FOR_CAUSE = "for_cause", _("For-cause inspection")
    FOLLOW_UP = "follow_up", _("Follow-up inspection")
    ENTRUSTED = "entrusted", _("Entrusted inspection")


class InspectionStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    NOTIFIED = "notified", _("Notified to the enterprise")
    ON_SITE = "on_site", _("On site")
    REPORT = "report", _("Report in preparation")
    RECTIFICATION = "rectification", _("Rectification")
    CLOSED = "closed", _("Closed")
    CANCELLED = "cancelled", _("Cancelled")


class Conclusion(models.TextChoices):
    COMPLIANT = "compliant", _("Compliant")
    BASICALLY_COMPLIANT = "basically_compliant", _("Basically compliant")
    NON_COMPLIANT = "non_compliant", _("Non-compliant")


CONCLUSION_LABELS_ZH = {"compliant": "符合要求", "basically_compliant": "基本符合要求", "non_compliant": "不符合要求"}


class Grade(models.TextChoices):
    CRITICAL = "critical", _("Critical")
    MAJOR = "major", _("Major")
    MINOR = "minor", _("Minor")


class InspectionQuerySet(ScopedQuerySet):
    def secret_q(self, today: dt.date | None = None) -> Q:
        """Unannounced inspections a regulator outside the team may not see yet: planned, and not due tomorrow."""
        today = today or clock.today()
        return Q(kind=InspectionKind.UNANNOUNCED, status=InspectionStatus.PLANNED) & (
            Q(planned_from__isnull=True) | Q(planned_from__gt=today + dt.timedelta(days=1))
        )

    def provincial_q(self, scope):
        from bioseg.registry.models import Product

        holders = Product.objects.filter(holder__region_code=scope.region_code).values("id")
        own = Q(region_code=scope.region_code)
        others = Q(partner_region_code=scope.region_code) | Q(product_id__in=holders)
        # the other provinces never learn of an unannounced inspection before it has started
        unstarted = Q(kind=InspectionKind.UNANNOUNCED, status=InspectionStatus.PLANNED)
        return (own & ~self.secret_q()) | (others & ~own & ~unstarted)

    def enterprise_q(self, scope):
        sites = InspectionSite.objects.filter(site__enterprise_id__in=scope.enterprise_ids).values("inspection_id")
        mine = (
            Q(id__in=sites)
            | Q(product__holder_id__in=scope.enterprise_ids)
            | Q(requested_by_id__in=scope.enterprise_ids)
        )
        told = ~Q(status=InspectionStatus.PLANNED) & ~Q(status=InspectionStatus.CANCELLED, notified_at__isnull=True)
        return mine & told

    def for_user(self, user, scope):
        """What ``user`` may see: the scope's inspections and, for a regulator, the secret ones whose team they are
        on or whose plan they approved."""
        seen = self.restrict(scope)
        if not scope.is_provincial or user is None or not user.is_authenticated:
            return seen
        theirs = self.filter(Q(members__user=user) | Q(approved_by=user)).values("id")
        return self.filter(Q(id__in=seen.values("id")) | Q(id__in=theirs))


class Inspection(RegulatedModel):
    reference = models.CharField(_("reference"), max_length=30, unique=True)
    kind = models.CharField(_("kind"), max_length=30, choices=InspectionKind.choices, db_index=True)
    region_code = models.CharField(_("province"), max_length=6, db_index=True)  # the (lead) province inspecting
    partner_region_code = models.CharField(_("partner province"), max_length=6, blank=True, default="")
    product = models.ForeignKey(
        "registry.Product", on_delete=models.PROTECT, related_name="inspections", null=True, blank=True
    )
    status = models.CharField(
        _("status"), max_length=20, choices=InspectionStatus.choices, default=InspectionStatus.PLANNED, db_index=True
    )
    planned_from = models.DateField(_("planned from"), null=True, blank=True)
    planned_to = models.DateField(_("planned to"), null=True, blank=True)
    notified_at = models.DateTimeField(_("notified at"), null=True, blank=True)
    started_on = models.DateField(_("on site from"), null=True, blank=True)
    ended_on = models.DateField(_("on site until"), null=True, blank=True)
    purpose = models.TextField(_("purpose and scope"), blank=True, default="")
    requested_by = models.ForeignKey(
        "registry.Enterprise", on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )  # an entrusted inspection (委托检查)
    follow_up_of = models.ForeignKey("self", on_delete=models.PROTECT, related_name="follow_ups", null=True, blank=True)
    conclusion = models.CharField(_("conclusion"), max_length=30, choices=Conclusion.choices, blank=True, default="")
    report_summary = models.TextField(_("report summary"), blank=True, default="")
    report_signed_at = models.DateTimeField(_("report signed at"), null=True, blank=True)
    plan_job = models.CharField(_("job of the plan"), max_length=40, blank=True, default="")
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )  # who approved the plan this inspection comes from (may see it while it is secret)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    objects = InspectionQuerySet.as_manager()

    class Meta:
        ordering = ["-planned_from", "-id"]
        indexes = [models.Index(fields=["region_code", "status"], name="insp_region_status_idx")]

    def __str__(self) -> str:
        return self.reference

    @property
    def is_unannounced(self) -> bool:
        return self.kind == InspectionKind.UNANNOUNCED

    @property
    def is_joint(self) -> bool:
        return bool(self.partner_region_code)

    def secret_on(self, today: dt.date) -> bool:
        return (
            self.is_unannounced
            and self.status == InspectionStatus.PLANNED
            and (self.planned_from is None or self.planned_from > today + dt.timedelta(days=1))
        )


class InspectionSite(RegulatedModel):
    inspection = models.ForeignKey(Inspection, on_delete=models.PROTECT, related_name="sites")
    site = models.ForeignKey("registry.Site", on_delete=models.PROTECT, related_name="inspection_scopes")
    segment = models.ForeignKey("production.Segment", on_delete=models.PROTECT, related_name="+", null=True, blank=True)

    class Meta:
        ordering = ["inspection_id", "id"]
        constraints = [models.UniqueConstraint(fields=["inspection", "site"], name="uniq_inspection_site")]


class InspectionMember(RegulatedModel):
    inspection = models.ForeignKey(Inspection, on_delete=models.PROTECT, related_name="members")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="inspection_teams")
    region_code = models.CharField(_("province"), max_length=6)
    is_leader = models.BooleanField(_("leader"), default=False)
    is_official = models.BooleanField(_("enforcement official"), default=False)

    class Meta:
        ordering = ["inspection_id", "-is_leader", "id"]
        constraints = [models.UniqueConstraint(fields=["inspection", "user"], name="uniq_inspection_member")]


class Finding(RegulatedModel):
    """A defect found (缺陷): graded, with the GMP clause it breaks; the enterprise rectifies it as a CAPA."""

    inspection = models.ForeignKey(Inspection, on_delete=models.PROTECT, related_name="findings")
    number = models.PositiveIntegerField(_("number"))
    site = models.ForeignKey("registry.Site", on_delete=models.PROTECT, related_name="inspection_findings")
    grade = models.CharField(_("grade"), max_length=10, choices=Grade.choices)
    gmp_clause = models.CharField(_("GMP clause"), max_length=120)
    description = models.TextField(_("description"))
    rectification_due = models.DateField(_("rectification due"))
    capa = models.OneToOneField("quality.Capa", on_delete=models.PROTECT, related_name="finding", null=True, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["inspection_id", "number"]
        constraints = [models.UniqueConstraint(fields=["inspection", "number"], name="uniq_finding_number")]


class SampleResult(models.TextChoices):
    PENDING = "pending", _("Awaiting the result")
    QUALIFIED = "qualified", _("Qualified")
    UNQUALIFIED = "unqualified", _("Unqualified")


class Sample(RegulatedModel):
    """A sample taken by the regulator (抽检) of a named lot, tested by a named laboratory."""

    reference = models.CharField(_("reference"), max_length=30, unique=True)
    inspection = models.ForeignKey(Inspection, on_delete=models.PROTECT, related_name="samples")
    lot = models.ForeignKey("production.Lot", on_delete=models.PROTECT, related_name="regulatory_samples")
    quantity = models.DecimalField(_("quantity"), max_digits=12, decimal_places=3)
    unit = models.CharField(_("unit"), max_length=20)
    laboratory = models.CharField(_("testing laboratory"), max_length=200)
    taken_on = models.DateField(_("taken on"))
    result = models.CharField(
        _("result"), max_length=20, choices=SampleResult.choices, default=SampleResult.PENDING, db_index=True
    )
    result_on = models.DateField(_("result on"), null=True, blank=True)
    result_detail = models.TextField(_("result detail"), blank=True, default="")
    oos = models.OneToOneField(
        "quality.OosInvestigation", on_delete=models.PROTECT, related_name="regulatory_sample", null=True, blank=True
    )
    for_cause = models.OneToOneField(
        Inspection, on_delete=models.PROTECT, related_name="caused_by_sample", null=True, blank=True
    )
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-taken_on", "-id"]


class InspectionEvent(EventRecord):
    inspection = models.ForeignKey(Inspection, on_delete=models.PROTECT, related_name="events")


class SecretAccess(RegulatedModel):
    """One view of an unannounced inspection while it was still secret (who, when, which page)."""

    inspection = models.ForeignKey(Inspection, on_delete=models.PROTECT, related_name="secret_accesses")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    viewed_at = models.DateTimeField(_("viewed at"))
    what = models.CharField(_("what"), max_length=80)

    class Meta:
        ordering = ["-viewed_at", "-id"]
