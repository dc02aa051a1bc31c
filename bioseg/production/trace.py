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

Beyond the expand limit (``TraceResult.expanded`` false: a working-cell-bank lot with tens of thousands of
descendants and hundreds of thousands of shipment lines) the shipments are not listed line by line: the
database aggregates them per destination (``TraceResult.destinations``: each site or consignee reached,
with its shipment, line and lot counts and first/last shipping time — what a recall decision needs) and
counts them (``shipment_count``, ``shipment_line_count``); the lines themselves are read on demand, in
pages (``shipment_lines``, ``shipment_summaries``) or streamed (``iter_shipment_lines``). Up to the limit
the same accessors read the listed shipments, so interfaces use one shape for both.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from operator import attrgetter

from django.db.models import QuerySet

from bioseg.production.genealogy import DIRECTIONS, reach, reach_sql  # noqa: F401  (re-exported)

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
class TraceShipmentSummary:
    """One shipment that carried lots of the trace: ``line_count`` and ``quantities`` (total per unit,
    ordered by unit) count only the lines of the trace's lots."""

    shipment_id: int
    reference: str
    from_site_id: int
    to_site_id: int | None
    consignee_id: int | None
    shipped_at: dt.datetime
    received_at: dt.datetime | None
    line_count: int
    quantities: tuple[tuple[str, Decimal], ...]


@dataclass(frozen=True, slots=True)
class TraceDestination:
    """A site or a consignee the trace's lots were shipped to: how many shipments, shipment lines and
    distinct lots reached it, and when the first and the last of those shipments left."""

    to_site_id: int | None
    consignee_id: int | None
    shipment_count: int
    line_count: int
    lot_count: int
    first_shipped_at: dt.datetime
    last_shipped_at: dt.datetime


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
    destinations: list[TraceDestination] = field(default_factory=list)
    shipment_count: int = 0
    shipment_line_count: int = 0
    expanded: bool = True  # edges, transformations, paths and shipment lines listed (False beyond the limit)
    _lots: dict = field(default_factory=dict, repr=False)
    _near_far: tuple[str, str] = ("parent_lot_id", "child_lot_id")
    _reach: tuple[str, tuple] = ("", ())
    _with_shipments: bool = False
    _paths: dict = field(default_factory=dict, repr=False)

    def path_to(self, lot_id: int) -> tuple[int, ...]:
        """The path from a root to ``lot_id`` (root first), through the smallest-id neighbour one level
        closer to the roots at each step; one small indexed query per step when not expanded."""
        from bioseg.production.models import LotEdge

        lot = self._lots[lot_id]
        if lot.path:
            return lot.path
        if lot_id in self._paths:
            return self._paths[lot_id]
        near, far = self._near_far
        path = [lot_id]
        while lot.depth > 0:
            candidates = LotEdge.objects.filter(**{far: lot.id}).values_list(near, flat=True)
            closer = min(c for c in candidates if c in self._lots and self._lots[c].depth == lot.depth - 1)
            path.append(closer)
            lot = self._lots[closer]
        return tuple(reversed(path))

    def paths(self) -> dict[int, tuple[int, ...]]:
        """Every lot's path (the one ``path_to`` gives), worked out in bulk when not expanded: the edges
        between consecutive depths read in chunks, a few queries for the whole trace (a report listing
        every path of a working-cell-bank trace would otherwise run one query per lot and step)."""
        if self.expanded:
            return {lot.id: lot.path for lot in self.lots}
        if not self._paths:
            from django.db import connection

            from bioseg.production.models import LotEdge

            near, far = self._near_far
            lots = self._lots
            closer: dict[int, int] = {}
            chunk = connection.features.max_query_params or 10_000
            for ids in _chunks(sorted(i for i, x in lots.items() if x.depth > 0), chunk):
                for src, dst in LotEdge.objects.filter(**{f"{far}__in": ids}).values_list(near, far):
                    if src in lots and lots[src].depth == lots[dst].depth - 1:
                        if dst not in closer or src < closer[dst]:
                            closer[dst] = src
            paths: dict[int, tuple[int, ...]] = {}
            for lot in sorted(lots.values(), key=attrgetter("depth")):
                paths[lot.id] = (lot.id,) if lot.depth == 0 else (*paths[closer[lot.id]], lot.id)
            self._paths = paths
        return self._paths

    # --- shipment lines, on demand -----------------------------------------------------------------------

    def shipment_lines(self, *, offset: int = 0, limit: int | None = None) -> list[TraceShipment]:
        """The shipment lines of the trace's lots in shipping order (shipped at, shipment, lot), from
        ``offset``, at most ``limit``: a slice of ``shipments`` when expanded, else one query. The sites the
        rows name are added to ``sites`` (a shipment may leave from a site no traced lot was made at)."""
        if self.expanded or not self._with_shipments:
            return self.shipments[offset : None if limit is None else offset + limit]
        rows = _line_rows(self, offset=offset, limit=limit)
        self._name_sites(rows)
        return rows

    def iter_shipment_lines(self, *, batch: int = 5_000) -> Iterator[TraceShipment]:
        """Every shipment line, in the order of ``shipment_lines``, read ``batch`` rows at a time (one query)."""
        if self.expanded or not self._with_shipments:
            yield from self.shipments
            return
        for rows in _line_batches(self, batch):
            self._name_sites(rows)
            yield from rows

    def shipment_summaries(self, *, offset: int = 0, limit: int | None = None) -> list[TraceShipmentSummary]:
        """One row per shipment (``shipment_count`` of them) in shipping order (shipped at, id), from
        ``offset``, at most ``limit``; each counts and sums the lines of the trace's lots only."""
        if not self._with_shipments:
            return []
        if self.expanded:
            heads = _summarise(self.shipments, self._lots)
            return heads[offset : None if limit is None else offset + limit]
        heads = _shipment_summary_rows(self, offset=offset, limit=limit)
        self._name_sites(heads)
        return heads

    def _name_sites(self, rows) -> None:
        known = {s.id for s in self.sites}
        missing = {r.from_site_id for r in rows} | {r.to_site_id for r in rows if r.to_site_id}
        missing -= known
        if missing:
            self.sites = sorted([*self.sites, *_trace_sites(missing).values()], key=lambda s: s.id)

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
            "shipment_count": self.shipment_count,
            "shipment_line_count": self.shipment_line_count,
            "destinations": [clean(asdict(x)) for x in self.destinations],
            "consignees": [clean(asdict(x)) for x in self.consignees],
            "sites": [clean(asdict(x)) for x in self.sites],
            "products": [clean(asdict(x)) for x in self.products],
        }


# --- the trace -----------------------------------------------------------------------------------------

EXPAND_LIMIT = 10_000
MAX_DEPTH = 500  # the genealogy is acyclic by construction (outputs are new lots); this only bounds bad data
_Q4 = Decimal("0.0001")


_DEC_MEMO: dict = {}


def _dec(value) -> Decimal:
    """``value`` (a Decimal, or SQLite's int / float / text) to 4 decimal places; quantities repeat a lot
    (standard batch sizes), so conversions are remembered."""
    if isinstance(value, Decimal):
        return value.quantize(_Q4)
    try:
        return _DEC_MEMO[value]
    except KeyError:
        pass
    out = Decimal(str(value)).quantize(_Q4)
    if len(_DEC_MEMO) > 100_000:
        _DEC_MEMO.clear()
    _DEC_MEMO[value] = out
    return out


def _date(value) -> dt.date:
    return dt.date.fromisoformat(value) if isinstance(value, str) else value


def _datetime(value) -> dt.datetime | None:
    """A timestamp read by a raw query: PostgreSQL gives an aware datetime; SQLite gives UTC text (an
    aggregate) or a naive datetime (a column), both made aware in UTC as Django does."""
    if value is None or isinstance(value, dt.datetime) and value.tzinfo is not None:
        return value
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    return value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)


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
        # COALESCE keeps the type but, on SQLite, hides the declared type: the dates come back as ISO text
        # (parsed by ``date.fromisoformat``) rather than through the driver's much slower converter
        "l.quantity, l.unit, COALESCE(l.manufactured_on, NULL), COALESCE(l.expires_on, NULL) "
        f"FROM (SELECT id, MIN(depth) AS depth FROM reach GROUP BY id) r JOIN {lot} l ON l.id = r.id"
    )
    return sql, (*base_params, MAX_DEPTH)


def trace(
    *,
    roots: QuerySet,
    direction: str,
    include_shipments: bool = True,
    scope=None,
    expand_limit: int | None = -1,
) -> TraceResult:
    """Traces from the lots of ``roots`` (a Lot queryset already restricted to what the caller may
    start from). ``scope`` (optional) sets each lot's ``in_scope`` flag.

    Up to ``expand_limit`` lots (default ``EXPAND_LIMIT``; None: no limit) the result lists every edge, transformation and shipment
    line and the path to each lot; beyond it (a working-cell-bank lot with tens of thousands of
    descendants) it lists the lots with their depth, ``path_to(lot_id)`` works a path out on demand, and
    the shipments are summarised in the database (``destinations``, ``shipment_count``,
    ``shipment_line_count``) and read on demand (``shipment_lines``, ``shipment_summaries``,
    ``iter_shipment_lines``). Either way ``destinations`` and the counts are given."""
    from django.db import connection

    from bioseg.production.models import Consignee, LotEdge, Segment, Shipment, ShipmentLine, Transformation
    from bioseg.registry.models import Product, Site

    if direction not in DIRECTIONS:
        raise ValueError(f"direction must be one of {DIRECTIONS}")
    if expand_limit == -1:
        expand_limit = EXPAND_LIMIT  # read at call time
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
    placed = {s.id: (s.enterprise_id, s.country_code, s.region_code) for s in site_rows.values()}
    lots: dict[int, TraceLot] = {}
    for depth, pk, number, product_id, material, segment_id, site_id, status, qty, unit, made, expires in rows:
        enterprise_id, country_code, region_code = placed[site_id]
        lots[pk] = TraceLot(
            pk,
            number,
            product_id,
            material,
            segment_id,
            stages[segment_id],
            site_id,
            enterprise_id,
            country_code,
            region_code,
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
    result._reach = reach_sql(roots, direction)
    result._with_shipments = include_shipments

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
    destinations: dict[tuple, TraceDestination] = {}
    if include_shipments and result.expanded:
        destinations = _destinations_from_lines(shipments)
    elif include_shipments:
        # beyond the expand limit: no line comes back; the database counts per destination
        destinations = _destinations_in_sql(result)

    # 4. the places, products and consignees named
    more_sites = {t.site_id for t in transformations.values()}
    for s in shipments:
        more_sites.add(s.from_site_id)
        if s.to_site_id:
            more_sites.add(s.to_site_id)
    more_sites |= {to_site for to_site, _ in destinations if to_site}
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
    consignee_ids = {consignee for _, consignee in destinations if consignee}
    consignees = [
        TraceConsignee(c.id, c.name_zh, c.name_en, c.country_code, c.region_code)
        for c in Consignee.objects.filter(id__in=consignee_ids).order_by("name_en", "id")
    ]
    product_ids = {lot.product_id for lot in lots.values()}
    products = [
        TraceProduct(p.id, p.name_zh, p.name_en) for p in Product.objects.filter(id__in=product_ids).order_by("id")
    ]

    if scope is not None:
        _flag_scope(scope, lots, reached)

    result.lots = sorted(lots.values(), key=attrgetter("depth", "lot_number", "id"))
    result.edges = sorted(edges, key=lambda e: (e.parent_lot_id, e.child_lot_id, e.transformation_id))
    result.transformations = sorted(transformations.values(), key=lambda t: (t.performed_on, t.id))
    result.shipments = shipments
    result.consignees = consignees
    result.destinations = _order_destinations(destinations, consignees)
    result.shipment_count = sum(d.shipment_count for d in result.destinations)
    result.shipment_line_count = sum(d.line_count for d in result.destinations)
    result.sites = sorted(sites.values(), key=lambda s: s.id)
    result.products = products
    return result


def _flag_scope(scope, lots, reached) -> None:
    """Sets ``in_scope`` from ``Lot.objects.restrict(scope)`` — the same rule every selector uses — over the
    reached lots (one query; the reach is a subquery)."""
    if scope.is_national:
        return
    from bioseg.production.models import Lot

    visible = set(Lot.objects.filter(id__in=reached).restrict(scope).values_list("id", flat=True))
    for lot in lots.values():
        lot.in_scope = lot.id in visible


# --- shipments beyond the expand limit: aggregated and paged in the database ----------------------------------


def _lots_filter(result: TraceResult, column: str) -> tuple[str, list]:
    """``column IN (the trace's lots)``. PostgreSQL gets the lot ids step 1 returned as one array
    parameter (an exact row estimate, and no second walk of the genealogy); the portable form re-runs the
    recursive query as a subquery (SQLite walks it in ~0.1 s for 80,000 lots)."""
    from django.db import connection

    if connection.vendor == "postgresql":
        return f"{column} = ANY(%s)", [list(result._lots)]
    sql, params = result._reach
    return f"{column} IN ({sql})", list(params)


def _limit(limit: int | None, offset: int) -> tuple[str, list]:
    from django.db import connection

    if limit is None:
        limit = connection.ops.no_limit_value()  # -1 on SQLite (OFFSET needs a LIMIT), None on PostgreSQL
    if limit is None:
        return " OFFSET %s", [offset]
    return " LIMIT %s OFFSET %s", [limit, offset]


def _tables() -> tuple[str, str]:
    from bioseg.production.models import Shipment, ShipmentLine

    return ShipmentLine._meta.db_table, Shipment._meta.db_table


_LINE_COLUMNS = (
    "l.id, s.id, s.reference, l.lot_id, l.quantity, s.from_site_id, s.to_site_id, s.consignee_id, "
    "s.shipped_at, s.received_at"
)


def _line_sql(result: TraceResult) -> tuple[str, list]:
    line, shipment = _tables()
    where, params = _lots_filter(result, "l.lot_id")
    sql = (
        f"SELECT {_LINE_COLUMNS} FROM {line} l JOIN {shipment} s ON s.id = l.shipment_id WHERE {where} "
        "ORDER BY s.shipped_at, s.id, l.lot_id"
    )
    return sql, params


def _line(result: TraceResult, row) -> TraceShipment:
    line_id, shipment_id, reference, lot_id, qty, from_site, to_site, consignee, shipped_at, received_at = row
    return TraceShipment(
        line_id,
        shipment_id,
        reference,
        lot_id,
        _dec(qty),
        from_site,
        to_site,
        consignee,
        _datetime(shipped_at),
        _datetime(received_at),
        path=result._lots[lot_id].path,
    )


def _line_rows(result: TraceResult, *, offset: int, limit: int | None) -> list[TraceShipment]:
    from django.db import connection

    sql, params = _line_sql(result)
    page, page_params = _limit(limit, offset)
    with connection.cursor() as cursor:
        cursor.execute(sql + page, (*params, *page_params))
        return [_line(result, row) for row in cursor.fetchall()]


def _line_batches(result: TraceResult, batch: int) -> Iterator[list[TraceShipment]]:
    from django.db import connection

    sql, params = _line_sql(result)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        while rows := cursor.fetchmany(batch):
            yield [_line(result, row) for row in rows]


def _summarise(lines: list[TraceShipment], lots: dict) -> list[TraceShipmentSummary]:
    """Per-shipment summaries of ``lines`` (already in shipping order), in the order of their first line."""
    grouped: dict[int, list[TraceShipment]] = {}
    for s in lines:
        grouped.setdefault(s.shipment_id, []).append(s)
    out = []
    for group in grouped.values():
        s = group[0]
        totals: dict[str, Decimal] = {}
        for x in group:
            unit = lots[x.lot_id].unit
            totals[unit] = totals.get(unit, Decimal(0)) + x.quantity
        out.append(
            TraceShipmentSummary(
                s.shipment_id,
                s.reference,
                s.from_site_id,
                s.to_site_id,
                s.consignee_id,
                s.shipped_at,
                s.received_at,
                len(group),
                tuple((unit, _dec(q)) for unit, q in sorted(totals.items())),
            )
        )
    return out


def _shipment_summary_rows(result: TraceResult, *, offset: int, limit: int | None) -> list[TraceShipmentSummary]:
    """A page of per-shipment summaries: the page's shipments (grouped in the database), then their lines of
    the trace's lots for the totals per unit."""
    from django.db import connection

    line, shipment = _tables()
    where, params = _lots_filter(result, "l.lot_id")
    page, page_params = _limit(limit, offset)
    sql = (
        "SELECT s.id, s.reference, s.from_site_id, s.to_site_id, s.consignee_id, s.shipped_at, s.received_at "
        f"FROM {shipment} s WHERE s.id IN (SELECT l.shipment_id FROM {line} l WHERE {where}) "
        "ORDER BY s.shipped_at, s.id" + page
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, (*params, *page_params))
        heads = cursor.fetchall()
    if not heads:
        return []
    from bioseg.production.models import ShipmentLine

    lines: dict[int, list] = {}
    chunk = connection.features.max_query_params or 10_000
    for ids in _chunks([h[0] for h in heads], chunk):
        for shipment_id, lot_id, qty in ShipmentLine.objects.filter(shipment_id__in=ids).values_list(
            "shipment_id", "lot_id", "quantity"
        ):
            if lot_id in result._lots:
                lines.setdefault(shipment_id, []).append((lot_id, qty))
    out = []
    for shipment_id, reference, from_site, to_site, consignee, shipped_at, received_at in heads:
        totals: dict[str, Decimal] = {}
        for lot_id, qty in lines[shipment_id]:
            unit = result._lots[lot_id].unit
            totals[unit] = totals.get(unit, Decimal(0)) + qty
        out.append(
            TraceShipmentSummary(
                shipment_id,
                reference,
                from_site,
                to_site,
                consignee,
                _datetime(shipped_at),
                _datetime(received_at),
                len(lines[shipment_id]),
                tuple((unit, _dec(q)) for unit, q in sorted(totals.items())),
            )
        )
    return out


def _destinations_from_lines(lines: list[TraceShipment]) -> dict[tuple, TraceDestination]:
    acc: dict[tuple, list] = {}
    for s in lines:
        key = (s.to_site_id, s.consignee_id)
        entry = acc.get(key)
        if entry is None:
            acc[key] = [{s.shipment_id}, 1, {s.lot_id}, s.shipped_at, s.shipped_at]
            continue
        entry[0].add(s.shipment_id)
        entry[1] += 1
        entry[2].add(s.lot_id)
        entry[3] = min(entry[3], s.shipped_at)
        entry[4] = max(entry[4], s.shipped_at)
    return {
        key: TraceDestination(key[0], key[1], len(ships), n, len(lots), first, last)
        for key, (ships, n, lots, first, last) in acc.items()
    }


def _destinations_in_sql(result: TraceResult) -> dict[tuple, TraceDestination]:
    """Per destination, in one grouped query: nothing per line comes back to Python."""
    from django.db import connection

    line, shipment = _tables()
    where, params = _lots_filter(result, "l.lot_id")
    sql = (
        "SELECT s.to_site_id, s.consignee_id, COUNT(DISTINCT s.id), COUNT(*), COUNT(DISTINCT l.lot_id), "
        f"MIN(s.shipped_at), MAX(s.shipped_at) FROM {line} l JOIN {shipment} s ON s.id = l.shipment_id "
        f"WHERE {where} GROUP BY s.to_site_id, s.consignee_id"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    return {
        (to_site, consignee): TraceDestination(to_site, consignee, ships, n, lots, _datetime(first), _datetime(last))
        for to_site, consignee, ships, n, lots, first, last in rows
    }


def _order_destinations(found: dict[tuple, TraceDestination], consignees: list[TraceConsignee]):
    """Sites (by id), then consignees in the order of ``consignees`` (English name, id)."""
    sites = sorted((d for d in found.values() if d.to_site_id is not None), key=lambda d: d.to_site_id)
    return sites + [found[(None, c.id)] for c in consignees if (None, c.id) in found]


def _trace_sites(ids) -> dict[int, TraceSite]:
    from bioseg.registry.models import Site

    return {
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
        for s in Site.objects.filter(id__in=ids).select_related("enterprise")
    }
