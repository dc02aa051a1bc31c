from __future__ import annotations

import json

from django.db.models import QuerySet

from bioseg.audit.models import AuditEvent, Signature
from bioseg.audit.services import SignatureStatus, signature_status


def history_for(obj) -> QuerySet[AuditEvent]:
    """Every audit event of one row, oldest first. The caller must already have checked the row is in scope."""
    return AuditEvent.objects.filter(table_name=obj._meta.db_table, row_pk=str(obj.pk)).order_by("id")


def history_rows(obj) -> list[dict]:
    """History as dicts with the changed fields worked out, for pages and the API."""
    rows = []
    for ev in history_for(obj):
        old = json.loads(ev.old_values) if ev.old_values else {}
        new = json.loads(ev.new_values) if ev.new_values else {}
        changed = sorted(k for k in new if k != "updated_at" and old.get(k) != new.get(k)) if old else []
        rows.append(
            {
                "id": ev.id,
                "occurred_at": ev.occurred_at,
                "action": ev.action,
                "actor": ev.actor,
                "organisation": ev.organisation,
                "reason": ev.reason,
                "request_id": ev.request_id,
                "changed": [{"field": k, "old": old.get(k), "new": new.get(k)} for k in changed],
                "new_values": new,
                "hash": ev.hash,
            }
        )
    return rows


def signatures_for(obj) -> list[SignatureStatus]:
    sigs = Signature.objects.filter(table_name=obj._meta.db_table, object_pk=str(obj.pk)).select_related("signer")
    return [signature_status(s, obj) for s in sigs]


def signatures_with_components(obj) -> list[SignatureStatus]:
    """The signatures of ``obj`` and of the records that belong to it (a lot's releases, events and recalls; an
    inspection's events): what a reader of its history expects to find there, oldest first."""
    out = list(signatures_for(obj))
    signed_tables = set(Signature.objects.values_list("table_name", flat=True).distinct())
    for rel in obj._meta.related_objects:
        model = rel.related_model
        if not (rel.one_to_many or rel.one_to_one) or model._meta.db_table not in signed_tables:
            continue
        rows = {str(r.pk): r for r in model._default_manager.filter(**{rel.field.name: obj})}
        if not rows:
            continue
        sigs = Signature.objects.filter(table_name=model._meta.db_table, object_pk__in=list(rows)).select_related(
            "signer"
        )
        out += [signature_status(s, rows[s.object_pk]) for s in sigs]
    return sorted(out, key=lambda st: (st.signature.signed_at, st.signature.pk))
