"""The functions interfaces call: load a case, pick a ruleset, assess, render, publish the schema."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from ..rulebook import (
    Determination,
    InputError,
    Outcome,
    Parameters,
    RegulatorDetermination,
    Ruleset,
    determination_to_dict,
    evaluate,
    render_json,
    render_text,
)
from . import pilot2024, reg2026
from .case import Case, CaseError, parse_case
from .choice import ruleset_for

RULESET_BUILDERS: dict[str, Callable[[Parameters | None], Ruleset]] = {
    pilot2024.RULESET_ID: pilot2024.build,
    reg2026.RULESET_ID: reg2026.build,
}
RULESET_NAMES: tuple[str, ...] = tuple(RULESET_BUILDERS)
CASE_SUFFIXES = (".yaml", ".yml", ".json")


# ------------------------------------------------------------------------------------------------ rulesets


@cache
def _default_ruleset(name: str) -> Ruleset:
    return RULESET_BUILDERS[name](None)


def get_ruleset(name: str, *, parameters: Parameters | None = None) -> Ruleset:
    """A ruleset by name (``pilot2024`` or ``reg2026``), optionally with parameters maintained elsewhere."""
    if name not in RULESET_BUILDERS:
        raise InputError(
            "unknown_ruleset",
            f"unknown ruleset {name!r}; choose one of {', '.join(RULESET_NAMES)}",
            f"未知规则集 {name!r}；可选：{'、'.join(RULESET_NAMES)}",
            field="ruleset",
        )
    if parameters is None:
        return _default_ruleset(name)
    return RULESET_BUILDERS[name](parameters)


# ------------------------------------------------------------------------------------------------ reading cases


def _case_loader() -> type:
    base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

    class CaseLoader(base):  # type: ignore[misc, valid-type]
        """Safe YAML without implicit timestamps (dates are checked by the case model, which names the field)
        and with YAML 1.2 booleans only (so ``NO`` stays Norway, not false)."""

    resolvers = {}
    for first, entries in yaml.SafeLoader.yaml_implicit_resolvers.items():
        kept = [
            (tag, rx) for tag, rx in entries if tag not in ("tag:yaml.org,2002:timestamp", "tag:yaml.org,2002:bool")
        ]
        resolvers[first] = kept
    bool_rx = re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$")
    for first in "tTfF":
        resolvers.setdefault(first, []).insert(0, ("tag:yaml.org,2002:bool", bool_rx))
    CaseLoader.yaml_implicit_resolvers = resolvers
    return CaseLoader


CaseLoader = _case_loader()


def read_data_file(path: str | Path) -> Any:
    """Parse a YAML or JSON file into plain data, or raise :class:`CaseError`."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise CaseError(
            "case_file_not_found", f"case file {path} does not exist", f"案例文件 {path} 不存在", field=None
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise CaseError(
            "case_file_unreadable", f"cannot read case file {path}: {exc}", f"无法读取案例文件 {path}：{exc}"
        ) from None
    try:
        if path.suffix.lower() == ".json":
            return json.loads(text)
        return yaml.load(text, Loader=CaseLoader)  # noqa: S506 - a SafeLoader subclass
    except json.JSONDecodeError as exc:
        raise CaseError(
            "case_file_malformed",
            f"{path}: not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})",
            f"{path}：JSON 格式错误（第{exc.lineno}行第{exc.colno}列：{exc.msg}）",
            details={"line": exc.lineno, "column": exc.colno},
        ) from None
    except RecursionError:
        raise CaseError(
            "case_file_too_deep",
            f"{path}: nested too deeply to be a case file",
            f"{path}：嵌套层级过深，不是有效的案例文件",
        ) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
        where_zh = f"（第{mark.line + 1}行第{mark.column + 1}列）" if mark else ""
        raise CaseError(
            "case_file_malformed",
            f"{path}: not valid YAML{where}: {getattr(exc, 'problem', exc)}",
            f"{path}：YAML 格式错误{where_zh}：{getattr(exc, 'problem', exc)}",
        ) from None


def load_case(source: str | Path | Mapping[str, Any] | Case) -> Case:
    """A case from a file path (YAML or JSON), a mapping (e.g. an API request body) or a Case."""
    if isinstance(source, Case):
        return source
    if isinstance(source, Mapping):
        return parse_case(dict(source))
    return parse_case(read_data_file(source))


# ------------------------------------------------------------------------------------------------ assessing


def assess(
    case: Case | Mapping[str, Any] | str | Path,
    *,
    as_of: date | None = None,
    ruleset: str | Ruleset | None = None,
) -> Determination:
    """Assess a case. ``as_of`` overrides the case's own ``as_of``; one of them must be given. Without a
    ``ruleset``, the one that applies on that day (:func:`bioseg.regulation.ruleset_for`).

    Raises :class:`CaseError` (an :class:`InputError`) for a malformed case, a missing ``as_of`` or an
    ``as_of`` before the ruleset's first day.
    """
    parsed = load_case(case)
    if ruleset is not None and not isinstance(ruleset, Ruleset):
        ruleset = get_ruleset(ruleset)  # an unknown name is refused before a missing as_of
    day = as_of or parsed.as_of
    if day is None:
        raise CaseError(
            "as_of_missing",
            "as_of is missing: give it in the case or as an option",
            "缺少评估日期 as_of：请在案例中或通过参数提供",
            field="as_of",
        )
    rules = ruleset if ruleset is not None else get_ruleset(ruleset_for(day))
    return evaluate(parsed, day, ruleset=rules, determinations=recorded_determinations(parsed))


def recorded_determinations(case: Case) -> dict[str, RegulatorDetermination]:
    """The case's regulator determinations by rule id; two for one rule are refused (naming the rule)."""
    out: dict[str, RegulatorDetermination] = {}
    for i, item in enumerate(case.regulator_determinations or ()):
        if item.rule in out:
            raise CaseError(
                "determination_repeated",
                f"regulator_determinations[{i}]: a second determination on {item.rule}; a rule has at most one",
                f"regulator_determinations[{i}]：规则 {item.rule} 已有认定，每条规则至多一项",
                field=f"regulator_determinations[{i}].rule",
            )
        out[item.rule] = RegulatorDetermination(
            rule=item.rule,
            authority=item.authority,
            outcome=Outcome(item.outcome.value),
            determined_on=item.determined_on,
            text=item.text,
            reference=item.reference or "",
        )
    return out


def render(determination: Determination, *, fmt: str = "json", lang: str = "en") -> str:
    """``fmt`` is ``json`` or ``text``; ``lang`` (``en``/``zh``) applies to text."""
    if fmt == "json":
        return render_json(determination)
    if fmt == "text":
        return render_text(determination, lang=lang)
    raise InputError("unknown_format", f"unknown format {fmt!r}", f"未知格式 {fmt!r}", field="format")


def assess_to_dict(
    case: Case | Mapping[str, Any] | str | Path, *, as_of: date | None = None, ruleset: str | None = None
) -> dict[str, Any]:
    """Convenience for the API: the JSON-ready determination."""
    return determination_to_dict(assess(case, as_of=as_of, ruleset=ruleset))


# ------------------------------------------------------------------------------------------------ schema

SCHEMA_PATH = Path(__file__).resolve().parents[2] / "docs" / "case-schema.json"


def case_json_schema() -> dict[str, Any]:
    """The JSON Schema of the case format (served at /api/v1/schemas/case, written to docs/case-schema.json)."""
    schema = Case.model_json_schema()
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", **schema}


def case_json_schema_text() -> str:
    return json.dumps(case_json_schema(), ensure_ascii=False, indent=2, sort_keys=True) + "\n"


def write_case_schema(path: str | Path = SCHEMA_PATH) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(case_json_schema_text(), encoding="utf-8")
    return path
