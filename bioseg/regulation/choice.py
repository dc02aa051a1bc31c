"""Which ruleset applies on a day: decided here, from the rulesets' own dated parameters, for every interface.

The CLI (``bioseg assess`` without ``--ruleset``), the API (``POST /api/v1/assessments`` without a
``ruleset``), the eligibility wizard and the pilot-application workflow all call :func:`ruleset_for`, so the
same day gives the same ruleset everywhere. The decision reads three dated values, each with its citation:

- ``pilot2024`` ``application_deadline`` (2025-12-31, the plan's published headline);
- ``pilot2024`` ``pilot_end`` (2026-12-31, secondary sources);
- ``reg2026``'s first day, ``in_force_from`` (2026-05-15, Order No. 828 Art. 89).

The rule: the pilot plan (``pilot2024``) applies while it is the only basis in force, or while pilot
applications can still be made; once the Implementing Regulations are in force *and* the pilot no longer
takes applications (its deadline or its end has passed), the standing route (``reg2026``) applies. With
today's values: ``pilot2024`` up to 2026-05-14, ``reg2026`` from 2026-05-15. A day before the plan was
issued gets ``pilot2024``, whose first day then refuses it (``as_of_before_ruleset``), so the refusal
explains itself the same way in every interface.

Choosing a ruleset for a *new* assessment is all this does: an explicit ruleset (``--ruleset``, the API's
``ruleset``, the wizard's select, a stored application's ruleset) always wins.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import cache

from ..rulebook import Citation, Parameter
from .params import load_parameters

PILOT = "pilot2024"
STANDING = "reg2026"


@dataclass(frozen=True, slots=True)
class RulesetChoice:
    """The ruleset chosen for a day, why (in both languages) and the dated values it rests on."""

    day: date
    ruleset: str
    reason_en: str
    reason_zh: str
    citations: tuple[Citation, ...]


@dataclass(frozen=True, slots=True)
class _Dates:
    plan_issued: Parameter
    deadline: Parameter
    pilot_end: Parameter
    standing_from: Parameter


@cache
def _dates() -> _Dates:
    pilot = load_parameters(PILOT)
    standing = load_parameters(STANDING)
    return _Dates(
        plan_issued=pilot.get("plan_issued_on"),
        deadline=pilot.get("application_deadline"),
        pilot_end=pilot.get("pilot_end"),
        standing_from=standing.get("in_force_from"),
    )


def _value_on(param: Parameter, day: date) -> date:
    """The value in force on ``day``; before the parameter's first value, that first value (the day a
    law takes effect is known before it does)."""
    first = param.values[0]
    value = first.value if day < first.start else param.at(day).value
    if not isinstance(value, date):
        raise TypeError(f"parameter {param.name} must be a date, not {value!r}")
    return value


def _cites(*params: Parameter, day: date) -> tuple[Citation, ...]:
    out: dict[int, Citation] = {}
    for param in params:
        item = param.values[0] if day < param.values[0].start else param.at(day)
        for citation in item.citations:
            out.setdefault(id(citation), citation)
    return tuple(out.values())


def ruleset_choice(day: date) -> RulesetChoice:
    """The ruleset that applies on ``day``, with the reason and the citations of the dates it compares."""
    d = _dates()
    issued = _value_on(d.plan_issued, day)
    deadline = _value_on(d.deadline, day)
    end = _value_on(d.pilot_end, day)
    standing_from = _value_on(d.standing_from, day)
    iso = day.isoformat()
    if day < issued:
        return RulesetChoice(
            day,
            PILOT,
            f"{iso} is before the pilot plan was issued ({issued.isoformat()}): no ruleset covers it; the earliest, "
            "pilot2024, refuses the day.",
            f"{iso}早于试点工作方案印发日期（{issued.isoformat()}），没有规则集适用；最早的规则集 pilot2024 将拒绝评估该日期。",
            _cites(d.plan_issued, day=day),
        )
    if day < standing_from:
        later_en = (
            f" Applications closed on {deadline.isoformat()}; the pilot itself runs until {end.isoformat()}."
            if day > deadline
            else ""
        )
        later_zh = (
            f"试点申请已于{deadline.isoformat()}截止，试点本身持续至{end.isoformat()}。" if day > deadline else ""
        )
        return RulesetChoice(
            day,
            PILOT,
            f"On {iso} the Implementing Regulations (Order No. 828) are not yet in force (from "
            f"{standing_from.isoformat()}): the pilot plan is the only basis.{later_en}",
            f"{iso}《药品管理法实施条例》（国务院令第828号）尚未施行（自{standing_from.isoformat()}起施行），"
            f"试点工作方案是唯一依据。{later_zh}",
            _cites(d.standing_from, d.deadline, d.pilot_end, day=day),
        )
    if day <= deadline and day <= end:
        return RulesetChoice(
            day,
            PILOT,
            f"On {iso} pilot applications are still open (until {deadline.isoformat()}): the pilot plan applies; "
            "the Implementing Regulations are in force too (assess with reg2026 as well).",
            f"{iso}仍可提出试点申请（截至{deadline.isoformat()}），适用试点工作方案；《药品管理法实施条例》亦已施行"
            "（可同时按 reg2026 评估）。",
            _cites(d.deadline, d.standing_from, day=day),
        )
    closed_en = (
        f"the pilot ended on {end.isoformat()}" if day > end else f"pilot applications closed on {deadline.isoformat()}"
    )
    closed_zh = f"试点已于{end.isoformat()}结束" if day > end else f"试点申请已于{deadline.isoformat()}截止"
    return RulesetChoice(
        day,
        STANDING,
        f"On {iso} the Implementing Regulations (Order No. 828, Arts. 31–34) are in force (since "
        f"{standing_from.isoformat()}) and {closed_en}: the standing route applies. A pilot approval is read by "
        "reg2026.transition.pilot_approval.",
        f"{iso}《药品管理法实施条例》（国务院令第828号）第三十一条至第三十四条已施行（自{standing_from.isoformat()}起），"
        f"且{closed_zh}：适用常设途径。试点批复由规则 reg2026.transition.pilot_approval 衔接。",
        _cites(d.standing_from, d.deadline, d.pilot_end, day=day),
    )


def ruleset_for(day: date) -> str:
    """The id of the ruleset that applies on ``day`` (``pilot2024`` or ``reg2026``); see :func:`ruleset_choice`."""
    return ruleset_choice(day).ruleset
