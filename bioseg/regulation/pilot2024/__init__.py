"""The 2024 pilot plan (生物制品分段生产试点工作方案) and the rules it leans on, as ruleset ``pilot2024``.

Rule ids are ``pilot2024.<topic>.<rule>`` (e.g. ``pilot2024.cmo.experience``). One module per topic, as
the ids group (OpenFisca's ``variables/`` habit): :mod:`.scope`, :mod:`.holder`, :mod:`.cmo`,
:mod:`.region`, :mod:`.cross_province`, :mod:`.cross_border`, :mod:`.timeline`. In each, a rule's function
sits next to its ``Rule(...)`` with its citations (Catala habit); the cited passages themselves live in
:mod:`bioseg.regulation.sources`. :data:`RULES` lists them in the order the ruleset evaluates and explains
them (the issue's table), which is also the order the wizard asks the missing facts.
"""

from __future__ import annotations

from datetime import date

from ...rulebook import Parameters, Rule, Ruleset
from ..params import load_parameters
from . import cmo, cross_border, cross_province, holder, region, scope, timeline
from ._base import PLAN_ISSUED, REG2026_IN_FORCE, RULESET_ID

RULESET_VERSION = "1.3.0"

RULES: tuple[Rule, ...] = (
    scope.BIOLOGIC,
    scope.PROHIBITED_2024,
    scope.PROHIBITED_2026,
    scope.CATEGORY,
    scope.VACCINE_SEGMENTATION,
    scope.SEGMENTED,
    holder.CAPABILITIES,
    holder.ORIGINAL_PRODUCT,
    cmo.EXPERIENCE,
    cmo.QA_SYSTEM,
    cmo.UNIFIED_QMS,
    holder.STATIONED_PERSONNEL,
    region.PILOT_REGION,
    cross_province.JOINT_PLAN,
    cross_border.PARTICIPATION,
    timeline.APPLICATION_DEADLINE,
    timeline.PILOT_PERIOD,
)


def build(parameters: Parameters | None = None) -> Ruleset:
    """The pilot2024 ruleset; pass ``parameters`` to use e.g. a pilot-region list maintained by NMPA users."""
    params = parameters or load_parameters(RULESET_ID)
    issued: date = params.value("plan_issued_on", PLAN_ISSUED)
    return Ruleset(
        id=RULESET_ID,
        version=RULESET_VERSION,
        title_en="Segmented-production pilot (NMPA, 2024)",
        title_zh="生物制品分段生产试点（国家药监局，2024）",
        valid_from=issued,
        rules=RULES,
        parameters=params,
        valid_from_reason_en="the pilot plan was issued on that day",
        valid_from_reason_zh="试点工作方案于该日印发",
        precheck=timeline.precheck,
        notes=timeline.notes,
    )


__all__ = ["PLAN_ISSUED", "REG2026_IN_FORCE", "RULES", "RULESET_ID", "RULESET_VERSION", "build"]
