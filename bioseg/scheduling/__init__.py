"""The inspection scheduler: pure Python and OR-Tools CP-SAT, no Django.

The exchange format of ``../shared/oversight/README.md`` in and out (:func:`parse_problem`, :meth:`Plan.as_dict`),
bioseg's own validator (:func:`validate_plan`), the CP-SAT model and its decomposition (:func:`solve`),
explanations of every assignment and of infeasibility (:mod:`.explain`), re-planning (``solve(previous=…,
keep=…)``) and the verifiable draws of unannounced inspections (:mod:`.draws`). See docs/scheduling.md.
"""

from .draws import Draw, commitment, draw_new, new_seed, parse_inputs, rederive
from .errors import ProblemError, SchedulingError
from .plan import FEASIBLE, INFEASIBLE, OPTIMAL, Assignment, Plan, parse_plan
from .problem import (
    Inspector,
    Job,
    Joint,
    Period,
    Problem,
    Site,
    load_json,
    load_problem_text,
    parse_problem,
    problem_to_dict,
)
from .solve import components, gap, solve
from .validate import Violation, validate_plan

__all__ = [
    "FEASIBLE",
    "INFEASIBLE",
    "OPTIMAL",
    "Assignment",
    "Draw",
    "Inspector",
    "Job",
    "Joint",
    "Period",
    "Plan",
    "Problem",
    "ProblemError",
    "SchedulingError",
    "Site",
    "Violation",
    "commitment",
    "components",
    "draw_new",
    "gap",
    "load_json",
    "load_problem_text",
    "new_seed",
    "parse_inputs",
    "parse_plan",
    "parse_problem",
    "problem_to_dict",
    "rederive",
    "solve",
    "validate_plan",
]
