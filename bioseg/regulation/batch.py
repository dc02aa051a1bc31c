"""Assess every case file in a directory and write a summary table (.csv or .xlsx)."""

from __future__ import annotations

import csv
import re
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from ..rulebook import InputError, Ruleset
from .api import CASE_SUFFIXES, RULESET_NAMES, assess, get_ruleset, load_case
from .choice import ruleset_for

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class BatchResult:
    out: Path
    total: int
    counts: dict[str, int] = field(default_factory=dict)  # outcome → number of cases ("error" for bad files)

    @property
    def errors(self) -> int:
        return self.counts.get("error", 0)


def case_files(directory: str | Path, *, recursive: bool = False) -> list[Path]:
    directory = Path(directory)
    if not directory.is_dir():
        raise InputError(
            "batch_dir_not_found", f"{directory} is not a directory", f"{directory} 不是目录", field="directory"
        )
    pattern = "**/*" if recursive else "*"
    return sorted(p for p in directory.glob(pattern) if p.is_file() and p.suffix.lower() in CASE_SUFFIXES)


def _rule_ids(rulesets: tuple[Ruleset, ...]) -> tuple[str, ...]:
    return tuple(rule_id for rules in rulesets for rule_id in rules.rule_ids)


def _header(rulesets: tuple[Ruleset, ...]) -> list[str]:
    return [
        "file",
        "name",
        "outcome",
        "ruleset",
        "ruleset_version",
        "as_of",
        *_rule_ids(rulesets),
        "missing_facts",
        "needs_determination_by",
        "error_field",
        "error",
    ]


def _rows(
    files: list[Path],
    base: Path,
    rules: Ruleset | None,
    rulesets: tuple[Ruleset, ...],
    as_of: date | None,
    progress: Progress | None,
) -> Iterator[tuple[list[Any], str]]:
    ids = _rule_ids(rulesets)
    total = len(files)
    for n, path in enumerate(files, 1):
        rel = path.relative_to(base).as_posix()
        case = None
        try:
            case = load_case(path)
            det = assess(case, as_of=as_of, ruleset=rules)
        except InputError as exc:
            day = as_of or (case.as_of if case is not None else None)
            chosen = rules or (get_ruleset(ruleset_for(day)) if day else None)
            row = [rel, None, "error"]
            row += [chosen.id if chosen else None, chosen.version if chosen else None]
            row += [as_of.isoformat() if as_of else None]
            row += [None] * len(ids)
            row += [None, None, exc.field, exc.message_en]
            yield row, "error"
        else:
            by_rule = {f.rule: str(f.outcome) for f in det.findings}
            authorities = dict.fromkeys(a.code for f in det.findings for a in f.needs_determination_by)
            row = [rel, case.name, str(det.outcome), det.ruleset, det.ruleset_version, det.as_of.isoformat()]
            row += [by_rule.get(rule_id) for rule_id in ids]
            row += ["; ".join(det.missing_facts), "; ".join(authorities), None, None]
            yield row, str(det.outcome)
        if progress is not None:
            progress(n, total)


def batch_assess(
    directory: str | Path,
    out: str | Path,
    *,
    as_of: date | None = None,
    ruleset: str | Ruleset | None = None,
    progress: Progress | None = None,
    recursive: bool = False,
) -> BatchResult:
    """Assess every ``*.yaml``/``*.yml``/``*.json`` case in ``directory``; write one row per file to ``out``.

    Without ``ruleset`` each case is assessed with the ruleset of its day (:func:`ruleset_for` of ``as_of``
    or the case's own ``as_of``), and the table has a column for every rule of every ruleset.

    ``out`` ends in ``.csv`` or ``.xlsx``. A file that cannot be read or assessed becomes a row with outcome
    ``error`` and the field at fault; it does not stop the batch. ``progress(done, total)`` is called after
    each file. Rows are in file-name order, so the same directory always gives the same table.
    """
    out = Path(out)
    suffix = out.suffix.lower()
    if suffix not in (".csv", ".xlsx"):
        raise InputError(
            "batch_bad_output", "the summary must be a .csv or .xlsx file", "汇总文件须为 .csv 或 .xlsx", field="out"
        )
    rules = ruleset if isinstance(ruleset, Ruleset) or ruleset is None else get_ruleset(ruleset)
    rulesets = (rules,) if rules is not None else tuple(get_ruleset(name) for name in RULESET_NAMES)
    base = Path(directory)
    files = case_files(base, recursive=recursive)
    counts: Counter[str] = Counter()
    header = _header(rulesets)
    rows = _rows(files, base, rules, rulesets, as_of, progress)
    out.parent.mkdir(parents=True, exist_ok=True)
    if suffix == ".csv":
        with out.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(header)
            for row, outcome in rows:
                counts[outcome] += 1
                writer.writerow(["" if v is None else v for v in row])
    else:
        _write_xlsx(out, header, rows, counts, rulesets)
    return BatchResult(out=out, total=len(files), counts=dict(sorted(counts.items())))


# A text a spreadsheet would read as a formula (or DDE call) when the cell is edited: = + - @ tab CR, and their
# full-width forms. (The pure core cannot use bioseg.reporting.xlsx; this is its own copy of the rule.)
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n", "＝", "＋", "－", "＠")
_XML_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def _xlsx_cell(ws, value: Any):
    """Text always a text cell (never a formula or an error value), with the quote prefix where a spreadsheet
    would otherwise read it as a formula; everything else as it is."""
    from openpyxl.cell import WriteOnlyCell

    if not isinstance(value, str):
        return value
    text = _XML_ILLEGAL.sub("\ufffd", value)[:32_767]
    cell = WriteOnlyCell(ws, value=text)
    cell.data_type = "s"
    if text.startswith(_FORMULA_START):
        cell.quotePrefix = True
    return cell


def _write_xlsx(out: Path, header: list[str], rows, counts: Counter[str], rulesets: tuple[Ruleset, ...]) -> None:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("assessments")
    ws.freeze_panes = "D2"
    bold = Font(bold=True)
    head = []
    for name in header:
        cell = _xlsx_cell(ws, name)
        cell.font = bold
        head.append(cell)
    ws.append(head)
    for row, outcome in rows:
        counts[outcome] += 1
        ws.append([_xlsx_cell(ws, v) for v in row])
    summary = wb.create_sheet("summary")
    summary.append([WriteOnlyCell(summary, value=v) for v in ("outcome", "cases")])
    for outcome, n in sorted(counts.items()):
        summary.append([outcome, n])
    about = wb.create_sheet("rules")
    about.append(["rule", "version", "effective_from", "effective_until", "title_en", "title_zh", "citations"])
    for rule in (rule for rules in rulesets for rule in rules.rules):
        cites = "; ".join(f"{c.document.title_zh} {c.article_zh}" for c in rule.citations)
        about.append(
            [
                _xlsx_cell(about, v)
                for v in (
                    rule.id,
                    rule.version,
                    rule.effective_from.isoformat(),
                    rule.effective_until.isoformat() if rule.effective_until else None,
                    rule.title_en,
                    rule.title_zh,
                    cites,
                )
            ]
        )
    wb.save(out)
