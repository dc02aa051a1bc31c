"""History pages (audit events and signatures of one object) and the audit-trail verification page."""

from __future__ import annotations

from django.shortcuts import render
from django.urls import reverse

from bioseg.accounts.scope import scope_for
from bioseg.audit import chain
from bioseg.audit.selectors import history_rows, signatures_for
from bioseg.common.errors import NotFound, PermissionDenied
from bioseg.registry import selectors
from bioseg.web.permissions import can_audit
from bioseg.web.views.common import page_view

# kind in the URL → (selector that fetches the object within the user's scope, detail URL name)
HISTORY_KINDS = {
    "enterprises": (selectors.enterprise_get, "web:enterprise-detail"),
    "sites": (selectors.site_get, "web:site-detail"),
    "products": (selectors.product_get, "web:product-detail"),
    "personnel": (selectors.person_get, "web:person-detail"),
}


def _field_labels(model) -> dict[str, str]:
    """Column name → the field's verbose name in the active language."""
    return {f.column: str(f.verbose_name) for f in model._meta.concrete_fields}


@page_view
def history(request, kind, pk):
    if kind not in HISTORY_KINDS:
        raise NotFound("page", kind)
    get, detail_url = HISTORY_KINDS[kind]
    obj = get(scope=scope_for(request.user), pk=pk)
    labels = _field_labels(type(obj))
    rows = history_rows(obj)
    for row in rows:
        for change in row["changed"]:
            change["label"] = labels.get(change["field"], change["field"])
    return render(
        request,
        "web/history.html",
        {
            "object": obj,
            "rows": rows,
            "signatures": signatures_for(obj),
            "detail_url": reverse(detail_url, kwargs={"pk": obj.pk}),
        },
    )


@page_view
def audit_verify(request):
    if not can_audit(request.user):
        raise PermissionDenied("verify the audit trail")
    return render(request, "web/audit.html", {"report": chain.verify()})
