"""The genealogy picture of a trace, drawn server-side as SVG (no JavaScript library).

Layout, meant to be read by a QA person at a glance:

- one horizontal **lane per site**, lanes grouped by province (or country, abroad) — each group has a
  tinted band and its name in the active language, each lane the site's name;
- columns are **generations**: upstream on the left, downstream on the right (for a forward trace the
  generation is the depth; for a backward trace it is counted back from the furthest ancestor);
- **lots are nodes** (lot number, material code), filled by status; the lot(s) the trace started from
  have a thick border; lots outside the user's scope are drawn with a dashed border and no link;
- **edges are arrows** parent → child; shipments to consignees are dashed arrows into a last lane,
  "Consignees", with one node per consignee;
- at most ``MAX_NODES`` lots are drawn (the first in trace order); the caller says so and lists the
  full trace in a table.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from html import escape

from django.urls import reverse
from django.utils.translation import gettext as _

from bioseg.production.models import LotStatus
from bioseg.web.labels import country_label, is_zh, local_name, province_label

MAX_NODES = 300

STATUS_FILL = {
    "quarantine": "#f6d365",
    "released": "#6fcf97",
    "on_hold": "#f2994a",
    "rejected": "#eb5757",
    "recalled": "#bb6bd9",
}
GROUP_TINTS = ("#eef4fb", "#f7f3ea")

LABEL_W = 230
COL_W = 160
NODE_W = 128
CONSIGNEE_W = 180
NODE_H = 34
ROW_H = 46
LANE_PAD = 8
TOP = 44
BOTTOM_LEGEND = 44


@dataclass(frozen=True)
class Picture:
    svg: str
    drawn: int
    total: int
    consignees: int

    @property
    def capped(self) -> bool:
        return self.drawn < self.total


def _place_label(country: str, region: str) -> str:
    if country == "CN" and region:
        return province_label(region)
    return country_label(country)


def _natural(text: str) -> tuple:
    """Sort key putting ST2 before ST14."""
    return tuple((0, int(part), "") if part.isdigit() else (1, 0, part) for part in re.split(r"(\d+)", text))


def _short(text: str, n: int) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


def _attr(value) -> str:
    return escape(str(value), quote=True)


def genealogy_svg(result, *, max_nodes: int = MAX_NODES, link_lots: bool = True) -> Picture:
    """The SVG of a ``TraceResult`` (labels in the active language)."""
    lots = result.lots[:max_nodes]
    drawn = {lot.id: lot for lot in lots}
    sites = {s.id: s for s in result.sites}
    forward = result.direction == "forward"
    deepest = max((lot.depth for lot in lots), default=0)
    gen = {lot.id: (lot.depth if forward else deepest - lot.depth) for lot in lots}

    # lanes: sites grouped by province/country, groups and lanes ordered by their first generation
    lane_sites: dict[int, list] = {}
    for lot in lots:
        lane_sites.setdefault(lot.site_id, []).append(lot)
    groups: dict[tuple[str, str], list[int]] = {}
    for site_id in lane_sites:
        s = sites[site_id]
        groups.setdefault((s.country_code, s.region_code), []).append(site_id)

    def first_gen(site_ids) -> int:
        return min(gen[lot.id] for sid in site_ids for lot in lane_sites[sid])

    ordered_groups = sorted(groups.items(), key=lambda kv: (first_gen(kv[1]), kv[0]))

    # node positions: within a lane, lots of the same generation stack
    pos: dict[int, tuple[float, float]] = {}
    lanes: list[dict] = []
    y = TOP
    for g_index, ((country, region), site_ids) in enumerate(ordered_groups):
        group_top = y
        site_ids.sort(key=lambda sid: (first_gen([sid]), local_name(sites[sid]), sid))
        for sid in site_ids:
            stacks: dict[int, int] = {}
            for lot in sorted(lane_sites[sid], key=lambda x: (gen[x.id], _natural(x.lot_number), x.id)):
                row = stacks.get(gen[lot.id], 0)
                stacks[gen[lot.id]] = row + 1
                pos[lot.id] = (LABEL_W + gen[lot.id] * COL_W + 16, y + LANE_PAD + row * ROW_H)
            height = max(stacks.values()) * ROW_H + 2 * LANE_PAD - (ROW_H - NODE_H)
            lanes.append({"site": sites[sid], "top": y, "height": height, "group": g_index})
            y += height
        lanes[-1]["group_end"] = True
        for lane in lanes:
            if lane["group"] == g_index:
                lane["group_top"] = group_top
                lane["group_height"] = y - group_top
                lane["place"] = _place_label(country, region)
                lane["country"], lane["region"] = country, region

    # consignees: a last lane
    consignee_names = {c.id: c for c in result.consignees}
    consignee_edges = [
        s for s in result.shipments if s.consignee_id and s.lot_id in drawn and s.consignee_id in consignee_names
    ]
    shown_consignees = sorted({s.consignee_id for s in consignee_edges}, key=lambda i: local_name(consignee_names[i]))
    consignee_pos: dict[int, tuple[float, float]] = {}
    consignee_lane = None
    max_gen = max(gen.values(), default=0)
    if shown_consignees:
        consignee_lane = {"top": y, "height": len(shown_consignees) * ROW_H + 2 * LANE_PAD - (ROW_H - NODE_H)}
        for i, cid in enumerate(shown_consignees):
            consignee_pos[cid] = (LABEL_W + (max_gen + 1) * COL_W + 16, y + LANE_PAD + i * ROW_H)
        y += consignee_lane["height"]

    columns = max_gen + 1 + (1 if shown_consignees else 0)
    width = LABEL_W + columns * COL_W + 24 + (CONSIGNEE_W - NODE_W if shown_consignees else 0)
    height = y + BOTTOM_LEGEND
    out: list[str] = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="genealogy" data-testid="genealogy" '
        f'width="{width}" height="{height}" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{_attr(_("Genealogy"))}" font-family="system-ui, sans-serif" font-size="12">',
        "<defs>"
        '<marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" '
        'orient="auto-start-reverse"><path d="M 0 0 L 10 5 L 0 10 z" fill="#555"/></marker>'
        "</defs>",
    ]
    # column headings
    for c in range(max_gen + 1):
        label = _("Generation %(n)s") % {"n": c + 1}
        out.append(
            f'<text x="{LABEL_W + c * COL_W + 16 + NODE_W / 2}" y="{TOP - 16}" text-anchor="middle" '
            f'fill="#666">{_attr(label)}</text>'
        )
    # group bands and lane labels
    for lane in lanes:
        if lane["top"] == lane["group_top"]:
            tint = GROUP_TINTS[lane["group"] % 2]
            out.append(
                f'<g class="province" data-testid="province-lane" data-country="{_attr(lane["country"])}" '
                f'data-region="{_attr(lane["region"])}">'
                f'<rect x="0" y="{lane["group_top"]}" width="{width}" height="{lane["group_height"]}" fill="{tint}"/>'
                f'<text x="8" y="{lane["group_top"] + 16}" font-weight="700" fill="#1f4e79">'
                f"{_attr(lane['place'])}</text></g>"
            )
        out.append(
            f'<line x1="0" x2="{width}" y1="{lane["top"] + lane["height"]}" y2="{lane["top"] + lane["height"]}" '
            f'stroke="#d0d7de" stroke-width="{1.5 if lane.get("group_end") else 0.6}"/>'
        )
        out.append(
            f'<text x="18" y="{lane["top"] + (34 if lane["top"] == lane["group_top"] else 18)}" '
            f'data-testid="site-lane" data-name="{_attr(local_name(lane["site"]))}" fill="#202124">'
            f"{_attr(_short(local_name(lane['site']), 34))}</text>"
        )
    if consignee_lane:
        out.append(
            f'<g class="consignees" data-testid="consignee-lane"><rect x="0" y="{consignee_lane["top"]}" '
            f'width="{width}" height="{consignee_lane["height"]}" fill="#f3f3f3"/>'
            f'<text x="8" y="{consignee_lane["top"] + 16}" font-weight="700" fill="#1f4e79">'
            f"{_attr(_('Consignees'))}</text></g>"
        )
    # edges (under the nodes)
    for e in result.edges:
        if e.parent_lot_id not in pos or e.child_lot_id not in pos:
            continue
        (x1, y1), (x2, y2) = pos[e.parent_lot_id], pos[e.child_lot_id]
        sx, sy, tx, ty = x1 + NODE_W, y1 + NODE_H / 2, x2, y2 + NODE_H / 2
        if tx <= sx:  # same generation (should not happen) or drawn backwards: go round
            tx, sx = x2 + NODE_W, x1
        mid = (sx + tx) / 2
        out.append(
            f'<path class="edge" d="M {sx} {sy} C {mid} {sy}, {mid} {ty}, {tx - 2} {ty}" fill="none" '
            f'stroke="#555" stroke-width="1.2" marker-end="url(#arrow)"><title>'
            f"{_attr(drawn[e.parent_lot_id].lot_number)} → {_attr(drawn[e.child_lot_id].lot_number)}"
            f"</title></path>"
        )
    for s in consignee_edges:
        (x1, y1), (x2, y2) = pos[s.lot_id], consignee_pos[s.consignee_id]
        sx, sy, tx, ty = x1 + NODE_W, y1 + NODE_H / 2, x2, y2 + NODE_H / 2
        mid = (sx + tx) / 2
        out.append(
            f'<path class="shipment" d="M {sx} {sy} C {mid} {sy}, {mid} {ty}, {tx - 2} {ty}" fill="none" '
            f'stroke="#1f4e79" stroke-width="1" stroke-dasharray="4 3" marker-end="url(#arrow)">'
            f"<title>{_attr(s.reference)}</title></path>"
        )
    # nodes
    status_labels = dict(LotStatus.choices)
    roots = set(result.root_ids)
    for lot in lots:
        x, y0 = pos[lot.id]
        site = sites[lot.site_id]
        title = f"{lot.lot_number} · {lot.material} · {status_labels.get(lot.status, lot.status)} · {local_name(site)}"
        dash = "" if lot.in_scope else ' stroke-dasharray="3 2"'
        rect = (
            f'<rect x="{x}" y="{y0}" width="{NODE_W}" height="{NODE_H}" rx="5" '
            f'fill="{STATUS_FILL.get(lot.status, "#ddd")}" stroke="#333" '
            f'stroke-width="{2.5 if lot.id in roots else 1}"{dash}/>'
        )
        text = (
            f'<text x="{x + NODE_W / 2}" y="{y0 + 15}" text-anchor="middle" font-weight="600">'
            f"{_attr(lot.lot_number[:16])}</text>"
            f'<text x="{x + NODE_W / 2}" y="{y0 + 28}" text-anchor="middle" font-size="10" fill="#333">'
            f"{_attr(lot.material)}</text>"
        )
        node = (
            f'<g class="lot" data-testid="lot-node" data-lot="{_attr(lot.lot_number)}" data-status="{lot.status}" '
            f'data-site="{lot.site_id}"><title>{_attr(title)}</title>{rect}{text}</g>'
        )
        if link_lots and lot.in_scope:
            node = f'<a href="{reverse("web:lot-detail", args=[lot.id])}">{node}</a>'
        out.append(node)
    for cid in shown_consignees:
        x, y0 = consignee_pos[cid]
        c = consignee_names[cid]
        out.append(
            f'<g class="consignee" data-testid="consignee-node"><title>{_attr(local_name(c))}</title>'
            f'<rect x="{x}" y="{y0}" width="{CONSIGNEE_W}" height="{NODE_H}" rx="17" fill="#fff" stroke="#1f4e79"/>'
            f'<text x="{x + CONSIGNEE_W / 2}" y="{y0 + 21}" text-anchor="middle" font-size="11">'
            f"{_attr(_short(local_name(c), 26 if not is_zh() else 14))}</text></g>"
        )
    # legend
    lx, ly = 8, height - 20
    for status in ("quarantine", "released", "on_hold", "rejected", "recalled"):
        label = str(status_labels[status])
        out.append(
            f'<rect x="{lx}" y="{ly - 10}" width="14" height="12" rx="2" fill="{STATUS_FILL[status]}" stroke="#333"/>'
            f'<text x="{lx + 19}" y="{ly}" data-testid="legend">{_attr(label)}</text>'
        )
        lx += 28 + 13 * max(len(label), 4)
    out.append("</svg>")
    return Picture("".join(out), len(lots), len(result.lots), len(shown_consignees))
