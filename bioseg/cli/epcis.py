"""``bioseg epcis export|capture`` (GS1 EPCIS 2.0) and ``bioseg lots`` (find a lot's id).

- ``bioseg lots [--format text|json] [--user NAME]`` lists lots: id, lot number, product, site, status.
- ``bioseg epcis export LOT --out FILE [--user NAME]`` writes the lot's genealogy and movements as an
  EPCISDocument (JSON-LD). LOT is a lot id, or a lot number that names one lot.
- ``bioseg epcis capture FILE --user NAME [--reason TEXT] [--skip-duplicates] [--format text|json]``
  validates the document against GS1's schema (``BIOSEG_EPCIS_SCHEMA``), computes the event hash IDs and
  stores the events, acting as user NAME (a QA role, recorded in the audit trail).

Without ``--user`` the read commands act as the system operator, who sees everything (whoever runs the
command has the database anyway); with it, they see what that user sees.

Exit codes: ``0`` done; ``2`` refused — unknown lot or user, unreadable file, invalid document, duplicate
events, missing GS1 identifiers, schema not configured. The reason goes to stderr and nothing is written.
"""

from __future__ import annotations

import json
from pathlib import Path

import typer

from bioseg.cli.app import app
from bioseg.cli.app import setup as _setup

EXIT_REFUSED = 2
MAX_LISTED = 50

epcis_app = typer.Typer(help="GS1 EPCIS 2.0: export a lot's genealogy, capture EPCIS documents.", no_args_is_help=True)
app.add_typer(epcis_app, name="epcis")


def _fail(code: str, en: str, zh: str, lang: str, lines: list[str] | None = None) -> typer.Exit:
    typer.echo(f"错误 [{code}]：{zh}" if lang == "zh" else f"error [{code}]: {en}", err=True)
    for line in lines or []:
        typer.echo(f"  {line}", err=True)
    return typer.Exit(EXIT_REFUSED)


def _refused(exc, lang: str) -> typer.Exit:
    """An ApplicationError on stderr with its listed problems (JSON pointers, missing identifiers)."""
    lines: list[str] = []
    details = exc.details or {}
    for problem in (details.get("problems") or [])[:MAX_LISTED]:
        lines.append(f"{problem.get('pointer') or '/'}: [{problem.get('code')}] {problem.get('message')}")
    for item in (details.get("missing") or [])[:MAX_LISTED]:
        lines.append(", ".join(f"{k}={v}" for k, v in item.items()))
    for field, messages in (details.get("fields") or {}).items():
        lines.append(f"{field}: {messages['message_zh' if lang == 'zh' else 'message']}")
    total = details.get("problem_count") or len(details.get("missing") or [])
    if total > MAX_LISTED:
        lines.append(f"… and {total - MAX_LISTED} more")
    return _fail(exc.code, exc.message, exc.message_zh, lang, lines)


def _check_choice(value: str, allowed: tuple[str, ...], option: str, lang: str) -> None:
    if value not in allowed:
        raise _fail(
            "invalid_option",
            f"{option} {value!r} is not one of: {', '.join(allowed)}",
            f"{option} {value!r} 无效，可选：{'、'.join(allowed)}",
            lang,
        )


def _user(username: str | None, lang: str, *, required: bool):
    from bioseg.accounts.models import User

    if not username:
        if required:
            raise _fail(
                "user_required",
                "--user NAME is required: the capture is recorded in the audit trail under that user.",
                "必须指定 --user 用户名：导入将以该用户身份记入审计追踪。",
                lang,
            )
        return None
    user = User.objects.filter(username=username).first()
    if user is None or not user.is_active:
        raise _fail("unknown_user", f"No active user {username!r}.", f"没有名为 {username!r} 的有效用户。", lang)
    return user


def _scope(user):
    from bioseg.registry.scope import Scope, scope_for

    return Scope(kind="national") if user is None else scope_for(user)


def _find_lot(scope, lot: str, lang: str) -> int:
    from bioseg.production.selectors import lot_find

    text = lot.strip()
    if text.isdigit():
        return int(text)
    found = lot_find(scope=scope, lot_number=text)
    if len(found) == 1:
        return found[0].pk
    if not found:
        raise _fail("not_found", f"lot {text} was not found.", f"未找到批 {text}。", lang)
    ids = ", ".join(str(x.pk) for x in found)
    raise _fail(
        "ambiguous_lot",
        f"Lot number {text} names {len(found)} lots (ids {ids}); give the id (see `bioseg lots`).",
        f"批号 {text} 对应 {len(found)} 个批（id {ids}）；请给出 id（见 `bioseg lots`）。",
        lang,
    )


@app.command("lots")
def lots(
    output_format: str = typer.Option("text", "--format", help="text or json."),
    user: str | None = typer.Option(None, "--user", help="List what this user may see (default: everything)."),
    lang: str = typer.Option("en", "--lang", help="Language of error messages: en or zh."),
) -> None:
    """List lots (id, lot number, product, site, status) so scripts can find a lot's id."""
    _setup()
    _check_choice(output_format, ("text", "json"), "--format", lang)
    from bioseg.production.selectors import lot_list

    rows = [
        {
            "id": lot.pk,
            "lot_number": lot.lot_number,
            "product": lot.product.name_en,
            "site": lot.site.name_en,
            "status": lot.status,
        }
        for lot in lot_list(scope=_scope(_user(user, lang, required=False))).order_by("id")
    ]
    if output_format == "json":
        typer.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    columns = [
        ("id", "id"),
        ("lot number", "lot_number"),
        ("status", "status"),
        ("product", "product"),
        ("site", "site"),
    ]
    for line in text_table(columns, rows, right=("id",)):
        typer.echo(line)
    typer.echo(f"{len(rows)} lot(s)")


def text_table(columns: list[tuple[str, str]], rows: list[dict], right: tuple[str, ...] = ()) -> list[str]:
    """Lines of a plain-text table whose columns are as wide as their longest value (nothing is cut off);
    ``columns`` are (heading, key); keys in ``right`` are right-aligned."""
    widths = {key: max([len(head), *(len(str(r[key])) for r in rows)]) for head, key in columns}

    def line(values: dict) -> str:
        cells = [
            str(values[key]).rjust(widths[key]) if key in right else str(values[key]).ljust(widths[key])
            for _, key in columns
        ]
        return "  ".join(cells).rstrip()

    return [line({key: head for head, key in columns}), *(line(r) for r in rows)]


@epcis_app.command("export")
def export(
    lot: str = typer.Argument(..., help="Lot id (see `bioseg lots`) or a lot number naming one lot."),
    out: Path = typer.Option(..., "--out", help="File to write the EPCISDocument (JSON-LD) to."),
    user: str | None = typer.Option(None, "--user", help="Export as this user (their scope)."),
    indent: int | None = typer.Option(None, "--indent", help="Pretty-print with this indent."),
    lang: str = typer.Option("en", "--lang", help="Language of error messages: en or zh."),
) -> None:
    """Export a lot's genealogy (upstream and downstream) and movements as an EPCIS 2.0 document."""
    _setup()
    from bioseg.common.errors import ApplicationError
    from bioseg.epcis import dumps
    from bioseg.production.epcis import epcis_export_lot

    scope = _scope(_user(user, lang, required=False))
    lot_id = _find_lot(scope, lot, lang)
    try:
        document = epcis_export_lot(scope=scope, lot_id=lot_id)
    except ApplicationError as exc:
        raise _refused(exc, lang) from None
    try:
        out.write_text(dumps(document, indent=indent) + "\n", encoding="utf-8")
    except OSError as exc:
        raise _fail("cannot_write", f"cannot write {out}: {exc}", f"无法写入 {out}：{exc}", lang) from None
    count = len(document["epcisBody"]["eventList"])
    typer.echo(f"Exported {count} EPCIS event(s) for lot {lot_id} to {out}")


@epcis_app.command("capture")
def capture(
    file: Path = typer.Argument(..., help="An EPCIS 2.0 JSON/JSON-LD document (EPCISDocument)."),
    user: str | None = typer.Option(None, "--user", help="Capture as this user (QA role; required)."),
    reason: str = typer.Option("", "--reason", help="Audit reason (default: 'EPCIS document <file> captured')."),
    skip_duplicates: bool = typer.Option(
        False, "--skip-duplicates", help="Leave out events already captured instead of refusing the document."
    ),
    output_format: str = typer.Option("text", "--format", help="text or json."),
    lang: str = typer.Option("en", "--lang", help="Language of error messages: en or zh."),
) -> None:
    """Validate an EPCIS document against GS1's schema and store its events (all or nothing)."""
    _setup()
    _check_choice(output_format, ("text", "json"), "--format", lang)
    from bioseg.common.errors import ApplicationError
    from bioseg.production.epcis import epcis_capture

    actor = _user(user, lang, required=True)
    try:
        content = file.read_bytes()
    except OSError as exc:
        raise _fail("cannot_read", f"cannot read {file}: {exc}", f"无法读取 {file}：{exc}", lang) from None
    try:
        outcome = epcis_capture(
            actor=actor,
            document=content,
            reason=reason.strip() or f"EPCIS document {file.name} captured",
            on_duplicate="skip" if skip_duplicates else "reject",
        )
    except ApplicationError as exc:
        raise _refused(exc, lang) from None
    if output_format == "json":
        typer.echo(json.dumps(outcome.as_dict(), ensure_ascii=False, indent=2))
        return
    c = outcome.capture
    typer.echo(
        f"Captured {c.event_count} event(s) from {file} (capture {c.pk}); "
        f"{c.duplicate_count} duplicate(s) skipped; {c.lot_link_count} link(s) to known lots."
    )
