from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from bioseg.common.models import BaseModel


class RegulatedModel(BaseModel):
    """A GMP-regulated table: database triggers copy every insert and update into the audit trail,
    an update needs a reason, and a delete is refused."""

    regulated = True

    class Meta:
        abstract = True


class EventRecord(RegulatedModel):
    """The domain event of one workflow step, written in the same transaction as the step: the business
    history a timeline, a report or an EPCIS export reads (never reconstructed from audit JSON). Each app's
    event table (``LotEvent``, ``ApplicationEvent`` …) adds the foreign key to its subject."""

    kind = models.CharField(_("kind"), max_length=40)
    status_from = models.CharField(max_length=30, blank=True, default="")
    status_to = models.CharField(max_length=30, blank=True, default="")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    occurred_at = models.DateTimeField(_("occurred at"))
    message_en = models.TextField(default="")
    message_zh = models.TextField(default="")
    data = models.JSONField(default=dict)

    class Meta:
        abstract = True
        ordering = ["occurred_at", "id"]

    def message(self, language: str | None) -> str:
        return self.message_zh if (language or "").startswith("zh") else self.message_en


class AuditEvent(models.Model):
    """One append-only row per insert/update of a regulated row, written by database triggers only.

    ``hash`` = SHA-256 of ``prev_hash`` and the row's other columns (see ``bioseg.audit.chain``), so
    removing or editing any row breaks the chain from there on.
    """

    id = models.BigAutoField(primary_key=True)
    occurred_at = models.CharField(max_length=32)  # ISO 8601 UTC, written by the trigger
    table_name = models.CharField(max_length=100)
    row_pk = models.CharField(max_length=64)
    action = models.CharField(max_length=10)  # insert | update
    actor = models.CharField(max_length=150, default="")
    actor_id = models.CharField(max_length=20, default="")
    organisation = models.CharField(max_length=200, default="")
    reason = models.TextField(default="")
    request_id = models.CharField(max_length=64, default="")
    old_values = models.TextField(null=True)
    new_values = models.TextField(null=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["table_name", "row_pk"], name="audit_table_row_idx")]

    def __str__(self) -> str:
        return f"#{self.id} {self.action} {self.table_name}:{self.row_pk}"


class SignatureMeaning(models.TextChoices):
    AUTHORED = "authored", _("Authored")
    REVIEWED = "reviewed", _("Reviewed")
    APPROVED = "approved", _("Approved")
    RELEASED = "released", _("Released")
    REJECTED = "rejected", _("Rejected")
    RECALLED = "recalled", _("Recalled")


class Signature(RegulatedModel):
    """An electronic signature bound to the SHA-256 of a canonical snapshot of the signed record."""

    signer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="signatures")
    printed_name = models.CharField(_("printed name"), max_length=200)
    meaning = models.CharField(_("meaning"), max_length=20, choices=SignatureMeaning.choices)
    signed_at = models.DateTimeField(_("signed at (UTC)"))
    table_name = models.CharField(max_length=100)
    object_pk = models.CharField(max_length=64)
    record_sha256 = models.CharField(max_length=64)
    snapshot = models.TextField()
    reason = models.TextField(default="")

    class Meta:
        ordering = ["-signed_at"]
        indexes = [models.Index(fields=["table_name", "object_pk"], name="sig_table_obj_idx")]
