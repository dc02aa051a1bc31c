"""The standing route: Implementing Regulations of the Drug Administration Law (State Council Order No. 828,
promulgated 2026-01-16, in force 2026-05-15), Arts. 31–34, as ruleset ``reg2026``.

Rule ids are ``reg2026.art<N>.<topic>`` plus ``reg2026.transition.pilot_approval``; one module per article
(:mod:`.art31`, :mod:`.art32`, :mod:`.art33`, :mod:`.art34`) and :mod:`.transition`, each rule's function
next to its ``Rule(...)``. The pilot's extra conditions (≥3 years, ≥2 stationed people, joint plan, pilot
regions) are *not* in these articles; whether they still apply is not settled (Q12) and is said in every
determination's notes rather than guessed.
"""

from __future__ import annotations

from ...rulebook import Parameters, Rule, Ruleset
from ..params import load_parameters
from . import art31, art32, art33, art34, transition
from ._base import IN_FORCE, RULESET_ID

RULESET_VERSION = "1.2.0"

RULES: tuple[Rule, ...] = (
    art31.PROHIBITED,
    art31.NO_REDELEGATION,
    art32.SEGMENTED,
    art32.DRUG_SCOPE,
    art32.GENUINE_NEED,
    art32.UNIFIED_QA_SYSTEM,
    art33.VACCINE,
    art34.ELECTRONIC_RECORDS,
    transition.PILOT_APPROVAL,
)


def build(parameters: Parameters | None = None) -> Ruleset:
    params = parameters or load_parameters(RULESET_ID)
    return Ruleset(
        id=RULESET_ID,
        version=RULESET_VERSION,
        title_en="Segmented production under the Implementing Regulations (2026)",
        title_zh="药品管理法实施条例（2026）下的分段生产",
        valid_from=params.value("in_force_from", IN_FORCE),
        rules=RULES,
        parameters=params,
        valid_from_reason_en="the revised Implementing Regulations take effect on 2026-05-15 (Art. 89)",
        valid_from_reason_zh="修订后的实施条例自2026年5月15日起施行（第八十九条）",
        notes=transition.notes,
    )


__all__ = ["IN_FORCE", "RULES", "RULESET_ID", "RULESET_VERSION", "build"]
