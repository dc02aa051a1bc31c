"""One way to write a state machine: a declarative table of steps that services enforce, pages and the API read
to offer only the allowed actions, and tests enumerate.

A ``Workflow`` lists its ``Step``\\ s: the action, the states it may start from, the state it leads to (``None``:
the state stays), the roles allowed, the *parties* the actor's organisation must be (e.g. the lot's holder, the
enterprise that made it — each workflow says how a party is recognised), the event written and the meaning of the
e-signature it requires, if any. A step with ``system=True`` is taken by bioseg itself (a hold placed by a
temperature excursion), never offered to a person.

- ``allowed_steps(user, subject)`` — what a page or the API offers this user now.
- ``check_actor(user, subject, action)`` → ``PermissionDenied`` (403); ``check_state(subject, action)`` →
  ``WrongState`` (409). Every refusal has the same ``details`` shape: ``{"action", "state", "allowed_from"}`` or
  ``{"action"}``.

Executing a step (lock the row, re-check, write the state, the event row and the signature in one transaction,
side effects ``on_commit``) is ``bioseg.audit.transitions.transition``: the audit trail and e-signatures live in the
platform layer above this one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from bioseg.common.errors import ApplicationError, PermissionDenied


class WrongState(ApplicationError):
    """A transition refused because of the subject's state (409)."""

    status = 409


@dataclass(frozen=True)
class Step:
    action: str
    sources: frozenset[str]
    target: str | None
    event: str
    label_en: str
    label_zh: str
    roles: frozenset[str] = frozenset()
    parties: frozenset[str] = frozenset()
    signature: str | None = None
    system: bool = False

    @property
    def signed(self) -> bool:
        return self.signature is not None


def step(
    action: str,
    sources: Iterable[str],
    target: str | None,
    *,
    event: str,
    label: tuple[str, str],
    roles: Iterable[str] = (),
    parties: Iterable[str] = (),
    signature: str | None = None,
    system: bool = False,
) -> Step:
    """A row of a workflow table (keyword style, so a table reads like one)."""
    return Step(
        action=action,
        sources=frozenset(str(s) for s in sources),
        target=None if target is None else str(target),
        event=event,
        label_en=label[0],
        label_zh=label[1],
        roles=frozenset(str(r) for r in roles),
        parties=frozenset(parties),
        signature=None if signature is None else str(signature),
        system=system,
    )


PartyCheck = Callable[[Any, Any, str], bool]  # (user, subject, party) -> is the user's organisation that party?


@dataclass(frozen=True)
class Workflow:
    name: str
    subject_en: str  # "lot", "pilot application": the words refusals use
    subject_zh: str
    steps: tuple[Step, ...]
    is_party: PartyCheck
    state_field: str = "status"
    state_labels: dict[str, tuple[str, str]] = field(default_factory=dict)  # state → (English, Chinese)

    def __post_init__(self) -> None:
        actions = [s.action for s in self.steps]
        if len(actions) != len(set(actions)):
            raise ValueError(f"workflow {self.name}: an action is listed twice")

    # --- reading the table -------------------------------------------------------------------------------

    def get(self, action: str) -> Step:
        for s in self.steps:
            if s.action == action:
                return s
        raise KeyError(f"workflow {self.name} has no action {action!r}")

    @property
    def actions(self) -> list[str]:
        return [s.action for s in self.steps]

    def state_of(self, subject) -> str:
        return str(getattr(subject, self.state_field))

    def state_label(self, state: str, language: str = "en") -> str:
        en, zh = self.state_labels.get(state, (state, state))
        return zh if language.startswith("zh") else en

    # --- who may ---------------------------------------------------------------------------------------------

    def actor_may(self, user, subject, step: Step) -> bool:
        if step.system:
            return False
        if user is None or not getattr(user, "is_authenticated", False) or not getattr(user, "is_active", False):
            return False
        if step.roles and not user.has_role(*step.roles):
            return False
        return not step.parties or any(self.is_party(user, subject, p) for p in sorted(step.parties))

    def check_actor(self, user, subject, action: str) -> Step:
        s = self.get(action)
        if not self.actor_may(user, subject, s):
            raise PermissionDenied(s.label_en[:1].lower() + s.label_en[1:], s.label_zh)
        return s

    def check_state(self, subject, action: str) -> Step:
        s = self.get(action)
        state = self.state_of(subject)
        if state not in s.sources:
            raise WrongState(
                "wrong_state",
                f"The {self.subject_en} is {self.state_label(state)}: "
                f"“{s.label_en}” is possible only when it is "
                + " or ".join(self.state_label(x) for x in sorted(s.sources))
                + ".",
                f"该{self.subject_zh}当前状态为“{self.state_label(state, 'zh')}”：只有在"
                + "或".join(f"“{self.state_label(x, 'zh')}”" for x in sorted(s.sources))
                + f"状态下才能{s.label_zh}。",
                details={"action": action, "state": state, "allowed_from": sorted(s.sources)},
            )
        return s

    def allowed_steps(self, user, subject) -> list[Step]:
        """The steps this user may take on ``subject`` now (state, role and party all allow it)."""
        state = self.state_of(subject)
        return [s for s in self.steps if state in s.sources and self.actor_may(user, subject, s)]

    def allowed_actions(self, user, subject) -> list[str]:
        return [s.action for s in self.allowed_steps(user, subject)]

    def rows(self) -> list[dict[str, Any]]:
        """The table as data (documentation, the API's description of a workflow, tests)."""
        return [
            {
                "action": s.action,
                "from": sorted(s.sources),
                "to": s.target,
                "roles": sorted(s.roles),
                "parties": sorted(s.parties),
                "event": s.event,
                "signature": s.signature,
                "system": s.system,
                "label_en": s.label_en,
                "label_zh": s.label_zh,
            }
            for s in self.steps
        ]
