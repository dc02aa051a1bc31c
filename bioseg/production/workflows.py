"""The state machines of production, as tables (``bioseg.common.workflow``): a lot's status and an excursion's
disposition. Services execute them with ``bioseg.audit.transitions.transition``; pages and the API offer
``allowed_actions``; tests enumerate every row.

Lot status (``Lot.status``)::

    quarantine ──release_cmo✍ (CMO QA of the maker; status stays)──┐
        │  └──release_qp✍ (the holder's QP)──▶ released             │
        │                                                         ◀──┘
        ├─ hold (bioseg: an excursion, a recall, a deviation) ──▶ on_hold ── lift (by the hold's own act, when
        │                                                                    no other hold is left) ──▶ the status
        │                                                                    before the first hold
        ├─ reject✍ (QA of the holder or the maker; from quarantine or on hold) ──▶ rejected
        └─ recall✍ (the holder's QA or QP; from quarantine, released or on hold) ──▶ on_hold (a recall hold on the
           lot and every lot downstream) or recalled

Excursion (``Excursion.status``): open ──accept✍ / reject✍ (QA of the party the quality agreement names for the
disposition after an excursion — by default the holder: ``production.disposition``)──▶ assessed

✍ = e-signature with the password re-entered, with the meaning the row names.
"""

from __future__ import annotations

from bioseg.accounts.roles import Role
from bioseg.audit.models import SignatureMeaning
from bioseg.audit.transitions import event_writer
from bioseg.common.workflow import Workflow, step
from bioseg.production.disposition import excursion_disposition_authority
from bioseg.production.models import (
    STATUS_EN,
    STATUS_ZH,
    ExcursionStatus,
    LotEvent,
    LotEventKind,
    LotStatus,
)
from bioseg.registry.scope import own_enterprise_ids

Q_, R_, H_, O_ = LotStatus.QUARANTINE, LotStatus.RELEASED, LotStatus.ON_HOLD, LotStatus.RECALLED
QA = (Role.HOLDER_QA, Role.QUALIFIED_PERSON, Role.CMO_QA)


def _lot_party(user, lot, party: str) -> bool:
    own = own_enterprise_ids(user)
    if party == "holder":
        return lot.product.holder_id in own
    if party == "maker":
        return lot.site.enterprise_id in own
    raise KeyError(party)


LOT_WORKFLOW = Workflow(
    name="lot",
    subject_en="lot",
    subject_zh="批",
    is_party=_lot_party,
    state_labels={k: (STATUS_EN[k], STATUS_ZH[k]) for k in STATUS_EN},
    steps=(
        step(
            "release_cmo",
            [Q_],
            None,
            event=LotEventKind.RELEASED_CMO,
            label=("Release the lot as contract-manufacturer QA", "以受托方质量部门身份放行该批"),
            roles=[Role.CMO_QA],
            parties=["maker"],
            signature=SignatureMeaning.RELEASED,
        ),
        step(
            "release_qp",
            [Q_],
            R_,
            event=LotEventKind.RELEASED,
            label=("Release the lot as qualified person", "以质量受权人身份放行该批"),
            roles=[Role.QUALIFIED_PERSON],
            parties=["holder"],
            signature=SignatureMeaning.RELEASED,
        ),
        step(
            "reject",
            [Q_, H_],
            LotStatus.REJECTED,
            event=LotEventKind.REJECTED,
            label=("Reject the lot", "拒收该批"),
            roles=QA,
            parties=["holder", "maker"],
            signature=SignatureMeaning.REJECTED,
        ),
        step(
            "recall",
            [Q_, R_, H_],
            H_,
            event=LotEventKind.RECALLED,
            label=("Recall the lot", "召回该批"),
            roles=[Role.HOLDER_QA, Role.QUALIFIED_PERSON],
            parties=["holder"],
            signature=SignatureMeaning.RECALLED,
        ),
        step(
            "hold",
            [Q_, R_, H_],
            H_,
            event=LotEventKind.HELD,
            label=("Put the lot on hold", "暂停使用该批"),
            system=True,
        ),
        step(
            "lift_hold",
            [H_],
            None,  # the status before the first hold, decided when the last hold goes
            event=LotEventKind.HOLD_LIFTED,
            label=("Lift a hold", "解除暂停"),
            system=True,
        ),
    ),
)

# Lots in these states are never used, shipped or released; a hold or its lifting never changes them.
TERMINAL = frozenset({LotStatus.REJECTED, LotStatus.RECALLED})
assert O_ in TERMINAL


lot_event = event_writer(LotEvent, "lot")  # the event writer of ``LOT_WORKFLOW`` (``transition(record_event=…)``)


def _excursion_party(user, excursion, party: str) -> bool:
    own = own_enterprise_ids(user)
    if party == "holder":
        return excursion.product.holder_id in own
    if party == "receiver":
        return excursion.shipment.to_site_id is not None and excursion.shipment.to_site.enterprise_id in own
    if party == "disposer":  # the party the quality agreement names (by default the holder): ``disposition``
        return bool(excursion_disposition_authority(excursion).enterprise_ids & own)
    raise KeyError(party)


EXCURSION_WORKFLOW = Workflow(
    name="excursion",
    subject_en="excursion",
    subject_zh="温度偏离",
    is_party=_excursion_party,
    state_labels={
        ExcursionStatus.OPEN: ("open", "待评估"),
        ExcursionStatus.ASSESSED: ("assessed", "已评估"),
    },
    steps=(
        step(
            "accept",
            [ExcursionStatus.OPEN],
            ExcursionStatus.ASSESSED,
            event="accepted",
            label=("Accept the excursion: quality not affected", "接受该温度偏离：质量未受影响"),
            roles=QA,
            parties=["disposer"],
            signature=SignatureMeaning.APPROVED,
        ),
        step(
            "reject",
            [ExcursionStatus.OPEN],
            ExcursionStatus.ASSESSED,
            event="rejected",
            label=("Reject the lots the excursion concerns", "拒收该温度偏离涉及的批"),
            roles=QA,
            parties=["disposer"],
            signature=SignatureMeaning.REJECTED,
        ),
    ),
)
