"""Holds that stack: the ``hold`` and ``lift_hold`` steps of ``LOT_WORKFLOW``, taken by bioseg itself.

A hold is placed by an act (a temperature excursion found in a logger file, a recall, a critical deviation) and
lifted only by that act's own conclusion (the excursion's assessment, the recall's closure, the deviation's
closure). While any hold is in force the lot is ``on_hold``; when the last one goes it returns to the status it had
before the first (``LotHold.previous_status`` — "the base": quarantine or released), never to a status a later
act set. Rejected and recalled lots are final: holds are still recorded on them, but never change them back.

These run inside the caller's transaction and audit context; lots are locked in id order (``select_for_update``)
so concurrent holds and lifts on the same lot serialise.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction

from bioseg.common import clock
from bioseg.production.models import LotEvent, LotEventKind, LotHold, LotStatus
from bioseg.production.workflows import TERMINAL

CHUNK = 900


def _chunks(ids: list[int]) -> Iterable[list[int]]:
    for i in range(0, len(ids), CHUNK):
        yield ids[i : i + CHUNK]


def _bases(lot_ids: list[int]) -> dict[int, str]:
    """For lots already on hold: the base status recorded by their holds in force."""
    bases: dict[int, str] = {}
    for chunk in _chunks(lot_ids):
        for lot_id, before in (
            LotHold.objects.filter(lot_id__in=chunk, lifted=False)
            .exclude(previous_status=LotStatus.ON_HOLD)
            .order_by("lot_id", "id")
            .values_list("lot_id", "previous_status")
        ):
            bases.setdefault(lot_id, before)
    return bases


def holds_place(
    *,
    lot_ids: Iterable[int],
    kind: str,
    actor,
    message: tuple[str, str],
    excursion=None,
    recall=None,
    source: str = "",
) -> list[int]:
    """Places one hold of ``kind`` on each lot (``excursion`` / ``recall`` / ``source`` name the act) and puts the
    lots that are not final on hold; returns the ids of the lots whose status changed. One event per lot."""
    from bioseg.production.models import Lot

    assert transaction.get_connection().in_atomic_block, "holds are placed inside the act's transaction"
    ids = sorted(set(lot_ids))
    now = clock.now()
    changed: list[int] = []
    for chunk in _chunks(ids):
        lots = list(Lot.objects.select_for_update().filter(id__in=chunk).order_by("id").values_list("id", "status"))
        bases = _bases([pk for pk, status in lots if status == LotStatus.ON_HOLD])
        holds, events = [], []
        for pk, status in lots:
            base = bases.get(pk, LotStatus.QUARANTINE) if status == LotStatus.ON_HOLD else status
            holds.append(
                LotHold(lot_id=pk, kind=kind, excursion=excursion, recall=recall, source=source, previous_status=base)
            )
            final = status in TERMINAL
            events.append(
                LotEvent(
                    lot_id=pk,
                    kind=LotEventKind.HELD,
                    status_from=status,
                    status_to=status if final else LotStatus.ON_HOLD,
                    actor=actor,
                    occurred_at=now,
                    message_en=message[0],
                    message_zh=message[1],
                    data={"hold_kind": kind, "source": source or _source(excursion, recall)},
                )
            )
            if not final and status != LotStatus.ON_HOLD:
                changed.append(pk)
        LotHold.objects.bulk_create(holds)
        LotEvent.objects.bulk_create(events)
    for chunk in _chunks(changed):
        Lot.objects.filter(id__in=chunk).update(status=LotStatus.ON_HOLD, updated_at=now)
    return changed


def _source(excursion, recall) -> str:
    if excursion is not None:
        return f"production.excursion:{excursion.pk}"
    if recall is not None:
        return f"production.recallaction:{recall.pk}"
    return ""


def holds_lift(*, holds: Iterable[LotHold], actor, message: tuple[str, str], final_status: str | None = None) -> None:
    """Lifts ``holds`` (all placed by one act). Each lot returns to its base status once no other hold is in
    force — or, with ``final_status`` (rejected/recalled: the act's conclusion), takes that status at once."""
    from bioseg.production.models import Lot

    now = clock.now()
    for hold in sorted(holds, key=lambda h: h.lot_id):
        lot = Lot.objects.select_for_update().get(pk=hold.lot_id)
        hold.lifted = True
        hold.lifted_at = now
        hold.save(update_fields=["lifted", "lifted_at", "updated_at"])
        before = lot.status
        if before in TERMINAL:
            after = before
        elif final_status is not None:
            after = final_status
        elif lot.holds.filter(lifted=False).exists():
            after = before
        else:
            after = hold.previous_status if hold.previous_status != LotStatus.ON_HOLD else LotStatus.QUARANTINE
        if after != before:
            lot.status = after
            lot.save(update_fields=["status", "updated_at"])
        LotEvent.objects.create(
            lot=lot,
            kind=LotEventKind.REJECTED
            if final_status == LotStatus.REJECTED and after != before
            else LotEventKind.HOLD_LIFTED,
            status_from=before,
            status_to=after,
            actor=actor,
            occurred_at=now,
            message_en=message[0],
            message_zh=message[1],
            data={
                "hold_id": hold.pk,
                "hold_kind": hold.kind,
                "source": hold.source or _source(hold.excursion, hold.recall),
            },
        )
