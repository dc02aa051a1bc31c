"""Inspection plans: a province's annual programme, solved by the scheduler, approved with an e-signature.

``InspectionPlan`` (one row per version of a province's plan for a year): the problem derived from the records
(``bioseg.oversight.programme``), what each job covers (``job_meta``), the unannounced draws and their inputs, the
solve's progress and result (the exchange format's plan with explanations), and at approval the commitment
SHA-256(seed ‖ plan id ‖ version). The seed is kept from the plan's creation and shown to nobody until the year
is over and it is revealed; then anyone can re-derive the draws (``bioseg schedule rederive``).

Who sees a plan: the regulators of its province (the approver and the assigned inspectors see the unannounced jobs;
colleagues see them only as reserved capacity until the day before) and NMPA; nobody else."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from bioseg.audit.models import EventRecord, RegulatedModel
from bioseg.common.scoping import ScopedQuerySet


class PlanStatus(models.TextChoices):
    SOLVING = "solving", _("Solving")
    SOLVED = "solved", _("Solved")
    INFEASIBLE = "infeasible", _("No plan: constraints conflict")
    FAILED = "failed", _("Failed")
    APPROVED = "approved", _("Approved")
    SUPERSEDED = "superseded", _("Superseded")


class InspectionPlanQuerySet(ScopedQuerySet):
    def provincial_q(self, scope):
        return Q(region_code=scope.region_code)


class InspectionPlan(RegulatedModel):
    region_code = models.CharField(_("province"), max_length=6, db_index=True)
    year = models.PositiveSmallIntegerField(_("year"))
    version = models.PositiveIntegerField(_("version"))
    status = models.CharField(_("status"), max_length=20, choices=PlanStatus.choices, default=PlanStatus.SOLVING)
    time_limit = models.PositiveIntegerField(_("time limit (seconds)"), default=30)
    problem = models.JSONField(_("problem"), default=dict)
    job_meta = models.JSONField(_("jobs"), default=dict)
    notes = models.JSONField(_("notes"), default=list)
    draw_inputs = models.JSONField(_("draw inputs"), null=True, blank=True)
    draws = models.JSONField(_("draws"), default=list)
    seed_hex = models.CharField(max_length=64, blank=True, default="")  # secret until revealed
    commitment = models.CharField(_("commitment (SHA-256)"), max_length=64, blank=True, default="")
    revealed_at = models.DateTimeField(_("seed revealed at"), null=True, blank=True)
    previous = models.ForeignKey("self", on_delete=models.PROTECT, related_name="+", null=True, blank=True)
    kept_jobs = models.JSONField(_("jobs kept from the previous version"), default=list)
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    step = models.CharField(_("step"), max_length=40, blank=True, default="")
    result = models.JSONField(_("plan"), null=True, blank=True)
    error = models.TextField(_("error"), blank=True, default="")
    seconds = models.FloatField(_("solve time (s)"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)

    objects = InspectionPlanQuerySet.as_manager()

    class Meta:
        ordering = ["region_code", "-year", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["region_code", "year", "version"], name="uniq_plan_version"),
            models.UniqueConstraint(
                fields=["region_code", "year"], condition=Q(status="approved"), name="one_approved_plan_a_year"
            ),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def plan_id(self) -> str:
        """The id the draws and the commitment use."""
        return f"{self.region_code}-{self.year}"

    def problem_job(self, job_id: str) -> dict:
        return next((j for j in self.problem.get("jobs", []) if j["id"] == job_id), {})

    @property
    def reference(self) -> str:
        return f"IPL-{self.region_code}-{self.year}-v{self.version}"


class InspectionPlanEvent(EventRecord):
    plan = models.ForeignKey(InspectionPlan, on_delete=models.PROTECT, related_name="events")


class PlanSecretAccess(RegulatedModel):
    """One view of a plan while an unannounced job in it was still secret (who, when)."""

    plan = models.ForeignKey(InspectionPlan, on_delete=models.PROTECT, related_name="secret_accesses")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    viewed_at = models.DateTimeField(_("viewed at"))
