"""Small helpers shared by the rulesets: empty defaults, three-valued logic, bilingual lists, per-CMO flags."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from ..rulebook import Check, Outcome, Verdict, not_applicable, passed, undetermined
from ..rulebook import failed as fail_verdict
from .case import Application, Capabilities, Case, Holder, JointRegulatoryPlan, PilotApproval, Product
from .facts import CmoView, contract_manufacturers

EMPTY_PRODUCT = Product()
EMPTY_HOLDER = Holder()
EMPTY_CAPABILITIES = Capabilities()
EMPTY_APPLICATION = Application()
EMPTY_PLAN = JointRegulatoryPlan()
EMPTY_PILOT_APPROVAL = PilotApproval()


def product(case: Case) -> Product:
    return case.product or EMPTY_PRODUCT


def holder(case: Case) -> Holder:
    return case.holder or EMPTY_HOLDER


def application(case: Case) -> Application:
    return case.application or EMPTY_APPLICATION


def en_list(items: Iterable[str]) -> str:
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def zh_list(items: Iterable[str]) -> str:
    return "、".join(items)


def or3(*values: bool | None) -> bool | None:
    """Kleene disjunction: True if any is True, False if all are False, else unknown (None)."""
    if any(v is True for v in values):
        return True
    if all(v is False for v in values):
        return False
    return None


def and3(*values: bool | None) -> bool | None:
    if any(v is False for v in values):
        return False
    if all(v is True for v in values):
        return True
    return None


def combine_checks(checks: list[tuple[Check, tuple[str, ...], tuple]]) -> Outcome:
    """fail if any check fails, else undetermined if any is, else pass."""
    outcomes = [c.outcome for c, _, _ in checks]
    if Outcome.FAIL in outcomes:
        return Outcome.FAIL
    if Outcome.UNDETERMINED in outcomes:
        return Outcome.UNDETERMINED
    return Outcome.PASS


def per_cmo_flag(
    case: Case,
    *,
    attr: str,
    good: bool,
    what_en: str,
    what_zh: str,
    pass_en: str,
    pass_zh: str,
    fail_en: str,
    fail_zh: str,
) -> Verdict:
    """A rule that every contract manufacturer must satisfy through one yes/no fact ``attr``."""

    def judge(view: CmoView) -> tuple[Outcome, str | None]:
        value = getattr(view.entry, attr) if view.entry is not None else None
        if value is None:
            return Outcome.UNDETERMINED, f"{view.path}.{attr}"
        return (Outcome.PASS if value is good else Outcome.FAIL), None

    return per_cmo(
        case,
        judge=judge,
        facts_attr=attr,
        what_en=what_en,
        what_zh=what_zh,
        pass_en=pass_en,
        pass_zh=pass_zh,
        fail_en=fail_en,
        fail_zh=fail_zh,
    )


def per_cmo(
    case: Case,
    *,
    judge: Callable[[CmoView], tuple[Outcome, str | None]],
    facts_attr: str,
    what_en: str,
    what_zh: str,
    pass_en: str,
    pass_zh: str,
    fail_en: str,
    fail_zh: str,
) -> Verdict:
    cmos = contract_manufacturers(case)
    if not cmos.items:
        if cmos.missing:
            return undetermined(
                f"The contract manufacturers are not known, so {what_en} cannot be checked.",
                f"尚不清楚有哪些受托生产企业，无法核查{what_zh}。",
                missing=cmos.missing,
            )
        return not_applicable(
            "No contract manufacturer is involved (see scope.segmented).",
            "不涉及受托生产企业（见 scope.segmented）。",
        )
    checks: list[Check] = []
    missing: list[str] = list(cmos.missing)
    facts = []
    failing: list[str] = []
    for view in cmos.items:
        outcome, missing_path = judge(view)
        value = getattr(view.entry, facts_attr) if view.entry is not None else None
        facts.append((f"{view.path}.{facts_attr}", value))
        if outcome is Outcome.PASS:
            checks.append(Check(view.label, outcome, pass_en, pass_zh))
        elif outcome is Outcome.FAIL:
            failing.append(view.label)
            checks.append(Check(view.label, outcome, fail_en, fail_zh))
        else:
            missing.append(missing_path or view.path)
            checks.append(Check(view.label, outcome, f"not known whether {what_en}", f"尚不清楚是否{what_zh}"))
    if failing:
        return fail_verdict(
            f"{en_list(failing)}: {fail_en}",
            f"{zh_list(failing)}：{fail_zh}",
            facts=tuple(facts),
            checks=tuple(checks),
        )
    if missing:
        return undetermined(
            f"Not known for every contract manufacturer whether {what_en}.",
            f"尚不清楚每家受托生产企业是否{what_zh}。",
            missing=tuple(missing),
            facts=tuple(facts),
            checks=tuple(checks),
        )
    return passed(
        f"Every contract manufacturer ({en_list(v.label for v in cmos.items)}): {pass_en}",
        f"每家受托生产企业（{zh_list(v.label for v in cmos.items)}）均{pass_zh}",
        facts=tuple(facts),
        checks=tuple(checks),
    )
