"""From an application to the case the rules read, and from a determination to what is stored.

- The **effective facts** are the registry's facts (``case_from_product``) with the holder's declared facts
  laid over them (dicts merge key by key; a declared list replaces the registry's list).
- Facts the **workflow owns** are laid over the effective facts when the case is assessed: the submission
  day (``application.submitted_on``) and the provinces that approved the joint regulatory plan
  (``joint_regulatory_plan.agreed_by``, empty until the plan is agreed in bioseg). Neither the registry nor
  the holder may state them.
- A stored determination keeps the **canonical JSON** (sorted keys, compact, UTF-8) of the case and of
  the determination, so re-running the same ruleset version on the same case and ``as_of`` can be compared
  byte for byte.
"""

from __future__ import annotations

import copy
import hashlib
import json
from datetime import date
from typing import Any

from bioseg.common.errors import ValidationFailed
from bioseg.regulation import (
    CaseError,
    InputError,
    assess,
    determination_to_dict,
    get_ruleset,
    parameters_to_dict,
    parse_case,
)
from bioseg.regulation.facts import place_of

WORKFLOW_KEYS = ("as_of", "application", "joint_regulatory_plan")


def canonical_json(data: Any) -> str:
    return json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _named_items(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(v, dict) and isinstance(v.get("name"), str) for v in value)


def deep_merge(base: Any, over: Any) -> Any:
    """Dicts merge key by key; lists of named objects (e.g. ``contract_manufacturers``) merge by ``name``
    (a declared entry completes the registry's entry of the same name, new names are appended); any other
    value, including other lists, is replaced by the declared one."""
    if isinstance(base, dict) and isinstance(over, dict):
        out = dict(base)
        for key, value in over.items():
            out[key] = deep_merge(base.get(key), value) if key in base else copy.deepcopy(value)
        return out
    if _named_items(base) and _named_items(over) and base and over:
        merged = [dict(item) for item in base]
        index = {item["name"]: i for i, item in enumerate(merged)}
        for item in over:
            if item["name"] in index:
                merged[index[item["name"]]] = deep_merge(merged[index[item["name"]]], item)
            else:
                index[item["name"]] = len(merged)
                merged.append(copy.deepcopy(item))
        return merged
    return copy.deepcopy(over)


def jsonable(data: Any) -> Any:
    """Dates as ISO strings, so facts survive a JSON column on either engine unchanged."""
    return json.loads(json.dumps(data, default=lambda v: v.isoformat() if isinstance(v, date) else str(v)))


def effective_facts(registry: dict[str, Any], declared: dict[str, Any]) -> dict[str, Any]:
    merged = deep_merge(jsonable(registry or {}), jsonable(declared or {}))
    for key in WORKFLOW_KEYS:
        merged.pop(key, None)
    return merged


def input_error_to_validation(exc: InputError, prefix: str = "facts") -> ValidationFailed:
    """A rules-core input error as a field error: ``as_of``/``ruleset`` as themselves, case fields under
    ``prefix`` (e.g. ``facts.product.category``)."""
    field = exc.field
    if field in ("as_of", "ruleset"):
        key = field
    else:
        key = f"{prefix}.{field}" if field else prefix
    return ValidationFailed({key: (exc.message_en, exc.message_zh)})


def check_facts(facts: dict[str, Any]) -> None:
    """The facts must be a valid case (every field optional); raises ValidationFailed naming the field."""
    try:
        parse_case(dict(facts))
    except CaseError as exc:
        raise input_error_to_validation(exc) from None


def workflow_case(
    facts: dict[str, Any], *, submitted_on: date | None, agreed_by: list[str] | None = None
) -> dict[str, Any]:
    case = copy.deepcopy(facts)
    if submitted_on is not None:
        case["application"] = {"submitted_on": submitted_on.isoformat()}
    case["joint_regulatory_plan"] = {"agreed_by": sorted(agreed_by or [])}
    return case


def involved_provinces(facts: dict[str, Any], holder_region: str = "") -> list[str]:
    """Provinces whose regulators supervise a party: the holder's (PSM Art. 50) and every domestic segment's."""
    provinces: set[str] = set()
    regions = [((facts.get("holder") or {}).get("region"))]
    regions += [(seg or {}).get("region") for seg in (facts.get("segments") or [])]
    if holder_region:
        regions.append(holder_region)
    for region in regions:
        if not isinstance(region, str) or not region:
            continue
        place = place_of(region)
        if place is not None and place.kind == "province":
            provinces.add(place.province)
    return sorted(provinces)


def named_enterprises(facts: dict[str, Any]) -> set[str]:
    """Normalised names of the enterprises the facts name as making a segment or as contract manufacturers."""
    names: set[str] = set()
    for seg in facts.get("segments") or []:
        if isinstance(seg, dict) and isinstance(seg.get("enterprise"), str):
            names.add(norm(seg["enterprise"]))
    for cmo in facts.get("contract_manufacturers") or []:
        if isinstance(cmo, dict) and isinstance(cmo.get("name"), str):
            names.add(norm(cmo["name"]))
    return names


def norm(name: str) -> str:
    return " ".join(name.split()).casefold()


def parameters_digest(ruleset) -> str:
    return sha256_text(canonical_json(parameters_to_dict(ruleset.parameters)))


def run(case: dict[str, Any], *, as_of: date, ruleset_name: str) -> dict[str, Any]:
    """Assesses ``case`` and returns what a StoredDetermination keeps (without writing anything)."""
    try:
        ruleset = get_ruleset(ruleset_name)
        det = assess(case, as_of=as_of, ruleset=ruleset)
    except InputError as exc:
        raise input_error_to_validation(exc) from None
    data = determination_to_dict(det)
    case_text = canonical_json(case)
    det_text = canonical_json(data)
    return {
        "determination": det,
        "data": data,
        "ruleset": det.ruleset,
        "ruleset_version": det.ruleset_version,
        "as_of": det.as_of,
        "outcome": str(det.outcome),
        "case_json": case_text,
        "case_sha256": sha256_text(case_text),
        "determination_json": det_text,
        "determination_sha256": sha256_text(det_text),
        "parameters_sha256": parameters_digest(ruleset),
    }
