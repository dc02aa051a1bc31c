"""The rows of the national-scale store: pure Python, seeded, no Django, no database.

``Generator(config).batches()`` yields ``{table: [row tuples]}``: first the reference data (enterprises,
sites, products with their versioned chains and segment feeds, consignees), then one batch per product
with its transformations, lots, inputs, lot edges, shipments and shipment lines. A batch only refers to
rows of the same batch or of the reference batch, so a loader may commit after each one. Columns are in
``COLUMNS`` order; ids are assigned here (from ``start_ids``), dates are ISO strings, timestamps are naive
UTC ``YYYY-MM-DD HH:MM:SS`` strings, decimals are strings with 4 places.

Shape (``scale=1``: ~620,000 lots, ~3,000,000 lot edges, ~2,500,000 shipment lines, 6,000 consignees):

* ~300 products held by ~150 holders, made by them and ~50 contract manufacturers at 1–3 sites each in
  the 31 mainland provinces (a few contract sites abroad); most chains cross a provincial border.
* 75 % antibody-like chains: a working cell bank (WCB) and four raw materials (culture medium, feed,
  buffer, resin) → drug substance (DS) at the holder's site → drug product (DP) at the contract site, a
  *blend* of 3–13 DS lots (and an excipient lot) → packaged lots (PK), a *fill* of one DP lot (and vial,
  stopper and label lots) into 2–11 PK lots.
  25 % multivalent vaccines: 3–13 component DS segments, each from its own WCB → a formulation blending
  one lot of every component (3–13 DS lots) → PK.
* Product 1 is the national blockbuster: one WCB lot feeds ``wcb_ds_lots`` (11,000) DS lots; each DS
  lot goes into ~6 blends, so the WCB lot has ~80,000 descendant lots.
* Raw-material lots are *hot*: one lot of medium or labels is consumed by 40 to 2,500 transformations.
* DS lots travel to the DP site (DP lots to a different packaging site) in received site-to-site shipments
  before they are used, as ``transformation_record`` requires; PK lots go to consignees (every PK lot
  ~6 shipment lines; half of a product's shipments go to its ~200-consignee distribution network).
* 20 % of products have a second chain version from 2023-07-01 (same codes and sites): lots and
  transformations point at the segment of the version in force on their date.
* Invariants of ``transformation_record`` hold: inputs of the same product from a feeding segment (same
  material for no rework — none are generated), at the site (made there or received there before), made
  on or before and expiring after the transformation date, never consumed beyond their quantity; lot
  numbers unique per material and site; a blend has one output; every lot expires after it is made.
* Every lot is in quarantine: no certificates of analysis, releases, holds or recalls are generated.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from datetime import date, timedelta

from bioseg.common.regions import PROVINCES

MAINLAND = [p for p in PROVINCES if p.code < "710000"]
ABROAD = ["DE", "IE", "KR", "SG", "US", "CH"]
DAY0 = date(2021, 1, 1)
SPAN = 1600  # days of production history
CHAIN_FROM = date(2020, 1, 1)
V2_FROM = date(2023, 7, 1)

TABLES = (
    "registry_enterprise",
    "registry_site",
    "registry_product",
    "production_processchain",
    "production_segment",
    "production_segmentfeed",
    "production_consignee",
    "production_transformation",
    "production_lot",
    "production_transformationinput",
    "production_lotedge",
    "production_shipment",
    "production_shipmentline",
)
_TS = ("id", "created_at", "updated_at")
COLUMNS: dict[str, tuple[str, ...]] = {
    "registry_enterprise": (
        *_TS,
        "name_zh",
        "name_en",
        "domestic",
        "country_code",
        "region_code",
        "is_holder",
        "is_contract_manufacturer",
        "is_testing_laboratory",
        "is_logistics_provider",
    ),
    "registry_site": (
        *_TS,
        "enterprise_id",
        "name_zh",
        "name_en",
        "address",
        "country_code",
        "region_code",
        "activities",
    ),
    "registry_product": (
        *_TS,
        "holder_id",
        "name_zh",
        "name_en",
        "category",
        "innovative",
        "urgent_clinical_need",
        "nmpa_specified",
        "origin",
        "storage_min_c",
        "storage_max_c",
    ),
    "production_processchain": (*_TS, "product_id", "version", "effective_from", "effective_until", "note"),
    "production_segment": (*_TS, "chain_id", "position", "code", "stage", "name_zh", "name_en", "site_id"),
    "production_segmentfeed": (*_TS, "source_id", "target_id"),
    "production_consignee": (*_TS, "name_zh", "name_en", "country_code", "region_code", "address"),
    "production_transformation": (*_TS, "kind", "product_id", "segment_id", "site_id", "performed_on", "reference"),
    "production_lot": (
        *_TS,
        "product_id",
        "segment_id",
        "material",
        "site_id",
        "lot_number",
        "quantity",
        "unit",
        "manufactured_on",
        "expires_on",
        "status",
        "produced_by_id",
    ),
    "production_transformationinput": (*_TS, "transformation_id", "lot_id", "quantity"),
    "production_lotedge": (*_TS, "parent_lot_id", "child_lot_id", "transformation_id", "quantity"),
    "production_shipment": (
        *_TS,
        "reference",
        "from_site_id",
        "to_site_id",
        "consignee_id",
        "shipped_at",
        "received_at",
    ),
    "production_shipmentline": (*_TS, "shipment_id", "lot_id", "quantity"),
}

# segment code -> (stage, name_zh, name_en, unit of its lots, quantity consumed per use in 1/10000 units)
RAW = {
    "RM-MEDIA": ("培养基", "Culture medium", "kg", 500_000),
    "RM-FEED": ("补料培养基", "Feed medium", "kg", 200_000),
    "RM-BUFFER": ("缓冲盐", "Buffer salts", "kg", 300_000),
    "RM-RESIN": ("层析填料", "Chromatography resin", "L", 20_000),
    "RM-EXCIP": ("辅料", "Excipient", "kg", 50_000),
    "RM-ADJ": ("佐剂", "Adjuvant", "L", 40_000),
    "RM-VIAL": ("西林瓶", "Vials", "unit", 200_000_000),
    "RM-STOPPER": ("胶塞", "Stoppers", "unit", 200_000_000),
    "RM-LABEL": ("标签", "Labels", "unit", 200_000_000),
}
TAGS = {
    "WCB": "W",
    "DS": "S",
    "DP": "D",
    "FORM": "F",
    "PK": "K",
    "RM-MEDIA": "RM",
    "RM-FEED": "RF",
    "RM-BUFFER": "RB",
    "RM-RESIN": "RR",
    "RM-EXCIP": "RE",
    "RM-ADJ": "RA",
    "RM-VIAL": "RV",
    "RM-STOPPER": "RS",
    "RM-LABEL": "RL",
}


def _tag(code: str) -> str:
    """The short material tag in lot numbers (``P0001-S-0000042``, ``P0007-S12-0000042``): a lot number
    stays within the 20 characters of a GS1 batch/lot number (AI 10)."""
    if code.startswith(("WCB-ST", "DS-ST")):
        return code[0] + code.split("ST")[1]
    return TAGS[code]


HOT_USES = (40, 150, 600, 2500)  # transformations one raw-material lot serves (chosen per material)


@dataclass(frozen=True)
class Config:
    scale: float = 1.0
    seed: int = 4
    products: int = 300
    holders: int = 150
    cmos: int = 50
    consignees: int = 6000
    wcb_ds_lots: int = 11_000  # DS lots of the blockbuster's single WCB lot
    ds_lots: int = 182_000  # DS lots of all other products
    lines_per_pk: float = 6.0

    def n(self, full: int, minimum: int) -> int:
        return max(minimum, round(full * self.scale))


@dataclass
class Facts:
    """What the benchmark and the tests need to find again."""

    wcb_lot_id: int = 0
    wcb_lot_number: str = ""
    wcb_ds_lots: int = 0
    counts: dict[str, int] = field(default_factory=dict)


def q4(v: int) -> str:
    """An amount in 1/10000 units as a decimal string with 4 places."""
    return f"{v // 10000}.{v % 10000:04d}"


_DAY_CACHE: dict[int, str] = {}


def day(d: int) -> str:
    s = _DAY_CACHE.get(d)
    if s is None:
        s = _DAY_CACHE[d] = (DAY0 + timedelta(days=d)).isoformat()
    return s


def ts(d: int, hour: int = 8) -> str:
    return f"{day(d)} {hour:02d}:00:00"


@dataclass
class _Site:
    id: int
    enterprise_id: int
    region: str
    country: str


@dataclass
class _Tx:
    id: int
    kind: str
    code: str  # output segment code
    site: int
    day: int
    outputs: list[int]
    inputs: list[tuple[int, int]]  # (lot id, quantity in 1/10000)
    raws: tuple[str, ...] = ()  # raw-material segment codes it also consumes


class Generator:
    def __init__(self, config: Config, start_ids: dict[str, int] | None = None):
        self.cfg = config
        self.next = {t: (start_ids or {}).get(t, 1) for t in TABLES}
        self.rows: dict[str, list] = {t: [] for t in TABLES}
        self.facts = Facts()
        self.counts = dict.fromkeys(TABLES, 0)

    # --- helpers -----------------------------------------------------------------------------------------

    def _id(self, table: str) -> int:
        i = self.next[table]
        self.next[table] = i + 1
        return i

    def _take(self) -> dict[str, list]:
        out, self.rows = self.rows, {t: [] for t in TABLES}
        for t, rows in out.items():
            self.counts[t] += len(rows)
        return out

    def batches(self):
        cfg = self.cfg
        rng = random.Random(cfg.seed)
        self._reference(rng)
        yield self._take()
        specs = self._product_specs(rng)
        for spec in specs:
            self._product(spec, random.Random(f"{cfg.seed}-{spec['index']}"))
            yield self._take()
        self.facts.counts = dict(self.counts)

    # --- reference data ------------------------------------------------------------------------------------

    def _reference(self, rng: random.Random) -> None:
        cfg = self.cfg
        t0 = ts(-400)
        self.holder_sites: list[list[_Site]] = []
        self.cmo_sites: list[_Site] = []
        self.holder_ids: list[int] = []
        n_holders, n_cmos = cfg.n(cfg.holders, 3), cfg.n(cfg.cmos, 2)
        for i in range(n_holders + n_cmos):
            holder = i < n_holders
            prov = rng.choice(MAINLAND)
            eid = self._id("registry_enterprise")
            kind = ("Holder", "持有人") if holder else ("Contract Manufacturer", "受托生产企业")
            self.rows["registry_enterprise"].append(
                (
                    eid,
                    t0,
                    t0,
                    f"{prov.name_zh}生物{kind[1]}{i + 1:03d}",
                    f"{prov.name_en} Bio {kind[0]} {i + 1:03d}",
                    True,
                    "CN",
                    prov.code,
                    holder,
                    not holder,
                    False,
                    False,
                )
            )
            sites = []
            for j in range(rng.randint(1, 3)):
                country, region = "CN", prov.code
                if j and rng.random() < 0.25:
                    region = rng.choice(MAINLAND).code
                if not holder and j and rng.random() < 0.15:
                    country, region = rng.choice(ABROAD), ""
                sid = self._id("registry_site")
                acts = "drug_substance,testing" if holder else "drug_product,fill_finish,packaging"
                self.rows["registry_site"].append(
                    (
                        sid,
                        t0,
                        t0,
                        eid,
                        f"生产场地{i + 1:03d}-{j + 1}",
                        f"Plant {i + 1:03d}-{j + 1}",
                        f"Industrial park {j + 1}, {region or country}",
                        country,
                        region,
                        acts,
                    )
                )
                sites.append(_Site(sid, eid, region, country))
            if holder:
                self.holder_sites.append(sites)
                self.holder_ids.append(eid)
            else:
                self.cmo_sites.extend(sites)
        self.consignee_ids = []
        for i in range(cfg.n(cfg.consignees, 20)):
            prov = rng.choices(MAINLAND, weights=range(len(MAINLAND) + 10, 10, -1))[0]
            cid = self._id("production_consignee")
            kind = rng.choice((("医药公司", "Pharma Distribution"), ("医院", "Hospital"), ("疾控中心", "CDC")))
            self.rows["production_consignee"].append(
                (
                    cid,
                    t0,
                    t0,
                    f"{prov.name_zh}{kind[0]}{i + 1:05d}",
                    f"{prov.name_en} {kind[1]} {i + 1:05d}",
                    "CN",
                    prov.code,
                    f"No. {i + 1} Road, {prov.name_en}",
                )
            )
            self.consignee_ids.append(cid)

    def _product_specs(self, rng: random.Random) -> list[dict]:
        cfg = self.cfg
        n = cfg.n(cfg.products, 4)
        weights = [rng.lognormvariate(0, 0.9) for _ in range(n - 1)]
        total = sum(weights)
        ds_total = cfg.n(cfg.ds_lots, 200)
        specs = [{"index": 0, "kind": "mab", "n_ds": cfg.n(cfg.wcb_ds_lots, 30), "blockbuster": True}]
        for i, w in enumerate(weights, start=1):
            kind = "vaccine" if i % 4 == 2 else "mab"  # deterministic mix: one in four is a vaccine
            specs.append({"index": i, "kind": kind, "n_ds": max(20, round(ds_total * w / total)), "blockbuster": False})
        return specs

    # --- one product -------------------------------------------------------------------------------------------

    def _product(self, spec: dict, rng: random.Random) -> None:
        i = spec["index"]
        holder = rng.randrange(len(self.holder_ids))
        ds_site = rng.choice(self.holder_sites[holder])
        if rng.random() < 0.75:
            dp_site = rng.choice(self.cmo_sites)
        else:
            dp_site = rng.choice(self.holder_sites[holder])
        pk_site = dp_site if rng.random() < 0.8 else rng.choice(self.cmo_sites)
        vaccine = spec["kind"] == "vaccine"
        components = rng.randint(3, 13) if vaccine else 0
        pid = self._id("registry_product")
        self.pcode = f"P{i + 1:04d}"
        t0 = ts(-400)
        category = "vaccine_multivalent" if vaccine else ("antibody" if rng.random() < 0.7 else "other_biologic")
        name = f"Valent-{components} vaccine {i + 1:04d}" if vaccine else f"Biologic {i + 1:04d}"
        if spec["blockbuster"]:
            name = "National blockbuster antibody 0001"
        self.rows["registry_product"].append(
            (
                pid,
                t0,
                t0,
                self.holder_ids[holder],
                f"生物制品{i + 1:04d}",
                name,
                category,
                False,
                False,
                False,
                "",
                "2.0",
                "8.0",
            )
        )
        # chain(s): the same segment codes and sites in every version
        if vaccine:
            layout = []
            for c in range(1, components + 1):
                layout.append((f"WCB-ST{c}", "cell_bank", ds_site, [f"DS-ST{c}"]))
            layout += [
                ("RM-MEDIA", "raw_material", ds_site, [f"DS-ST{c}" for c in range(1, components + 1)]),
                ("RM-BUFFER", "raw_material", ds_site, [f"DS-ST{c}" for c in range(1, components + 1)]),
            ]
            layout += [(f"DS-ST{c}", "component_ds", ds_site, ["FORM"]) for c in range(1, components + 1)]
            layout += [
                ("RM-ADJ", "raw_material", dp_site, ["FORM"]),
                ("FORM", "formulation", dp_site, ["PK"]),
            ]
        else:
            layout = [
                ("WCB", "cell_bank", ds_site, ["DS"]),
                *[(c, "raw_material", ds_site, ["DS"]) for c in ("RM-MEDIA", "RM-FEED", "RM-BUFFER", "RM-RESIN")],
                ("DS", "drug_substance", ds_site, ["DP"]),
                ("RM-EXCIP", "raw_material", dp_site, ["DP"]),
                ("DP", "drug_product", dp_site, ["PK"]),
            ]
        layout += [
            *[(c, "raw_material", pk_site, ["PK"]) for c in ("RM-VIAL", "RM-STOPPER", "RM-LABEL")],
            ("PK", "packaging", pk_site, []),
        ]
        versions = [(1, CHAIN_FROM, None)]
        if rng.random() < 0.2:
            versions = [(1, CHAIN_FROM, V2_FROM - timedelta(days=1)), (2, V2_FROM, None)]
        self.v2_day = (V2_FROM - DAY0).days if len(versions) == 2 else None
        self.segments: list[dict[str, int]] = []
        names = {
            "cell_bank": ("工作细胞库", "Working cell bank"),
            "drug_substance": ("原液", "Drug substance"),
            "component_ds": ("组分原液", "Component drug substance"),
            "drug_product": ("制剂", "Drug product"),
            "formulation": ("配制", "Formulation"),
            "packaging": ("包装", "Packaging"),
        }
        for version, start, until in versions:
            cid = self._id("production_processchain")
            self.rows["production_processchain"].append(
                (cid, t0, t0, pid, version, start.isoformat(), until.isoformat() if until else None, "")
            )
            seg_ids: dict[str, int] = {}
            for pos, (code, stage, site, _) in enumerate(layout, start=1):
                sid = self._id("production_segment")
                zh, en = (RAW[code][0], RAW[code][1]) if stage == "raw_material" else names[stage]
                if code.startswith(("WCB-ST", "DS-ST")):
                    zh, en = f"{zh} {code[-3:]}", f"{en} {code.split('-')[1]}"
                self.rows["production_segment"].append((sid, t0, t0, cid, pos, code, stage, zh, en, site.id))
                seg_ids[code] = sid
            for code, _, _, targets in layout:
                for target in targets:
                    self.rows["production_segmentfeed"].append(
                        (self._id("production_segmentfeed"), t0, t0, seg_ids[code], seg_ids[target])
                    )
            self.segments.append(seg_ids)
        self.pid = pid
        self.sites = {c: s.id for c, _, s, _ in layout}
        self.txs: list[_Tx] = []
        self.lot_qty: dict[int, int] = {}
        self.lot_seq = 0

        n_ds = spec["n_ds"]
        if vaccine:
            per = max(5, n_ds // components)
            streams = [
                self._ds_stream(f"DS-ST{c}", f"WCB-ST{c}", ("RM-MEDIA", "RM-BUFFER"), per, rng, 2)
                for c in range(1, components + 1)
            ]
            uses = rng.uniform(1.5, 3.0)
            bulk = self._blends("FORM", streams, "RM-ADJ", uses, rng, dp_site, ds_site, vaccine=True)
        else:
            n_wcb = 1 if spec["blockbuster"] else rng.randint(1, 3)
            stream = self._ds_stream("DS", "WCB", ("RM-MEDIA", "RM-FEED", "RM-BUFFER", "RM-RESIN"), n_ds, rng, n_wcb)
            if spec["blockbuster"]:
                self.facts.wcb_lot_id, self.facts.wcb_lot_number = self.wcb_lots[0]
                self.facts.wcb_ds_lots = n_ds
            uses = 6.0 if spec["blockbuster"] else rng.uniform(1.5, 3.0)
            bulk = self._blends("DP", [stream], "RM-EXCIP", uses, rng, dp_site, ds_site, vaccine=False)
        self._fills(bulk, rng, dp_site, pk_site, (4, 11) if spec["blockbuster"] else (2, 10))
        self._raw_materials(rng)
        self._emit_transformations()

    def _seg(self, code: str, d: int) -> int:
        if self.v2_day is not None and d >= self.v2_day:
            return self.segments[1][code]
        return self.segments[0][code]

    def _lot(self, code: str, d: int, expires: int, qty: int, unit: str, produced_by: int | None) -> int:
        lid = self._id("production_lot")
        self.lot_seq += 1
        t = ts(d)
        self.rows["production_lot"].append(
            (
                lid,
                t,
                t,
                self.pid,
                self._seg(code, d),
                code,
                self.sites[code],
                f"{self.pcode}-{_tag(code)}-{self.lot_seq:07d}",
                q4(qty),
                unit,
                day(d),
                day(expires),
                "quarantine",
                produced_by,
            )
        )
        self.lot_qty[lid] = qty
        return lid

    def _tx(self, kind: str, code: str, d: int) -> _Tx:
        tx = _Tx(self._id("production_transformation"), kind, code, self.sites[code], d, [], [])
        self.txs.append(tx)
        return tx

    def _ship(
        self,
        lots: list[int],
        from_site: int,
        to_site: int | None,
        consignee: int | None,
        shipped: int,
        received: int | None,
    ) -> int:
        sid = self._id("production_shipment")
        t = ts(shipped, 9)
        self.rows["production_shipment"].append(
            (
                sid,
                t,
                t,
                f"SHP-{sid:09d}",
                from_site,
                to_site,
                consignee,
                t,
                ts(received, 16) if received is not None else None,
            )
        )
        self.pending_lines.extend((sid, lot, shipped) for lot in lots)
        return sid

    def _ds_stream(
        self, code: str, wcb_code: str, raws: tuple[str, ...], n: int, rng: random.Random, n_wcb: int
    ) -> list[tuple[int, int]]:
        """``n`` DS lots made from ``n_wcb`` WCB lots: [(lot id, day made)] in date order."""
        days = [int((k + rng.random()) * SPAN / n) for k in range(n)]
        self.wcb_lots = []
        per_wcb = math.ceil(n / n_wcb)
        out = []
        for w in range(n_wcb):
            first = days[w * per_wcb] if w * per_wcb < n else days[-1]
            users = len(days[w * per_wcb : (w + 1) * per_wcb])
            made = first - rng.randint(10, 60)
            wcb = self._lot(wcb_code, made, made + 30 * 365, (users + rng.randint(5, 50)) * 10000, "vial", None)
            self.wcb_lots.append((wcb, self.rows["production_lot"][-1][7]))
            for k in range(w * per_wcb, min(n, (w + 1) * per_wcb)):
                d = days[k]
                tx = self._tx("manufacture", code, d)
                lot = self._lot(code, d, d + 5 * 365, rng.randint(200, 600) * 1000, "kg", tx.id)
                tx.outputs.append(lot)
                tx.inputs.append((wcb, 10000))
                tx.raws = raws
                out.append((lot, d))
        return out

    def _blends(self, code, streams, excipient, uses, rng, dp_site, ds_site, *, vaccine: bool):
        """Blends of 3–13 DS lots (one per component for a vaccine) into DP/FORM lots; DS lots are shipped
        to the DP site first when it is elsewhere. Returns [(lot id, day made)]."""
        self.pending_lines: list[tuple[int, int, int]] = []
        avail: dict[int, int] = {}
        for stream in streams:
            if dp_site.id == ds_site.id:
                avail.update(stream)
                continue
            k = 0
            while k < len(stream):
                group = stream[k : k + rng.randint(1, 6)]
                k += len(group)
                shipped = max(d for _, d in group) + rng.randint(1, 3)
                received = shipped + rng.randint(1, 3)
                self._ship([lot for lot, _ in group], ds_site.id, dp_site.id, None, shipped, received)
                avail.update((lot, received) for lot, _ in group)
        n = len(streams[0])
        n_blends = max(1, round(n * uses / (1 if vaccine else 8)))
        half = 2 if vaccine else 7 if uses < 4 else 8
        chosen_all: list[list[int]] = []
        used: dict[int, int] = {}
        for j in range(n_blends):
            center = int((j + 0.5) * n / n_blends)
            lo = max(0, min(center - half, n - 2 * half))
            hi = min(n, lo + 2 * half)
            if vaccine:
                chosen = [s[rng.randrange(lo, hi)][0] for s in streams]
            else:
                k = rng.randint(3, min(13, hi - lo))
                chosen = [streams[0][x][0] for x in rng.sample(range(lo, hi), k)]
            for lot in chosen:
                used[lot] = used.get(lot, 0) + 1
            chosen_all.append(chosen)
        out = []
        for chosen in chosen_all:
            d = max(avail[lot] for lot in chosen) + rng.randint(1, 4)
            tx = self._tx("blend", code, d)
            lot = self._lot(code, d, d + 2 * 365, rng.randint(100, 500) * 10000, "L", tx.id)
            tx.outputs.append(lot)
            for parent in chosen:
                tx.inputs.append((parent, self.lot_qty[parent] * 95 // 100 // used[parent]))
            tx.raws = (excipient,)
            out.append((lot, d))
        return out

    def _fills(self, bulk, rng, dp_site, pk_site, outputs_range) -> None:
        """Each DP/FORM lot filled into 2–11 packaged lots, shipped to consignees."""
        avail = dict(bulk)
        if pk_site.id != dp_site.id:
            k = 0
            while k < len(bulk):
                group = bulk[k : k + rng.randint(1, 4)]
                k += len(group)
                shipped = max(d for _, d in group) + rng.randint(1, 3)
                received = shipped + rng.randint(1, 3)
                self._ship([lot for lot, _ in group], dp_site.id, pk_site.id, None, shipped, received)
                avail.update((lot, received) for lot, _ in group)
        network = rng.sample(self.consignee_ids, min(200, len(self.consignee_ids)))
        for parent, _ in bulk:
            d = avail[parent] + rng.randint(1, 5)
            tx = self._tx("fill", "PK", d)
            tx.inputs.append((parent, self.lot_qty[parent]))
            tx.raws = ("RM-VIAL", "RM-STOPPER", "RM-LABEL")
            parent_expiry = d + 700
            packs = []
            for _ in range(rng.randint(*outputs_range)):
                lot = self._lot("PK", d, parent_expiry, rng.randint(2000, 20000) * 10000, "pack", tx.id)
                tx.outputs.append(lot)
                packs.append(lot)
            m = len(packs)
            for _ in range(round(m * self.cfg.lines_per_pk / (min(4, m) + 1) * 2 * rng.uniform(0.8, 1.2))):
                consignee = rng.choice(network) if rng.random() < 0.5 else rng.choice(self.consignee_ids)
                shipped = d + rng.randint(3, 120)
                self._ship(
                    rng.sample(packs, rng.randint(1, min(4, m))),
                    pk_site.id,
                    None,
                    consignee,
                    shipped,
                    shipped + rng.randint(1, 4),
                )
        # shipment lines: each lot's shipped quantity split so the total stays within the lot
        per_lot: dict[int, int] = {}
        for _, lot, _ in self.pending_lines:
            per_lot[lot] = per_lot.get(lot, 0) + 1
        for sid, lot, shipped in self.pending_lines:
            n = per_lot[lot]
            qty = self.lot_qty[lot] if n == 1 else self.lot_qty[lot] // (n + 1) // 10000 * 10000
            t = ts(shipped, 9)
            self.rows["production_shipmentline"].append((self._id("production_shipmentline"), t, t, sid, lot, q4(qty)))
        self.pending_lines = []

    def _raw_materials(self, rng: random.Random) -> None:
        """Raw-material lots, each serving a run of consecutive transformations (hot lots)."""
        consumers: dict[str, list[_Tx]] = {}
        for tx in self.txs:
            for code in tx.raws:
                consumers.setdefault(code, []).append(tx)
        for code in sorted(consumers):
            txs = sorted(consumers[code], key=lambda t: (t.day, t.id))
            per_use = RAW[code][3]
            uses = rng.choice(HOT_USES)
            for k in range(0, len(txs), uses):
                run = txs[k : k + uses]
                made = run[0].day - rng.randint(5, 30)
                expires = max(run[-1].day + rng.randint(30, 90), made + 365)
                lot = self._lot(
                    code, made, expires, per_use * len(run) + per_use * rng.randint(0, 20), RAW[code][2], None
                )
                for tx in run:
                    tx.inputs.append((lot, per_use))

    def _emit_transformations(self) -> None:
        rows_t = self.rows["production_transformation"]
        rows_i = self.rows["production_transformationinput"]
        rows_e = self.rows["production_lotedge"]
        for tx in self.txs:
            t = ts(tx.day)
            rows_t.append(
                (
                    tx.id,
                    t,
                    t,
                    tx.kind,
                    self.pid,
                    self._seg(tx.code, tx.day),
                    tx.site,
                    day(tx.day),
                    f"BR-{self.pcode}-{tx.id}",
                )
            )
            for lot, qty in tx.inputs:
                q = q4(qty)
                rows_i.append((self._id("production_transformationinput"), t, t, tx.id, lot, q))
                for child in tx.outputs:
                    rows_e.append((self._id("production_lotedge"), t, t, lot, child, tx.id, q))
        self.txs = []
