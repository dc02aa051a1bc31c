"""Template helpers: names, provinces and countries in the active language, choice labels, the header."""

from __future__ import annotations

import datetime as dt

from django import template

from bioseg.audit.models import SignatureMeaning
from bioseg.common.regions import zone_for
from bioseg.evaluation.selectors import REPORT_ROLES
from bioseg.quality.notifications import unread_count
from bioseg.registry.models import Activity, Category, GmpOutcome, LicenceClass, Origin, PersonRole
from bioseg.registry.scope import scope_for
from bioseg.web import labels
from bioseg.web.permissions import can_audit

register = template.Library()

_CHOICES = {
    "activity": dict(Activity.choices),
    "category": dict(Category.choices),
    "origin": dict(Origin.choices),
    "person_role": dict(PersonRole.choices),
    "licence_class": dict(LicenceClass.choices),
    "gmp_outcome": dict(GmpOutcome.choices),
    "meaning": dict(SignatureMeaning.choices),
    "enterprise_role": labels.ENTERPRISE_ROLE_LABELS,
}


@register.filter
def reason(value) -> str:
    """An audit or signature reason in the reader's language (the platform's own) or as a person wrote it."""
    from bioseg.web.labels import reason_label

    return reason_label(value or "")


@register.filter
def loc(obj) -> str:
    """The object's name in the active language."""
    return labels.local_name(obj)


@register.filter
def province(code) -> str:
    return labels.province_label(code or "")


@register.filter
def country(code) -> str:
    return labels.country_label(code or "")


@register.filter
def choice(value, kind: str) -> str:
    """The label of one code of a controlled list: ``{{ product.category|choice:"category" }}``."""
    return str(_CHOICES[kind].get(value, value)) if value else ""


@register.filter
def choices(values, kind: str) -> list[str]:
    """Labels of a list (or comma-separated string) of codes."""
    if isinstance(values, str):
        values = [v for v in values.split(",") if v]
    return [str(_CHOICES[kind].get(v, v)) for v in values or []]


@register.simple_tag(takes_context=True)
def header_info(context) -> dict:
    """What the page header shows about the signed-in user."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"authenticated": False}
    org = user.organisation
    scope = scope_for(user)
    return {
        "authenticated": True,
        "printed_name": user.printed_name or user.get_full_name() or user.get_username(),
        "organisation": labels.local_name(org) if org else "",
        "roles": labels.role_labels(user.roles),
        "province": labels.province_label(scope.region_code),
        "can_audit": can_audit(user),
        "is_regulator": scope.is_national or scope.is_provincial,
        "can_evaluate": user.has_role(*REPORT_ROLES) and org is not None and org.kind != "operator",
        "unread": unread_count(user),
    }


@register.simple_tag(takes_context=True)
def nav_section(context) -> str:
    """Which navigation entry the current page belongs to."""
    request = context.get("request")
    match = getattr(request, "resolver_match", None)
    name = getattr(match, "url_name", "") or ""
    kind = (getattr(match, "kwargs", {}) or {}).get("kind", "")
    for section in ("enterprise", "site", "product", "person"):
        if name.startswith(section):
            return {"person": "personnel"}.get(section, section + "s")
    if name.startswith(("lot-", "chain-", "shipment-", "excursion-")):
        return "lots"
    if name.startswith("pilot-"):
        return "pilots"
    if name.startswith("deviation-"):
        return "quality"
    if name.startswith("agreement-"):
        return "agreements"
    if name.startswith("capa-"):
        return "capa"
    if name.startswith("inspection-plan"):
        return "plans"
    if name.startswith("inspection-"):
        return "inspections"
    if name.startswith("risk-"):
        return "risk"
    if name.startswith("joint-"):
        return "joint"
    if name.startswith("oos-"):
        return "oos"
    if name.startswith(("stationing", "training")):
        return "stationing"
    if name.startswith("change-"):
        return "changes"
    if name.startswith("inbox"):
        return "inbox"
    if name.startswith("arrangement-"):
        return "standing"
    if name.startswith("wizard"):
        return "wizard"
    if name.startswith(("evaluation", "narrative")):
        return "evaluation"
    if name == "history":
        return kind
    return {"dashboard": "dashboard", "audit": "audit"}.get(name, "")


@register.filter
def ljoin(values) -> str:
    """Joins labels the way the active language lists them."""
    return ("、" if labels.is_zh() else ", ").join(str(v) for v in values or [])


def _degrees(value) -> str:
    return format(value.normalize(), "f") if hasattr(value, "normalize") else str(value)


@register.filter
def storage(product) -> str:
    """Storage limits as "2–8 °C" (no trailing ".0")."""
    if product.storage_min_c is None or product.storage_max_c is None:
        return ""
    return f"{_degrees(product.storage_min_c)}–{_degrees(product.storage_max_c)} °C"


@register.filter
def ts(value) -> str:
    """A moment as every page writes it: "2026-11-25 17:34:32 UTC" (an aware datetime, or the ISO text the
    audit trail stores, e.g. "2026-11-25T17:34:30.029Z"); empty for None."""
    if value in (None, ""):
        return ""
    if isinstance(value, str):
        try:
            value = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return value
    if not isinstance(value, dt.datetime):
        return str(value)
    if value.tzinfo is not None:
        value = value.astimezone(dt.UTC)
    return value.strftime("%Y-%m-%d %H:%M:%S") + " UTC"


@register.filter
def site_time(value, site) -> str:
    """A moment in the zone of ``site`` (stored in UTC): "2026-12-04 10:20 UTC+08:00"; UTC when the site's country
    has no single zone bioseg knows."""
    if not isinstance(value, dt.datetime):
        return ts(value)
    zone = zone_for(getattr(site, "country_code", "") or "")
    local = value.astimezone(zone)
    offset = local.strftime("%z")
    return local.strftime("%Y-%m-%d %H:%M") + f" UTC{offset[:3]}:{offset[3:]}"


@register.filter
def site_ts(value) -> str:
    """A moment in the site's zone (``TIME_ZONE``) with its offset: "2026-12-04 10:40:07 UTC+08:00"."""
    if not isinstance(value, dt.datetime):
        return ts(value)
    from django.utils import timezone

    local = timezone.localtime(value) if value.tzinfo is not None else value
    offset = local.strftime("%z")
    return local.strftime("%Y-%m-%d %H:%M:%S") + (f" UTC{offset[:3]}:{offset[3:]}" if offset else "")


@register.simple_tag
def colon() -> str:
    """The colon of the active language: "：" in Chinese text, ": " in English."""
    return "：" if labels.is_zh() else ": "


@register.filter
def inparens(value) -> str:
    """``value`` in the brackets of the active language: "（江苏省）" in Chinese, " (Jiangsu)" in English."""
    if value in (None, ""):
        return ""
    return f"（{value}）" if labels.is_zh() else f" ({value})"


@register.filter
def outcome(code) -> str:
    """The label of a rule or determination outcome code: ``{{ d.outcome|outcome }}`` → "符合条件" / "Eligible"."""
    return labels.outcome_label(code) if code else ""


@register.filter
def fact(path, case=None) -> str:
    """The label of a fact path: ``{{ "holder.capabilities.independent_rd"|fact }}``."""
    return labels.fact_path_label(path, case) if path else ""
