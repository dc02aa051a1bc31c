"""GS1 EPCIS 2.0 on the Django side: GS1 identifier mappings, export of a lot's genealogy, capture.

The pure part (building and validating documents, hash IDs, identifiers) is ``bioseg.production.epcis``;
this module feeds it from the database and stores what it accepts.

- ``gs1_trade_item_create`` / ``gs1_location_create`` — the GTIN of a product's material, the GLN of a site
  or consignee (``models_epcis``); ``epcis_demo_mappings`` gives every demo product material, site and
  consignee identifiers in GS1's prefix 952, reserved for demonstrations and examples.
- ``epcis_export_lot(scope=, lot_id=)`` — the lot's genealogy, upstream and downstream (``lot_trace`` both
  ways), and its movements as an ``EPCISDocument``:

  * every transformation that made a lot of the genealogy → a ``TransformationEvent`` (manufacture, blend,
    fill, rework; all its inputs and outputs, even those outside the genealogy, so the event — and its
    hash ID — is the same whichever lot is exported); a manufacture without inputs (a cell bank) is a
    commissioning ``ObjectEvent``;
  * every shipment that carried one of its lots → a shipping ``ObjectEvent`` and, once received, a
    receiving one with the temperature-logger readings as ``sensorElementList`` (readings outside the
    storage range of every product on board flagged ``ALARM_CONDITION``);
  * release and status changes → ``ObjectEvent``\\ s with the disposition of ``epcis.vocab``: contract
    manufacturer QA release (``qa_released``) and qualified-person release (``released``) from the release
    records; rejection, hold, recall and the return to ``released`` when a hold is lifted from the audit
    trail of the lot's status (time and reason as recorded).

  Times are in the site's zone (UTC+08:00 in China, UTC elsewhere); a transformation's date is exported
  as 00:00 that day. Units map to UN/ECE Rec. 20 (``L``→LTR, ``mL``→MLT, ``kg``→KGM, ``g``→GRM,
  ``mg``→MGM, countable units → H87). What the trace shows is what is exported (the same scope rules).
  A product material without a GTIN or a place without a GLN refuses the export, listing everything that
  is missing (``epcis_identifiers_missing``, 409).
- ``epcis_capture(actor=, document=, reason=)`` — validates the whole document against GS1's schema,
  computes the CBV 2.0 hash IDs, refuses events already stored (one ``IN`` query) or repeated, and stores
  the events in one transaction, linking each to the lots its LGTINs name. Rows are written with
  ``COPY … FROM STDIN`` on PostgreSQL and ``executemany`` on SQLite (not ``bulk_create``: building model
  instances cost as much as the inserts); the row triggers fire as for any insert. An invalid document is
  refused whole and nothing is written, not even an audit row.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal

from django.db import IntegrityError, connection, transaction
from django.db.models import Q, QuerySet

from bioseg.accounts.models import User
from bioseg.accounts.roles import Role
from bioseg.accounts.scope import Scope
from bioseg.audit.context import audit_context
from bioseg.audit.models import AuditEvent, Signature
from bioseg.common.errors import ApplicationError, PermissionDenied, ValidationFailed
from bioseg.production import epcis
from bioseg.production import selectors as production_selectors
from bioseg.production.epcis import identifiers as gs1
from bioseg.production.models import (
    Consignee,
    Lot,
    LotStatus,
    Release,
    ReleaseKind,
    Shipment,
    ShipmentLine,
    TemperatureReading,
    Transformation,
    TransformationInput,
)
from bioseg.production.models_epcis import (
    EpcisCapture,
    EpcisEvent,
    EpcisEventLot,
    EpcisLotRole,
    Gs1Location,
    Gs1TradeItem,
)
from bioseg.registry.models import Enterprise, Product, Site

__all__ = [
    "CaptureOutcome",
    "epcis_capture",
    "epcis_demo_mappings",
    "epcis_event_list",
    "epcis_export_lot",
    "gs1_location_create",
    "gs1_trade_item_create",
]

CHUNK = 900  # ids per IN (...) list: well inside SQLite's and PostgreSQL's parameter limits
KNOWN_CHUNK = 10_000  # hash IDs per duplicate look-up
CN_TIME = dt.timezone(dt.timedelta(hours=8))
UNIT_UOM = {"L": "LTR", "mL": "MLT", "kg": "KGM", "g": "GRM", "mg": "MGM"}  # the rest count items: H87
KIND_EPCIS = {"manufacture": "manufacture", "blend": "blending", "fill": "fill", "rework": "rework"}
CAPTURE_ROLES = (Role.HOLDER_QA, Role.CMO_QA, Role.QUALIFIED_PERSON, Role.SYSTEM_ADMIN)
MAPPING_ROLES = (Role.HOLDER_RA, Role.HOLDER_QA, Role.CMO_QA, Role.SYSTEM_ADMIN)


def _chunks(values: Iterable, size: int = CHUNK) -> Iterator[list]:
    items = list(values)
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _zone(country_code: str) -> dt.tzinfo:
    return CN_TIME if country_code == "CN" else dt.UTC


def _uom(unit: str) -> str:
    return UNIT_UOM.get(unit, "H87")


# =========================================================================================================
# GS1 identifier mappings


def _actor_enterprise_ids(actor: User) -> set[int]:
    if actor.organisation_id is None:
        return set()
    return set(Enterprise.objects.filter(organisation_id=actor.organisation_id).values_list("id", flat=True))


def _require_mapper(actor: User, enterprise_ids: set[int] | None, action: str) -> None:
    """System admin, or a registry writer of one of ``enterprise_ids`` (``None``: of any enterprise)."""
    if actor is None or not getattr(actor, "is_authenticated", False) or not actor.is_active:
        raise PermissionDenied(action)
    if actor.has_role(Role.SYSTEM_ADMIN):
        return
    if not actor.has_role(*MAPPING_ROLES):
        raise PermissionDenied(action)
    own = _actor_enterprise_ids(actor)
    if not own or (enterprise_ids is not None and not own & enterprise_ids):
        raise PermissionDenied(action)


def _key_problem(field: str, err: gs1.IdentifierError) -> ValidationFailed:
    return ValidationFailed({field: (err.message, f"GS1 标识无效：{err.message}")})


def gs1_trade_item_create(*, actor: User, product: Product, material: str, gtin: str, reason: str = "") -> Gs1TradeItem:
    """Gives ``material`` (a segment code, ``Lot.material``) of ``product`` its GTIN (8, 12, 13 or 14 digits
    with a valid check digit; stored as GTIN-14). Creating the same mapping again returns it unchanged; a
    different GTIN for a mapped material, or a GTIN already used, is refused."""
    _require_mapper(actor, {product.holder_id}, "assign a GTIN")
    material = (material or "").strip()
    if not material:
        raise ValidationFailed({"material": ("The material (segment code) is required.", "必须填写物料（工序代码）。")})
    try:
        gtin14 = gs1.validate_gtin((gtin or "").strip())
    except gs1.IdentifierError as err:
        raise _key_problem("gtin", err) from None
    existing = Gs1TradeItem.objects.filter(Q(product=product, material=material) | Q(gtin=gtin14)).first()
    if existing is not None:
        if existing.product_id == product.pk and existing.material == material and existing.gtin == gtin14:
            return existing
        raise ValidationFailed(
            {
                "gtin": (
                    f"GTIN {existing.gtin} is already assigned to product {existing.product_id} material {existing.material}.",
                    f"GTIN {existing.gtin} 已分配给产品 {existing.product_id} 的物料 {existing.material}。",
                )
            }
        )
    with transaction.atomic(), audit_context(actor=actor, reason=reason or "GTIN assigned"):
        return Gs1TradeItem.objects.create(product=product, material=material, gtin=gtin14)


def gs1_location_create(
    *,
    actor: User,
    gln: str,
    site: Site | None = None,
    consignee: Consignee | None = None,
    extension: str = "",
    reason: str = "",
) -> Gs1Location:
    """Gives a site or a consignee (exactly one) its GLN and optional SGLN extension. Idempotent like
    ``gs1_trade_item_create``."""
    if (site is None) == (consignee is None):
        raise ValidationFailed({"site": ("Give a site or a consignee.", "请指定场地或收货方（二选一）。")})
    _require_mapper(actor, {site.enterprise_id} if site is not None else None, "assign a GLN")
    gln, extension = (gln or "").strip(), (extension or "").strip()
    try:
        gs1.sgln_uri(gln, extension or None)
    except gs1.IdentifierError as err:
        raise _key_problem("gln", err) from None
    owner = Q(site=site) if site is not None else Q(consignee=consignee)
    existing = Gs1Location.objects.filter(owner | Q(gln=gln, extension=extension)).first()
    if existing is not None:
        same_owner = existing.site_id == (site.pk if site else None) and existing.consignee_id == (
            consignee.pk if consignee else None
        )
        if same_owner and existing.gln == gln and existing.extension == extension:
            return existing
        raise ValidationFailed(
            {"gln": (f"GLN {existing} is already assigned.", f"GLN {existing} 已被分配。")},
        )
    with transaction.atomic(), audit_context(actor=actor, reason=reason or "GLN assigned"):
        return Gs1Location.objects.create(site=site, consignee=consignee, gln=gln, extension=extension)


#: GS1 Prefix 952 is reserved by GS1 for demonstrations and examples: never a real company's key.
DEMO_PREFIX = "952"


def _demo_key(seed: str, taken: set[str], digits: int) -> str:
    """A key ``952`` + ``digits`` digits + check digit, derived from ``seed`` (stable across runs)."""
    number = int.from_bytes(hashlib.sha256(seed.encode()).digest()[:8], "big")
    while True:
        body = DEMO_PREFIX + str(number % 10**digits).zfill(digits)
        key = body + gs1.gs1_check_digit(body)
        if key not in taken:
            taken.add(key)
            return key
        number += 1


def epcis_demo_mappings(actor: User, *, reason: str = "demo GS1 identifiers") -> int:
    """GTINs for every material (segment code) of every product's chains and GLNs for every site and
    consignee that have none yet, in GS1 prefix 952 (demonstrations and examples), derived from their names
    so they are the same on every run. Idempotent; returns how many mappings it created. Call it after the
    demo's chains, sites and consignees exist (and again after adding more)."""
    from bioseg.production.models import Segment

    created = 0
    taken_gtins = set(Gs1TradeItem.objects.values_list("gtin", flat=True))
    mapped = set(Gs1TradeItem.objects.values_list("product_id", "material"))
    materials = set(Segment.objects.values_list("chain__product_id", "code")) | set(
        Lot.objects.order_by().values_list("product_id", "material").distinct()
    )
    names = dict(Product.objects.filter(id__in={p for p, _ in materials}).values_list("id", "name_en"))
    for product_id, material in sorted(materials, key=lambda pm: (names[pm[0]], pm[1])):
        if (product_id, material) in mapped:
            continue
        gtin = "0" + _demo_key(f"gtin|{names[product_id]}|{material}", taken_gtins, 9)
        product = Product.objects.get(pk=product_id)
        gs1_trade_item_create(actor=actor, product=product, material=material, gtin=gtin, reason=reason)
        created += 1
    taken_glns = set(Gs1Location.objects.values_list("gln", flat=True))
    for site in Site.objects.filter(gs1_location__isnull=True).order_by("name_en", "id"):
        gln = _demo_key(f"site|{site.name_en}", taken_glns, 9)
        gs1_location_create(actor=actor, site=site, gln=gln, reason=reason)
        created += 1
    for consignee in Consignee.objects.filter(gs1_location__isnull=True).order_by("name_en", "id"):
        gln = _demo_key(f"consignee|{consignee.name_en}", taken_glns, 9)
        gs1_location_create(actor=actor, consignee=consignee, gln=gln, reason=reason)
        created += 1
    return created


# =========================================================================================================
# Export


@dataclass(frozen=True, slots=True)
class _LotRow:
    id: int
    lot_number: str
    product_id: int
    material: str
    site_id: int
    quantity: Decimal
    unit: str
    expires_on: dt.date
    produced_by_id: int | None


_LOT_FIELDS = (
    "id",
    "lot_number",
    "product_id",
    "material",
    "site_id",
    "quantity",
    "unit",
    "expires_on",
    "produced_by_id",
)


def _lot_rows(ids: Iterable[int]) -> dict[int, _LotRow]:
    rows: dict[int, _LotRow] = {}
    for chunk in _chunks(sorted(set(ids))):
        for values in Lot.objects.filter(id__in=chunk).values_list(*_LOT_FIELDS):
            rows[values[0]] = _LotRow(*values)
    return rows


class _Identifiers:
    """GS1 keys for the lots and places of one export; every missing one is collected, then refused."""

    def __init__(self, lots: Mapping[int, _LotRow], site_ids: set[int], consignee_ids: set[int]) -> None:
        product_ids = {lot.product_id for lot in lots.values()}
        self.gtins = {
            (p, m): g
            for p, m, g in Gs1TradeItem.objects.filter(product_id__in=product_ids).values_list(
                "product_id", "material", "gtin"
            )
        }
        places = Gs1Location.objects.filter(Q(site_id__in=site_ids) | Q(consignee_id__in=consignee_ids))
        self.sites: dict[int, epcis.Location] = {}
        self.consignees: dict[int, epcis.Location] = {}
        for loc in places:
            location = epcis.Location(gln=loc.gln, extension=loc.extension or None)
            if loc.site_id:
                self.sites[loc.site_id] = location
            else:
                self.consignees[loc.consignee_id] = location
        self.lot_refs: dict[int, epcis.LotRef] = {}
        self.missing: list[dict[str, Any]] = []
        missing_items: set[tuple[int, str]] = set()
        for lot in sorted(lots.values(), key=lambda x: x.id):
            gtin = self.gtins.get((lot.product_id, lot.material))
            if gtin is None:
                missing_items.add((lot.product_id, lot.material))
                continue
            try:
                self.lot_refs[lot.id] = epcis.LotRef(gtin=gtin, lot=lot.lot_number)
            except gs1.IdentifierError as err:
                self.missing.append(
                    {"kind": "lot_number", "lot_id": lot.id, "lot_number": lot.lot_number, "message": err.message}
                )
        products = dict(Product.objects.filter(id__in={p for p, _ in missing_items}).values_list("id", "name_en"))
        for product_id, material in sorted(missing_items):
            self.missing.append(
                {"kind": "gtin", "product_id": product_id, "product": products[product_id], "material": material}
            )
        for site in Site.objects.filter(id__in=site_ids - set(self.sites)).order_by("id"):
            self.missing.append({"kind": "gln", "site_id": site.pk, "site": site.name_en})
        for consignee in Consignee.objects.filter(id__in=consignee_ids - set(self.consignees)).order_by("id"):
            self.missing.append({"kind": "gln", "consignee_id": consignee.pk, "consignee": consignee.name_en})

    def refuse_if_missing(self) -> None:
        if not self.missing:
            return
        listed = []
        for item in self.missing:
            if item["kind"] == "gtin":
                listed.append(f"GTIN of {item['product']} material {item['material']}")
            elif item["kind"] == "lot_number":
                listed.append(f"lot {item['lot_number']}: {item['message']}")
            elif "site" in item:
                listed.append(f"GLN of site {item['site']}")
            else:
                listed.append(f"GLN of consignee {item['consignee']}")
        raise ApplicationError(
            "epcis_identifiers_missing",
            f"The lot cannot be exported as EPCIS: {len(listed)} GS1 identifier(s) missing or unusable: "
            + "; ".join(listed)
            + ".",
            f"无法导出 EPCIS：缺少或无法使用 {len(listed)} 个 GS1 标识（GTIN/GLN），详见 details.missing。",
            details={"missing": self.missing},
            status=409,
        )


def _lot_quantity(ref: epcis.LotRef, quantity: Decimal, unit: str) -> epcis.LotQuantity:
    return epcis.LotQuantity(lot=ref, quantity=quantity, uom=_uom(unit))


def _status_changes(
    lots: Mapping[int, _LotRow], refs: Mapping[int, epcis.LotRef], places: Mapping[int, epcis.Location], zones
) -> list[epcis.StatusChange]:
    changes: list[epcis.StatusChange] = []
    ids = sorted(lots)

    def change(lot_id: int, status: str, when: dt.datetime, reason: str | None) -> epcis.StatusChange:
        site_id = lots[lot_id].site_id
        return epcis.StatusChange(
            lot=refs[lot_id],
            status=status,  # type: ignore[arg-type]
            event_time=when.astimezone(zones[site_id]),
            location=places[site_id],
            reason=reason or None,
        )

    for chunk in _chunks(ids):
        releases = list(Release.objects.filter(lot_id__in=chunk).values_list("id", "lot_id", "kind", "created_at"))
        # a release happened when it was signed (its business time), not when its row was written
        signed = dict(
            Signature.objects.filter(
                table_name=Release._meta.db_table, object_pk__in=[str(r[0]) for r in releases]
            ).values_list("object_pk", "signed_at")
        )
        for release_id, lot_id, kind, created in releases:
            status = "qa_released" if kind == ReleaseKind.CMO_QA else "released"
            changes.append(change(lot_id, status, signed.get(str(release_id), created), None))
    table = Lot._meta.db_table
    for chunk in _chunks(ids):
        audit_rows = AuditEvent.objects.filter(
            table_name=table, action="update", row_pk__in=[str(i) for i in chunk]
        ).values_list("row_pk", "occurred_at", "reason", "old_values", "new_values")
        for row_pk, occurred_at, reason, old_text, new_text in audit_rows.order_by("id"):
            old = json.loads(old_text or "{}").get("status")
            new = json.loads(new_text or "{}").get("status")
            if old == new:
                continue
            if new in (LotStatus.REJECTED, LotStatus.ON_HOLD, LotStatus.RECALLED) or (
                new == LotStatus.RELEASED and old == LotStatus.ON_HOLD
            ):
                when = dt.datetime.fromisoformat(occurred_at)
                changes.append(change(int(row_pk), new, when, reason))
    return changes


def epcis_export_lot(*, scope: Scope, lot_id) -> dict[str, Any]:
    """The genealogy (backward and forward) and movements of a lot the user may see (404 otherwise) as an
    EPCIS 2.0 ``EPCISDocument`` (a JSON-ready dict, valid against GS1's schema), each event carrying its
    CBV 2.0 hash ID as ``eventID``. Raises ``epcis_identifiers_missing`` (409) listing every product
    material without a GTIN and every site or consignee without a GLN."""
    backward = production_selectors.lot_trace(scope=scope, pk=lot_id, direction="backward")
    forward = production_selectors.lot_trace(scope=scope, pk=lot_id, direction="forward")
    genealogy = {lot.id for lot in backward.lots} | {lot.id for lot in forward.lots}
    lots = _lot_rows(genealogy)

    # transformations that made a lot of the genealogy, with all their inputs and outputs
    transformation_ids = {lot.produced_by_id for lot in lots.values() if lot.produced_by_id}
    transformations: dict[int, tuple[str, dt.date, int, str]] = {}
    inputs: dict[int, list[tuple[int, Decimal]]] = defaultdict(list)
    outputs: dict[int, list[int]] = defaultdict(list)
    for chunk in _chunks(sorted(transformation_ids)):
        for row in Transformation.objects.filter(id__in=chunk).values_list(
            "id", "kind", "performed_on", "site_id", "reference"
        ):
            transformations[row[0]] = row[1:]
        for t_id, in_lot, qty in TransformationInput.objects.filter(transformation_id__in=chunk).values_list(
            "transformation_id", "lot_id", "quantity"
        ):
            inputs[t_id].append((in_lot, qty))
        for out_lot, t_id in Lot.objects.filter(produced_by_id__in=chunk).values_list("id", "produced_by_id"):
            outputs[t_id].append(out_lot)

    # shipments that carried a lot of the genealogy, with all their lines and readings
    # every shipment line, also beyond the trace's expand limit (where ``shipments`` is left empty)
    shipment_ids = {s.shipment_id for s in backward.iter_shipment_lines()} | {
        s.shipment_id for s in forward.iter_shipment_lines()
    }
    shipments: dict[int, tuple] = {}
    lines: dict[int, list[tuple[int, Decimal]]] = defaultdict(list)
    readings: dict[int, list[tuple[dt.datetime, Decimal]]] = defaultdict(list)
    for chunk in _chunks(sorted(shipment_ids)):
        for row in Shipment.objects.filter(id__in=chunk).values_list(
            "id", "reference", "from_site_id", "to_site_id", "consignee_id", "shipped_at", "received_at"
        ):
            shipments[row[0]] = row
        for s_id, lot_ref, qty in ShipmentLine.objects.filter(shipment_id__in=chunk).values_list(
            "shipment_id", "lot_id", "quantity"
        ):
            lines[s_id].append((lot_ref, qty))
        for s_id, when, celsius in TemperatureReading.objects.filter(log__shipment_id__in=chunk).values_list(
            "log__shipment_id", "recorded_at", "celsius"
        ):
            readings[s_id].append((when, celsius))

    more = {lot for rows in inputs.values() for lot, _ in rows} | {lot for rows in lines.values() for lot, _ in rows}
    more |= {lot for rows in outputs.values() for lot in rows}
    lots.update(_lot_rows(more - set(lots)))

    site_ids = {t[2] for t in transformations.values()} | {lots[i].site_id for i in genealogy}
    consignee_ids: set[int] = set()
    for _, _, from_site, to_site, consignee, _, _ in shipments.values():
        site_ids.add(from_site)
        if to_site:
            site_ids.add(to_site)
        if consignee:
            consignee_ids.add(consignee)
    keys = _Identifiers(lots, site_ids, consignee_ids)
    keys.refuse_if_missing()
    zones = dict(Site.objects.filter(id__in=site_ids).values_list("id", "country_code"))
    zones = {pk: _zone(country) for pk, country in zones.items()}
    consignee_zones = {
        pk: _zone(country)
        for pk, country in Consignee.objects.filter(id__in=consignee_ids).values_list("id", "country_code")
    }
    refs = keys.lot_refs

    records: list[epcis.TransformationRecord] = []
    for t_id, (kind, performed_on, site_id, reference) in sorted(transformations.items()):
        made = sorted(outputs[t_id])
        expiries = {lots[o].expires_on for o in made}
        records.append(
            epcis.TransformationRecord(
                kind=KIND_EPCIS[kind],  # type: ignore[arg-type]
                event_time=dt.datetime.combine(performed_on, dt.time(0), tzinfo=zones[site_id]),
                location=keys.sites[site_id],
                inputs=tuple(_lot_quantity(refs[lot], qty, lots[lot].unit) for lot, qty in sorted(inputs[t_id])),
                outputs=tuple(_lot_quantity(refs[o], lots[o].quantity, lots[o].unit) for o in made),
                record_id=reference or None,
                expiry_date=expiries.pop() if len(expiries) == 1 else None,
            )
        )

    storage = dict(
        (pk, (lo, hi)) for pk, lo, hi in Product.objects.filter(id__in={lot.product_id for lot in lots.values()})
        .values_list("id", "storage_min_c", "storage_max_c")
    )  # fmt: skip
    shipment_records: list[epcis.ShipmentRecord] = []
    for s_id, (_, reference, from_site, to_site, consignee, shipped_at, received_at) in sorted(shipments.items()):
        destination = keys.sites[to_site] if to_site else keys.consignees[consignee]
        arrival_zone = zones[to_site] if to_site else consignee_zones[consignee]
        ranges = [storage[lots[lot].product_id] for lot, _ in lines[s_id]]
        ranges = [(lo, hi) for lo, hi in ranges if lo is not None and hi is not None]
        storage_range = (max(lo for lo, _ in ranges), min(hi for _, hi in ranges)) if ranges else None
        temps = sorted(readings[s_id]) if received_at is not None else []
        shipment_records.append(
            epcis.ShipmentRecord(
                shipment_id=reference,
                origin=keys.sites[from_site],
                destination=destination,
                lines=tuple(_lot_quantity(refs[lot], qty, lots[lot].unit) for lot, qty in sorted(lines[s_id])),
                shipped_at=shipped_at.astimezone(zones[from_site]),
                received_at=received_at.astimezone(arrival_zone) if received_at else None,
                readings=tuple(epcis.TemperatureReading(when.astimezone(arrival_zone), c) for when, c in temps),
                storage_range=storage_range,
            )
        )

    genealogy_rows = {i: lots[i] for i in genealogy}
    changes = _status_changes(genealogy_rows, refs, keys.sites, zones)
    return epcis.build_document(transformations=records, shipments=shipment_records, status_changes=changes)


# =========================================================================================================
# Capture


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


def _lot_links(events: tuple[epcis.CapturedEvent, ...]) -> list[tuple[int, int, str]]:
    """``(event position in events, lot id, role)`` for each LGTIN that names a known lot."""
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
        for lot_id, product_id, material, number, site_id in Lot.objects.filter(
            lot_number__in=chunk, product_id__in=product_ids
        ).values_list("id", "product_id", "material", "lot_number", "site_id"):
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
    result = epcis.capture_document(data, known_hash_ids=_known_hash_ids, on_duplicate=on_duplicate)
    links = _lot_links(result.events)
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


# =========================================================================================================
# Reads


def epcis_event_list(*, scope: Scope) -> QuerySet[EpcisEvent]:
    """Captured events the user may see: everything (national), else those captured by someone of the
    user's organisation or naming a lot the user may see."""
    qs = EpcisEvent.objects.all()
    if scope.is_national:
        return qs
    if scope.kind == "none":
        return qs.none()
    visible_lots = production_selectors.lot_list(scope=scope).order_by().values("id")
    linked = EpcisEventLot.objects.filter(lot_id__in=visible_lots).values("event_id")
    return qs.filter(Q(captured_by__organisation_id=scope.organisation_id) | Q(id__in=linked))
