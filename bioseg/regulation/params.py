"""Load the dated parameters of a ruleset from ``parameters/<ruleset>.yaml``."""

from __future__ import annotations

from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from ..rulebook import Parameter, Parameters, ParameterValue
from . import sources

PARAMETER_DIR = Path(__file__).with_name("parameters")


def _citation(key: str):
    value = getattr(sources, key, None)
    if value is None or not hasattr(value, "document"):
        raise ValueError(f"unknown citation key {key!r} in a parameter file")
    return value


def parameters_from_mapping(data: dict[str, Any]) -> Parameters:
    items: dict[str, Parameter] = {}
    for name, spec in data.items():
        values = []
        for raw in spec["values"]:
            start = raw["from"]
            if not isinstance(start, date):
                raise ValueError(f"parameter {name}: 'from' must be a date, got {start!r}")
            values.append(
                ParameterValue(
                    start=start,
                    value=_freeze(raw["value"]),
                    citations=tuple(_citation(key) for key in raw.get("citations", ())),
                    note_en=raw.get("basis_en", ""),
                    note_zh=raw.get("basis_zh", ""),
                )
            )
        values.sort(key=lambda v: v.start)
        if not values or any(not v.citations for v in values):
            raise ValueError(f"parameter {name}: every value needs at least one citation")
        items[name] = Parameter(
            name=name,
            description_en=spec.get("description_en", ""),
            description_zh=spec.get("description_zh", ""),
            values=tuple(values),
            unit=spec.get("unit", ""),
        )
    return Parameters(items)


def _freeze(value: Any) -> Any:
    if isinstance(value, list):
        return tuple(_freeze(v) for v in value)
    return value


@cache
def load_parameters(ruleset: str) -> Parameters:
    """The shipped parameters of ``ruleset`` (``pilot2024`` or ``reg2026``)."""
    path = PARAMETER_DIR / f"{ruleset}.yaml"
    with path.open(encoding="utf-8") as handle:
        return parameters_from_mapping(yaml.safe_load(handle))


def parameters_to_dict(parameters: Parameters) -> dict[str, Any]:
    """A JSON-ready view of dated parameters with their citations (for docs and the API)."""
    out: dict[str, Any] = {}
    for name, param in parameters.items.items():
        out[name] = {
            "description_en": param.description_en,
            "description_zh": param.description_zh,
            "unit": param.unit,
            "values": [
                {
                    "from": v.start.isoformat(),
                    "value": [x for x in v.value] if isinstance(v.value, tuple) else _iso(v.value),
                    "basis_en": v.note_en,
                    "basis_zh": v.note_zh,
                    "citations": [c.as_dict() for c in v.citations],
                }
                for v in param.values
            ],
        }
    return out


def _iso(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date) else value
