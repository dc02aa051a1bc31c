"""``bioseg trace`` and ``bioseg recall-report``: the genealogy of a lot from the command line.

``LOT`` is a lot id or a lot number. The commands read with national scope (the operator at the
console) unless ``--as USER`` names a user, whose scope then applies: a lot outside it is "not found",
exactly like an unknown one.

A trace beyond the expand limit (``expanded`` false: a working-cell-bank lot) lists its shipments per
destination (counts, first and last shipping time) and one page of shipment lines, chosen with
``--lines-offset`` / ``--lines-limit``; in JSON the page is ``shipment_lines_page``.

Exit codes: ``0`` done; ``2`` bad input — an unknown lot or user, a lot number shared by several lots
(the message lists their ids), an unknown option value or output format.
"""

from __future__ import annotations

import json
from pathlib import Path

import typer

from bioseg.cli.app import app
from bioseg.cli.app import setup as _setup

EXIT_INPUT_ERROR = 2
DIRECTIONS = ("forward", "backward")
FORMATS = ("text", "json")


def _fail(code: str, message: str) -> typer.Exit:
    typer.echo(f"error [{code}]: {message}", err=True)
    return typer.Exit(EXIT_INPUT_ERROR)


def _scope(as_user: str | None):
    from bioseg.accounts.models import User
    from bioseg.registry.scope import Scope, scope_for

    if as_user is None:
        return Scope(kind="national")
    user = User.objects.filter(username=as_user).first()
    if user is None:
        raise _fail("unknown_user", f"there is no user {as_user!r}.")
    return scope_for(user)


def _resolve_lot(scope, value: str):
    """The lot ``value`` names (an id, else a lot number) within ``scope``."""
    from bioseg.common.errors import NotFound
    from bioseg.production import selectors

    value = value.strip()
    if value.isdigit():
        try:
            return selectors.lot_get(scope=scope, pk=int(value))
        except NotFound:
            pass
    found = selectors.lot_find(scope=scope, lot_number=value)
    if not found:
        raise _fail("lot_not_found", f"no lot {value!r} was found (give a lot id or a lot number).")
    if len(found) > 1:
        listed = ", ".join(f"{lot.pk} ({lot.material} at {lot.site.name_en})" for lot in found)
        raise _fail("lot_ambiguous", f"lot number {value!r} is used by several lots; give the id: {listed}.")
    return found[0]


def _check(value: str, allowed: tuple[str, ...], option: str) -> None:
    if value not in allowed:
        raise _fail(f"unknown_{option.strip('-')}", f"{option} {value!r} is not one of: {', '.join(allowed)}.")


def clean_line(line) -> dict:
    """A shipment line as JSON-ready data (as ``TraceResult.as_dict`` writes them)."""
    from dataclasses import asdict

    data = asdict(line)
    data["quantity"] = str(line.quantity)
    data["shipped_at"] = line.shipped_at.isoformat()
    data["received_at"] = line.received_at.isoformat() if line.received_at else None
    data["path"] = list(line.path)
    return data


def _num(value) -> str:
    return format(value.normalize(), "f")


def lines_page(result, offset: int, limit: int) -> dict | None:
    """The page of shipment lines of a trace that is not expanded (None when it is: all are listed)."""
    if result.expanded:
        return None
    return {
        "offset": offset,
        "limit": limit,
        "total": result.shipment_line_count,
        "lines": result.shipment_lines(offset=offset, limit=limit),
    }


def trace_text(result, root, page: dict | None = None) -> str:
    """The trace as a readable listing: lots by depth with their path, shipments, consignees. ``page``
    (``lines_page``) holds the shipment lines listed when the trace is not expanded."""
    from bioseg.common.regions import country_name, province_name
    from bioseg.production.trace import EXPAND_LIMIT

    consignees = {c.id: c for c in result.consignees}
    numbers = {lot.id: lot.lot_number for lot in result.lots}
    paths = result.paths()  # in bulk when the trace is not expanded

    def where(country: str, region: str) -> str:
        return province_name(region, "en") if country == "CN" and region else country_name(country, "en")

    def path(lot_id: int) -> str:
        return " → ".join(numbers[i] for i in paths[lot_id])

    lines = result.shipments if page is None else page["lines"]
    sites = {s.id: s for s in result.sites}  # the page may name more sites
    out = [
        f"{result.direction.capitalize()} trace from lot {root.lot_number} (id {root.pk}, {root.material}, "
        f"{root.product.name_en}, {root.site.name_en})",
        f"{len(result.lots)} lots, {len(result.edges)} edges, {result.shipment_line_count} shipment lines, "
        f"{len(result.consignees)} consignees",
        "",
        "Lots (depth, lot, material, status, quantity, site, province/country, path):",
    ]
    if not result.expanded:
        out[2:2] = [
            f"(more than {EXPAND_LIMIT:,} lots: edges are not listed, shipments are summarised per destination and "
            "the shipment lines are listed one page at a time)",
            "",
        ]
    for lot in result.lots:
        site = sites[lot.site_id]
        flag = "" if lot.in_scope else "  [outside your scope]"
        out.append(
            f"  {lot.depth:>3}  {lot.lot_number}  {lot.material}  {lot.status}  {_num(lot.quantity)} {lot.unit}  "
            f"{site.name_en}  {where(site.country_code, site.region_code)}  {path(lot.id)}{flag}"
        )
    if page is not None and result.destinations:
        out += ["", "Shipments by destination (destination, shipments, lines, lots, first shipped, last shipped):"]
        for d in result.destinations:
            dest = sites[d.to_site_id].name_en if d.to_site_id else consignees[d.consignee_id].name_en
            out.append(
                f"  {dest}  {d.shipment_count}  {d.line_count}  {d.lot_count}  {d.first_shipped_at.isoformat()}  "
                f"{d.last_shipped_at.isoformat()}"
            )
    if page is not None and result.shipment_line_count:
        first, last = page["offset"] + 1, page["offset"] + len(lines)
        span = f"{first}–{last}" if lines else "none"
        out += [
            "",
            f"Shipment lines {span} of {page['total']} (reference, lot, quantity, from → to, shipped, received; "
            "--lines-offset / --lines-limit for others):",
        ]
    elif lines:
        out += ["", "Shipments (reference, lot, quantity, from → to, shipped, received):"]
    if lines:
        for s in lines:
            dest = sites[s.to_site_id].name_en if s.to_site_id else consignees[s.consignee_id].name_en
            received = s.received_at.isoformat() if s.received_at else "not received"
            out.append(
                f"  {s.reference}  {numbers[s.lot_id]}  {_num(s.quantity)}  "
                f"{sites[s.from_site_id].name_en} → {dest}  {s.shipped_at.isoformat()}  {received}"
            )
    if result.consignees:
        out += ["", "Consignees:"]
        for c in result.consignees:
            out.append(f"  {c.name_en} ({c.name_zh}), {where(c.country_code, c.region_code)}")
    return "\n".join(out)


@app.command()
def trace(
    lot: str = typer.Argument(..., help="Lot id or lot number."),
    direction: str = typer.Option("forward", "--direction", help="forward (downstream) | backward (upstream)"),
    fmt: str = typer.Option("text", "--format", help="text | json"),
    as_user: str | None = typer.Option(None, "--as", help="Read with this user's scope (default: national)."),
    shipments: bool = typer.Option(True, "--shipments/--no-shipments", help="Include shipments and consignees."),
    lines_offset: int = typer.Option(0, "--lines-offset", min=0, help="First shipment line listed (large traces)."),
    lines_limit: int = typer.Option(100, "--lines-limit", min=1, help="Shipment lines listed (large traces)."),
) -> None:
    """Trace a lot forward (every lot, shipment and consignee it reached) or backward (everything it came from)."""
    _check(direction, DIRECTIONS, "--direction")
    _check(fmt, FORMATS, "--format")
    _setup()
    from bioseg.production import selectors

    scope = _scope(as_user)
    root = _resolve_lot(scope, lot)
    result = selectors.lot_trace(scope=scope, pk=root.pk, direction=direction, include_shipments=shipments)
    page = lines_page(result, lines_offset, lines_limit) if shipments else None
    if fmt == "json":
        data = result.as_dict()
        if page is not None:
            data["shipment_lines_page"] = {**page, "lines": [clean_line(s) for s in page["lines"]]}
        typer.echo(json.dumps(data, ensure_ascii=False, indent=2))
    else:
        typer.echo(trace_text(result, root, page))


@app.command("recall-report")
def recall_report_command(
    lot: str = typer.Argument(..., help="Lot id or lot number."),
    out: Path = typer.Option(..., "--out", help="File to write: .pdf or .xlsx."),
    as_user: str | None = typer.Option(None, "--as", help="Read with this user's scope (default: national)."),
    lang: str = typer.Option("zh", "--lang", help="zh or en: the language statuses are written in."),
) -> None:
    """Write the recall-impact report of a lot (every downstream lot, shipment and consignee) as PDF or XLSX."""
    suffix = out.suffix.lower()
    if suffix not in (".pdf", ".xlsx"):
        raise _fail("unknown_format", f"--out {str(out)!r} must end in .pdf or .xlsx.")
    if lang not in ("zh", "en"):
        raise _fail("bad_language", "--lang must be zh or en.")
    _setup()
    from bioseg.reporting import recall_report

    scope = _scope(as_user)
    root = _resolve_lot(scope, lot)
    report = recall_report.build(scope=scope, lot=root)
    data = recall_report.to_pdf(report, lang=lang) if suffix == ".pdf" else recall_report.to_xlsx(report, lang=lang)
    out.write_bytes(data)
    typer.echo(
        f"Wrote the recall-impact report of lot {root.lot_number} (id {root.pk}): {len(report.lots)} lots, "
        f"{len(report.shipments)} shipment lines, {len(report.consignees)} consignees → {out}"
    )
