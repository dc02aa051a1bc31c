"""bioseg's rules engine: pure Python, no Django.

A :class:`Ruleset` holds versioned :class:`Rule` objects with citations and effective periods;
:func:`evaluate` runs the rules in force on a date against a case and returns a :class:`Determination`
with every :class:`Finding` and an explanation tree. The engine knows nothing about the pilot plan: the
content lives in :mod:`bioseg.regulation`.
"""

from .dates import add_years, years_completed_on
from .engine import decide, evaluate
from .errors import (
    InputError,
    ParameterNotDefinedError,
    RulebookError,
    RuleDefinitionError,
    RulesetNotInForceError,
)
from .model import (
    OUTCOME_LABELS,
    Authority,
    Check,
    Citation,
    Context,
    Determination,
    Document,
    ExplanationNode,
    Finding,
    Note,
    Outcome,
    Overall,
    Parameter,
    Parameters,
    ParameterValue,
    RegulatorDetermination,
    Rule,
    Ruleset,
    Verdict,
    Verification,
    failed,
    not_applicable,
    passed,
    undetermined,
)
from .render import determination_to_dict, render_json, render_text

__all__ = [
    "OUTCOME_LABELS",
    "Authority",
    "Check",
    "Citation",
    "Context",
    "Determination",
    "Document",
    "ExplanationNode",
    "Finding",
    "InputError",
    "Note",
    "Outcome",
    "Overall",
    "Parameter",
    "ParameterNotDefinedError",
    "ParameterValue",
    "RegulatorDetermination",
    "Parameters",
    "Rule",
    "RuleDefinitionError",
    "RulebookError",
    "Ruleset",
    "RulesetNotInForceError",
    "Verdict",
    "Verification",
    "add_years",
    "decide",
    "determination_to_dict",
    "evaluate",
    "failed",
    "not_applicable",
    "passed",
    "render_json",
    "render_text",
    "undetermined",
    "years_completed_on",
]
