"""Backward and forward trace over the materialised lot genealogy, with recursive CTEs.

The walk is one ``WITH RECURSIVE`` query (standard SQL: SQLite ≥ 3.8.3 and PostgreSQL alike) that keeps
only the reached lot ids, with ``UNION`` so that a lot reached along many paths is visited once — a
multivalent blend or a working-cell-bank lot with tens of thousands of descendants stays linear in the
number of edges. Each recursive step is an index-only range scan:

- forward:  ``uniq_lot_edge`` (parent_lot_id, child_lot_id, transformation_id)
- backward: ``lotedge_child_parent_idx`` (child_lot_id, parent_lot_id)

The reached set is then joined (still inside the database) to the edges with their transformations and
lots, and to the shipment lines through ``shipline_lot_shipment_idx`` (lot_id, shipment_id). Paths are
worked out in Python from the edges by a breadth-first walk from the roots: the path given for a lot is
a shortest one (fewest transformations), ties broken by lot id, so it is deterministic.

The trace of a visible lot lists every lot it touched — a recall needs the whole picture — and flags
each with ``in_scope`` so interfaces link only to what the user may open.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field
from decimal import Decimal

from django.db.models import QuerySet
from django.db.models.expressions import RawSQL

DIRECTIONS = ("forward", "backward")


def reach_sql(roots: QuerySet, direction: str) -> tuple[str, tuple]:
    """SQL selecting the ids of ``roots`` (a Lot queryset) and every lot downstream (forward) or
    upstream (backward) of them, and its parameters."""
    if direction not in DIRECTIONS:
        raise ValueError(f"direction must be one of {DIRECTIONS}")
    from bioseg.production.models import LotEdge

    base_sql, base_params = roots.order_by().values("id").query.sql_with_params()
    edge = LotEdge._meta.db_table
    near, far = ("parent_lot_id", "child_lot_id") if direction == "forward" else ("child_lot_id", "parent_lot_id")
    sql = (
        f"WITH RECURSIVE reach(id) AS ({base_sql} "
        f"UNION SELECT e.{far} FROM {edge} e JOIN reach r ON e.{near} = r.id) "
        "SELECT id FROM reach"
    )
    return sql, tuple(base_params)


def reach(roots: QuerySet, direction: str) -> RawSQL:
    """The reached ids as an expression for ``filter(id__in=...)``."""
    return RawSQL(*reach_sql(roots, direction))


# --- result --------------------------------------------------------------------------------------------


@dataclass(slots=True)
class TraceLot:
    id: int
    lot_number: str
    product_id: int
    material: str
    segment_id: int
    stage: str
    site_id: int
    enterprise_id: int
    country_code: str
    region_code: str
    status: str
    quantity: Decimal
    unit: str
    manufactured_on: dt.date
    expires_on: dt.date
    depth: int = 0
    path: tuple[int, ...] = ()
    in_scope: bool = True


@dataclass(frozen=True, slots=True)
class TraceEdge:
    parent_lot_id: int
    child_lot_id: int
    transformation_id: int
    quantity: Decimal


@dataclass(frozen=True, slots=True)
class TraceTransformation:
    id: int
    kind: str
    performed_on: dt.date
    site_id: int


@dataclass(frozen=True, slots=True)
class TraceShipment:
    line_id: int
    shipment_id: int
    reference: str
    lot_id: int
    quantity: Decimal
    from_site_id: int
    to_site_id: int | None
    consignee_id: int | None
    shipped_at: dt.datetime
    received_at: dt.datetime | None
    path: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class TraceSite:
    id: int
    name_zh: str
    name_en: str
    enterprise_id: int
    enterprise_name_zh: str
    enterprise_name_en: str
    country_code: str
    region_code: str


@dataclass(frozen=True, slots=True)
class TraceConsignee:
    id: int
    name_zh: str
    name_en: str
    country_code: str
    region_code: str


@dataclass(frozen=True, slots=True)
class TraceProduct:
    id: int
    name_zh: str
    name_en: str


@dataclass
class TraceResult:
    """A trace: ``lots`` ordered by depth then lot number (the roots first, depth 0)."""

    direction: str
    root_ids: list[int]
    lots: list[TraceLot] = field(default_factory=list)
    edges: list[TraceEdge] = field(default_factory=list)
    transformations: list[TraceTransformation] = field(default_factory=list)
    shipments: list[TraceShipment] = field(default_factory=list)
    consignees: list[TraceConsignee] = field(default_factory=list)
    sites: list[TraceSite] = field(default_factory=list)
    products: list[TraceProduct] = field(default_factory=list)
    expanded: bool = True  # edges, transformations and paths listed (False beyond the expand limit)
    _lots: dict = field(default_factory=dict, repr=False)
    _near_far: tuple[str, str] = ("parent_lot_id", "child_lot_id")

    def path_to(self, lot_id: int) -> tuple[int, ...]:
        """The path from a root to ``lot_id`` (root first), through the smallest-id neighbour one level
        closer to the roots at each step; one small indexed query per step when not expanded."""
        from bioseg.production.models import LotEdge

        lot = self._lots[lot_id]
        if lot.path:
            return lot.path
        near, far = self._near_far
        path = [lot_id]
        while lot.depth > 0:
            candidates = LotEdge.objects.filter(**{far: lot.id}).values_list(near, flat=True)
            closer = min(c for c in candidates if c in self._lots and self._lots[c].depth == lot.depth - 1)
            path.append(closer)
            lot = self._lots[closer]
        return tuple(reversed(path))

    def lot_ids(self) -> set[int]:
        return {lot.id for lot in self.lots}

    def lot(self, lot_id: int) -> TraceLot:
        for lot in self.lots:
            if lot.id == lot_id:
                return lot
        raise KeyError(lot_id)

    def as_dict(self) -> dict:
        """Plain JSON-ready data (dates ISO 8601, decimals as strings)."""

        def clean(value):
            if isinstance(value, Decimal):
                return str(value)
            if isinstance(value, dt.datetime | dt.date):
                return value.isoformat()
            if isinstance(value, tuple | list):
                return [clean(v) for v in value]
            if isinstance(value, dict):
                return {k: clean(v) for k, v in value.items()}
            return value

        return {
            "direction": self.direction,
            "root_ids": list(self.root_ids),
            "expanded": self.expanded,
            "lots": [clean(asdict(x)) for x in self.lots],
            "edges": [clean(asdict(x)) for x in self.edges],
            "transformations": [clean(asdict(x)) for x in self.transformations],
            "shipments": [clean(asdict(x)) for x in self.shipments],
            "consignees": [clean(asdict(x)) for x in self.consignees],
            "sites": [clean(asdict(x)) for x in self.sites],
            "products": [clean(asdict(x)) for x in self.products],
        }


# --- the trace -----------------------------------------------------------------------------------------

EXPAND_LIMIT = 10_000
MAX_DEPTH = 500  # the genealogy is acyclic by construction (outputs are new lots); this only bounds bad data
_Q4 = Decimal("0.0001")


def _dec(value) -> Decimal:
    return (value if isinstance(value, Decimal) else Decimal(str(value))).quantize(_Q4)


def _date(value) -> dt.date:
    return dt.date.fromisoformat(value) if isinstance(value, str) else value


def _chunks(ids: list[int], size: int):
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


def _depth_sql(roots: QuerySet, direction: str) -> tuple[str, tuple]:
    """Every reached lot with its distance (fewest transformations) from the roots, and its columns."""
    from bioseg.production.models import Lot, LotEdge

    base_sql, base_params = roots.order_by().values("id").query.sql_with_params()
    edge, lot = LotEdge._meta.db_table, Lot._meta.db_table
    near, far = ("parent_lot_id", "child_lot_id") if direction == "forward" else ("child_lot_id", "parent_lot_id")
    sql = (
        f"WITH RECURSIVE reach(id, depth) AS (SELECT b.id, 0 FROM ({base_sql}) b "
        f"UNION SELECT e.{far}, r.depth + 1 FROM {edge} e JOIN reach r ON e.{near} = r.id WHERE r.depth < %s) "
        "SELECT r.depth, l.id, l.lot_number, l.product_id, l.material, l.segment_id, l.site_id, l.status, "
        "l.quantity, l.unit, l.manufactured_on, l.expires_on "
        f"FROM (SELECT id, MIN(depth) AS depth FROM reach GROUP BY id) r JOIN {lot} l ON l.id = r.id"
    )
    return sql, (*base_params, MAX_DEPTH)


def trace(
    *,
    roots: QuerySet,
    direction: str,
    include_shipments: bool = True,
    scope=None,
    expand_limit: int | None = EXPAND_LIMIT,
) -> TraceResult:
    """Traces from the lots of ``roots`` (a Lot queryset already restricted to what the caller may
    start from). ``scope`` (optional) sets each lot's ``in_scope`` flag.

    Up to ``expand_limit`` lots (None: no limit) the result lists every edge and transformation and the
    path to each lot; beyond it (a working-cell-bank lot with tens of thousands of descendants) it lists
    the lots with their depth, and ``path_to(lot_id)`` works a path out on demand."""
    from django.db import connection

    from bioseg.production.models import Consignee, LotEdge, Segment, Shipment, ShipmentLine, Transformation
    from bioseg.registry.models import Product, Site

    if direction not in DIRECTIONS:
        raise ValueError(f"direction must be one of {DIRECTIONS}")
    forward = direction == "forward"
    near, far = ("parent_lot", "child_lot") if forward else ("child_lot", "parent_lot")
    result = TraceResult(direction=direction, root_ids=[])

    # 1. the reached lots with their depth: one recursive query
    sql, params = _depth_sql(roots, direction)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    if not rows:
        return result
    stages = dict(Segment.objects.filter(id__in={r[5] for r in rows}).values_list("id", "stage"))
    site_rows = {s.id: s for s in Site.objects.filter(id__in={r[6] for r in rows}).select_related("enterprise")}
    lots: dict[int, TraceLot] = {}
    for depth, pk, number, product_id, material, segment_id, site_id, status, qty, unit, made, expires in rows:
        site = site_rows[site_id]
        lots[pk] = TraceLot(
            pk,
            number,
            product_id,
            material,
            segment_id,
            stages[segment_id],
            site_id,
            site.enterprise_id,
            site.country_code,
            site.region_code,
            status,
            _dec(qty),
            unit,
            _date(made),
            _date(expires),
            depth,
        )
    result.root_ids = sorted(pk for pk, lot in lots.items() if lot.depth == 0)
    reached = reach(roots, direction)
    result.expanded = expand_limit is None or len(lots) <= expand_limit
    result._lots = lots
    result._near_far = (f"{near}_id", f"{far}_id")

    # 2. edges, transformations and paths (each lot's path goes through its smallest-id neighbour one
    #    level closer to the roots: the rule ``path_to`` follows too)
    #    Up to the expand limit, steps 2 and 3 look rows up by the lot ids step 1 returned (single-table
    #    index lookups, in chunks the engine accepts) rather than re-running the recursive query inside a
    #    join: PostgreSQL cannot estimate a recursive CTE's size (it guesses thousands of rows for a trace
    #    of forty lots) and then hashes the whole transformation and shipment tables.
    chunk = connection.features.max_query_params or 10_000
    lot_ids = sorted(lots)
    transformations: dict[int, TraceTransformation] = {}
    edges: list[TraceEdge] = []
    if result.expanded:
        edge_rows = [
            row
            for ids in _chunks(lot_ids, chunk)
            for row in LotEdge.objects.filter(**{f"{near}_id__in": ids}).values_list(
                "parent_lot_id", "child_lot_id", "transformation_id", "quantity"
            )
        ]
        for ids in _chunks(sorted({row[2] for row in edge_rows}), chunk):
            for tid, kind, performed_on, t_site in Transformation.objects.filter(id__in=ids).values_list(
                "id", "kind", "performed_on", "site_id"
            ):
                transformations[tid] = TraceTransformation(tid, kind, performed_on, t_site)
        closer: dict[int, int] = {}
        for parent, child, tid, qty in edge_rows:
            edges.append(TraceEdge(parent, child, tid, qty))
            src, dst = (parent, child) if forward else (child, parent)
            if src in lots and dst in lots and lots[src].depth == lots[dst].depth - 1:
                if dst not in closer or src < closer[dst]:
                    closer[dst] = src
        for lot in sorted(lots.values(), key=lambda x: x.depth):
            lot.path = (lot.id,) if lot.depth == 0 else (*lots[closer[lot.id]].path, lot.id)

    # 3. shipments that carried any of these lots
    shipments: list[TraceShipment] = []
    if include_shipments and result.expanded:
        line_rows = [
            row
            for ids in _chunks(lot_ids, chunk)
            for row in ShipmentLine.objects.filter(lot_id__in=ids).values_list(
                "id", "shipment_id", "lot_id", "quantity"
            )
        ]
        heads = {}
        for ids in _chunks(sorted({row[1] for row in line_rows}), chunk):
            for head in Shipment.objects.filter(id__in=ids).values_list(
                "id", "reference", "from_site_id", "to_site_id", "consignee_id", "shipped_at", "received_at"
            ):
                heads[head[0]] = head
        for line_id, shipment_id, lot_id, qty in line_rows:
            _, reference, from_site, to_site, consignee, shipped_at, received_at = heads[shipment_id]
            shipments.append(
                TraceShipment(
                    line_id,
                    shipment_id,
                    reference,
                    lot_id,
                    qty,
                    from_site,
                    to_site,
                    consignee,
                    shipped_at,
                    received_at,
                    path=lots[lot_id].path,
                )
            )
        shipments.sort(key=lambda s: (s.shipped_at, s.shipment_id, s.lot_id))
    elif include_shipments:
        line_rows = ShipmentLine.objects.filter(lot_id__in=reached).values_list(
            "id",
            "shipment_id",
            "shipment__reference",
            "lot_id",
            "quantity",
            "shipment__from_site_id",
            "shipment__to_site_id",
            "shipment__consignee_id",
            "shipment__shipped_at",
            "shipment__received_at",
        )
        for row in line_rows:
            shipments.append(TraceShipment(*row, path=lots[row[3]].path))
        shipments.sort(key=lambda s: (s.shipped_at, s.shipment_id, s.lot_id))

    # 4. the places, products and consignees named
    more_sites = {t.site_id for t in transformations.values()}
    for s in shipments:
        more_sites.add(s.from_site_id)
        if s.to_site_id:
            more_sites.add(s.to_site_id)
    more_sites -= set(site_rows)
    if more_sites:
        site_rows.update({s.id: s for s in Site.objects.filter(id__in=more_sites).select_related("enterprise")})
    sites = {
        s.id: TraceSite(
            s.id,
            s.name_zh,
            s.name_en,
            s.enterprise_id,
            s.enterprise.name_zh,
            s.enterprise.name_en,
            s.country_code,
            s.region_code,
        )
        for s in site_rows.values()
    }
    consignee_ids = {s.consignee_id for s in shipments if s.consignee_id}
    consignees = [
        TraceConsignee(c.id, c.name_zh, c.name_en, c.country_code, c.region_code)
        for c in Consignee.objects.filter(id__in=consignee_ids).order_by("name_en", "id")
    ]
    product_ids = {lot.product_id for lot in lots.values()}
    products = [
        TraceProduct(p.id, p.name_zh, p.name_en) for p in Product.objects.filter(id__in=product_ids).order_by("id")
    ]

    if scope is not None:
        _flag_scope(scope, lots, shipments, sites, consignees, reached, include_shipments)

    result.lots = sorted(lots.values(), key=lambda lot: (lot.depth, lot.lot_number, lot.id))
    result.edges = sorted(edges, key=lambda e: (e.parent_lot_id, e.child_lot_id, e.transformation_id))
    result.transformations = sorted(transformations.values(), key=lambda t: (t.performed_on, t.id))
    result.shipments = shipments
    result.consignees = consignees
    result.sites = sorted(sites.values(), key=lambda s: s.id)
    result.products = products
    return result


def _flag_scope(scope, lots, shipments, sites, consignees, reached, shipments_known: bool) -> None:
    """Sets ``in_scope`` with the same rules as ``selectors.lot_list``, from what the trace fetched."""
    if scope.is_national:
        return
    if scope.is_provincial:
        region = scope.region_code
        shipped_here: set[int] = set()
        if shipments_known:
            consignee_region = {c.id: c.region_code for c in consignees}
            for s in shipments:
                touched = {sites[s.from_site_id].region_code}
                if s.to_site_id:
                    touched.add(sites[s.to_site_id].region_code)
                if s.consignee_id:
                    touched.add(consignee_region.get(s.consignee_id, ""))
                if region in touched:
                    shipped_here.add(s.lot_id)
        else:
            from bioseg.production.models import ShipmentLine
            from bioseg.production.selectors import _shipments_touching_region

            shipped_here = set(
                ShipmentLine.objects.filter(lot_id__in=reached)
                .filter(_shipments_touching_region(region))
                .values_list("lot_id", flat=True)
            )
        for lot in lots.values():
            lot.in_scope = lot.region_code == region or lot.id in shipped_here
        return
    if scope.is_enterprise:
        from bioseg.production.selectors import own_enterprise_ids, visible_product_ids

        products = set(visible_product_ids(scope).values_list("id", flat=True))
        own = set(own_enterprise_ids(scope))
        for lot in lots.values():
            lot.in_scope = lot.product_id in products or lot.enterprise_id in own
        return
    for lot in lots.values():
        lot.in_scope = False
