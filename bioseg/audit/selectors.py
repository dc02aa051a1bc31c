from __future__ import annotations

import json

from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet
from django.utils import translation

from bioseg.audit.models import AuditEvent, Signature
from bioseg.audit.services import SignatureStatus, signature_status


def history_for(obj) -> QuerySet[AuditEvent]:
    """Every audit event of one row, oldest first. The caller must already have checked the row is in scope."""
    return AuditEvent.objects.filter(table_name=obj._meta.db_table, row_pk=str(obj.pk)).order_by("id")


def _in_both(label) -> tuple[str, str]:
    with translation.override("en"):
        en = str(label)
    with translation.override("zh-hans"):
        zh = str(label)
    return en, zh


def components_of(obj) -> dict[str, tuple[list[str], tuple[str, str]]]:
    """The rows that belong to ``obj`` (NetBox's ``related_object``), as its model's ``HISTORY_COMPONENTS``
    declares them — (reverse accessor, label) pairs: table → (primary keys, (label in English, in Chinese)). Two
    accessors into one table (a lot's edges as parent and as child) are one entry."""
    out: dict[str, tuple[list[str], tuple[str, str]]] = {}
    for accessor, label in getattr(type(obj), "HISTORY_COMPONENTS", ()):
        manager = getattr(obj, accessor)
        table = manager.model._meta.db_table
        pks, _label = out.setdefault(table, ([], _in_both(label)))
        pks += [str(pk) for pk in manager.values_list("pk", flat=True).order_by("pk") if str(pk) not in pks]
    return out


def _people(events) -> dict[str, tuple[str, str, str]]:
    """actor_id → (printed name, organisation in English, in Chinese) of the users who wrote ``events``."""
    ids = {ev.actor_id for ev in events if ev.actor_id.isdigit()}
    users = get_user_model().objects.filter(pk__in=ids).select_related("organisation")
    out = {}
    for u in users:
        org = u.organisation
        out[str(u.pk)] = (
            u.printed_name or u.get_username(),
            org.name_en if org is not None else "",
            org.name_zh if org is not None else "",
        )
    return out


def history_rows(obj) -> list[dict]:
    """History as dicts with the changed fields worked out, for pages and the API: the events of ``obj`` and of
    the rows that belong to it (``components_of``), oldest first, each naming its table, row and — for a component —
    what it is in both languages, and the person who wrote it by the printed name."""
    own = obj._meta.db_table
    components = components_of(obj)
    where = Q(table_name=own, row_pk=str(obj.pk))
    for table, (pks, _label) in components.items():
        if pks:
            where |= Q(table_name=table, row_pk__in=pks)
    events = list(AuditEvent.objects.filter(where).order_by("id"))
    people = _people(events)
    rows = []
    for ev in events:
        old = json.loads(ev.old_values) if ev.old_values else {}
        new = json.loads(ev.new_values) if ev.new_values else {}
        changed = sorted(k for k in new if k != "updated_at" and old.get(k) != new.get(k)) if old else []
        label_en, label_zh = components[ev.table_name][1] if ev.table_name != own else ("", "")
        name, org_en, org_zh = people.get(ev.actor_id, (ev.actor, ev.organisation, ev.organisation))
        if org_en != ev.organisation:  # the person has moved since: the organisation recorded at the time
            org_en = org_zh = ev.organisation
        rows.append(
            {
                "id": ev.id,
                "occurred_at": ev.occurred_at,
                "table": ev.table_name,
                "row_pk": ev.row_pk,
                "component_en": label_en,
                "component_zh": label_zh,
                "action": ev.action,
                "actor": ev.actor,
                "actor_name": name,
                "organisation": ev.organisation,
                "organisation_zh": org_zh,
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
