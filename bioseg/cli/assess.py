"""``bioseg assess``: assess a case file (or a directory of them) against the pilot plan or the 2026 Regulations.

Exit codes:

- ``0`` — the case was assessed, whatever the outcome (unless ``--fail-on`` says otherwise);
- ``1`` — ``--fail-on LEVEL`` was given and the outcome is at least that bad, in the engine's precedence
  ``ineligible`` > ``incomplete`` > ``needs_determination`` > ``eligible`` (a batch: any case, or any
  file that could not be read);
- ``2`` — bad input: a malformed or unreadable case file, an unknown field or value, a date before the
  ruleset's first day, an unknown option value. The message on stderr names the field.

Without ``--ruleset`` the ruleset is the one that applies on the assessment date (``--as-of``, else the
case's ``as_of``), as ``bioseg.regulation.ruleset_for`` decides it for every interface.

The command needs no database: it calls the pure core (``bioseg.regulation``) only.
"""

from __future__ import annotations

import errno
import sys
from datetime import date
from pathlib import Path

import typer

from bioseg.cli.app import app

FORMATS = ("text", "json", "pdf")
LANGS = ("zh", "en")
# Precedence of overall outcomes, worst first (bioseg.rulebook.Overall).
SEVERITY = ("ineligible", "incomplete", "needs_determination", "eligible")
EXIT_INPUT_ERROR = 2
EXIT_FAIL_ON = 1


def _input_error(code: str, en: str, zh: str, field: str):
    from bioseg.rulebook import InputError

    return InputError(code, en, zh, field=field)


def _parse_day(value: str | None):
    if value is None:
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise _input_error(
            "invalid_as_of",
            f"--as-of {value!r} is not a date written YYYY-MM-DD",
            f"--as-of {value!r} 不是 YYYY-MM-DD 格式的日期",
            "as_of",
        ) from None


def _check_choice(value: str, allowed: tuple[str, ...], option: str, field: str) -> str:
    if value not in allowed:
        raise _input_error(
            f"unknown_{field}",
            f"{option} {value!r} is not one of: {', '.join(allowed)}",
            f"{option} {value!r} 无效，可选：{'、'.join(allowed)}",
            field,
        )
    return value


def _fails(outcome: str, fail_on: str | None) -> bool:
    if fail_on is None:
        return False
    if outcome == "error":
        return True
    return SEVERITY.index(outcome) <= SEVERITY.index(fail_on)


def _report_error(exc, lang: str) -> None:
    """The error on stderr: its code, the field at fault and the message (and every field error of a case)."""
    if lang == "zh":
        where = f"（字段 {exc.field}）" if exc.field else ""
        typer.echo(f"错误 [{exc.code}]{where}：{exc.message_zh}", err=True)
    else:
        where = f" in field {exc.field}" if exc.field else ""
        typer.echo(f"error [{exc.code}]{where}: {exc.message_en}", err=True)
    errors = exc.details.get("errors") if isinstance(exc.details, dict) else None
    if errors and len(errors) > 1:
        for item in errors:
            message = item.get("message_zh") if lang == "zh" else item.get("message")
            typer.echo(f"  - {item.get('field')}: {message}", err=True)


@app.command("assess")
def assess_command(
    case: Path | None = typer.Argument(None, help="Case file (YAML or JSON).", show_default=False),
    as_of: str | None = typer.Option(
        None, "--as-of", help="Assessment date YYYY-MM-DD (overrides the case's as_of).", show_default=False
    ),
    ruleset: str | None = typer.Option(
        None,
        "--ruleset",
        help="pilot2024 (the 2024 pilot plan) or reg2026; default: the ruleset that applies on the assessment date.",
        show_default=False,
    ),
    fmt: str = typer.Option("text", "--format", help="text, json or pdf (pdf needs --out)."),
    lang: str = typer.Option("zh", "--lang", help="zh or en: the language of text output and messages."),
    out: Path | None = typer.Option(None, "--out", help="Write to this file instead of stdout.", show_default=False),
    batch: Path | None = typer.Option(
        None, "--batch", help="Assess every *.yaml/*.yml/*.json in DIR; --out summary.xlsx|.csv.", show_default=False
    ),
    fail_on: str | None = typer.Option(
        None,
        "--fail-on",
        help="Exit 1 when the outcome is this bad or worse: ineligible, incomplete or needs_determination.",
        show_default=False,
    ),
) -> None:
    """Assess a case against the rules; print the determination as text, JSON or a bilingual PDF report.

    Exit 0 for any outcome (see --fail-on), 2 for bad input (the message names the field).
    """
    from bioseg.rulebook import InputError

    language = lang if lang in LANGS else "en"
    try:
        _check_choice(lang, LANGS, "--lang", "lang")
        _check_choice(fmt, FORMATS, "--format", "format")
        if fail_on is not None:
            _check_choice(fail_on, SEVERITY[:3], "--fail-on", "fail_on")
        day = _parse_day(as_of)
        from bioseg.regulation import get_ruleset

        rules = get_ruleset(ruleset) if ruleset is not None else None  # None: regulation.ruleset_for(as_of)
        if batch is not None:
            code = _run_batch(batch, case, out, day, rules, fail_on, language)
        else:
            code = _run_one(case, out, day, rules, fmt, language, fail_on)
    except InputError as exc:
        _report_error(exc, language)
        raise typer.Exit(EXIT_INPUT_ERROR) from None
    if code:
        raise typer.Exit(code)


def _run_one(case, out, day, rules, fmt: str, lang: str, fail_on: str | None) -> int:
    from bioseg.regulation import assess, load_case, render

    if case is None:
        raise _input_error(
            "case_missing", "give a case file (or --batch DIR)", "请提供案例文件（或 --batch 目录）", "case"
        )
    if fmt == "pdf" and out is None:
        raise _input_error(
            "out_required", "--format pdf needs --out FILE.pdf", "--format pdf 须同时指定 --out 文件", "out"
        )
    parsed = load_case(case)
    determination = assess(parsed, as_of=day, ruleset=rules)
    if fmt == "pdf":
        from bioseg.reporting.assessment_pdf import write_assessment_pdf

        try:
            path = write_assessment_pdf(determination, out, case=parsed, lang=lang)
        except OSError as exc:
            raise _out_error(out, exc) from None
        typer.echo(f"{determination.outcome} → {path}")
    else:
        text = render(determination, fmt=fmt, lang=lang)
        if out is None:
            sys.stdout.write(text if text.endswith("\n") else text + "\n")
        else:
            _write_out(out, text if text.endswith("\n") else text + "\n")
            typer.echo(f"{determination.outcome} → {out}")
    return EXIT_FAIL_ON if _fails(str(determination.outcome), fail_on) else 0


def _write_out(out: Path, text: str) -> None:
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise _out_error(out, exc) from None


_OS_REASONS = {
    errno.EEXIST: ("a part of the path is a file, not a directory", "路径中有一段是文件而不是目录"),
    errno.ENOTDIR: ("a part of the path is a file, not a directory", "路径中有一段是文件而不是目录"),
    errno.EISDIR: ("the path is a directory", "该路径是目录"),
    errno.EACCES: ("permission denied", "没有写入权限"),
    errno.EPERM: ("permission denied", "没有写入权限"),
    errno.ENOSPC: ("the disk is full", "磁盘空间不足"),
    errno.EROFS: ("the file system is read-only", "文件系统为只读"),
}


def _out_error(out: Path, exc: OSError):
    en, zh = _OS_REASONS.get(exc.errno or 0, (exc.strerror or str(exc), "操作系统拒绝写入"))
    return _input_error("out_unwritable", f"cannot write {out}: {en}", f"无法写入 {out}：{zh}", "out")


def _run_batch(directory: Path, case, out, day, rules, fail_on: str | None, lang: str) -> int:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    from bioseg.regulation import batch_assess, case_files

    if case is not None:
        raise _input_error(
            "case_and_batch",
            "give either a case file or --batch DIR, not both",
            "案例文件与 --batch 只能二选一",
            "case",
        )
    if out is None:
        raise _input_error(
            "out_required",
            "--batch needs --out summary.xlsx or .csv",
            "--batch 须指定 --out 汇总文件（.xlsx 或 .csv）",
            "out",
        )
    total = len(case_files(directory))
    columns = (
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
    )
    with Progress(*columns, transient=False) as progress:
        task = progress.add_task("评估 assessing" if lang == "zh" else "assessing", total=total)

        def advance(done: int, _total: int) -> None:
            progress.update(task, completed=done)

        try:
            result = batch_assess(directory, out, as_of=day, ruleset=rules, progress=advance)
        except OSError as exc:
            raise _out_error(out, exc) from None
    counts = ", ".join(f"{outcome}: {n}" for outcome, n in result.counts.items()) or "-"
    typer.echo(f"{result.total} cases → {result.out} ({counts})")
    if result.errors:
        typer.echo(
            f"{result.errors} file(s) could not be assessed: see the error_field and error columns."
            if lang != "zh"
            else f"{result.errors} 个文件无法评估：见 error_field 和 error 列。",
            err=True,
        )
    if fail_on is not None and any(_fails(outcome, fail_on) for outcome, n in result.counts.items() if n):
        return EXIT_FAIL_ON
    return 0
