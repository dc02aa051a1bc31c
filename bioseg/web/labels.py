"""Bilingual labels and choice lists the pages share: names in the active language, provinces, roles."""

from __future__ import annotations

from django.utils.translation import get_language, gettext
from django.utils.translation import gettext_lazy as _

from bioseg.accounts.roles import Role
from bioseg.common.regions import PROVINCES, country_name, province_name
from bioseg.regulation.labels import fact_label
from bioseg.rulebook import OUTCOME_LABELS

ENTERPRISE_ROLE_LABELS = {
    "holder": _("Holder (MAH)"),
    "contract_manufacturer": _("Contract manufacturer"),
    "testing_laboratory": _("Testing laboratory"),
    "logistics_provider": _("Logistics provider"),
}

PRODUCT_FLAG_LABELS = {
    "innovative": _("Innovative"),
    "urgent_clinical_need": _("Urgent clinical need"),
    "nmpa_specified": _("Specified by NMPA"),
}


def is_zh(language: str | None = None) -> bool:
    return (language or get_language() or "").lower().startswith("zh")


def lang_key() -> str:
    """The language key the region helpers expect ("zh" or "en")."""
    return "zh" if is_zh() else "en"


def local_name(obj) -> str:
    """An object's name in the active language, falling back to the other one."""
    if obj is None:
        return ""
    if hasattr(obj, "name_zh"):
        zh, en = obj.name_zh, obj.name_en
    elif hasattr(obj, "name"):  # Person: ``name`` is the name as written (Chinese), ``name_en`` optional
        zh, en = getattr(obj, "name", ""), getattr(obj, "name_en", "")
    elif hasattr(obj, "version") and hasattr(obj, "product"):  # a process chain: its product and version
        return f"{local_name(obj.product)} v{obj.version}"
    else:  # lots, shipments …: their number is their name
        return str(obj)
    return (zh or en) if is_zh() else (en or zh)


AUTO_PREFIX = "bioseg: "  # the prefix of the audit reasons the platform writes itself (oversight's AUTO)


def reason_label(reason: str) -> str:
    """An audit or signature reason in the reader's language: the platform's own reasons are in the catalogue
    (with or without the ``bioseg: `` prefix, shown as 系统：/bioseg: ); a person's reason as written."""
    if not reason:
        return ""
    if reason.startswith(AUTO_PREFIX):
        return gettext("bioseg: ") + gettext(reason[len(AUTO_PREFIX) :])
    return gettext(reason)


def province_label(code: str) -> str:
    return province_name(code, lang_key()) if code else ""


def country_label(code: str) -> str:
    return country_name(code, lang_key()) if code else ""


def province_choices(blank_label=None) -> list[tuple[str, str]]:
    choices = [(p.code, province_label(p.code)) for p in PROVINCES]
    return ([("", blank_label)] if blank_label is not None else []) + choices


def role_labels(codes) -> list[str]:
    labels = dict(Role.choices)
    return [str(labels.get(c, c)) for c in sorted(codes)]


def outcome_pair(code: str) -> tuple[str, str]:
    """(English, Chinese) label of a rule's or a determination's outcome code ("pass", "ineligible" …): the
    rulebook's labels, the English one capitalised as a label ("Not applicable", "Ineligible")."""
    en, zh = OUTCOME_LABELS.get(str(code), (str(code), str(code)))
    return en[:1].upper() + en[1:], zh


def outcome_label(code: str) -> str:
    """The label of an outcome code in the active language."""
    en, zh = outcome_pair(code)
    return zh if is_zh() else en


def fact_path_label(path: str, case=None) -> str:
    """The label of a fact path (``holder.capabilities.independent_rd``) in the active language."""
    en, zh = fact_label(path, case)
    return zh if is_zh() else en
