"""``bioseg schedule``: solve an inspection-scheduling problem (the exchange format of ../shared/oversight).

    bioseg schedule PROBLEM.json --out PLAN.json [--time-limit S] [--workers N] [--previous PLAN.json --keep J1,J2]
    bioseg schedule rederive --seed HEX --plan-id ID --version N INPUT.json

Exit codes:

- ``0`` — a plan was written (status ``optimal`` or ``feasible``);
- ``1`` — the mandatory jobs cannot all be scheduled: the conflicting rules and the actions that would resolve
  them are printed (and written to ``--out`` as a plan with status ``infeasible`` and ``conflicts``);
- ``2`` — bad input: malformed JSON, nesting too deep, a missing or mistyped field, an unknown inspector or
  site, a kept job that is not in the previous plan, a bad option. The message names the field.

The command needs no database and no Django set-up: it calls the pure core (``bioseg.scheduling``) only.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import typer

from bioseg.cli.app import app

EXIT_INFEASIBLE = 1
EXIT_INPUT_ERROR = 2
LANGS = ("zh", "en")
MAX_INPUT_BYTES = 64 * 1024 * 1024


def _say(lang: str, en: str, zh: str, *, err: bool = False) -> None:
    typer.echo(zh if lang == "zh" else en, err=err)


def _read(path: Path, what: str, field: str):
    from bioseg.scheduling import ProblemError, load_json

    try:
        if path.stat().st_size > MAX_INPUT_BYTES:
            raise ProblemError("too_large", field, f"{path} is larger than 64 MB", f"{path} 超过 64 MB")
        data = path.read_bytes()
    except OSError as exc:
        raise ProblemError(
            "unreadable", field, f"cannot read {path}: {exc.strerror or exc}", f"无法读取 {path}：{exc.strerror or exc}"
        ) from None
    return load_json(data, what=what)


def _report_error(exc, lang: str) -> None:
    _say(lang, f"error [{exc.code}]: {exc.text_en}", f"错误 [{exc.code}]：{exc.text_zh}", err=True)


@app.command("schedule")
def schedule_command(
    problem: str = typer.Argument(..., metavar="PROBLEM.json | rederive", help="Problem file, or 'rederive'."),
    draw_input: Path | None = typer.Argument(
        None, metavar="[INPUT.json]", help="rederive: the draw inputs.", show_default=False
    ),
    out: Path | None = typer.Option(None, "--out", help="Write the plan here (default: stdout).", show_default=False),
    time_limit: float = typer.Option(60.0, "--time-limit", help="Seconds for the whole solve."),
    workers: int = typer.Option(2, "--workers", help="CP-SAT worker threads."),
    previous: Path | None = typer.Option(None, "--previous", help="Re-plan: the previous plan.", show_default=False),
    keep: str | None = typer.Option(
        None,
        "--keep",
        help="Re-plan: comma-separated jobs of the previous plan to keep as they are (notified).",
        show_default=False,
    ),
    seed: str | None = typer.Option(None, "--seed", help="rederive: the revealed seed (hex).", show_default=False),
    plan_id: str | None = typer.Option(None, "--plan-id", help="rederive: the plan's id.", show_default=False),
    version: int | None = typer.Option(None, "--version", help="rederive: the plan's version.", show_default=False),
    fmt: str = typer.Option("text", "--format", help="rederive: text or json."),
    lang: str = typer.Option("zh", "--lang", help="zh or en: the language of messages."),
) -> None:
    """Solve an inspection-scheduling problem into a plan (exit 0), name the conflicting rules when the
    mandatory jobs cannot all be scheduled (exit 1), or refuse bad input naming the field (exit 2).

    `bioseg schedule rederive --seed HEX --plan-id ID --version N INPUT.json` re-derives the unannounced
    inspections' draws from a revealed seed.
    """
    from bioseg.scheduling import ProblemError

    language = lang if lang in LANGS else "en"
    try:
        if lang not in LANGS:
            raise ProblemError("bad_option", "--lang", f"{lang!r} is not zh or en", f"{lang!r} 不是 zh 或 en")
        if problem == "rederive":
            code = _rederive(draw_input, seed, plan_id, version, fmt, out, language)
        else:
            if draw_input is not None:
                raise ProblemError(
                    "bad_option", "INPUT.json", "only 'rederive' takes a second file", "只有 rederive 需要第二个文件"
                )
            code = _solve(Path(problem), out, time_limit, workers, previous, keep, language)
    except ProblemError as exc:
        _report_error(exc, language)
        raise typer.Exit(EXIT_INPUT_ERROR) from None
    if code:
        raise typer.Exit(code)


def _solve(
    path: Path, out: Path | None, time_limit: float, workers: int, previous: Path | None, keep: str | None, lang: str
) -> int:
    from bioseg.scheduling import INFEASIBLE, ProblemError, gap, parse_plan, parse_problem, solve

    if not (0 < time_limit <= 24 * 3600):
        raise ProblemError(
            "bad_option", "--time-limit", "must be between 0 and 86400 seconds", "应在 0 至 86400 秒之间"
        )
    if not (1 <= workers <= 64):
        raise ProblemError("bad_option", "--workers", "must be between 1 and 64", "应在 1 至 64 之间")
    parsed = parse_problem(_read(path, "problem", "problem"))
    prev = None
    kept: list[str] = []
    if keep is not None:
        kept = [k.strip() for k in keep.split(",") if k.strip()]
        if previous is None:
            raise ProblemError("bad_option", "--keep", "needs --previous PLAN.json", "须同时指定 --previous 计划文件")
    if previous is not None:
        prev = parse_plan(_read(previous, "plan", "previous"), where="previous")
    plan = solve(parsed, time_limit=time_limit, workers=workers, previous=prev, keep=kept)
    text = json.dumps(plan.as_dict(), ensure_ascii=False, indent=1)
    if out is not None:
        try:
            out.write_text(text + "\n", encoding="utf-8")
        except OSError as exc:
            raise ProblemError(
                "unwritable",
                "--out",
                f"cannot write {out}: {exc.strerror or exc}",
                f"无法写入 {out}：{exc.strerror or exc}",
            ) from None
    else:
        sys.stdout.write(text + "\n")
    seconds = plan.stats.get("seconds", 0)
    if plan.status == INFEASIBLE:
        _say(
            lang,
            f"infeasible: the mandatory jobs cannot all be scheduled ({seconds} s)",
            f"无解：必须任务无法全部安排（用时 {seconds} 秒）",
            err=True,
        )
        for n, conflict in enumerate(plan.conflicts, start=1):
            _say(lang, f"{n}. {conflict['message']}", f"{n}. {conflict['message_zh']}", err=True)
            for action in conflict["actions"]:
                mark = {True: "*", False: "-", None: "?"}[action.get("resolves_alone", True)]
                _say(lang, f"   {mark} {action['message']}", f"   {mark} {action['message_zh']}", err=True)
        return EXIT_INFEASIBLE
    total = len(parsed.jobs)
    mandatory = sum(1 for j in parsed.jobs if j.mandatory)
    status_zh = {"optimal": "最优", "feasible": "可行"}[plan.status]
    where = f" → {out}" if out is not None else ""
    _say(
        lang,
        f"{plan.status}: value {plan.value}, bound {plan.bound} (gap {100 * gap(plan):.2f} %), "
        f"{len(plan.assignments)}/{total} jobs scheduled, mandatory {mandatory}/{mandatory}, {seconds} s{where}",
        f"{status_zh}：价值 {plan.value}，上界 {plan.bound}（差距 {100 * gap(plan):.2f}%），已安排 {len(plan.assignments)}/{total} 项任务，"
        f"必须任务 {mandatory}/{mandatory}，用时 {seconds} 秒{where}",
        err=True,
    )
    if plan.changes is not None:
        c = plan.changes
        _say(
            lang,
            f"re-planned: kept {len(c['kept'])}, unchanged {len(c['unchanged'])}, moved {len(c['moved'])}, "
            f"team changed {len(c['team_changed'])}, dropped {len(c['dropped'])}, added {len(c['added'])}",
            f"重新计划：保留 {len(c['kept'])}，未变 {len(c['unchanged'])}，改期 {len(c['moved'])}，"
            f"换人 {len(c['team_changed'])}，取消 {len(c['dropped'])}，新增 {len(c['added'])}",
            err=True,
        )
    return 0


def _rederive(
    path: Path | None, seed: str | None, plan_id: str | None, version: int | None, fmt: str, out: Path | None, lang: str
) -> int:
    from bioseg.scheduling import ProblemError, commitment, rederive
    from bioseg.scheduling.draws import parse_seed

    if fmt not in ("text", "json"):
        raise ProblemError("bad_option", "--format", f"{fmt!r} is not text or json", f"{fmt!r} 不是 text 或 json")
    for value, name in ((seed, "--seed"), (plan_id, "--plan-id"), (version, "--version"), (path, "INPUT.json")):
        if value is None:
            raise ProblemError("missing", name, "rederive needs it", "rederive 须提供此项")
    assert seed is not None and plan_id is not None and version is not None and path is not None
    raw_seed = parse_seed(seed)
    draws = rederive(raw_seed, plan_id, version, _read(path, "input", "input"))
    commit = commitment(raw_seed, plan_id, version)
    if fmt == "json":
        text = json.dumps(
            {"commitment": commit, "plan_id": plan_id, "version": version, "draws": [d.as_dict() for d in draws]},
            ensure_ascii=False,
            indent=1,
        )
    else:
        head = f"commitment {commit}" if lang == "en" else f"承诺值 {commit}"
        lines = [head]
        for d in draws:
            lines.append(
                f"{d.order}\t{d.site}\t{d.date}\tweight {d.weight}/{d.total_weight} r={d.r}\tday {d.date_index + 1}/{d.date_choices}"
                if lang == "en"
                else f"{d.order}\t{d.site}\t{d.date}\t权重 {d.weight}/{d.total_weight} r={d.r}\t第 {d.date_index + 1}/{d.date_choices} 个可选日"
            )
        text = "\n".join(lines)
    if out is not None:
        out.write_text(text + "\n", encoding="utf-8")
    else:
        typer.echo(text)
    return 0
