"""Joint supervision plans (联合监管方案) between the holder's province and a contract manufacturer's province, per
product (药品生产监督管理办法 Art. 50; 药品检查管理办法 Art. 53–57).

A ``JointSupervisionPlan`` version says what each province does (its obligations), who leads which kind of job,
the liaison letter, the time limit for sharing results (``exchange_working_days``: results reach the other province
within N working days of the end of the on-site work), and the escalation to NMPA when they disagree. The partner
province shares only how many qualified inspectors it has free per day (``partner_free_inspectors``), never its
roster: the lead province's scheduler plans against that count and the partner names its people per inspection.
A version is in force once an inspector of each province has signed it (✍); the version it replaces is then
superseded. Both provinces and NMPA see the plans; enterprises do not."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from bioseg.audit.models import EventRecord, RegulatedModel
from bioseg.common.scoping import ScopedQuerySet


class JointStatus(models.TextChoices):
    DRAFT = "draft", _("Draft: awaiting both signatures")
    LEAD_SIGNED = "lead_signed", _("Signed by the lead province")
    PARTNER_SIGNED = "partner_signed", _("Signed by the partner province")
    IN_FORCE = "in_force", _("In force")
    SUPERSEDED = "superseded", _("Superseded")


class JointPlanQuerySet(ScopedQuerySet):
    def provincial_q(self, scope):
        return Q(lead_region_code=scope.region_code) | Q(partner_region_code=scope.region_code)


class JointSupervisionPlan(RegulatedModel):
    reference = models.CharField(_("reference"), max_length=40, unique=True)
    product = models.ForeignKey("registry.Product", on_delete=models.PROTECT, related_name="joint_supervision_plans")
    lead_region_code = models.CharField(_("lead province"), max_length=6, db_index=True)
    partner_region_code = models.CharField(_("partner province"), max_length=6, db_index=True)
    version = models.PositiveIntegerField(_("version"))
    status = models.CharField(_("status"), max_length=20, choices=JointStatus.choices, default=JointStatus.DRAFT)
    lead_obligations = models.TextField(_("obligations of the lead province"))
    partner_obligations = models.TextField(_("obligations of the partner province"))
    liaison_letter = models.TextField(_("liaison letter"))
    exchange_working_days = models.PositiveSmallIntegerField(_("results shared within (working days)"))
    escalation = models.TextField(_("escalation to NMPA"))
    partner_free_inspectors = models.PositiveSmallIntegerField(
        _("partner's free qualified inspectors per day"), default=0
    )
    effective_from = models.DateField(_("effective from"), null=True, blank=True)
    drafted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    lead_signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    lead_signed_at = models.DateTimeField(_("signed by the lead province at"), null=True, blank=True)
    partner_signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    partner_signed_at = models.DateTimeField(_("signed by the partner province at"), null=True, blank=True)

    objects = JointPlanQuerySet.as_manager()

    class Meta:
        ordering = ["product_id", "partner_region_code", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["product", "lead_region_code", "partner_region_code", "version"], name="uniq_joint_version"
            ),
            models.UniqueConstraint(
                fields=["product", "lead_region_code", "partner_region_code"],
                condition=Q(status="in_force"),
                name="one_joint_plan_in_force",
            ),
            models.CheckConstraint(
                condition=~Q(lead_region_code=models.F("partner_region_code")), name="joint_two_provinces"
            ),
        ]

    def __str__(self) -> str:
        return self.reference


class JointPlanEvent(EventRecord):
    plan = models.ForeignKey(JointSupervisionPlan, on_delete=models.PROTECT, related_name="events")
