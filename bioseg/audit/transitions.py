"""Executing one step of a workflow table (``bioseg.common.workflow``): lock, decide, write, event, sign.

    with transition(LOT_WORKFLOW, actor=qp, subject=lot, action="release_qp", reason=why,
                    password=pw, record_event=lot_event) as t:
        ...                       # t.subject is the locked, freshly read row: check what only the domain knows,
        t.sign(release)           # write the step's records, and say what the signature binds (default: the event)
        t.payload["release_id"] = release.pk

In order: the actor's role and party are checked (``PermissionDenied``, 403), the re-entered password of a signed
step is verified *outside* any transaction (so a wrong one counts toward the lockout), then — in one transaction —
the subject row is locked (``select_for_update``: two requests cannot both pass the same check) and re-read, its
state checked (``WrongState``, 409), the body runs, the target state is saved, the event row is written by the
workflow's ``record_event(subject, step, actor, payload, state_from, state_to)`` and the signature (the step's
meaning) is bound to the record the body named. Anything raised inside undoes all of it. Side effects registered
with ``t.after_commit(fn)`` run once the transaction has committed (notifications, e-mail).

An e-signature is taken only here, as a step of a table, with the meaning that step names — never free-standing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import translation

from bioseg.audit.context import audit_context
from bioseg.audit.services import signature_sign, signer_check
from bioseg.common import clock
from bioseg.common.workflow import Step, Workflow

EventWriter = Callable[..., Any]


@dataclass
class Transition:
    subject: Any
    step: Step
    actor: Any
    reason: str
    state_from: str
    target: str | None
    workflow_field: str = "status"
    payload: dict[str, Any] = field(default_factory=dict)
    signed: Any = None
    event: Any = None
    _after: list[Callable[[], None]] = field(default_factory=list)

    def sign(self, record) -> None:
        """The record the step's signature binds (default: the event row)."""
        self.signed = record

    def go_to(self, state: str) -> None:
        """A step whose target depends on the outcome (an excursion accepted or rejected) sets it here."""
        self.target = state

    def moved_to(self, state: str) -> None:
        """The body already wrote the new state (a bulk update that included the subject): the step records it
        without saving the row a second time."""
        self.target = state
        setattr(self.subject, self.workflow_field, state)

    def after_commit(self, fn: Callable[[], None]) -> None:
        self._after.append(fn)


@contextmanager
def transition(
    workflow: Workflow,
    *,
    actor,
    subject,
    action: str,
    reason: str,
    record_event: EventWriter | None,
    password: str | None = None,
    lock_related: tuple[str, ...] = (),
) -> Iterator[Transition]:
    step = workflow.check_actor(actor, subject, action)
    workflow.check_state(subject, action)  # a quick refusal before the password is asked; re-checked under the lock
    if step.signed:
        signer_check(user=actor, password=password)
    model = type(subject)
    with transaction.atomic():
        qs = model._default_manager.select_for_update(of=("self",))
        if lock_related:
            qs = qs.select_related(*lock_related)
        locked = qs.get(pk=subject.pk)
        workflow.check_state(locked, action)
        workflow.check_actor(actor, locked, action)
        t = Transition(
            subject=locked,
            step=step,
            actor=actor,
            reason=reason,
            state_from=workflow.state_of(locked),
            target=step.target,
            workflow_field=workflow.state_field,
        )
        with audit_context(actor=actor, reason=reason):
            yield t
            if t.target is not None and t.target != workflow.state_of(locked):
                setattr(locked, workflow.state_field, t.target)
                locked.save(update_fields=[workflow.state_field, "updated_at"])
            if record_event is not None:
                t.event = record_event(
                    subject=locked,
                    step=step,
                    actor=actor,
                    payload=t.payload,
                    state_from=t.state_from,
                    state_to=workflow.state_of(locked),
                    reason=reason,
                )
        if step.signed:
            if (t.signed or t.event) is None:
                raise RuntimeError(f"{workflow.name}.{action}: a signed step must name what it signs")
            signature_sign(
                user=actor, password=password, obj=t.signed or t.event, meaning=step.signature, reason=reason
            )
        for fn in t._after:
            transaction.on_commit(fn)
    if subject is not locked:
        setattr(subject, workflow.state_field, workflow.state_of(locked))


def event_writer(model, subject_field: str) -> EventWriter:
    """The ``record_event`` of a workflow whose event table is ``model`` (an ``EventRecord`` with a foreign key
    ``subject_field`` to the subject): one row per step, its message the step's label and the reason, or the
    ``message=(en, zh)`` a service passes."""

    def write(*, subject, step, actor, payload, state_from, state_to, reason, message=None):
        en, zh = message or (step.label_en + ".", step.label_zh + "。")
        if reason:
            # a reason the platform wrote itself is in the catalogue: each message gets it in its own language
            with translation.override("en"):
                reason_en = translation.gettext(reason)
            with translation.override("zh-hans"):
                reason_zh = translation.gettext(reason)
            en, zh = f"{en} {reason_en}", f"{zh}{reason_zh}"
        return model.objects.create(
            **{subject_field: subject},
            kind=step.event,
            status_from=state_from,
            status_to=state_to,
            actor=actor,
            occurred_at=clock.now(),
            message_en=en,
            message_zh=zh,
            data=dict(payload),
        )

    return write
