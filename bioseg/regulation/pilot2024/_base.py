"""What every topic of the pilot2024 ruleset shares: its id, its first day, how rule ids and categories read."""

from __future__ import annotations

from datetime import date

from ..case import CATEGORY_LABELS, Category

RULESET_ID = "pilot2024"
PLAN_ISSUED = date(2024, 10, 21)  # the plan's reported issue day: every rule's first version starts here
REG2026_IN_FORCE = date(2026, 5, 15)  # Order No. 828 in force: where rules citing the old Regulations change


def rule_id(short: str) -> str:
    return f"{RULESET_ID}.{short}"


def category_label(category: Category | None) -> tuple[str, str]:
    return CATEGORY_LABELS[category] if category is not None else ("unknown", "未知")
