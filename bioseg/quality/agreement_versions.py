"""Versions of a quality agreement's responsibility matrix, e-signed by both parties' quality people.

::

    (the holder's QA proposes the matrix as it stands: version N, frozen with its SHA-256)
    draft ──sign_holder✍ (the holder's QA or QP)──▶ holder_signed ──sign_cmo✍ (the contract manufacturer's QA)──▶ signed

Each signature binds the signing's event row, which names the frozen matrix's SHA-256 (so the first signature
stays intact when the second moves the version on); a later change of a duty is a new version. The
duties in force are the matrix's rows as they stand (``duties.duty_for``); the versions record what both quality
heads signed and when.
"""

from __future__ import annotations

import hashlib
import json

from django.db import transaction
from django.utils.translation import gettext_noop

from bioseg.accounts.models import User
from bioseg.accounts.roles import Role
from bioseg.audit.context import audit_context
from bioseg.audit.models import SignatureMeaning
from bioseg.audit.transitions import event_writer, transition
from bioseg.common.errors import PermissionDenied
from bioseg.common.workflow import Workflow, WrongState, step
from bioseg.quality.duties import duties_of
from bioseg.quality.models import AgreementVersion, AgreementVersionEvent, AgreementVersionStatus
from bioseg.quality.notifications import notify
from bioseg.registry.scope import own_enterprise_ids

D_, H_, S_ = AgreementVersionStatus.DRAFT, AgreementVersionStatus.HOLDER_SIGNED, AgreementVersionStatus.SIGNED


def _party(user, version, party: str) -> bool:
    own = own_enterprise_ids(user)
    if party == "holder":
        return version.agreement.holder_id in own
    if party == "cmo":
        return version.agreement.contract_manufacturer_id in own
    raise KeyError(party)


AGREEMENT_VERSION_WORKFLOW = Workflow(
    name="agreement_version",
    subject_en="agreement version",
    subject_zh="质量协议版本",
    is_party=_party,
    state_labels={
        D_: ("awaiting the holder's signature", "待持有人签名"),
        H_: ("awaiting the contract manufacturer's signature", "待受托方签名"),
        S_: ("signed by both parties", "双方已签名"),
    },
    steps=(
        step(
            "sign_holder",
            [D_],
            H_,
            event="signed_by_holder",
            label=("Sign the matrix for the holder", "代表持有人签署职责分工"),
            roles=[Role.HOLDER_QA, Role.QUALIFIED_PERSON],
            parties=["holder"],
            signature=SignatureMeaning.APPROVED,
        ),
        step(
            "sign_cmo",
            [H_],
            S_,
            event="signed_by_cmo",
            label=("Sign the matrix for the contract manufacturer", "代表受托方签署职责分工"),
            roles=[Role.CMO_QA],
            parties=["cmo"],
            signature=SignatureMeaning.APPROVED,
        ),
    ),
)


version_event = event_writer(AgreementVersionEvent, "version")


def matrix_json(agreement) -> str:
    rows = [
        {
            "activity": d.activity,
            "responsible": d.responsible,
            "approver": d.approver,
            "notify": d.notify,
            "notify_within_hours": d.notify_within_hours,
            "complete_within_days": d.complete_within_days,
            "default": d.default,
        }
        for d in duties_of(agreement)
    ]
    return json.dumps(rows, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def version_propose(*, actor: User, agreement) -> AgreementVersion:
    """The holder's QA freezes the matrix as it stands as the next version, to be signed by both parties."""
    if not (actor.has_role(Role.HOLDER_QA, Role.HOLDER_RA) and agreement.holder_id in own_enterprise_ids(actor)):
        raise PermissionDenied("propose a version of this quality agreement", "提出该质量协议的新版本")
    with (
        transaction.atomic(),
        audit_context(actor=actor, reason=gettext_noop("agreement matrix proposed for signature")),
    ):
        versions = AgreementVersion.objects.select_for_update().filter(agreement=agreement)
        if versions.exclude(status=S_).exists():
            raise WrongState(
                "version_unsigned",
                "A version of this agreement still awaits its signatures.",
                "该质量协议尚有版本待签名。",
                details={"action": "propose"},
            )
        body = matrix_json(agreement)
        last = versions.order_by("-number").first()
        if last is not None and last.sha256 == hashlib.sha256(body.encode()).hexdigest():
            raise WrongState(
                "version_unchanged",
                f"The matrix is unchanged since version {last.number}.",
                f"职责分工自第 {last.number} 版以来没有变化。",
                details={"action": "propose"},
            )
        version = AgreementVersion.objects.create(
            agreement=agreement,
            number=(last.number + 1) if last else 1,
            matrix=body,
            sha256=hashlib.sha256(body.encode()).hexdigest(),
            proposed_by=actor,
        )
    return version


def version_sign(*, actor: User, version: AgreementVersion, password: str) -> AgreementVersion:
    """The holder's, then the contract manufacturer's quality person signs the version (meaning "approved")."""
    action = "sign_holder" if version.status == D_ else "sign_cmo"
    with transition(
        AGREEMENT_VERSION_WORKFLOW,
        actor=actor,
        subject=version,
        action=action,
        reason=f"quality agreement {version.agreement.reference} version {version.number} signed",
        password=password,
        record_event=version_event,
        lock_related=("agreement",),
    ) as t:
        t.payload.update({"sha256": t.subject.sha256, "number": t.subject.number})
        a = t.subject.agreement
        if action == "sign_holder":
            notify(
                enterprise_ids={a.contract_manufacturer_id},
                activity="",  # about the agreement itself, not one of its activities
                subject=a,
                title=(
                    f"Quality agreement {a.reference} version {t.subject.number} awaits your signature",
                    f"质量协议 {a.reference} 第 {t.subject.number} 版待您签名",
                ),
                body=(f"SHA-256 {t.subject.sha256}", f"SHA-256 {t.subject.sha256}"),
                within_hours=72,
                exclude=actor,
            )
    return t.subject
