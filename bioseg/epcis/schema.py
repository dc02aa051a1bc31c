"""Validation against GS1's official EPCIS 2.0 JSON Schema, with formats really checked.

``jsonschema`` is the authority: it produces the error list (with JSON pointers) and the tests validate every
exported document with it. Its interpreter costs ~2.5 ms per event on this schema, though, an order of
magnitude too slow for bulk capture, so the happy path goes through ``FastValidator``: the same schema
compiled once into nested Python closures for the draft-07 keywords the GS1 schema uses, with the very same
``FormatChecker`` (``rfc3987`` for URIs, ``rfc3339-validator`` for date-times). It only answers valid / not
valid; when it says "not valid", ``jsonschema`` is run to say why. Tests check the two agree on the official
examples, the schema-test fixtures and a set of mutated documents.

Why not ``fastjsonschema`` (evaluated for issue 4, 2.22.3, formats wired to the same checker with a cache):
it gives the same verdict as ``jsonschema`` on all 185 samples above (47 examples, 7 fixtures, 131 documents,
103 of them invalid) — but its generated code drives ``anyOf`` with exceptions, so on new 10,000-event
documents it validated 4,273 events/s against FastValidator's 12,691, and the pure capture (parse, validate,
identifiers, hash, normalise; no database) fell to 1,745 events/s against 2,419 — below the 2,000 events/s
target before anything is stored (same machine, interleaved runs). It also rewrites the schema dict it is
given. So FastValidator stays; it is checked against ``jsonschema`` by the tests.

The official schema is GS1's file and is not shipped with bioseg: ``load_schema`` reads the file that
``BIOSEG_EPCIS_SCHEMA`` names (see docs/operations.md) and raises ``SchemaNotFound`` — an ``ApplicationError``
(503) that tells the operator what to set — when it is not set or not readable.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Iterator
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from jsonschema import FormatChecker
from jsonschema.validators import validator_for

from bioseg.errors import ApplicationError

__all__ = [
    "FastValidator",
    "SchemaNotFound",
    "format_checker",
    "iter_schema_problems",
    "load_schema",
    "schema_path",
    "schema_validator",
]

#: The environment variable that names GS1's ``EPCIS-JSON-Schema.json`` (operators download it from GS1).
SCHEMA_ENV = "BIOSEG_EPCIS_SCHEMA"


class SchemaNotFound(ApplicationError):
    """The official schema is not configured or not readable: capture cannot validate, so it refuses."""

    status = 503

    def __init__(self, detail: str, path: str | None = None) -> None:
        super().__init__(
            "epcis_schema_not_configured",
            f"EPCIS capture is not available: {detail}. Download GS1's EPCIS-JSON-Schema.json "
            f"(the EPCIS 2.0 JSON binding) and set {SCHEMA_ENV} to its path.",
            f"EPCIS 导入不可用：{detail}。请下载 GS1 的 EPCIS-JSON-Schema.json（EPCIS 2.0 JSON 绑定），"
            f"并将环境变量 {SCHEMA_ENV} 设为其路径。",
            details={"setting": SCHEMA_ENV, "path": path},
        )


def schema_path() -> Path:
    """Where the official ``EPCIS-JSON-Schema.json`` is: ``$BIOSEG_EPCIS_SCHEMA``, nothing else."""
    value = os.environ.get(SCHEMA_ENV, "").strip()
    if not value:
        raise SchemaNotFound(f"{SCHEMA_ENV} is not set")
    path = Path(value)
    if not path.is_file():
        raise SchemaNotFound(f"{SCHEMA_ENV} names {value!r}, which is not a file", value)
    return path


@lru_cache(maxsize=4)
def _load(path: str) -> dict[str, Any]:
    try:
        with open(path, encoding="utf-8") as handle:
            return json.load(handle)
    except (OSError, ValueError) as err:
        raise SchemaNotFound(f"{path} cannot be read as JSON ({err})", path) from err


def load_schema(path: str | os.PathLike[str] | None = None) -> dict[str, Any]:
    return _load(str(path or schema_path()))


def format_checker() -> FormatChecker:
    """A ``FormatChecker`` that really checks ``uri`` and ``date-time``; raises if it cannot."""
    import rfc3339_validator  # noqa: F401  - without these jsonschema silently skips the formats
    import rfc3987  # noqa: F401

    checker = FormatChecker()
    for needed in ("uri", "date-time"):
        if needed not in checker.checkers:  # pragma: no cover - guarded by the imports above
            raise RuntimeError(f"jsonschema cannot check format {needed!r}")
    return checker


@lru_cache(maxsize=4)
def _schema_validator(path: str) -> Any:
    schema = _load(path)
    cls = validator_for(schema)
    cls.check_schema(schema)
    return cls(schema, format_checker=format_checker())


def schema_validator(path: str | os.PathLike[str] | None = None) -> Any:
    """The ``jsonschema`` validator for the official schema, built once."""
    return _schema_validator(str(path or schema_path()))


def _pointer(path: Any) -> str:
    return "".join("/" + str(part).replace("~", "~0").replace("/", "~1") for part in path)


def _leaves(error: Any) -> Iterator[Any]:
    if error.context:
        for sub in error.context:
            yield from _leaves(sub)
    else:
        yield error


def _message(error: Any) -> str:
    if error.validator in ("anyOf", "oneOf", "allOf", "not", "if", "then", "else"):
        return f"does not match the schema ({error.validator})"
    message = error.message
    return message if len(message) <= 300 else message[:297] + "..."


def iter_schema_problems(document: Any, path: str | os.PathLike[str] | None = None) -> Iterator[tuple[str, str]]:
    """``(json_pointer, message)`` for every schema violation. For ``anyOf``/``oneOf`` failures the
    deepest failing field is reported (what a person can fix), or the alternatives' reasons when none is
    deeper than the object itself."""
    validator = schema_validator(path)
    seen: set[tuple[str, str]] = set()
    for error in sorted(validator.iter_errors(document), key=lambda e: list(map(str, e.absolute_path))):
        found: tuple[str, str]
        if error.context:
            leaves = list(_leaves(error))
            depth = max(len(leaf.absolute_path) for leaf in leaves)
            if depth > len(error.absolute_path):
                deepest = [leaf for leaf in leaves if len(leaf.absolute_path) == depth]
                found = (_pointer(deepest[0].absolute_path), _message(deepest[0]))
            else:
                reasons = sorted({_message(leaf) for leaf in leaves})
                found = (_pointer(error.absolute_path), "; ".join(reasons[:4]) + ("; …" if len(reasons) > 4 else ""))
        else:
            found = (_pointer(error.absolute_path), _message(error))
        if found not in seen:
            seen.add(found)
            yield found


# ---------------------------------------------------------------------------------------------------------
# Closure compiler for the draft-07 subset the GS1 schema uses

Check = Callable[[Any], bool]

_TYPES: dict[str, Callable[[Any], bool]] = {
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "string": lambda v: isinstance(v, str),
    "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
    "integer": lambda v: (isinstance(v, int) and not isinstance(v, bool)) or (isinstance(v, float) and v.is_integer()),
    "boolean": lambda v: isinstance(v, bool),
    "null": lambda v: v is None,
}
_SUPPORTED = frozenset(
    {
        "$id", "$schema", "$ref", "$comment", "definitions", "title", "description", "examples", "default",
        "type", "enum", "const", "pattern", "format", "properties", "required", "additionalProperties",
        "propertyNames", "items", "minItems", "maxItems", "uniqueItems", "minLength", "maxLength", "allOf",
        "anyOf", "oneOf", "not", "if", "then", "else",
    }
)  # fmt: skip


def _json_equal(a: Any, b: Any) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_json_equal(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_json_equal(a[k], b[k]) for k in a)
    if isinstance(a, str) != isinstance(b, str):
        return False
    return a == b


def _unique(items: list) -> bool:
    if all(isinstance(item, str) for item in items):
        return len(set(items)) == len(items)
    for i, item in enumerate(items):
        for other in items[i + 1 :]:
            if _json_equal(item, other):
                return False
    return True


class FastValidator:
    """The official schema compiled to closures: ``is_valid(document) -> bool``, same answer as jsonschema."""

    def __init__(self, schema: dict[str, Any], checker: FormatChecker | None = None) -> None:
        self._root = schema
        self._checker = checker or format_checker()
        self._format_cache: dict[tuple[str, str], bool] = {}
        self._refs: dict[str, Check] = {}
        self.is_valid: Check = self._compile(schema)

    def _format(self, fmt: str) -> Check:
        if fmt not in self._checker.checkers:
            return lambda v: True  # jsonschema ignores formats it does not know, so do we
        conforms = self._checker.conforms
        cache = self._format_cache

        def check(value: Any) -> bool:
            if not isinstance(value, str):
                return conforms(value, fmt)
            key = (fmt, value)
            result = cache.get(key)
            if result is None:
                result = conforms(value, fmt)
                if len(cache) > 500_000:
                    cache.clear()
                cache[key] = result
            return result

        return check

    def _resolve(self, ref: str) -> Check:
        if ref in self._refs:
            return self._refs[ref]
        if not ref.startswith("#"):
            raise ValueError(f"only local $ref are supported, got {ref!r}")
        slot: list[Check] = []
        self._refs[ref] = lambda v: slot[0](v)  # recursion-safe forward reference
        target: Any = self._root
        for part in ref[1:].split("/")[1:]:
            part = unquote(part).replace("~1", "/").replace("~0", "~")
            target = target[int(part)] if isinstance(target, list) else target[part]
        compiled = self._compile(target)
        slot.append(compiled)
        self._refs[ref] = compiled
        return compiled

    def _compile(self, schema: Any) -> Check:  # noqa: C901 - one branch per keyword
        if schema is True or schema == {}:
            return lambda v: True
        if schema is False:
            return lambda v: False
        unknown = set(schema) - _SUPPORTED
        if unknown:
            raise ValueError(f"unsupported schema keywords: {sorted(unknown)}")
        if "$ref" in schema:  # draft-07: siblings of $ref are ignored
            return self._resolve(schema["$ref"])
        checks: list[Check] = []
        if "type" in schema:
            names = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
            preds = [_TYPES[n] for n in names]
            checks.append(preds[0] if len(preds) == 1 else (lambda v, ps=preds: any(p(v) for p in ps)))
        if "enum" in schema:
            options = schema["enum"]
            if all(isinstance(o, str) for o in options):
                strings = frozenset(options)
                checks.append(lambda v, s=strings: isinstance(v, str) and v in s)
            else:
                checks.append(lambda v, os_=options: any(_json_equal(v, o) for o in os_))
        if "const" in schema:
            checks.append(lambda v, c=schema["const"]: _json_equal(v, c))
        if "pattern" in schema:
            search = re.compile(schema["pattern"]).search
            checks.append(lambda v, s=search: not isinstance(v, str) or s(v) is not None)
        if "minLength" in schema:
            checks.append(lambda v, n=schema["minLength"]: not isinstance(v, str) or len(v) >= n)
        if "maxLength" in schema:
            checks.append(lambda v, n=schema["maxLength"]: not isinstance(v, str) or len(v) <= n)
        if "format" in schema:
            checks.append(self._format(schema["format"]))
        if "required" in schema:
            required = tuple(schema["required"])
            checks.append(lambda v, r=required: not isinstance(v, dict) or all(k in v for k in r))
        if "properties" in schema:
            props = {name: self._compile(sub) for name, sub in schema["properties"].items()}

            def check_properties(v: Any, props: dict[str, Check] = props) -> bool:
                if not isinstance(v, dict):
                    return True
                for name, check in props.items():
                    if name in v and not check(v[name]):
                        return False
                return True

            checks.append(check_properties)
        if "additionalProperties" in schema:
            known = frozenset(schema.get("properties", ()))
            extra = self._compile(schema["additionalProperties"])
            checks.append(
                lambda v, known=known, extra=extra: (
                    not isinstance(v, dict) or all(extra(v[k]) for k in v if k not in known)
                )
            )
        if "propertyNames" in schema:
            names_check = self._compile(schema["propertyNames"])
            cache: dict[str, bool] = {}

            def check_names(v: Any, names_check: Check = names_check, cache: dict[str, bool] = cache) -> bool:
                if not isinstance(v, dict):
                    return True
                for key in v:
                    ok = cache.get(key)
                    if ok is None:
                        ok = names_check(key)
                        if len(cache) < 10_000:
                            cache[key] = ok
                    if not ok:
                        return False
                return True

            checks.append(check_names)
        if "items" in schema:
            items = schema["items"]
            if isinstance(items, list):
                positional = [self._compile(s) for s in items]
                checks.append(
                    lambda v, ps=positional: not isinstance(v, list) or all(p(x) for p, x in zip(ps, v, strict=False))
                )
            else:
                each = self._compile(items)

                def check_items(v: Any, each: Check = each) -> bool:
                    if isinstance(v, list):
                        for x in v:
                            if not each(x):
                                return False
                    return True

                checks.append(check_items)
        if "minItems" in schema:
            checks.append(lambda v, n=schema["minItems"]: not isinstance(v, list) or len(v) >= n)
        if "maxItems" in schema:
            checks.append(lambda v, n=schema["maxItems"]: not isinstance(v, list) or len(v) <= n)
        if schema.get("uniqueItems"):
            checks.append(lambda v: not isinstance(v, list) or _unique(v))
        if "allOf" in schema:
            checks.extend(self._compile(s) for s in schema["allOf"])
        if "anyOf" in schema:
            any_of = tuple(self._compile(s) for s in schema["anyOf"])

            def check_any(v: Any, subs: tuple[Check, ...] = any_of) -> bool:
                for sub in subs:
                    if sub(v):
                        return True
                return False

            checks.append(check_any)
        if "oneOf" in schema:
            subs = [self._compile(s) for s in schema["oneOf"]]
            checks.append(lambda v, subs=subs: sum(1 for s in subs if s(v)) == 1)
        if "not" in schema:
            negated = self._compile(schema["not"])
            checks.append(lambda v, n=negated: not n(v))
        if "if" in schema and ("then" in schema or "else" in schema):
            condition = self._compile(schema["if"])
            then = self._compile(schema.get("then", True))
            otherwise = self._compile(schema.get("else", True))
            checks.append(lambda v, c=condition, t=then, o=otherwise: t(v) if c(v) else o(v))
        if not checks:
            return lambda v: True
        if len(checks) == 1:
            return checks[0]
        checks_t = tuple(checks)

        def check_all(v: Any, cs: tuple[Check, ...] = checks_t) -> bool:
            for check in cs:
                if not check(v):
                    return False
            return True

        return check_all


@lru_cache(maxsize=4)
def _fast_validator(path: str) -> FastValidator:
    return FastValidator(_load(path))


def fast_validator(path: str | os.PathLike[str] | None = None) -> FastValidator:
    return _fast_validator(str(path or schema_path()))
