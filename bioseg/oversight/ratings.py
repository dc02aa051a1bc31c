"""Rating sites: gather what the records say (:func:`risk_inputs`), rate (``bioseg.oversight.risk``), keep the row.

A site is re-rated on every ``supervision_signal`` (an inspection's report signed, a sample found unqualified), when
a programme is derived, and on a regulator's request; each rating is a new ``RiskRating`` row, so the history is the
table. The inputs read:

- the site's activities and the categories of the products its segments make;
- the last inspection of the site with a signed report: its conclusion and the findings at this site;
- unqualified regulatory samples of the site's lots since that report (or in the look-back when there is none);
- overdue CAPAs of the site's enterprise; critical and major deviations at the site in the look-back;
- stationed key personnel who left the site in the look-back (药品检查管理办法 Art. 43: frequent changes).
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.dispatch import receiver

from bioseg.accounts.models import User
from bioseg.audit.context import audit_context
from bioseg.common import clock
from bioseg.common.errors import PermissionDenied
from bioseg.common.months import add_months
from bioseg.oversight.models import Finding, InspectionSite, RatingCause, RiskRating, Sample, SampleResult
from bioseg.oversight.risk import RiskInputs, config_for, rate
from bioseg.oversight.signals import supervision_signal


def risk_inputs(site, as_of: dt.date) -> RiskInputs:
    from bioseg.production.models import Segment
    from bioseg.quality.models import Capa, Deviation, Stationing

    lookback = int(config_for(as_of).data["compliance"]["lookback_months"]["value"])
    since = add_months(as_of, -lookback)
    categories = sorted(set(Segment.objects.filter(site=site).values_list("chain__product__category", flat=True)))
    last = (
        InspectionSite.objects.filter(
            site=site, inspection__report_signed_at__isnull=False, inspection__ended_on__lte=as_of
        )
        .select_related("inspection")
        .order_by("-inspection__ended_on", "-inspection__report_signed_at")
        .first()
    )
    findings: dict[str, int] = {}
    sample_since = since
    if last is not None:
        for grade in Finding.objects.filter(inspection=last.inspection, site=site).values_list("grade", flat=True):
            findings[grade] = findings.get(grade, 0) + 1
        sample_since = max(since, last.inspection.ended_on)
    unqualified = Sample.objects.filter(
        lot__site=site, result=SampleResult.UNQUALIFIED, result_on__gt=sample_since, result_on__lte=as_of
    ).count()
    deviations: dict[str, int] = {}
    for cls in Deviation.objects.filter(
        site=site, occurred_on__gt=since, occurred_on__lte=as_of, classification__in=("critical", "major")
    ).values_list("classification", flat=True):
        deviations[cls] = deviations.get(cls, 0) + 1
    return RiskInputs(
        as_of=as_of,
        activities=tuple(a for a in site.activities.split(",") if a),
        categories=tuple(categories),
        last_conclusion=last.inspection.conclusion if last else "",
        last_inspected_on=last.inspection.ended_on if last else None,
        findings=findings,
        unqualified_samples=unqualified,
        overdue_capas=Capa.objects.overdue(as_of).filter(owner_id=site.enterprise_id).count(),
        deviations=deviations,
        key_personnel_changes=Stationing.objects.filter(site=site, ends_on__gt=since, ends_on__lte=as_of).count(),
    )


def site_rate(*, site, actor: User, cause: str, cause_reference: str = "", as_of: dt.date | None = None) -> RiskRating:
    """Rate ``site`` as of ``as_of`` (today) and keep the rating."""
    day = as_of or clock.today()
    inputs = risk_inputs(site, day)
    result = rate(inputs)
    with transaction.atomic(), audit_context(actor=actor, reason=f"bioseg: risk re-rated ({cause})"):
        return RiskRating.objects.create(
            site=site,
            as_of=day,
            rated_at=clock.now(),
            config_version=result.config_version,
            complexity=result.complexity,
            criticality=result.criticality,
            intrinsic=result.intrinsic,
            compliance=result.compliance,
            overall=result.overall,
            frequency_months=result.frequency_months,
            score=result.score,
            contributions=[c.as_dict() for c in result.contributions],
            reasons=[list(r) for r in result.reasons],
            inputs=inputs.as_dict(),
            cause=cause,
            cause_reference=cause_reference,
            rated_by=actor,
        )


def may_rerate(user, site) -> bool:
    """Whether ``user`` may ask for a fresh rating of ``site``: an inspector of the site's province."""
    from bioseg.oversight.services import is_inspector

    return is_inspector(user) and user.organisation.region_code == site.region_code


def site_rerate_on_request(*, actor: User, site) -> RiskRating:
    """A regulator of the site's province asks for a fresh rating (after records changed outside a signal)."""
    if not may_rerate(actor, site):
        raise PermissionDenied(
            "Only a regulator of the site's province re-rates it.",
            "只有场地所在省的监管人员可以重新评定其风险。",
        )
    return site_rate(site=site, actor=actor, cause=RatingCause.REQUEST)


@receiver(supervision_signal, dispatch_uid="oversight-rerate")
def _rerate(sender, sites, kind, subject, actor, **_) -> None:
    for site in {s.pk: s for s in sites}.values():
        site_rate(site=site, actor=actor, cause=kind, cause_reference=getattr(subject, "reference", ""))


def _acting_user(fallback):
    """Who is acting now (the audit context's user), or ``fallback`` (the record's author)."""
    from bioseg.audit.context import current

    ident = current().actor_id
    if ident and ident.isdigit():
        user = User.objects.filter(pk=int(ident)).first()
        if user is not None:
            return user
    return fallback


def _deviation_saved(sender, instance, created, update_fields=None, **_) -> None:
    """A critical or major deviation recorded, or a deviation re-classified: the site's compliance risk may change."""
    if instance.classification not in ("critical", "major") and created:
        return
    if created or (update_fields and "classification" in update_fields):
        site_rate(
            site=instance.site,
            actor=_acting_user(instance.recorded_by),
            cause=RatingCause.SIGNAL,
            cause_reference=instance.reference,
        )


def _stationing_saved(sender, instance, created, update_fields=None, **_) -> None:
    """A stationed person leaves the site (药品检查管理办法 Art. 43: changes of key personnel)."""
    if instance.ends_on is not None and (created or (update_fields and "ends_on" in update_fields)):
        site_rate(site=instance.site, actor=_acting_user(instance.recorded_by), cause=RatingCause.SIGNAL)


def connect_quality_signals() -> None:
    from django.db.models.signals import post_save

    from bioseg.quality.models import Deviation, Stationing

    post_save.connect(_deviation_saved, sender=Deviation, dispatch_uid="oversight-rerate-deviation")
    post_save.connect(_stationing_saved, sender=Stationing, dispatch_uid="oversight-rerate-stationing")
