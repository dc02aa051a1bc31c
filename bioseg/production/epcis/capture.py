"""Capture of an EPCIS 2.0 document: validate, hash, refuse duplicates, store all or nothing."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from django.conf import settings
from django.db import IntegrityError, connection, transaction

from bioseg import epcis
from bioseg.accounts.models import User
from bioseg.audit.context import audit_context
from bioseg.common.errors import ApplicationError, PermissionDenied, ValidationFailed
from bioseg.epcis import identifiers as gs1
from bioseg.production.epcis.common import CAPTURE_ROLES, KNOWN_CHUNK, _chunks
from bioseg.production.models import (
    EpcisCapture,
    EpcisEvent,
    EpcisEventLot,
    EpcisLotRole,
    Gs1Location,
    Gs1TradeItem,
    Lot,
)
from bioseg.registry.scope import scope_for


@dataclass(frozen=True)
class CaptureOutcome:
    capture: EpcisCapture
    hash_ids: tuple[str, ...]  # of the events stored, in document order
    duplicates: tuple[epcis.Duplicate, ...]  # skipped (``on_duplicate="skip"`` only)
    lot_links: int

    def as_dict(self) -> dict[str, Any]:
        c = self.capture
        return {
            "capture_id": c.pk,
            "document_type": c.document_type,
            "event_count": c.event_count,
            "duplicate_count": c.duplicate_count,
            "lot_link_count": c.lot_link_count,
            "hash_ids": list(self.hash_ids),
            "duplicates": [{"pointer": d.pointer, "hash_id": d.hash_id, "reason": d.reason} for d in self.duplicates],
        }


def _known_hash_ids(hash_ids: list[str]) -> set[str]:
    known: set[str] = set()
    for chunk in _chunks(hash_ids, KNOWN_CHUNK):
        known.update(EpcisEvent.objects.filter(hash_id__in=chunk).values_list("hash_id", flat=True))
    return known


_LGTIN_CACHE: dict[str, tuple[str, str] | None] = {}


def _lgtin(uri: str) -> tuple[str, str] | None:
    try:
        return _LGTIN_CACHE[uri]
    except KeyError:
        pass
    found = None
    try:
        link = gs1.parse_digital_link(uri)
        if link.ai == "01" and link.lot is not None and link.serial is None:
            found = (link.key, link.lot)
    except gs1.IdentifierError:
        pass
    if len(_LGTIN_CACHE) > 100_000:
        _LGTIN_CACHE.clear()
    _LGTIN_CACHE[uri] = found
    return found


_SGLN_CACHE: dict[str, tuple[str, str] | None] = {}


def _sgln(uri: str | None) -> tuple[str, str] | None:
    if not uri or "/414/" not in uri:
        return None
    try:
        return _SGLN_CACHE[uri]
    except KeyError:
        pass
    try:
        gln, extension = gs1.parse_sgln(uri)
        found = (gln, extension or "")
    except gs1.IdentifierError:
        found = None
    if len(_SGLN_CACHE) > 100_000:
        _SGLN_CACHE.clear()
    _SGLN_CACHE[uri] = found
    return found


def _lot_links(events: tuple[epcis.CapturedEvent, ...], scope) -> list[tuple[int, int, str]]:
    """``(event position in events, lot id, role)`` for each LGTIN that names a lot the capturer may see: a lot
    outside the capturer's scope is treated as unknown (linking it, or counting it, would say it exists)."""
    wanted: list[tuple[int, tuple[str, str], str, tuple[str, str] | None]] = []
    for n, event in enumerate(events):
        place = _sgln(event.biz_location) or _sgln(event.read_point)
        for role, elements in (
            (EpcisLotRole.OBJECT, event.quantities),
            (EpcisLotRole.INPUT, event.input_quantities),
            (EpcisLotRole.OUTPUT, event.output_quantities),
            (EpcisLotRole.CHILD, event.child_quantities),
        ):
            for element in elements:
                lgtin = _lgtin(element.epc_class)
                if lgtin is not None:
                    wanted.append((n, lgtin, role, place))
    if not wanted:
        return []
    items: dict[str, tuple[int, str]] = {}
    for chunk in _chunks({gtin for _, (gtin, _), _, _ in wanted}):
        for gtin, product_id, material in Gs1TradeItem.objects.filter(gtin__in=chunk).values_list(
            "gtin", "product_id", "material"
        ):
            items[gtin] = (product_id, material)
    numbers = {number for _, (gtin, number), _, _ in wanted if gtin in items}
    if not numbers:
        return []
    candidates: dict[tuple[int, str, str], list[tuple[int, int]]] = defaultdict(list)
    product_ids = {p for p, _ in items.values()}
    for chunk in _chunks(numbers):
        for lot_id, product_id, material, number, site_id in (
            Lot.objects.filter(lot_number__in=chunk, product_id__in=product_ids)
            .restrict(scope)
            .values_list("id", "product_id", "material", "lot_number", "site_id")
        ):
            candidates[(product_id, material, number)].append((lot_id, site_id))
    sites: dict[tuple[str, str], int] = {}
    places = {place for _, _, _, place in wanted if place}
    if places:
        glns = {gln for gln, _ in places}
        for gln, extension, site_id in Gs1Location.objects.filter(gln__in=glns, site__isnull=False).values_list(
            "gln", "extension", "site_id"
        ):
            sites[(gln, extension)] = site_id
    links: set[tuple[int, int, str]] = set()
    for n, (gtin, number), role, place in wanted:
        item = items.get(gtin)
        if item is None:
            continue
        found = candidates.get((item[0], item[1], number), [])
        if len(found) > 1 and place in sites:  # the same lot number at several sites: the event's place decides
            found = [(lot_id, site_id) for lot_id, site_id in found if site_id == sites[place]]
        if len(found) == 1:
            links.add((n, found[0][0], role))
    return sorted(links)


def _document_bytes(document: bytes | str | Mapping[str, Any]) -> tuple[bytes | Mapping[str, Any], str]:
    if isinstance(document, str):
        document = document.encode("utf-8")
    if isinstance(document, bytes | bytearray):
        return bytes(document), hashlib.sha256(document).hexdigest()
    return document, ""


def _require_capturer(actor: User) -> None:
    if actor is None or not getattr(actor, "is_authenticated", False) or not actor.is_active:
        raise PermissionDenied("capture EPCIS events")
    if not actor.has_role(*CAPTURE_ROLES):
        raise PermissionDenied("capture EPCIS events")


def _insert_rows(model: type, columns: tuple[str, ...], rows: Iterable[tuple]) -> None:
    """Insert ``rows`` (values in ``columns`` order, as Python values) into ``model``'s table in one
    statement stream: ``COPY … FROM STDIN`` on PostgreSQL, ``executemany`` elsewhere. Row triggers (the
    audit trail) fire for every row either way; the caller's transaction makes it all or nothing."""
    fields = [model._meta.get_field(c) for c in columns]
    assert [f.column for f in fields] == list(columns), "columns must be the table's column names"
    ops = connection.ops
    table = ops.quote_name(model._meta.db_table)
    names = ", ".join(ops.quote_name(c) for c in columns)
    with connection.cursor() as cursor, connection.wrap_database_errors:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            adapt = [
                (i, ops.adapt_datetimefield_value)
                for i, f in enumerate(fields)
                if f.get_internal_type() == "DateTimeField"
            ]
            prepared = []
            for row in rows:
                values = list(row)
                for i, to_db in adapt:
                    values[i] = to_db(values[i])
                prepared.append(values)
            placeholders = ", ".join(["%s"] * len(columns))
            cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({placeholders})", prepared)


def _event_rows(
    events: Iterable[epcis.CapturedEvent], now: dt.datetime, capture_id: int, actor_id: int
) -> Iterator[tuple]:
    dumps = json.dumps  # what JSONField writes (Django's default encoder)
    for e in events:
        yield (
            now, now, capture_id, e.index, e.hash_id, (e.event_id or "")[:300], e.event_type, e.action or "",
            e.event_time, e.event_time_zone_offset, e.biz_step or "", e.disposition or "", e.read_point or "",
            e.biz_location or "", dumps(e.raw), actor_id,
        )  # fmt: skip


def _event_ids(capture_id: int) -> dict[int, int]:
    """Position in the document -> id of the events just stored for ``capture_id``."""
    return dict(EpcisEvent.objects.filter(capture_id=capture_id).order_by().values_list("position", "id"))


def epcis_capture(
    *,
    actor: User,
    document: bytes | str | Mapping[str, Any],
    reason: str,
    on_duplicate: Literal["reject", "skip"] = "reject",
) -> CaptureOutcome:
    """Validates ``document`` whole (GS1's official schema with URI and date-time formats checked, GS1 check
    digits, NMPA codes), computes each event's CBV 2.0 hash ID and stores the events in one transaction.

    Refused, with nothing written (``EPCISDocumentRejected``, 400, every problem with its JSON pointer):
    an invalid document, and — with ``on_duplicate="reject"`` (default) — any event already captured or
    repeated in the document; with ``"skip"`` those are left out and listed in the outcome. Needs a QA role
    (holder QA, contract manufacturer QA, qualified person) or the system admin, and a reason."""
    _require_capturer(actor)
    if not (reason or "").strip():
        raise ValidationFailed({"reason": ("A reason is required.", "必须填写原因。")})
    if on_duplicate not in ("reject", "skip"):
        raise ValidationFailed(
            {"on_duplicate": ("Use reject or skip.", "on_duplicate 须为 reject 或 skip。")},
        )
    data, sha256 = _document_bytes(document)
    limit = settings.BIOSEG_EPCIS_MAX_BYTES
    if isinstance(data, bytes) and len(data) > limit:
        raise ApplicationError(
            "document_too_large",
            f"The EPCIS document has {len(data):,} bytes; at most {limit:,} are accepted: send it in parts.",
            f"EPCIS 文档大小为 {len(data):,} 字节，最多接受 {limit:,} 字节：请分批发送。",
            details={"bytes": len(data), "limit": limit},
            status=413,
        )
    result = epcis.capture_document(data, known_hash_ids=_known_hash_ids, on_duplicate=on_duplicate)
    if len(result.events) > settings.BIOSEG_EPCIS_MAX_EVENTS:
        raise ApplicationError(
            "too_many_events",
            f"The document has {len(result.events):,} events; at most {settings.BIOSEG_EPCIS_MAX_EVENTS:,} are accepted at once.",
            f"文档含 {len(result.events):,} 个事件，每次最多接受 {settings.BIOSEG_EPCIS_MAX_EVENTS:,} 个。",
            details={"events": len(result.events), "limit": settings.BIOSEG_EPCIS_MAX_EVENTS},
            status=413,
        )
    links = _lot_links(result.events, scope_for(actor))
    try:
        # audit context outside the transaction: when an insert fails (a concurrent capture stored one of
        # these events), PostgreSQL aborts the transaction, and restoring the context inside it would fail
        # and hide the error; this way the transaction is rolled back first
        with audit_context(actor=actor, reason=reason.strip()), transaction.atomic():
            capture = EpcisCapture.objects.create(
                document_type=result.document_type,
                schema_version=(result.schema_version or "")[:10],
                creation_date=result.creation_date,
                sender=(result.sender or "")[:300],
                receiver=(result.receiver or "")[:300],
                instance_identifier=(result.instance_identifier or "")[:300],
                sha256=sha256,
                event_count=len(result.events),
                duplicate_count=len(result.duplicates),
                lot_link_count=len(links),
                captured_by=actor,
            )
            now = dt.datetime.now(dt.UTC)
            _insert_rows(
                EpcisEvent,
                (
                    "created_at", "updated_at", "capture_id", "position", "hash_id", "event_id", "event_type",
                    "action", "event_time", "event_time_zone_offset", "biz_step", "disposition", "read_point",
                    "biz_location", "raw", "captured_by_id",
                ),
                _event_rows(result.events, now, capture.pk, actor.pk),
            )  # fmt: skip
            if links:
                ids = _event_ids(capture.pk)
                _insert_rows(
                    EpcisEventLot,
                    ("created_at", "updated_at", "event_id", "lot_id", "role"),
                    ((now, now, ids[result.events[n].index], lot_id, role) for n, lot_id, role in links),
                )
    except IntegrityError as err:  # another capture stored one of these events meanwhile
        known = _known_hash_ids([e.hash_id for e in result.events])
        problems = [
            epcis.Problem(e.pointer, "duplicate_event", f"event {e.hash_id} was already captured")
            for e in result.events
            if e.hash_id in known
        ]
        if not problems:
            raise
        raise epcis.EPCISDocumentRejected(problems) from err
    return CaptureOutcome(
        capture=capture,
        hash_ids=tuple(e.hash_id for e in result.events),
        duplicates=result.duplicates,
        lot_links=len(links),
    )
