"""What the registry already knows about a product, as a case for the rules (``bioseg.regulation``).

:func:`case_from_product` builds the case-format dict (the shape of ``docs/case-schema.json``) from the
registry: the product (category, flags, origin), its holder (name, domestic, province or country), the
contract manufacturers (its quality agreements in force, and the other enterprises of its chain), and the
segments — from the product's process chain version in force when there is one, else from the
manufacturing activities of the holder's and the contract manufacturers' sites.

**Unknown stays unknown.** A fact the registry does not hold is left out, never filled with ``false``,
zero or an empty list: the holder's capabilities, the contract manufacturers' production history and
quality systems, the stationed personnel, the joint regulatory plan, NMPA consent and the application are
for the user (the wizard asks for them). Segments are left out when none can be derived — in particular
when the product has neither a chain nor a quality agreement in force (the holder's own sites alone would
wrongly say "not segmented").

The caller has already checked that the user may see ``product`` (a registry selector with the user's
scope); this function reads only what belongs to that product.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Q
from django.utils import timezone

from bioseg.registry.models import Enterprise, Product, QualityAgreement, Site

# Site activities that are a production segment (testing and storage are not).
ACTIVITY_STAGES = {
    "drug_substance": "drug_substance",
    "drug_product": "drug_product",
    "fill_finish": "fill_finish",
    "packaging": "packaging",
}

# bioseg.production's chain stages → the case format's stages.
CHAIN_STAGES = {
    "cell_bank": "cell_bank",
    "raw_material": "other",
    "drug_substance": "drug_substance",
    "drug_product": "drug_product",
    "packaging": "packaging",
    "antibody_intermediate": "antibody_intermediate",
    "linker_payload": "linker_payload",
    "conjugation": "conjugation",
    "fill": "fill_finish",
    "component_ds": "drug_substance",
    "formulation": "drug_product",
}


def enterprise_name(enterprise: Enterprise) -> str:
    """The name a case uses for an enterprise (the registry's unique English name), so that segments,
    contract manufacturers and stationed personnel refer to the same party."""
    return enterprise.name_en


def _region(country_code: str, region_code: str, domestic: bool | None = None) -> str | None:
    """A GB/T 2260 province code for a mainland place, an ISO country code abroad, None when unknown."""
    country = (country_code or "").upper()
    if country in ("", "CN"):
        if domestic is False and not region_code:
            return None
        return region_code or None
    return country


def _holder(holder: Enterprise) -> dict[str, Any]:
    out: dict[str, Any] = {"name": enterprise_name(holder), "domestic": bool(holder.domestic)}
    region = _region(holder.country_code, holder.region_code, holder.domestic)
    if region is not None:
        out["region"] = region
    return out


def _product(product: Product) -> dict[str, Any]:
    out: dict[str, Any] = {
        "name": product.name_en,
        "category": product.category,
        "innovative": bool(product.innovative),
        "urgent_clinical_need": bool(product.urgent_clinical_need),
        "nmpa_specified": bool(product.nmpa_specified),
    }
    if product.origin:
        out["origin"] = product.origin
    return out


def _agreement_partners(product: Product, day: dt.date) -> list[Enterprise]:
    agreements = (
        QualityAgreement.objects.filter(product_links__product=product, effective_from__lte=day)
        .filter(Q(effective_until__isnull=True) | Q(effective_until__gte=day))
        .select_related("contract_manufacturer")
        .order_by("reference")
        .distinct()
    )
    partners: dict[int, Enterprise] = {}
    for agreement in agreements:
        cmo = agreement.contract_manufacturer
        if cmo.pk != product.holder_id:
            partners.setdefault(cmo.pk, cmo)
    return list(partners.values())


def _chain_segments(product: Product, day: dt.date) -> list[tuple[str | None, Site]] | None:
    """The segments (stage, site) of the product's chain version in force on ``day``, or None when
    bioseg.production is not installed or the product has no chain on that day."""
    try:
        from bioseg.production.selectors import chain_effective, chain_segments
    except ImportError:  # pragma: no cover - the production app is part of bioseg
        return None
    chain = chain_effective(product=product, on_date=day)
    if chain is None:
        return None
    return [(CHAIN_STAGES.get(segment.stage), segment.site) for segment in chain_segments(chain=chain)]


def _site_segments(enterprises: list[Enterprise]) -> list[tuple[str | None, Site]]:
    ids = [e.pk for e in enterprises]
    order = {pk: i for i, pk in enumerate(ids)}
    sites = sorted(
        Site.objects.filter(enterprise_id__in=ids).select_related("enterprise"),
        key=lambda s: (order[s.enterprise_id], s.name_en, s.pk),
    )
    out: list[tuple[str | None, Site]] = []
    for site in sites:
        for activity in site.activity_list:
            if activity in ACTIVITY_STAGES:
                out.append((ACTIVITY_STAGES[activity], site))
    return out


def _segment(stage: str | None, site: Site) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if stage is not None:
        out["stage"] = stage
    out["enterprise"] = enterprise_name(site.enterprise)
    region = _region(site.country_code, site.region_code, site.enterprise.domestic)
    if region is not None:
        out["region"] = region
    return out


def case_from_product(*, product: Product, as_of: dt.date | None = None) -> dict[str, Any]:
    """The case-format dict of what the registry knows about ``product`` on ``as_of`` (default: today).

    ``as_of`` picks the quality agreements and the chain version in force; when given it is also the
    case's ``as_of``. Facts the registry does not hold are omitted (unknown), never set to false.
    """
    day = as_of or timezone.localdate()
    holder = product.holder
    partners = _agreement_partners(product, day)
    chain = _chain_segments(product, day)
    if chain is not None:
        pairs = chain
    elif partners:
        pairs = _site_segments([holder, *partners])
    else:
        # Without a chain or a quality agreement, the registry cannot tell which sites make the product:
        # listing only the holder's sites would claim "not segmented" — leave the segments unknown.
        pairs = []
    segments = [_segment(stage, site) for stage, site in pairs]

    # Contract manufacturers: partners under an agreement in force, then the chain's other enterprises.
    cmos: dict[str, None] = {enterprise_name(e): None for e in partners}
    for _stage, site in pairs:
        if site.enterprise_id != holder.pk:
            cmos.setdefault(enterprise_name(site.enterprise), None)

    case: dict[str, Any] = {"name": f"{product.name_en} ({product.name_zh})"}
    if as_of is not None:
        case["as_of"] = as_of.isoformat()
    case["holder"] = _holder(holder)
    case["product"] = _product(product)
    if segments:
        case["segments"] = segments
    if cmos:
        case["contract_manufacturers"] = [{"name": name} for name in cmos]
    stationed = _stationed(holder, partners, pairs, day)
    if stationed is not None:
        case["stationed_personnel"] = stationed
    case.update(_pilot_status(product, day))
    return case


def _stationed(holder, partners, pairs, day: dt.date) -> list[dict] | None:
    """The holder's people stationed on ``day`` at its contract manufacturers, from the stationing and training
    records of the quality system (unknown when the holder has recorded none)."""
    from bioseg.quality.stationing import stationed_facts

    names = {e.pk: enterprise_name(e) for e in partners}
    for _stage, site in pairs:
        if site.enterprise_id != holder.pk:
            names.setdefault(site.enterprise_id, enterprise_name(site.enterprise))
    return stationed_facts(holder=holder, cmo_names=names, day=day) if names else None


def _pilot_status(product: Product, day: dt.date) -> dict[str, Any]:
    """What the workflow knows about the product's pilot application on ``day``: the day it was submitted,
    and NMPA's approval if granted (facts of the product, not of the holder's dossier, which stays with the
    application)."""
    from bioseg.pilots.models import ApplicationStatus, NmpaDecision, PilotApplication

    app = (
        PilotApplication.objects.filter(product=product, submitted_on__isnull=False, submitted_on__lte=day)
        .order_by("-submitted_on", "-id")
        .first()
    )
    if app is None:
        return {}
    facts: dict[str, Any] = {"application": {"submitted_on": app.submitted_on.isoformat()}}
    plan = getattr(app, "joint_plan", None)
    if plan is not None and plan.agreed_on is not None and plan.agreed_on <= day:
        facts["joint_regulatory_plan"] = {"agreed_by": sorted(plan.province_list)}
    if app.status == ApplicationStatus.APPROVED:
        decision = NmpaDecision.objects.filter(application=app, decision="approve").first()
        approved_on = decision.decided_on if decision is not None else None
        if approved_on is not None and approved_on <= day:
            facts["pilot_approval"] = {
                "approved": True,
                "approved_on": approved_on.isoformat(),
                "reference": app.reference,
            }
    return facts
