"""The holder's people stationed at its contract manufacturers' sites (派驻人员) and their training records.

A person is *qualified* on a day when a training record of theirs is in force that day (completed on or before it,
not expired). A contract site's coverage on a day is how many qualified people were stationed there; a day with
fewer than two is a compliance gap (the pilot plan's condition; NMPA 2023 No. 132 §一(二) for the key people).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from bioseg.audit.models import RegulatedModel
from bioseg.common.scoping import ScopedQuerySet

__all__ = ["StationRole", "KEY_ROLES", "StationingQuerySet", "Stationing", "TrainingRecord", "TrainingQuerySet"]


class StationRole(models.TextChoices):
    QA = "qa", _("QA")
    QUALIFIED_PERSON = "qualified_person", _("Qualified person")
    QUALITY_HEAD = "quality_head", _("Head of quality")
    PRODUCTION_HEAD = "production_head", _("Head of production")
    TECHNICAL = "technical", _("Technical staff")


KEY_ROLES = (StationRole.QUALIFIED_PERSON, StationRole.QUALITY_HEAD, StationRole.PRODUCTION_HEAD)


class StationingQuerySet(ScopedQuerySet):
    """The holder and the contract manufacturer of the site see it; the regulators of the site's and the holder's
    provinces."""

    def provincial_q(self, scope):
        return Q(site__region_code=scope.region_code) | Q(holder__region_code=scope.region_code)

    def enterprise_q(self, scope):
        return Q(holder_id__in=scope.enterprise_ids) | Q(site__enterprise_id__in=scope.enterprise_ids)

    def on(self, day):
        return self.filter(starts_on__lte=day).filter(Q(ends_on__isnull=True) | Q(ends_on__gte=day))


class Stationing(RegulatedModel):
    person = models.ForeignKey("registry.Person", on_delete=models.PROTECT, related_name="stationings")
    holder = models.ForeignKey("registry.Enterprise", on_delete=models.PROTECT, related_name="stationings")
    site = models.ForeignKey("registry.Site", on_delete=models.PROTECT, related_name="stationings")
    role = models.CharField(_("role on site"), max_length=20, choices=StationRole.choices)
    starts_on = models.DateField(_("stationed from"))
    ends_on = models.DateField(_("stationed until"), null=True, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    objects = StationingQuerySet.as_manager()

    class Meta:
        ordering = ["site_id", "starts_on", "id"]
        indexes = [models.Index(fields=["site", "starts_on"], name="stationing_site_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=models.F("starts_on")),
                name="stationing_dates_in_order",
            )
        ]


class TrainingQuerySet(ScopedQuerySet):
    def provincial_q(self, scope):
        from bioseg.registry.models import Enterprise

        seen = Enterprise.objects.restrict(scope).values("id")
        stationed_here = Stationing.objects.filter(site__region_code=scope.region_code).values("person_id")
        return Q(person__enterprise_id__in=seen) | Q(person_id__in=stationed_here)

    def enterprise_q(self, scope):
        return Q(person__enterprise_id__in=scope.visible_enterprise_ids)

    def in_force(self, day):
        return self.filter(completed_on__lte=day).filter(Q(expires_on__isnull=True) | Q(expires_on__gte=day))


class TrainingRecord(RegulatedModel):
    person = models.ForeignKey("registry.Person", on_delete=models.PROTECT, related_name="training_records")
    curriculum = models.CharField(_("curriculum"), max_length=200)
    hours = models.DecimalField(_("hours"), max_digits=6, decimal_places=1)
    completed_on = models.DateField(_("completed on"))
    expires_on = models.DateField(_("expires on"), null=True, blank=True)
    trainer = models.CharField(_("trainer"), max_length=120, blank=True, default="")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    objects = TrainingQuerySet.as_manager()

    class Meta:
        ordering = ["person_id", "-completed_on", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(expires_on__isnull=True) | Q(expires_on__gte=models.F("completed_on")),
                name="training_dates_in_order",
            )
        ]
