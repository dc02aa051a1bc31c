"""What every article of the reg2026 ruleset shares: its id and the day Order No. 828 takes effect."""

from __future__ import annotations

from datetime import date

RULESET_ID = "reg2026"
IN_FORCE = date(2026, 5, 15)  # Art. 89: “本条例自2026年5月15日起施行。”


def rule_id(short: str) -> str:
    return f"{RULESET_ID}.{short}"
