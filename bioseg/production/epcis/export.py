"""Export of a lot's genealogy and movements as an EPCIS 2.0 document."""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Q

from bioseg import epcis
from bioseg.audit.models import AuditEvent, Signature
from bioseg.common.errors import ApplicationError
from bioseg.epcis import identifiers as gs1
from bioseg.production import selectors as production_selectors
from bioseg.production.epcis.common import KIND_EPCIS, _chunks, _uom, _zone
from bioseg.production.models import (
    Consignee,
    Gs1Location,
    Gs1TradeItem,
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
from bioseg.registry.models import Product, Site
from bioseg.registry.scope import Scope


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
