"""The law as code: the 2024 pilot plan (``pilot2024``) and the Implementing Regulations 2026 (``reg2026``).

What interfaces call::

    from bioseg.regulation import assess, load_case, render, batch_assess, case_json_schema

    det = assess("case.yaml", as_of=None)   # the ruleset of that day (ruleset_for), or ruleset="reg2026"
    print(render(det, fmt="text", lang="zh"))
    data = determination_to_dict(det)       # JSON for the API

Errors a user can fix are :class:`bioseg.rulebook.InputError` (``CaseError`` for cases): a code, a
message in English and Chinese, and the field at fault. No Django import here (import-linter contract).
"""

from ..rulebook import Determination, InputError, determination_to_dict, render_json, render_text
from .api import (
    RULESET_NAMES,
    SCHEMA_PATH,
    assess,
    assess_to_dict,
    case_json_schema,
    case_json_schema_text,
    get_ruleset,
    load_case,
    read_data_file,
    render,
    write_case_schema,
)
from .batch import BatchResult, batch_assess, case_files
from .case import Case, CaseError, Category, Origin, Stage, parse_case
from .choice import RulesetChoice, ruleset_choice, ruleset_for
from .params import load_parameters, parameters_to_dict

__all__ = [
    "RULESET_NAMES",
    "SCHEMA_PATH",
    "BatchResult",
    "Case",
    "CaseError",
    "Category",
    "Determination",
    "InputError",
    "Origin",
    "RulesetChoice",
    "Stage",
    "assess",
    "assess_to_dict",
    "batch_assess",
    "case_files",
    "case_json_schema",
    "case_json_schema_text",
    "determination_to_dict",
    "get_ruleset",
    "load_case",
    "load_parameters",
    "parameters_to_dict",
    "parse_case",
    "read_data_file",
    "render",
    "render_json",
    "render_text",
    "ruleset_choice",
    "ruleset_for",
    "write_case_schema",
]
