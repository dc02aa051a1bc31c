"""History pages (audit events and signatures of one object) and the audit-trail verification page."""

from __future__ import annotations

from django.apps import apps
from django.shortcuts import render
from django.urls import reverse

from bioseg.audit import chain
from bioseg.audit.selectors import history_rows, signatures_with_components
from bioseg.common.errors import NotFound, PermissionDenied
from bioseg.quality import changes as change_selectors
from bioseg.quality import selectors as quality_selectors
from bioseg.quality.capa import capa_get
from bioseg.quality.oos import oos_get
from bioseg.registry import selectors
from bioseg.registry.scope import scope_for
from bioseg.web.labels import is_zh, reason_label
from bioseg.web.permissions import can_audit
from bioseg.web.templatetags.bioseg_web import ts
from bioseg.web.views.common import page_view

# kind in the URL → (selector that fetches the object within the user's scope, detail URL name)
HISTORY_KINDS = {
    "enterprises": (selectors.enterprise_get, "web:enterprise-detail"),
    "sites": (selectors.site_get, "web:site-detail"),
    "products": (selectors.product_get, "web:product-detail"),
    "personnel": (selectors.person_get, "web:person-detail"),
    "deviations": (quality_selectors.deviation_get, "web:deviation-detail"),
    "quality-agreements": (selectors.quality_agreement_get, "web:agreement-detail"),
    "capas": (capa_get, "web:capa-detail"),
    "oos": (oos_get, "web:oos-detail"),
    "changes": (change_selectors.change_get, "web:change-detail"),
}


def _field_labels(model) -> dict[str, str]:
    """Column name → the field's verbose name in the active language."""
    return {f.column: str(f.verbose_name) for f in model._meta.concrete_fields}


def _field_choices(model) -> dict[str, dict[str, str]]:
    """Column name → {stored code → its label in the active language}, for the fields with choices."""
    return {f.column: {str(k): str(v) for k, v in f.flatchoices} for f in model._meta.concrete_fields if f.choices}


def _value(value, choices: dict[str, str] | None):
    """A stored value as the page shows it: a choice's label (never its code), a moment in the one format."""
    if value is None:
        return None
    if choices is not None:
        return choices.get(str(value), value)
    if isinstance(value, str) and len(value) >= 19 and value[4] == "-" and value[10] in "T ":
        return ts(value)
    return value


@page_view
def history(request, kind, pk):
    if kind not in HISTORY_KINDS:
        raise NotFound("page", kind)
    get, detail_url = HISTORY_KINDS[kind]
    obj = get(scope=scope_for(request.user), pk=pk)
    rows = history_rows(obj)
    tables = {row["table"] for row in rows}
    models = [m for m in apps.get_models() if m._meta.db_table in tables]
    labels = {m._meta.db_table: _field_labels(m) for m in models}
    choices = {m._meta.db_table: _field_choices(m) for m in models}
    zh = is_zh()
    for row in rows:
        row["component"] = row["component_zh"] if zh else row["component_en"]
        row["organisation_name"] = row["organisation_zh"] if zh else row["organisation"]
        # the platform's own reasons (written when the user gave none) are in the catalogue; a person's, as written
        row["reason_text"] = reason_label(row["reason"])
        table_labels, table_choices = labels.get(row["table"], {}), choices.get(row["table"], {})
        for change in row["changed"]:
            change["label"] = table_labels.get(change["field"], change["field"])
            change["old"] = _value(change["old"], table_choices.get(change["field"]))
            change["new"] = _value(change["new"], table_choices.get(change["field"]))
    return render(
        request,
        "web/history.html",
        {
            "object": obj,
            "rows": rows,
            "signatures": signatures_with_components(obj),
            "with_components": any(row["table"] != obj._meta.db_table for row in rows),
            "detail_url": reverse(detail_url, kwargs={"pk": obj.pk}),
        },
    )


@page_view
def audit_verify(request):
    if not can_audit(request.user):
        raise PermissionDenied("verify the audit trail")
    return render(request, "web/audit.html", {"report": chain.verify()})
