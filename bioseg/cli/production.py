"""``bioseg trace`` and ``bioseg recall-report``: the genealogy of a lot from the command line.

``LOT`` is a lot id or a lot number. The commands read with national scope (the operator at the
console) unless ``--as USER`` names a user, whose scope then applies: a lot outside it is "not found",
exactly like an unknown one.

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
    from bioseg.accounts.scope import Scope, scope_for

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


def _num(value) -> str:
    return format(value.normalize(), "f")


def trace_text(result, root) -> str:
    """The trace as a readable listing: lots by depth with their path, shipments, consignees."""
    from bioseg.common.regions import country_name, province_name

    sites = {s.id: s for s in result.sites}
    consignees = {c.id: c for c in result.consignees}
    numbers = {lot.id: lot.lot_number for lot in result.lots}

    def where(country: str, region: str) -> str:
        return province_name(region, "en") if country == "CN" and region else country_name(country, "en")

    def path(lot_id: int) -> str:
        return " → ".join(numbers[i] for i in result.path_to(lot_id))

    out = [
        f"{result.direction.capitalize()} trace from lot {root.lot_number} (id {root.pk}, {root.material}, "
        f"{root.product.name_en}, {root.site.name_en})",
        f"{len(result.lots)} lots, {len(result.edges)} edges, {len(result.shipments)} shipment lines, "
        f"{len(result.consignees)} consignees",
        "",
        "Lots (depth, lot, material, status, quantity, site, province/country, path):",
    ]
    for lot in result.lots:
        site = sites[lot.site_id]
        flag = "" if lot.in_scope else "  [outside your scope]"
        out.append(
            f"  {lot.depth:>3}  {lot.lot_number}  {lot.material}  {lot.status}  {_num(lot.quantity)} {lot.unit}  "
            f"{site.name_en}  {where(site.country_code, site.region_code)}  {path(lot.id)}{flag}"
        )
    if result.shipments:
        out += ["", "Shipments (reference, lot, quantity, from → to, shipped, received):"]
        for s in result.shipments:
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
) -> None:
    """Trace a lot forward (every lot, shipment and consignee it reached) or backward (everything it came from)."""
    _check(direction, DIRECTIONS, "--direction")
    _check(fmt, FORMATS, "--format")
    _setup()
    from bioseg.production import selectors

    scope = _scope(as_user)
    root = _resolve_lot(scope, lot)
    result = selectors.lot_trace(scope=scope, pk=root.pk, direction=direction, include_shipments=shipments)
    if fmt == "json":
        typer.echo(json.dumps(result.as_dict(), ensure_ascii=False, indent=2))
    else:
        typer.echo(trace_text(result, root))


@app.command("recall-report")
def recall_report_command(
    lot: str = typer.Argument(..., help="Lot id or lot number."),
    out: Path = typer.Option(..., "--out", help="File to write: .pdf or .xlsx."),
    as_user: str | None = typer.Option(None, "--as", help="Read with this user's scope (default: national)."),
) -> None:
    """Write the recall-impact report of a lot (every downstream lot, shipment and consignee) as PDF or XLSX."""
    suffix = out.suffix.lower()
    if suffix not in (".pdf", ".xlsx"):
        raise _fail("unknown_format", f"--out {str(out)!r} must end in .pdf or .xlsx.")
    _setup()
    from bioseg.reporting import recall_report

    scope = _scope(as_user)
    root = _resolve_lot(scope, lot)
    report = recall_report.build(scope=scope, lot=root)
    data = recall_report.to_pdf(report) if suffix == ".pdf" else recall_report.to_xlsx(report)
    out.write_bytes(data)
    typer.echo(
        f"Wrote the recall-impact report of lot {root.lot_number} (id {root.pk}): {len(report.lots)} lots, "
        f"{len(report.shipments)} shipment lines, {len(report.consignees)} consignees → {out}"
    )
