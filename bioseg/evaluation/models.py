"""The provinces' narratives (e-signed) and the report builds of the end-of-pilot evaluation."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from bioseg.audit.models import RegulatedModel
from bioseg.common.models import BaseModel
from bioseg.common.scoping import ScopedQuerySet


class NarrativeStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SIGNED = "signed", _("Signed")


class NarrativeQuerySet(ScopedQuerySet):
    """A province's narrative: its own regulators write and see it; NMPA sees all; enterprises none."""

    def provincial_q(self, scope):
        return Q(region_code=scope.region_code)


class EvaluationNarrative(RegulatedModel):
    """What a province writes about its pilot work up to ``as_of``: bilingual, e-signed by one of its reviewers
    (meaning "authored"); once signed it is never changed — a later view is a new narrative."""

    region_code = models.CharField(_("province"), max_length=6, db_index=True)
    as_of = models.DateField(_("as of"))
    text_zh = models.TextField(_("narrative (Chinese)"))
    text_en = models.TextField(_("narrative (English)"), blank=True, default="")
    status = models.CharField(max_length=10, choices=NarrativeStatus.choices, default=NarrativeStatus.DRAFT)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    objects = NarrativeQuerySet.as_manager()

    class Meta:
        ordering = ["region_code", "-as_of", "-id"]

    def text(self, language: str | None) -> str:
        return self.text_zh if (language or "").startswith("zh") or not self.text_en else self.text_en


class ReportStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class ReportScope(models.TextChoices):
    NATIONAL = "national", _("National")
    PROVINCE = "province", _("Province")
    PRODUCT = "product", _("Product")


class ReportQuerySet(ScopedQuerySet):
    """A build is its requester's organisation's (and NMPA's)."""

    def provincial_q(self, scope):
        return Q(requested_by__organisation_id=scope.organisation_id)

    def enterprise_q(self, scope):
        return Q(requested_by__organisation_id=scope.organisation_id)


class EvaluationReport(BaseModel):
    """One build of the report (a background task): what was asked, how far it is, and the files it made (kept in
    the media store with their SHA-256). An operational record, not a GMP one: it is not audit-triggered."""

    scope_kind = models.CharField(max_length=10, choices=ReportScope.choices)
    scope_code = models.CharField(max_length=20, blank=True, default="")
    as_of = models.DateField()
    language = models.CharField(max_length=5, default="zh")
    status = models.CharField(max_length=10, choices=ReportStatus.choices, default=ReportStatus.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0)
    step = models.CharField(max_length=60, blank=True, default="")
    error = models.TextField(blank=True, default="")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    pdf_path = models.CharField(max_length=300, blank=True, default="")
    pdf_sha256 = models.CharField(max_length=64, blank=True, default="")
    xlsx_path = models.CharField(max_length=300, blank=True, default="")
    xlsx_sha256 = models.CharField(max_length=64, blank=True, default="")
    seconds = models.DecimalField(max_digits=9, decimal_places=2, null=True, blank=True)

    objects = ReportQuerySet.as_manager()

    class Meta:
        ordering = ["-id"]
